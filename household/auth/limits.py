"""Rate limits on the doors an attacker knocks on: login, registration, password resets, the contact form.

Login is limited so that nobody can lock somebody else out, following OWASP's device cookies
("Slow Down Online Guessing Attacks with Device Cookies"):

- every attempt from one address (`RATELIMIT_LOGIN_IP`), whatever the account;
- failed attempts at one account from one address (`RATELIMIT_LOGIN_FAILURES`): an attacker's failures
  only throttle the attacker's own address, so the owner still logs in from anywhere else;
- failed attempts at one account from every client that has not logged in to it before
  (`RATELIMIT_LOGIN_ACCOUNT_CEILING`): a looser ceiling, above what one address may do alone, that slows
  a guessing attack spread over many addresses;
- a client that has logged in to the account before presents a device token naming it (the `hs_device`
  cookie, or `X-Device-Token` for API clients, from the login answer's `device_token`). It is exempt from
  both limits above, so neither the attacker's address nor a distributed attack can refuse it the right
  password, and has its own failure limit instead (`RATELIMIT_LOGIN_FAILURES` per device and account),
  so a stolen token buys no more guesses than one address has.

Only failed password checks count (401 wrong email or password, 403 blocked), never a success or a
request refused earlier. Nothing here looks at the database: an unknown email and a known one are
counted, answered and throttled alike. Failures are deducted after the answer, so a burst of attempts in
flight together can overshoot a failure limit by the burst's size; the per-address limit, counted as
requests arrive, bounds that burst.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from flask import after_this_request, current_app, g, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadData, URLSafeTimedSerializer

from household.extensions import limiter

DEVICE_COOKIE = "hs_device"
DEVICE_HEADER = "X-Device-Token"
# Re-issued at every login, so a device in use stays trusted; one left unused for half a year is not.
DEVICE_MAX_AGE = 180 * 24 * 3600
# A shared computer (a family's, a shop's counter) stays trusted for a few accounts, not one.
DEVICE_ACCOUNTS = 5
_DEVICE_TOKEN_MAX_LEN = 2048
_DEVICE_SALT = "household.login-device"

DEVICE_HEADER_DOC = {
    "in": "header",
    "name": DEVICE_HEADER,
    "required": False,
    "schema": {"type": "string"},
    "description": "The `device_token` of an earlier successful login to this account (browsers send the "
    "`hs_device` cookie instead): such a client has its own limit on failed logins to that account and is "
    "exempt from the others, so other people's failures never lock it out.",
}


def _fold(email: str) -> str:
    # Spelling one account differently must never buy fresh counters, so this folds at least what the
    # account lookup folds (case, compatibility forms, invisible and control characters, spaces) and
    # more: folding two accounts together only makes them share counters.
    for _ in range(3):
        folded = unicodedata.normalize("NFKC", email).casefold()
        folded = "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf"))
        if folded == email:
            break
        email = folded
    return email


def _account_digest(email: str) -> str:
    # A digest keeps emails out of Redis and keys short; surrogatepass because the body is not validated yet.
    return hashlib.sha256(_fold(email).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _account() -> str:
    if "login_account" not in g:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
        g.login_account = _account_digest(email) if isinstance(email, str) else "-"
    return g.login_account


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_DEVICE_SALT)


def _read_device(token: str | None) -> dict | None:
    if not token or len(token) > _DEVICE_TOKEN_MAX_LEN:
        return None
    try:
        data = _serializer().loads(token, max_age=DEVICE_MAX_AGE)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str) or not isinstance(data.get("a"), list):
        return None
    return data


def _presented_devices() -> list[dict]:
    found = (_read_device(request.headers.get(DEVICE_HEADER)), _read_device(request.cookies.get(DEVICE_COOKIE)))
    return [d for d in found if d is not None]


def _trusted_device() -> str | None:
    """The nonce of a presented device token that names this login's account, if any."""
    if "login_device" not in g:
        account = _account()
        g.login_device = next((d["n"] for d in _presented_devices() if account in d["a"]), None)
    return g.login_device


def _is_trusted() -> bool:
    return _trusted_device() is not None


def _pair_key() -> str:
    return f"{get_remote_address()}|{_account()}"


def _device_key() -> str:
    return f"{_trusted_device()}|{_account()}"


def _password_check_failed(_response) -> bool:
    # Set by the login handler: a CSRF refusal or invalid input never reached the password check.
    return bool(g.get("login_failed"))


def record_failure() -> None:
    """Mark this login attempt as a failed password check (wrong credentials or a blocked account)."""
    g.login_failed = True


def trust_device(email: str) -> str:
    """A fresh device token naming this account (and the others the client was trusted for), also set as
    an HttpOnly cookie that only the login endpoint receives."""
    account = _account_digest(email)
    accounts = [account]
    for device in _presented_devices():
        accounts += [a for a in device["a"] if isinstance(a, str) and a not in accounts]
    token = _serializer().dumps({"n": secrets.token_urlsafe(12), "a": accounts[:DEVICE_ACCOUNTS]})

    @after_this_request
    def _set_cookie(response):
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=DEVICE_MAX_AGE,
            path=request.path,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            # Only ever needed on the app's own login call.
            samesite="Strict",
        )
        return response

    return token


login_per_address = limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_IP"], scope="login-ip")
login_failures_per_address = limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_FAILURES"],
    key_func=_pair_key,
    scope="login-failures",
    deduct_when=_password_check_failed,
    exempt_when=_is_trusted,
)
login_failures_per_account = limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT_CEILING"],
    key_func=_account,
    scope="login-account",
    deduct_when=_password_check_failed,
    exempt_when=_is_trusted,
)
login_failures_per_device = limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_FAILURES"],
    key_func=_device_key,
    scope="login-device",
    deduct_when=_password_check_failed,
    exempt_when=lambda: not _is_trusted(),
)
registration_per_address = limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER_IP"], scope="register-ip")


# --- Password resets and the contact form ---------------------------------------------------------
# Keyed on the email as typed (folded, hashed): an unknown address and a known one are counted and
# refused alike, before anything looks at the database.


def _body_email() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return _account_digest(email) if isinstance(email, str) else "-"


RESET_LIMITED = "Too many password reset requests. Please wait a while and try again."
CONFIRM_LIMITED = "Too many attempts to reset a password. Please wait a while and try again."
CONTACT_LIMITED = "Too many messages. Please wait a while and try again."

password_reset_per_address = limiter.limit(
    lambda: current_app.config["RATELIMIT_PASSWORD_RESET_IP"], scope="password-reset-ip", error_message=RESET_LIMITED
)
password_reset_per_email = limiter.limit(
    lambda: current_app.config["RATELIMIT_PASSWORD_RESET_EMAIL"],
    key_func=_body_email,
    scope="password-reset-email",
    error_message=RESET_LIMITED,
)
password_reset_confirm_per_address = limiter.limit(
    lambda: current_app.config["RATELIMIT_PASSWORD_RESET_CONFIRM_IP"],
    scope="password-reset-confirm-ip",
    error_message=CONFIRM_LIMITED,
)
contact_per_address = limiter.limit(
    lambda: current_app.config["RATELIMIT_CONTACT_IP"], scope="contact-ip", error_message=CONTACT_LIMITED
)
contact_per_email = limiter.limit(
    lambda: current_app.config["RATELIMIT_CONTACT_EMAIL"],
    key_func=_body_email,
    scope="contact-email",
    error_message=CONTACT_LIMITED,
)
