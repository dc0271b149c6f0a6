"""The user object (GET /api/auth/me, login, registration) of a professional says what document they
uploaded, so the app shows it after a reload; reading it costs no extra query."""

from __future__ import annotations

import io
from datetime import datetime

from tests.factories import make_service

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCUMENT_FIELDS = {"has_document", "document_name", "document_content_type", "document_size", "document_uploaded_at"}


def upload(api, token, data: bytes, filename: str):
    return api.post(
        "/api/professionals/me/document", token, data={"document": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def me(api, token) -> dict:
    resp = api.get("/api/auth/me", token)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["user"]


def test_the_document_is_in_the_user_object_after_a_reload(app, api, count_queries):
    service = make_service(app, "Carpentry")
    user, token = api.register_professional(service, approve=False, email="doc-pro@example.com")
    assert {k: user[k] for k in DOCUMENT_FIELDS} == {
        "has_document": False, "document_name": None, "document_content_type": None, "document_size": None,
        "document_uploaded_at": None,
    }
    me(api, token)  # the identity cached
    with count_queries() as before:
        me(api, token)

    assert upload(api, token, PDF, "trade licence.pdf").status_code == 200
    # A reload: a fresh login and the current user, as the app does on start.
    fresh = api.login("doc-pro@example.com")
    for found in (me(api, fresh), me(api, token)):
        assert found["has_document"] is True
        assert found["document_name"] == "trade licence.pdf"
        assert found["document_content_type"] == "application/pdf"
        assert found["document_size"] == len(PDF)
        assert datetime.fromisoformat(found["document_uploaded_at"]).utcoffset() is not None
    login = api.post("/api/auth/login", json={"email": "doc-pro@example.com", "password": "correct horse battery"})
    assert login.get_json()["user"]["document_name"] == "trade licence.pdf"
    with count_queries() as after:
        me(api, token)
    assert after.count == before.count, [s[:60] for s in before.statements + ["--"] + after.statements]


def test_customers_and_the_admin_have_no_document_fields(api):
    customer, token = api.register_customer()
    assert not DOCUMENT_FIELDS & set(customer)
    assert not DOCUMENT_FIELDS & set(me(api, token))
    assert not DOCUMENT_FIELDS & set(me(api, api.admin()))
