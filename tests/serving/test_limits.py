"""Request bodies under the server: the 5 MB document limit and MAX_CONTENT_LENGTH answer 413 in the contract's
format (a chunked body over the limit: tests/api/test_chunked_bodies.py)."""

from __future__ import annotations

import pytest
import requests

from tests.factories import Api, make_service
from tests.serving.conftest import login
from tests.support import web_server

pytestmark = pytest.mark.timeout(90)

FIVE_MB = 5 * 1024 * 1024
MAX_CONTENT_LENGTH = 6 * 1024 * 1024


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    with web_server(app, tmp_path_factory.mktemp("limits"), MAX_CONTENT_LENGTH=str(MAX_CONTENT_LENGTH),
                    CACHE_KEY_PREFIX="hs-test:") as running:
        yield running


@pytest.fixture
def professional(app):
    """A professional waiting for approval (who may upload a document), logged in over HTTP."""
    api = Api(app)
    user, _token = api.register_professional(make_service(app), approve=False)
    return user


def upload(base: str, token: str, size: int) -> requests.Response:
    document = b"%PDF-1.4\n" + b"x" * (size - 9)
    return requests.post(f"{base}/api/professionals/me/document", headers={"Authorization": f"Bearer {token}"},
                         files={"document": ("licence.pdf", document, "application/pdf")}, timeout=30)


def test_a_document_of_5_mb_is_taken_and_one_byte_more_is_413(server, professional):
    token = login(server.base, professional["email"])
    ok = upload(server.base, token, FIVE_MB)
    assert ok.status_code == 200, ok.text
    assert ok.json()["user"]["document_size"] == FIVE_MB
    too_big = upload(server.base, token, FIVE_MB + 1)
    assert too_big.status_code == 413
    assert too_big.json() == {"error": {"status": 413, "message": "The document is larger than 5 MB."}}


def test_a_body_over_max_content_length_is_413_before_it_is_read(server, professional):
    token = login(server.base, professional["email"])
    resp = upload(server.base, token, MAX_CONTENT_LENGTH + 1)
    assert resp.status_code == 413
    assert resp.json() == {"error": {"status": 413, "message": "The request is too large."}}
    resp = requests.post(f"{server.base}/api/auth/register/customer", data=b"{" + b" " * MAX_CONTENT_LENGTH + b"}",
                         headers={"Content-Type": "application/json"}, timeout=30)
    assert resp.status_code == 413
    assert resp.json() == {"error": {"status": 413, "message": "The request is too large."}}
    # The connection pool and the server are fine afterwards.
    assert requests.get(f"{server.base}/api/health", timeout=5).status_code == 200
