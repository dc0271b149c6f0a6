"""Who is calling: the request loader, CSRF for cookie sessions, and role guards every endpoint reuses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, g, request, session
from flask_login import current_user

from household.auth import identity
from household.auth.identity import Identity
from household.domain.errors import Forbidden, NotAuthenticated
from household.extensions import csrf, login_manager
from household.models import User

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_KEY = "sid"


def bearer_from_header() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def load_user_from_request(_request) -> Identity | None:
    raw = bearer_from_header()
    if raw is not None:
        g.auth_via = "bearer"
    else:
        sid = session.get(SESSION_KEY)
        raw = sid if isinstance(sid, str) else None
        g.auth_via = "session"
    found = identity.resolve(raw)
    if found is not None:
        g.auth = found
    return found


def csrf_guard() -> None:
    """Cookie-authenticated writes need the X-CSRF-Token header; bearer calls carry no ambient authority."""
    if request.method not in UNSAFE_METHODS or not request.path.startswith("/api/"):
        return
    if bearer_from_header() is not None:
        return
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        # No session cookie: nothing ambient to ride on (an API client without a token).
        return
    csrf.protect()


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    # Sessions are protected by their own revocable token (rotated at login); Flask-Login's
    # "basic" protection would rewrite the cookie on concurrent requests and drop the CSRF token.
    login_manager.session_protection = None
    login_manager.request_loader(load_user_from_request)

    @login_manager.user_loader
    def _never(_user_id):  # sessions are resolved by load_user_from_request only
        return None

    @login_manager.unauthorized_handler
    def _unauthorized():
        raise NotAuthenticated()

    app.before_request(csrf_guard)


def caller() -> Identity:
    """Who is calling (id, roles, profile ids), without touching the database; 401 when nobody."""
    if not current_user.is_authenticated:
        raise NotAuthenticated()
    return current_user._get_current_object()  # type: ignore[attr-defined]


def current() -> User:
    """The caller's full account from the database, or a 401."""
    user = caller().user
    if user is None or not user.active:
        raise NotAuthenticated()
    return user


def roles_required(*roles: str) -> Callable:
    """Allow the call only to an authenticated user holding one of `roles` (403 otherwise)."""

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def wrapper(*args, **kwargs):
            who = caller()
            if not any(who.has_role(r) for r in roles):
                raise Forbidden(f"This needs the {' or '.join(roles)} role.")
            return fn(*args, **kwargs)

        return wrapper

    return decorator


def login_required(fn: Callable) -> Callable:
    @wraps(fn)
    def wrapper(*args, **kwargs):
        caller()
        return fn(*args, **kwargs)

    return wrapper
