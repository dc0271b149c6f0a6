"""Rate limits, password policy, the audit log and security headers."""

from __future__ import annotations

import pytest

from household import create_app
from tests.conftest import app_config
from tests.factories import ADMIN_EMAIL, PASSWORD, Api, customer_payload
from tests.support import assert_error


@pytest.fixture
def strict_api(database_url, tmp_root):
    """Registration limits (login limits: tests/api/test_login_limits.py)."""
    return Api(create_app(app_config(database_url, tmp_root) | {"RATELIMIT_REGISTER_IP": "2 per hour"}))


def test_registration_limited_per_address(strict_api):
    api = strict_api
    codes = [api.post("/api/auth/register/customer", json=customer_payload()).status_code for _ in range(3)]
    assert codes == [201, 201, 429]


@pytest.mark.parametrize("password", ["password", "PASSWORD1", "qwertyuiop", "iloveyou", "1234567890"])
def test_common_passwords_refused(api, password):
    err = assert_error(api.post("/api/auth/register/customer", json=customer_payload(password=password)), 422, "password")
    assert "common" in err["fields"]["password"][0] or "characters" in err["fields"]["password"][0]


@pytest.mark.parametrize("password", ["eight ch", "x" * 64, "x" * 128, "no rules at all here", "ओम् नमः शिवाय"])
def test_long_and_simple_passwords_accepted(api, password):
    assert api.post("/api/auth/register/customer", json=customer_payload(password=password)).status_code == 201


def test_common_password_refused_on_change(api):
    _, token = api.register_customer()
    resp = api.post("/api/auth/password", token, json={"current_password": PASSWORD, "new_password": "password1"})
    assert_error(resp, 422, "new_password")


def test_audit_log_records_logins_failures_and_admin_actions(market):
    api = market.api
    api.post("/api/auth/login", json={"email": market.alice["email"], "password": "not it at all"})
    api.put(f"/api/users/{market.bob['id']}/block", market.admin)
    api.post("/api/services", market.admin, json={"name": "Audited", "price": 10, "time_required": 10})
    api.put(f"/api/services/{market.plumbing}", market.admin, json={"price": 100})
    api.delete(f"/api/services/{market.cleaning}", market.admin)
    resp = api.get("/api/audit-log?per_page=1000", market.admin)
    assert resp.status_code == 200
    actions = [e["action"] for e in resp.get_json()]
    for expected in ("login", "login_failed", "user_block", "user_approve", "service_create", "service_update", "service_delete"):
        assert expected in actions, expected
    failed = next(e for e in resp.get_json() if e["action"] == "login_failed")
    assert failed["detail"]["email"] == market.alice["email"] and failed["actor_id"] is None
    block = next(e for e in resp.get_json() if e["action"] == "user_block")
    assert block["target_id"] == str(market.bob["id"])
    assert api.get("/api/audit-log?action=user_block", market.admin).headers["X-Total-Count"] == "1"


def test_failed_admin_action_is_not_logged(market):
    api = market.api
    api.put(f"/api/users/{market.alice['id']}/approve", market.admin)  # 409: not a professional
    actions = [e["action"] for e in api.get("/api/audit-log", market.admin).get_json()]
    assert actions.count("user_approve") == 3  # the three approvals of the fixture, not the refused one


def test_audit_log_is_admin_only(market):
    assert_error(market.api.get("/api/audit-log", market.alice_token), 403)
    assert_error(market.api.get("/api/audit-log", market.pro_token), 403)
    assert_error(market.api.get("/api/audit-log"), 401)


def test_session_cookie_flags_and_secure_in_production(database_url, tmp_root, monkeypatch):
    cfg = app_config(database_url, tmp_root) | {"APP_ENV": "production", "SESSION_COOKIE_SECURE": True}
    app = create_app(cfg)
    client = app.test_client()
    resp = client.post(
        "/api/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}, base_url="https://household.example"
    )
    cookies = resp.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} == {"hs_session", "hs_device"}
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie
    cookie = next(c for c in cookies if c.startswith("hs_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age" in resp.headers["Strict-Transport-Security"]
