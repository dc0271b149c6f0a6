"""Password reset by email: a single-use link, valid PASSWORD_RESET_MINUTES, that only its owner receives.

Asking for a link must not tell whether an email has an account, by its answer or by its timing. So
the request itself does the same, small work for every email (the rate limits, then queueing one
task with the address) and the worker looks the address up: a known, active account gets a link,
an unknown or blocked one gets nothing. The link's token is random (`secrets.token_urlsafe`); only
its SHA-256 is stored, so the table cannot be replayed.

Several links may be outstanding at once (a second request does not end the first: mail arrives out
of order and people click whichever comes first). Using one ends them all, sets the password and
ends every session and token of the account. A link of a since-blocked account, a used, expired or
unknown one are all refused alike.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from household import cache, clock
from household.auth.passwords import hash_password
from household.auth.tokens import revoke_all
from household.domain import audit
from household.domain.errors import BadRequest
from household.domain.names import normalise_email
from household.models import PasswordReset, User

log = logging.getLogger("household.domain.recovery")

SEND_PASSWORD_RESET_TASK = "household.send_password_reset"  # noqa: S105 - a task name

REQUESTED_MESSAGE = "If an account uses that email, a link to reset the password is on its way."
INVALID_LINK = "This password reset link is invalid, used or expired. Ask for a new one."

NO_ACCOUNT = "no account"
BLOCKED = "blocked"
SENT = "sent"


def hash_token(raw: str) -> str:
    """The stored form of a reset token (SHA-256, hex)."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def reset_link(raw: str) -> str:
    """The web app's page that takes the token: <PUBLIC_URL>/reset-password?token=<token>."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/reset-password?token={raw}"


def request_reset(email: str, ip: str | None) -> None:
    """Hand a reset request to a worker, whatever the email: the caller answers the same for every one.

    Never raises: with the queue unreachable the request is logged and dropped (the answer must not
    differ, and the person can ask again).
    """
    if not cache.usable():  # Redis known to be down: do not wait on it
        log.error("Password reset request dropped: the job queue is unavailable")
        return
    try:
        current_app.extensions["celery"].tasks[SEND_PASSWORD_RESET_TASK].apply_async(
            args=(normalise_email(email), ip), retry=False
        )
    except Exception as exc:  # noqa: BLE001 - the answer is the same whatever happens here
        log.error("Password reset request dropped: could not queue it (%s)", type(exc).__name__)
        cache.trip(exc)


def issue(s: Session, user: User) -> str:
    """A new reset token for `user`, its hash added to the session; returns the raw token."""
    now = clock.now()
    raw = secrets.token_urlsafe(32)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    s.add(
        PasswordReset(
            user_id=user.id, token_hash=hash_token(raw), created_at=now, expires_at=now + timedelta(minutes=minutes)
        )
    )
    return raw


def send_reset(s: Session, email: str, ip: str | None = None) -> str:
    """Email a reset link to the account using `email`, if it is active; returns what happened.

    Sent whether or not the person takes notification emails (they asked for this one). Raises
    TransientDeliveryError (retried by Celery with a new link) or PermanentDeliveryError; a link
    whose email failed is removed, so no usable link exists that nobody received.
    """
    from household.notify.email import send_email  # the worker's side only
    from household.notify.templates import render_email

    user = s.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
    if user is None:
        s.commit()
        return NO_ACCOUNT
    if not user.active:
        audit.record(s, "password_reset_refused", None, "user", user.id, ip, reason="blocked")
        s.commit()
        return BLOCKED
    raw = issue(s, user)
    audit.record(s, "password_reset_requested", None, "user", user.id, ip)
    s.commit()
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    subject = "Reset your Household Services password"
    try:
        text, html = render_email(
            "password_reset", subject=subject, name=user.name, link=reset_link(raw), minutes=minutes,
            app_url=current_app.config["PUBLIC_URL"].rstrip("/"),
        )
        send_email((user.name, user.email), subject, text=text, html=html)
    except Exception:
        s.rollback()
        s.execute(PasswordReset.__table__.delete().where(PasswordReset.token_hash == hash_token(raw)))
        s.commit()
        raise
    return SENT


def confirm_reset(s: Session, raw: str, password: str, ip: str | None = None) -> User:
    """Set a new password with a reset token: the token and every other link of the account are used
    up, and every session and token of the account ends. BadRequest for a used, expired, unknown
    token or one of a blocked account. `password` is already validated (the registration rules).
    """
    now = clock.now()
    row = s.execute(
        select(PasswordReset.id, PasswordReset.user_id, PasswordReset.expires_at, PasswordReset.used_at).where(
            PasswordReset.token_hash == hash_token(raw)
        )
    ).one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= now:
        s.rollback()
        raise BadRequest(INVALID_LINK)
    user = s.get(User, row.user_id)
    if user is None or not user.active:
        s.rollback()
        raise BadRequest(INVALID_LINK)
    # One conditional UPDATE: of two uses racing, only one finds the link unused.
    used = s.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        s.rollback()
        raise BadRequest(INVALID_LINK)
    s.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    user.password_hash = hash_password(password)
    ended = revoke_all(user.id, now=now)
    audit.record(s, "password_reset", user.id, "user", user.id, ip, sessions_ended=ended)
    s.commit()
    return user
