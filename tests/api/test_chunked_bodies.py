"""A body sent in chunks (no Content-Length) meets the same size limit as any other: 413, never a cut-off body."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.factories import customer_payload
from tests.support import assert_error, web_server

LIMIT = 4096
ROOT = Path(__file__).resolve().parents[2]


def padded(size: int) -> bytes:
    """A valid registration of exactly `size` bytes (padded with JSON whitespace)."""
    body = json.dumps(customer_payload()).encode()
    assert len(body) < size
    return body[:-1] + b" " * (size - len(body)) + b"}"


def chunked(api, body: bytes):
    # Werkzeug's servers, gunicorn and Granian de-chunk the body and set wsgi.input_terminated; no Content-Length.
    return api.post(
        "/api/auth/register/customer",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.fixture
def small_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", LIMIT)


@pytest.mark.parametrize("size", [LIMIT + 1, LIMIT + 70_000, 3 * LIMIT])
def test_a_chunked_body_over_the_limit_is_413(api, small_limit, size):
    err = assert_error(chunked(api, padded(size)), 413)
    assert err["message"] == "The request is too large."


@pytest.mark.parametrize("size", [LIMIT - 1, LIMIT])
def test_a_chunked_body_within_the_limit_is_read_whole(api, small_limit, size):
    resp = chunked(api, padded(size))
    assert resp.status_code == 201, resp.get_json()


@pytest.mark.parametrize("size, expected", [(1000, 200), (10_000, 413)])
def test_a_chunked_upload_is_parsed_from_the_body_read_once(market, small_limit, size, expected):
    # The size check reads a chunked body whole; a form is then parsed from what it read.
    document = FileStorage(io.BytesIO(b"%PDF-1.4\n" + b"x" * size), "doc.pdf", content_type="application/pdf")
    boundary, body = encode_multipart({"document": document})
    resp = market.api.post(
        "/api/professionals/me/document",
        market.pending_token,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert resp.status_code == expected, resp.get_json()


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    """The production server (household.serving, one worker) with a small MAX_CONTENT_LENGTH."""
    with web_server(app, tmp_path_factory.mktemp("chunked"), MAX_CONTENT_LENGTH=str(LIMIT),
                    CACHE_KEY_PREFIX="hs-chunked:") as running:
        yield running.base


def _send_in_chunks(base: str, body: bytes) -> requests.Response:
    pieces = (body[i:i + 1000] for i in range(0, len(body), 1000))  # a generator: requests sends it chunked
    return requests.post(
        f"{base}/api/auth/register/customer", data=pieces, headers={"Content-Type": "application/json"}, timeout=30
    )


def test_the_server_answers_a_long_chunked_body_with_413(server):
    resp = _send_in_chunks(server, padded(LIMIT + 5000))
    assert resp.status_code == 413, resp.text
    assert resp.json() == {"error": {"status": 413, "message": "The request is too large."}}
    ok = _send_in_chunks(server, padded(LIMIT))
    assert ok.status_code == 201, ok.text
