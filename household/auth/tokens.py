"""Opaque, revocable login tokens: browser sessions and API bearer tokens.

The secret goes to the client once; only its SHA-256 is stored, so a leaked
table cannot be replayed. Revoking is one UPDATE, effective on the next request.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from household.extensions import db
from household.models import AuthToken, User, utcnow
from household.models.user import TOKEN_BEARER, TOKEN_SESSION

log = logging.getLogger("household.auth")

# last_used_at is refreshed at most this often, to keep reads from writing on every request.
TOUCH_EVERY = timedelta(seconds=60)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue(user: User, kind: str) -> str:
    now = utcnow()
    if kind == TOKEN_SESSION:
        ttl = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    else:
        ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            user_id=user.id,
            kind=kind,
            token_hash=hash_token(raw),
            created_at=now,
            last_used_at=now,
            expires_at=now + ttl,
            user_agent=(request.user_agent.string or "")[:200] if request else None,
            ip=(request.remote_addr or "")[:45] if request else None,
        )
    )
    return raw


def resolve(raw: str) -> AuthToken | None:
    """The live token for `raw`, or None when unknown, revoked, expired, idle too long or blocked.

    A login yields one token, usable both as the session cookie's content and as a
    bearer token, so logging out through either ends both.
    """
    if not raw or len(raw) > 200:
        return None
    token = db.session.execute(select(AuthToken).where(AuthToken.token_hash == hash_token(raw))).scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.expires_at <= now:
        return None
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if token.last_used_at + idle <= now:
        return None
    if not token.user.active:
        return None
    if now - token.last_used_at >= TOUCH_EVERY:
        token_id = token.id
        token.last_used_at = now
        try:
            db.session.commit()
        except OperationalError:
            # The database is busy with a long write (SQLite has one writer): the request goes on, and
            # the next one records the use. The token was valid when read.
            db.session.rollback()
            log.warning("Could not record the use of token %s now; the database is busy", token_id)
    return token


# Revocations recorded on the session; household.auth.identity forgets the cached identities of
# these tokens and users once the transaction has committed (and drops the records on rollback).
REVOKED_TOKENS = "auth_revoked_tokens"
REVOKED_USERS = "auth_revoked_users"


def revoke(token_id: int) -> None:
    token = db.session.get(AuthToken, token_id)
    if token is not None:
        token.revoked_at = utcnow()
        db.session.info.setdefault(REVOKED_TOKENS, set()).add(token.token_hash)


def revoke_all(user_id: int, except_id: int | None = None, now: datetime | None = None) -> int:
    """End every live session and token of a user (block, password change)."""
    stmt = update(AuthToken).where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
    if except_id is not None:
        stmt = stmt.where(AuthToken.id != except_id)
    result = db.session.execute(stmt.values(revoked_at=now or utcnow()))
    db.session.info.setdefault(REVOKED_USERS, set()).add(user_id)
    return result.rowcount or 0


__all__ = ["TOKEN_BEARER", "TOKEN_SESSION", "hash_token", "issue", "resolve", "revoke", "revoke_all"]
