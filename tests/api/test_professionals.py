"""Verification documents and professional profiles."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.support import assert_error

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def upload(api, token, data: bytes, filename="doc.pdf"):
    return api.post(
        "/api/professionals/me/document",
        token,
        data={"document": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("data, ctype", [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_upload_and_view(app, market, data, ctype):
    api = market.api
    resp = upload(api, market.pending_token, data, "my licence.pdf")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["user"]["approval"] == "pending"
    pid = market.pending["professional_id"]
    detail = api.get(f"/api/professionals/{pid}", market.admin).get_json()
    assert detail["has_document"] is True and detail["document_content_type"] == ctype
    for token in (market.admin, market.pending_token):
        doc = api.get(f"/api/professionals/{pid}/document", token)
        assert doc.status_code == 200
        assert doc.data == data
        assert doc.mimetype == ctype
        assert doc.headers["X-Content-Type-Options"] == "nosniff"
    stored = list(Path(app.config["UPLOAD_DIR"]).iterdir())
    assert all("licence" not in p.name for p in stored)


def test_document_hidden_from_others(market):
    api = market.api
    upload(api, market.pending_token, PDF)
    pid = market.pending["professional_id"]
    for token in (market.alice_token, market.pro_token):
        assert_error(api.get(f"/api/professionals/{pid}/document", token), 404)
        assert_error(api.get(f"/api/professionals/{pid}", token), 404)
    assert_error(api.get(f"/api/professionals/{pid}/document"), 401)


def test_rejects_wrong_types_by_content(market):
    api = market.api
    for data, name in ((b"<html><script>alert(1)</script></html>", "x.pdf"), (b"GIF89a....", "x.png"), (b"", "x.pdf")):
        assert_error(upload(api, market.pending_token, data, name), 422, "document")
    pid = market.pending["professional_id"]
    assert api.get(f"/api/professionals/{pid}", market.admin).get_json()["has_document"] is False


def test_rejects_over_5_mb(market):
    big = PDF + b"0" * (5 * 1024 * 1024)
    assert_error(upload(market.api, market.pending_token, big), 413)


def test_missing_file_field(market):
    resp = market.api.post("/api/professionals/me/document", market.pending_token, data={}, content_type="multipart/form-data")
    assert_error(resp, 422, "document")


def test_only_professionals_upload(market):
    assert_error(upload(market.api, market.alice_token, PDF), 403)
    assert_error(upload(market.api, None, PDF), 401)


def test_replacing_removes_the_old_file(app, market):
    upload(market.api, market.pending_token, PDF)
    upload(market.api, market.pending_token, PNG, "photo.png")
    assert len(list(Path(app.config["UPLOAD_DIR"]).glob("*"))) >= 1
    pid = market.pending["professional_id"]
    assert market.api.get(f"/api/professionals/{pid}/document", market.admin).data == PNG


def test_no_document_yet(market):
    assert_error(market.api.get(f"/api/professionals/{market.pro['professional_id']}/document", market.admin), 404)


def test_an_upload_shows_the_approved_professional_as_verified_at_once(market):
    """The package list is cached: the upload itself must drop it, or `verified` lags by up to a minute."""
    api = market.api
    path = f"/api/service-packages/{market.plumbing}"

    def verified():
        rows = api.get(path, market.alice_token).get_json()
        return next(r["verified"] for r in rows if r["professional_id"] == market.pro["professional_id"])

    assert verified() is False
    assert verified() is False  # now served from the cache
    assert upload(api, market.pro_token, PDF).status_code == 200
    assert verified() is True
