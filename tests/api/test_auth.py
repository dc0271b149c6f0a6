"""Registration, login, sessions, tokens and CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from household.extensions import db
from household.models import AuthToken, User
from tests.factories import ADMIN_EMAIL, PASSWORD, customer_payload, make_service, professional_payload
from tests.support import assert_error


def user_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(User.id))).scalar_one()


# --- registration -------------------------------------------------------------------------------


def test_register_customer_returns_user(api):
    resp = api.post("/api/auth/register/customer", json=customer_payload(email="Asha@Example.com"))
    assert resp.status_code == 201
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    user = resp.get_json()["user"]
    assert user["email"] == "asha@example.com"
    assert user["roles"] == ["customer"]
    assert user["active"] is True
    assert user["pin_code"] == "560034"
    assert "password" not in user and "password_hash" not in user
    assert isinstance(user["customer_id"], int)


@pytest.mark.parametrize(
    "field, value",
    [
        ("email", "not-an-email"),
        ("email", ""),
        ("password", "short"),
        ("password", "x" * 129),
        ("name", ""),
        ("name", "A"),
        ("phone", "12345"),
        ("pin_code", "56003"),
        ("pin_code", "060034"),
        ("address", ""),
        ("pin_code", 560034),
        ("email", None),
    ],
)
def test_register_customer_field_errors(app, api, field, value):
    before = user_count(app)
    resp = api.post("/api/auth/register/customer", json=customer_payload(**{field: value}))
    assert_error(resp, 422, field)
    assert user_count(app) == before


@pytest.mark.parametrize("missing", ["email", "password", "name", "phone", "address", "pin_code"])
def test_register_customer_missing_fields(app, api, missing):
    data = customer_payload()
    del data[missing]
    before = user_count(app)
    err = assert_error(api.post("/api/auth/register/customer", json=data), 422, missing)
    assert "Missing data" in err["fields"][missing][0]
    assert user_count(app) == before


def test_register_customer_location_is_optional(api):
    data = customer_payload()
    del data["location"]
    assert api.post("/api/auth/register/customer", json=data).status_code == 201


def test_register_duplicate_email_in_another_case(app, api):
    api.register_customer(email="dup@example.com")
    before = user_count(app)
    err = assert_error(api.post("/api/auth/register/customer", json=customer_payload(email="DUP@Example.COM")), 409)
    assert "email" in err["fields"]
    assert user_count(app) == before


@pytest.mark.parametrize("extra", [{"roles": ["admin"]}, {"active": False}, {"service_id": 1}, {"approval": "approved"}])
def test_register_customer_refuses_unknown_or_privileged_fields(app, api, extra):
    before = user_count(app)
    assert_error(api.post("/api/auth/register/customer", json=customer_payload(**extra)), 422, next(iter(extra)))
    assert user_count(app) == before


def test_register_with_non_json_or_broken_body(app, api):
    before = user_count(app)
    r1 = api.post("/api/auth/register/customer", data="{not json", content_type="application/json")
    assert r1.status_code in (400, 422)
    assert "error" in r1.get_json()
    r2 = api.post("/api/auth/register/customer", json=["a", "list"])
    assert r2.status_code in (400, 422)
    r3 = api.post("/api/auth/register/customer", data="email=x", content_type="application/x-www-form-urlencoded")
    assert r3.status_code in (400, 415, 422)
    assert "error" in r3.get_json()
    assert user_count(app) == before


def test_register_professional_is_pending(app, api):
    service_id = make_service(app)
    resp = api.post("/api/auth/register/professional", json=professional_payload(service_id))
    assert resp.status_code == 201
    user = resp.get_json()["user"]
    assert user["roles"] == ["professional"]
    assert user["approval"] == "pending"
    assert user["service_id"] == service_id
    assert isinstance(user["professional_id"], int)


@pytest.mark.parametrize(
    "field, value",
    [
        ("service_id", 999999),
        ("service_id", "one"),
        ("experience_years", -1),
        ("experience_years", 61),
        ("experience_years", "5"),
        ("description", "short"),
        ("pin_code", "abc123"),
    ],
)
def test_register_professional_field_errors(app, api, field, value):
    service_id = make_service(app)
    before = user_count(app)
    data = {**professional_payload(service_id), field: value}
    assert_error(api.post("/api/auth/register/professional", json=data), 422, field)
    assert user_count(app) == before


def test_register_professional_refuses_customer_fields(app, api):
    service_id = make_service(app)
    resp = api.post("/api/auth/register/professional", json=professional_payload(service_id, address="x street"))
    assert_error(resp, 422, "address")
    resp = api.post("/api/auth/register/customer", json=customer_payload(experience_years=3))
    assert_error(resp, 422, "experience_years")


# --- login --------------------------------------------------------------------------------------


def test_login_each_role(app, api):
    service_id = make_service(app)
    api.register_customer(email="c@example.com")
    api.register_professional(service_id, approve=False, email="p@example.com")
    for email, role in ((ADMIN_EMAIL, "admin"), ("c@example.com", "customer"), ("p@example.com", "professional")):
        resp = api.post("/api/auth/login", json={"email": email.upper(), "password": PASSWORD})
        assert resp.status_code == 200
        body = resp.get_json()
        assert body["user"]["roles"] == [role]
        assert len(body["token"]) >= 32
        cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("hs_session="))
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        me = api.get("/api/auth/me", body["token"])
        assert me.status_code == 200 and me.get_json()["user"]["email"] == email.lower()


def test_wrong_email_and_wrong_password_look_the_same(api):
    api.register_customer(email="known@example.com")
    a = api.post("/api/auth/login", json={"email": "known@example.com", "password": "wrong password!"})
    b = api.post("/api/auth/login", json={"email": "unknown@example.com", "password": "wrong password!"})
    assert a.status_code == b.status_code == 401
    assert a.get_json() == b.get_json()


def test_login_validation(api):
    assert_error(api.post("/api/auth/login", json={"email": "x@example.com"}), 422, "password")
    assert_error(api.post("/api/auth/login", json={}), 422, "email")


def test_tokens_are_stored_hashed(app, api):
    _, token = api.register_customer()
    with app.app_context():
        hashes = db.session.execute(select(AuthToken.token_hash)).scalars().all()
    assert token not in hashes
    assert len(hashes) == 1 and len(hashes[0]) == 64


def test_me_requires_login(api):
    assert_error(api.get("/api/auth/me"), 401)
    assert_error(api.get("/api/auth/me", "not-a-token"), 401)


def test_logout_revokes_the_token_at_once(api):
    _, token = api.register_customer()
    assert api.get("/api/auth/me", token).status_code == 200
    assert api.post("/api/auth/logout", token).status_code == 204
    assert api.get("/api/auth/me", token).status_code == 401


def test_logout_other_tokens_keep_working(api):
    data = customer_payload()
    api.post("/api/auth/register/customer", json=data)
    t1 = api.login(data["email"])
    t2 = api.login(data["email"])
    api.post("/api/auth/logout", t1)
    assert api.get("/api/auth/me", t1).status_code == 401
    assert api.get("/api/auth/me", t2).status_code == 200


def test_expired_token_is_refused(app, api):
    from datetime import timedelta

    from household.models import utcnow

    _, token = api.register_customer()
    with app.app_context():
        db.session.execute(AuthToken.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert api.get("/api/auth/me", token).status_code == 401


def test_idle_session_is_refused(app, api):
    from datetime import timedelta

    from household.models import utcnow

    _, token = api.register_customer()
    idle = app.config["SESSION_IDLE_MINUTES"]
    with app.app_context():
        db.session.execute(AuthToken.__table__.update().values(last_used_at=utcnow() - timedelta(minutes=idle + 1)))
        db.session.commit()
    assert api.get("/api/auth/me", token).status_code == 401


# --- browser sessions and CSRF -----------------------------------------------------------------


def browser_login(client, email, password=PASSWORD):
    csrf = client.get("/api/auth/csrf").get_json()["csrf_token"]
    resp = client.post("/api/auth/login", json={"email": email, "password": password}, headers={"X-CSRF-Token": csrf})
    assert resp.status_code == 200, resp.get_json()
    return client.get("/api/auth/csrf").get_json()["csrf_token"]


def test_cookie_session_works_and_needs_csrf_for_writes(app, api):
    api.register_customer(email="cookie@example.com")
    browser = app.test_client()
    csrf = browser_login(browser, "cookie@example.com")
    assert browser.get("/api/auth/me").status_code == 200
    # A write without the header is refused and changes nothing.
    err = assert_error(browser.patch("/api/auth/me", json={"name": "Changed Name"}), 403)
    assert "CSRF" in err["message"]
    assert browser.get("/api/auth/me").get_json()["user"]["name"] != "Changed Name"
    # With a wrong token, refused too.
    assert_error(browser.patch("/api/auth/me", json={"name": "Changed Name"}, headers={"X-CSRF-Token": "nope"}), 403)
    ok = browser.patch("/api/auth/me", json={"name": "Changed Name"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.get_json()["user"]["name"] == "Changed Name"


def test_session_rotates_at_login(app, api):
    api.register_customer(email="rotate@example.com")
    browser = app.test_client()
    before_csrf = browser.get("/api/auth/csrf").get_json()["csrf_token"]
    cookie_before = browser.get_cookie("hs_session").value
    browser.post("/api/auth/login", json={"email": "rotate@example.com", "password": PASSWORD}, headers={"X-CSRF-Token": before_csrf})
    assert browser.get_cookie("hs_session").value != cookie_before
    # The pre-login CSRF token belonged to the old session.
    assert_error(browser.patch("/api/auth/me", json={"name": "Rotated"}, headers={"X-CSRF-Token": before_csrf}), 403)


def test_cookie_logout_ends_the_session_even_if_the_cookie_is_replayed(app, api):
    api.register_customer(email="replay@example.com")
    browser = app.test_client()
    csrf = browser_login(browser, "replay@example.com")
    stolen = browser.get_cookie("hs_session").value
    assert browser.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    attacker = app.test_client()
    attacker.set_cookie("hs_session", stolen)
    assert attacker.get("/api/auth/me").status_code == 401


def test_bearer_writes_need_no_csrf(api):
    _, token = api.register_customer()
    assert api.patch("/api/auth/me", token, json={"name": "Via Token"}).status_code == 200


# --- profile and password ----------------------------------------------------------------------


def test_profile_update_validates_and_scopes_fields(app, api):
    _, token = api.register_customer()
    assert_error(api.patch("/api/auth/me", token, json={"pin_code": "12"}), 422, "pin_code")
    assert_error(api.patch("/api/auth/me", token, json={"experience_years": 3}), 422, "experience_years")
    assert_error(api.patch("/api/auth/me", token, json={"email": "new@example.com"}), 422, "email")
    ok = api.patch("/api/auth/me", token, json={"address": "New address 1", "pin_code": "400053"})
    assert ok.get_json()["user"]["pin_code"] == "400053"


def test_pending_professional_can_edit_profile(app, api):
    service_id = make_service(app)
    _, token = api.register_professional(service_id, approve=False)
    ok = api.patch("/api/auth/me", token, json={"experience_years": 9, "description": "Nine years now, all good."})
    assert ok.status_code == 200
    assert ok.get_json()["user"]["experience_years"] == 9
    assert_error(api.patch("/api/auth/me", token, json={"address": "somewhere"}), 422, "address")


def test_password_change_needs_current_and_ends_other_sessions(api):
    data = customer_payload()
    api.post("/api/auth/register/customer", json=data)
    t1 = api.login(data["email"])
    t2 = api.login(data["email"])
    assert_error(api.post("/api/auth/password", t1, json={"current_password": "wrong one", "new_password": "new password 1"}), 422, "current_password")
    assert api.post("/api/auth/password", t1, json={"current_password": PASSWORD, "new_password": "new password 1"}).status_code == 204
    assert api.get("/api/auth/me", t1).status_code == 200
    assert api.get("/api/auth/me", t2).status_code == 401
    assert api.post("/api/auth/login", json={"email": data["email"], "password": PASSWORD}).status_code == 401
    assert api.login(data["email"], "new password 1")


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/auth/login", {"email": "a\u0000b@example.com", "password": "x"}),
        ("/api/auth/register/customer", None),
    ],
)
def test_nul_characters_are_refused_not_crashing(app, api, path, body):
    body = body or customer_payload(name="Nul\u0000Name")
    before = user_count(app)
    resp = api.post(path, json=body)
    assert_error(resp, 422)
    assert user_count(app) == before
    assert_error(api.get("/api/services?q=a%00b"), 422)


def test_reads_do_not_rewrite_the_session_cookie(app, api):
    """A read racing the CSRF fetch after login must not send back a session without the token."""
    api.register_customer(email="race-cookie@example.com")
    browser = app.test_client()
    csrf = browser.get("/api/auth/csrf").get_json()["csrf_token"]
    browser.post("/api/auth/login", json={"email": "race-cookie@example.com", "password": PASSWORD}, headers={"X-CSRF-Token": csrf})
    for path in ("/api/auth/me", "/api/summary", "/api/service-requests", "/api/notifications"):
        resp = browser.get(path)
        assert resp.status_code == 200
        assert "Set-Cookie" not in resp.headers, path


# --- look-alike emails and names ----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["priya@example.com\u200b", "\uff50riya@example.com", "\ufeffPriya@Example.com", "priya@example.com\u00a0"]
)
def test_a_look_alike_email_is_the_same_account(app, api, typed):
    api.register_customer(email="priya@example.com")
    before = user_count(app)
    err = assert_error(api.post("/api/auth/register/customer", json=customer_payload(email=typed)), 409, "email")
    assert err["fields"]["email"] == ["An account with this email already exists."]
    assert user_count(app) == before
    resp = api.post("/api/auth/login", json={"email": typed, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["user"]["email"] == "priya@example.com"


def test_emails_and_names_are_stored_normalised(app, api):
    data = customer_payload(email="\uff21sha@Example.com\u200b", name=" Asha\u00a0\u00a0Rao\u200b ")
    resp = api.post("/api/auth/register/customer", json=data)
    assert resp.status_code == 201, resp.get_json()
    user = resp.get_json()["user"]
    assert user["email"] == "asha@example.com" and user["name"] == "Asha Rao"
    token = api.login("asha@example.com")
    resp = api.patch("/api/auth/me", token, json={"name": "Asha\u3000 Rao\u2060 Iyer"})
    assert resp.get_json()["user"]["name"] == "Asha Rao Iyer"
    assert_error(api.patch("/api/auth/me", token, json={"name": "\u200b\u200b\u200b"}), 422, "name")
    assert_error(api.post("/api/auth/register/customer", json=customer_payload(name="\u2060\u2060")), 422, "name")
