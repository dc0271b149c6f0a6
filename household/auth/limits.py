"""Rate limits on the doors an attacker knocks on: login (per address and per account) and registration."""

from __future__ import annotations

from flask import current_app, request

from household.extensions import limiter


def _login_account_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "login-account:" + (email.strip().lower()[:254] if isinstance(email, str) else "-")


login_per_address = limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_IP"], scope="login-ip")
login_per_account = limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"], key_func=_login_account_key, scope="login-account"
)
registration_per_address = limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER_IP"], scope="register-ip")
