"""Login limits: failures are counted per account and address, a looser per-account ceiling slows a
distributed attack, and a device that logged in before is never locked out by other people's failures."""

from __future__ import annotations

import pytest

from household import create_app
from tests.conftest import app_config
from tests.factories import ADMIN_EMAIL, PASSWORD, Api, customer_payload
from tests.support import assert_error

VICTIM = "victim@example.com"
LIMITS = {
    "RATELIMIT_LOGIN_IP": "200 per minute",
    "RATELIMIT_LOGIN_FAILURES": "10 per minute;40 per hour",
    "RATELIMIT_LOGIN_ACCOUNT_CEILING": "45 per hour",
}


@pytest.fixture
def limited(database_url, tmp_root):
    app = create_app(app_config(database_url, tmp_root) | LIMITS)
    Api(app).post("/api/auth/register/customer", json=customer_payload(email=VICTIM))
    return app


def login(client, address, password, email=VICTIM, **kw):
    return client.post(
        "/api/auth/login", json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}, **kw
    )


def end_session(browser):
    """The session ends (logout, expiry) but the browser keeps its device cookie, as a returning user's would."""
    browser.delete_cookie("hs_session")


def fail(client, address, times, email=VICTIM, **kw):
    return [login(client, address, "not the password", email, **kw).status_code for _ in range(times)]


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(limited):
    attacker = limited.test_client()
    assert fail(attacker, "10.0.0.1", 10) == [401] * 10
    owner = limited.test_client()
    assert login(owner, "10.0.0.2", PASSWORD).status_code == 200
    # The attacker's own address is throttled for this account, even with the right password...
    resp = login(attacker, "10.0.0.1", PASSWORD)
    assert_error(resp, 429)
    assert int(resp.headers["Retry-After"]) > 0
    # ...but not for other accounts.
    assert login(attacker, "10.0.0.1", PASSWORD, email=ADMIN_EMAIL).status_code == 200


def test_only_failures_count(limited):
    client = limited.test_client(use_cookies=False)
    assert [login(client, "10.0.0.3", PASSWORD).status_code for _ in range(15)] == [200] * 15
    invalid = [
        client.post("/api/auth/login", json={"email": VICTIM}, environ_base={"REMOTE_ADDR": "10.0.0.3"}).status_code
        for _ in range(15)
    ]
    assert invalid == [422] * 15
    assert fail(client, "10.0.0.3", 11) == [401] * 10 + [429]


def test_blocked_account_failures_count_like_wrong_passwords(limited):
    api = Api(limited)
    victim = next(u for u in api.get("/api/all-users?role=customer", api.admin()).get_json() if u["email"] == VICTIM)
    assert api.put(f"/api/users/{victim['id']}/block", api.admin()).status_code == 200
    client = limited.test_client()
    assert [login(client, "10.0.0.4", PASSWORD).status_code for _ in range(11)] == [403] * 10 + [429]


def test_account_ceiling_stops_untrusted_clients_but_not_a_known_device(limited):
    browser = limited.test_client()
    assert login(browser, "192.168.1.10", PASSWORD).status_code == 200
    end_session(browser)
    script = Api(limited)
    device_token = login(script.client, "192.168.1.11", PASSWORD).get_json()["device_token"]

    # A distributed attack: five addresses, each within its own limit, 50 failures together.
    codes = []
    for i in range(5):
        codes += fail(limited.test_client(), f"10.1.0.{i}", 10)
    assert codes == [401] * 45 + [429] * 5

    # A client the account never logged in from is refused, whatever the password and the address...
    resp = login(limited.test_client(), "10.2.0.1", PASSWORD)
    assert_error(resp, 429)
    assert int(resp.headers["Retry-After"]) > 0
    # ...while the owner's browser (device cookie) and script (X-Device-Token) still log in, from anywhere.
    assert login(browser, "10.2.0.2", PASSWORD).status_code == 200
    assert login(script.client, "10.2.0.3", PASSWORD, headers={"X-Device-Token": device_token}).status_code == 200
    # A device token only vouches for the account that logged in with it, and cannot be forged.
    assert login(script.client, "10.2.0.3", PASSWORD, headers={"X-Device-Token": device_token + "x"}).status_code == 429
    admin_device = login(script.client, "10.2.0.3", PASSWORD, email=ADMIN_EMAIL).get_json()["device_token"]
    assert login(script.client, "10.2.0.3", PASSWORD, headers={"X-Device-Token": admin_device}).status_code == 429


def test_a_known_device_has_its_own_failure_limit(limited):
    browser = limited.test_client()
    assert login(browser, "192.168.1.10", PASSWORD).status_code == 200
    end_session(browser)
    assert fail(browser, "192.168.1.10", 11) == [401] * 10 + [429]
    assert_error(login(browser, "192.168.1.10", PASSWORD), 429)
    # Its failures are its own: neither the address nor other clients are held back by them.
    assert login(limited.test_client(), "192.168.1.10", PASSWORD).status_code == 200


def test_device_cookie_is_signed_httponly_and_scoped_to_login(limited):
    resp = login(limited.test_client(), "10.0.0.5", PASSWORD)
    cookies = resp.headers.getlist("Set-Cookie")
    device = next(c for c in cookies if c.startswith("hs_device="))
    assert "HttpOnly" in device and "SameSite=Strict" in device and "Path=/api/auth/login" in device
    assert "Max-Age=" in device
    assert device.split(";")[0].split("=", 1)[1] == resp.get_json()["device_token"]
    # Failed logins and other accounts' logins do not hand one out.
    assert not any(c.startswith("hs_device=") for c in login(limited.test_client(), "10.0.0.5", "nope").headers.getlist("Set-Cookie"))


def test_a_device_remembers_several_accounts(limited):
    browser = limited.test_client()
    assert login(browser, "10.0.0.6", PASSWORD).status_code == 200
    end_session(browser)
    assert login(browser, "10.0.0.6", PASSWORD, email=ADMIN_EMAIL).status_code == 200
    end_session(browser)
    for i in range(5):
        fail(limited.test_client(), f"10.1.1.{i}", 10)
    for i in range(5):
        fail(limited.test_client(), f"10.1.2.{i}", 10, email=ADMIN_EMAIL)
    assert login(limited.test_client(), "10.0.0.7", PASSWORD).status_code == 429
    assert login(browser, "10.0.0.6", PASSWORD).status_code == 200
    end_session(browser)
    assert login(browser, "10.0.0.6", PASSWORD, email=ADMIN_EMAIL).status_code == 200


def test_unknown_email_and_wrong_password_are_limited_alike(limited):
    def attempts(email, address):
        client = limited.test_client()
        out = []
        for _ in range(13):
            resp = login(client, address, "not the password", email=email)
            out.append(
                (
                    resp.status_code,
                    resp.get_json(),
                    resp.headers.get("X-RateLimit-Limit"),
                    resp.headers.get("X-RateLimit-Remaining"),
                    "Retry-After" in resp.headers,
                    sorted(c.split("=")[0] for c in resp.headers.getlist("Set-Cookie")),
                )
            )
        return out

    known = attempts(VICTIM, "10.0.1.1")
    unknown = attempts("nobody-here@example.com", "10.0.1.2")
    assert known == unknown
    assert [a[0] for a in known] == [401] * 10 + [429] * 3


def test_spellings_of_one_account_share_its_counters(limited):
    spellings = [
        "VICTIM@EXAMPLE.COM", " victim@example.com ", "victim\u200b@example.com", "\ufeffvictim@example.com",
        "\uff56ictim@example.com", "vic\u00adtim@example.com", "\u202evictim@example.com\u202c",
        "victim@example.com\x85", "Victim@Example.com\t", "victim@\uff25xample.com",
    ]
    client = limited.test_client()
    assert [login(client, "10.0.0.12", "not the password", email=e).status_code for e in spellings] == [401] * 10
    assert_error(login(client, "10.0.0.12", PASSWORD), 429)
    assert_error(login(client, "10.0.0.12", "not the password", email="vi\u200cctim@example.com"), 429)


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(limited):
    client = limited.test_client()
    codes = [
        login(client, "10.0.0.8", "not the password", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
        for i in range(11)
    ]
    assert codes == [401] * 10 + [429]
    assert login(client, "10.0.0.8", PASSWORD, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429


def test_every_attempt_counts_per_address(database_url, tmp_root):
    app = create_app(app_config(database_url, tmp_root) | LIMITS | {"RATELIMIT_LOGIN_IP": "8 per minute"})
    client = app.test_client()
    codes = [
        login(client, "10.0.0.9", PASSWORD if i % 2 else "whatever123", email=f"nobody{i}@example.com",
              headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
        for i in range(10)
    ]
    assert codes == [401] * 8 + [429, 429]
    resp = login(client, "10.0.0.9", PASSWORD, email=ADMIN_EMAIL)
    assert_error(resp, 429)
    assert int(resp.headers["Retry-After"]) > 0
    assert login(client, "10.0.0.10", PASSWORD, email=ADMIN_EMAIL).status_code == 200


def test_login_limits_fail_open_while_redis_is_down(database_url, tmp_root):
    """Documented behaviour: with Redis unreachable, logins are not throttled (and never fail because of it)."""
    dead = "redis://127.0.0.1:6399/0"
    cfg = app_config(database_url, tmp_root) | LIMITS | {
        "REDIS_URL": dead,
        "CACHE_REDIS_URL": dead,
        "RATELIMIT_STORAGE_URI": dead,
        "RATELIMIT_LOGIN_FAILURES": "3 per minute",
        "RATELIMIT_LOGIN_ACCOUNT_CEILING": "4 per minute",
    }
    client = create_app(cfg).test_client(use_cookies=False)
    assert fail(client, "10.0.0.11", 5, email=ADMIN_EMAIL) == [401] * 5
    resp = login(client, "10.0.0.11", PASSWORD, email=ADMIN_EMAIL)
    assert resp.status_code == 200 and resp.get_json()["device_token"]
    assert login(client, "10.0.0.11", PASSWORD, email=ADMIN_EMAIL).status_code == 200
