"""Password reset by email (the contract's "Account recovery"): the same answer for every email, a
single-use link valid 30 minutes, stored hashed, sent over real SMTP, and every session ending on use."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from household import clock
from household.domain import recovery
from household.extensions import db
from household.models import AuditLog, PasswordReset
from tests.factories import PASSWORD, customer_payload
from tests.jobs.support import SmtpSink, celery_worker, config
from tests.support import assert_error

RESET = "/api/auth/password-reset"
CONFIRM = "/api/auth/password-reset/confirm"
MESSAGE = "If an account uses that email, a link to reset the password is on its way."
NEW_PASSWORD = "a brand new passphrase"  # noqa: S105
PUBLIC_URL = "https://household.example"
# Vary with the moment or the request, never with the email.
UNCOMPARED_HEADERS = {"date", "x-request-id", "x-ratelimit-reset", "retry-after"}


@pytest.fixture
def smtp(app):
    sink = SmtpSink().start()
    with config(app, MAIL_PORT=sink.port, PUBLIC_URL=PUBLIC_URL):
        yield sink
    sink.stop()


def register(api, email, **overrides):
    data = customer_payload(email=email, **overrides)
    assert api.post("/api/auth/register/customer", json=data).status_code == 201
    return data


def ask(api, email, address="10.1.0.1"):
    return api.post(RESET, json={"email": email}, environ_base={"REMOTE_ADDR": address})


def send_now(app, email) -> str:
    """What the worker does with a request (run here, in this process, against the real SMTP server)."""
    with app.app_context():
        outcome = recovery.send_reset(db.session, email, "10.1.0.1")
        db.session.remove()
    return outcome


def link_of(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    [link] = re.findall(r"https?://\S+/reset-password\?token=\S+", text)
    return link


def token_of(message) -> str:
    return parse_qs(urlsplit(link_of(message)).query)["token"][0]


def resets(app) -> list[PasswordReset]:
    with app.app_context():
        rows = list(db.session.execute(select(PasswordReset).order_by(PasswordReset.id)).scalars())
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def shape(resp) -> tuple:
    headers = sorted((k.lower(), v) for k, v in resp.headers.items() if k.lower() not in UNCOMPARED_HEADERS)
    return resp.status_code, resp.get_data(), tuple(headers)


def test_known_unknown_and_blocked_emails_get_byte_identical_answers_and_only_the_active_account_an_email(
    app, api, smtp
):
    register(api, "known@example.com", name="Known Person")
    blocked = register(api, "blocked@example.com")
    admin = api.admin()
    blocked_id = api.post("/api/auth/login", json={"email": blocked["email"], "password": PASSWORD}).get_json()["user"]["id"]
    assert api.put(f"/api/users/{blocked_id}/block", admin).status_code == 200

    with celery_worker(app):
        # Each from its own address, so that the rate-limit headers count alike.
        answers = [ask(api, email, f"10.2.0.{i}") for i, email in enumerate(
            ("known@example.com", "nobody@example.com", "blocked@example.com", "not an email at all"), start=1
        )]
        [message] = smtp.wait_for(1)
        # The other requests are done (the worker runs one task at a time, in order) and sent nothing.
        ask(api, "known@example.com", "10.2.0.9")
        smtp.wait_for(2)

    assert answers[0].status_code == 202
    assert answers[0].get_json() == {"message": MESSAGE}
    assert {shape(a) for a in answers} == {shape(answers[0])}, [a.headers for a in answers]
    assert [envelope[1] for envelope in smtp.envelopes] == [["known@example.com"], ["known@example.com"]]
    assert message["Subject"] == "Reset your Household Services password"
    assert link_of(message).startswith(f"{PUBLIC_URL}/reset-password?token=")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'href="{link_of(message)}"' in html
    with app.app_context():
        actions = [a for (a,) in db.session.execute(select(AuditLog.action).where(AuditLog.action.like("password%")))]
        db.session.remove()
    assert sorted(actions) == ["password_reset_refused", "password_reset_requested", "password_reset_requested"]


def test_the_link_sets_the_password_once_and_ends_every_session(app, api, smtp):
    data = register(api, "reset@example.com")
    bearer = api.login(data["email"])
    browser = app.test_client()
    csrf = browser.get("/api/auth/csrf").get_json()["csrf_token"]
    assert browser.post(
        "/api/auth/login", json={"email": data["email"], "password": PASSWORD}, headers={"X-CSRF-Token": csrf}
    ).status_code == 200
    assert browser.get("/api/auth/me").status_code == 200  # the identity is cached now
    assert api.get("/api/auth/me", bearer).status_code == 200

    assert send_now(app, data["email"]) == recovery.SENT
    token = token_of(smtp.wait_for(1)[0])
    [row] = resets(app)
    # Only the token's SHA-256 is kept.
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert len(token) >= 40
    assert row.expires_at - row.created_at == timedelta(minutes=30)

    assert api.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}).status_code == 204
    assert_error(api.get("/api/auth/me", bearer), 401)
    assert_error(browser.get("/api/auth/me"), 401)
    assert_error(api.post("/api/auth/login", json={"email": data["email"], "password": PASSWORD}), 401)
    assert api.login(data["email"], NEW_PASSWORD)
    # Used: a second use is refused, whatever the password.
    err = assert_error(api.post(CONFIRM, json={"token": token, "password": "yet another passphrase"}), 400)
    assert "invalid, used or expired" in err["message"]
    assert api.login(data["email"], NEW_PASSWORD)
    with app.app_context():
        entry = db.session.execute(select(AuditLog).where(AuditLog.action == "password_reset")).scalar_one()
        assert entry.actor_id == int(entry.target_id) and entry.target_type == "user"
        db.session.remove()


def test_a_weak_password_is_refused_and_changes_nothing(app, api, smtp):
    data = register(api, "weak@example.com")
    bearer = api.login(data["email"])
    send_now(app, data["email"])
    token = token_of(smtp.wait_for(1)[0])
    for weak in ("short", "password123", "x" * 129):
        assert_error(api.post(CONFIRM, json={"token": token, "password": weak}), 422, "password")
    assert_error(api.post(CONFIRM, json={"token": token}), 422, "password")
    assert api.get("/api/auth/me", bearer).status_code == 200
    assert api.login(data["email"])
    assert resets(app)[0].used_at is None
    assert api.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}).status_code == 204


def test_a_link_expires_after_30_minutes(app, api, smtp):
    data = register(api, "late@example.com")
    send_now(app, data["email"])
    token = token_of(smtp.wait_for(1)[0])
    [row] = resets(app)
    with clock.frozen(row.created_at + timedelta(minutes=30, seconds=1)):
        assert_error(api.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}), 400)
    assert api.login(data["email"])
    with clock.frozen(row.created_at + timedelta(minutes=29, seconds=59)):
        assert api.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}).status_code == 204


@pytest.mark.parametrize("token", ["forged", "A" * 43, "x" * 200, "\\ud800"])
def test_forged_tokens_are_400(app, api, token):
    register(api, "forged@example.com")
    body = '{"token": "' + token + '", "password": "' + NEW_PASSWORD + '"}'  # a lone surrogate, as JSON allows
    assert_error(api.post(CONFIRM, data=body, content_type="application/json"), 400)
    assert_error(api.post(CONFIRM, json={"token": "x" * 201, "password": NEW_PASSWORD}), 422, "token")
    assert api.login("forged@example.com")


def test_older_links_stay_valid_until_one_is_used_then_all_end(app, api, smtp):
    data = register(api, "twice@example.com")
    send_now(app, data["email"])
    send_now(app, data["email"])
    first, second = (token_of(m) for m in smtp.wait_for(2))
    assert first != second
    assert api.post(CONFIRM, json={"token": first, "password": NEW_PASSWORD}).status_code == 204
    assert_error(api.post(CONFIRM, json={"token": second, "password": "the other passphrase"}), 400)
    assert all(r.used_at is not None for r in resets(app))


def test_a_link_of_an_account_blocked_since_is_refused(app, api, smtp):
    data = register(api, "soon-blocked@example.com")
    user_id = api.post("/api/auth/login", json={"email": data["email"], "password": PASSWORD}).get_json()["user"]["id"]
    send_now(app, data["email"])
    token = token_of(smtp.wait_for(1)[0])
    assert api.put(f"/api/users/{user_id}/block", api.admin()).status_code == 200
    assert_error(api.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}), 400)


def test_email_goes_out_even_with_notification_emails_off(app, api, smtp):
    data = register(api, "quiet@example.com")
    token = api.login(data["email"])
    assert api.patch("/api/auth/me", token, json={"email_notifications": False}).status_code == 200
    assert send_now(app, data["email"]) == recovery.SENT
    assert smtp.wait_for(1)[0]["To"].endswith("<quiet@example.com>")
    # A reset is no notification: nothing in the app.
    assert api.get("/api/notifications", token).get_json() == []


def test_the_email_spelt_differently_reaches_the_account(app, api, smtp):
    register(api, "case@example.com")
    assert send_now(app, "  CASE@Example.com ") == recovery.SENT
    assert send_now(app, "unknown@example.com") == recovery.NO_ACCOUNT
    assert len(smtp.wait_for(1)) == 1


def test_requests_are_rate_limited_per_email_and_per_address(app, api):
    register(api, "limited@example.com")
    for i in range(3):  # RATELIMIT_PASSWORD_RESET_EMAIL: 3 per hour, from any address
        assert ask(api, "limited@example.com", f"10.3.0.{i}").status_code == 202
    err = assert_error(ask(api, "LIMITED@example.com", "10.3.0.9"), 429)
    assert err == {"status": 429, "message": "Too many password reset requests. Please wait a while and try again."}
    # An unknown email is limited alike.
    for i in range(3):
        assert ask(api, "ghost@example.com", f"10.4.0.{i}").status_code == 202
    assert_error(ask(api, "ghost@example.com", "10.4.0.9"), 429)
    # RATELIMIT_PASSWORD_RESET_IP: 10 per hour from one address, whatever the email.
    for i in range(10):
        assert ask(api, f"someone{i}@example.com", "10.5.0.1").status_code == 202
    resp = ask(api, "someone-else@example.com", "10.5.0.1")
    assert_error(resp, 429)
    assert int(resp.headers["Retry-After"]) > 0


def test_confirm_attempts_are_rate_limited_per_address(app, api):
    with config(app, RATELIMIT_PASSWORD_RESET_CONFIRM_IP="3 per hour"):
        for _ in range(3):
            assert_error(api.post(CONFIRM, json={"token": "forged", "password": NEW_PASSWORD}), 400)
        err = assert_error(api.post(CONFIRM, json={"token": "forged", "password": NEW_PASSWORD}), 429)
    assert err["message"] == "Too many attempts to reset a password. Please wait a while and try again."


def test_a_browser_with_a_session_cookie_needs_the_csrf_token(app, api):
    register(api, "cookie-reset@example.com")
    browser = app.test_client()
    csrf = browser.get("/api/auth/csrf").get_json()["csrf_token"]
    browser.post("/api/auth/login", json={"email": "cookie-reset@example.com", "password": PASSWORD},
                 headers={"X-CSRF-Token": csrf})
    assert_error(browser.post(RESET, json={"email": "cookie-reset@example.com"}), 403)
    csrf = browser.get("/api/auth/csrf").get_json()["csrf_token"]
    assert browser.post(RESET, json={"email": "cookie-reset@example.com"}, headers={"X-CSRF-Token": csrf}).status_code == 202
    # Anonymous (no session cookie), like the login: no CSRF token needed.
    assert app.test_client().post(RESET, json={"email": "cookie-reset@example.com"}).status_code == 202


@pytest.mark.parametrize("body", [{}, {"email": ""}, {"email": 5}, {"email": "a@b.c", "extra": 1}, []])
def test_bad_request_bodies_are_422(api, body):
    assert_error(api.post(RESET, json=body), 422)
