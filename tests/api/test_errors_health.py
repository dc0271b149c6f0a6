"""The error format for every failure, and /api/health."""

from __future__ import annotations

import pytest

from household import create_app
from tests.conftest import app_config
from tests.support import assert_error


def test_unknown_api_path_is_json_404(api):
    err = assert_error(api.get("/api/nothing-here"), 404)
    assert err["message"]


def test_wrong_verb_is_json_405(api):
    resp = api.call("DELETE", "/api/auth/login")
    assert_error(resp, 405)
    assert "POST" in resp.headers["Allow"]


def test_too_large_body_is_json_413(app, api):
    big = b"{" + b" " * (app.config["MAX_CONTENT_LENGTH"] + 10) + b"}"
    resp = api.post("/api/auth/register/customer", data=big, content_type="application/json")
    assert_error(resp, 413)


def test_crash_is_json_500_without_details(database_url, tmp_root):
    crashing = create_app(app_config(database_url, tmp_root))

    @crashing.get("/api/test-crash")
    def boom():
        raise RuntimeError("secret detail /etc/passwd SELECT * FROM users")

    resp = crashing.test_client().get("/api/test-crash")
    err = assert_error(resp, 500)
    text = resp.get_data(as_text=True)
    assert "secret detail" not in text and "Traceback" not in text and "SELECT" not in text
    assert err["message"]


def test_health_reports_database_and_redis(api):
    resp = api.get("/api/health")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_health_with_redis_down(database_url, tmp_root):
    cfg = app_config(database_url, tmp_root)
    dead = "redis://127.0.0.1:6399/0"  # nothing listens here
    cfg.update(REDIS_URL=dead, CACHE_REDIS_URL=dead, RATELIMIT_STORAGE_URI=dead)
    app = create_app(cfg)
    client = app.test_client()
    resp = client.get("/api/health")
    assert resp.status_code == 200
    assert resp.get_json()["redis"] == "down"
    assert resp.get_json()["database"] == "ok"


def test_security_headers_on_api_and_app(client):
    for path in ("/api/health", "/"):
        resp = client.get(path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"] or path != "/"


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    doc = spec.get_json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/auth/login", "/api/auth/register/customer", "/api/all-users", "/api/users/{user_id}/{action}", "/api/health"):
        assert path in doc["paths"], path
    page = client.get("/api/docs")
    assert page.status_code == 200 and b"swagger-ui" in page.data
    assert b"https://" not in page.data
    assert client.get("/api/docs/static/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize("path", ["/customer/requests", "/admin/users", "/login"])
def test_deep_links_serve_the_app_shell(client, path):
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"


def test_ids_beyond_32_bits_are_not_found_not_errors(api):
    token = api.admin()
    huge = 2**63
    assert_error(api.get(f"/api/services/{huge}"), 404)
    assert_error(api.put(f"/api/users/{huge}/block", token), 404)
    assert_error(api.put("/api/services", token, json={"service_id": huge, "price": 1}), 422, "service_id")
    assert_error(api.get(f"/api/service-requests?professional_id={huge}", token), 422, "professional_id")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unknown_api_path_is_404_for_every_verb(api, method):
    assert_error(api.call(method, "/api/nothing-here", json={}), 404)
    assert_error(api.call(method, "/api/service-requests/abc", json={}), 404)


def test_wrong_verb_on_a_read_only_path_is_405(api):
    resp = api.post("/api/summary", json={})
    assert_error(resp, 405)
    assert resp.headers["Allow"].split(", ")[0] in ("GET", "HEAD")
    assert "GET" in resp.headers["Allow"]
