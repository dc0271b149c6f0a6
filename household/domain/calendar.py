"""Calendars: the professionals' private feed tokens, and which bookings a calendar shows.

A feed token is 32 random bytes (URL-safe base64, 43 characters); only its SHA-256 is stored
(`professionals.calendar_token_hash`, a unique index), like the login tokens (household.auth.tokens).
Since a hash cannot be turned back into its token, the feed's URL can only be shown when it is
issued: issuing one replaces (and so revokes) the professional's previous one, and revoking leaves
none, after which the old URL answers 404.

Why not keep the token recoverable (encrypted with SECRET_KEY) so that every GET shows the same URL?
There is nowhere to keep it but the one column, which must hold only the hash; and a token derived
from SECRET_KEY would be exposed by a leak of that key and die with its rotation. A random token
whose hash alone is kept is worthless to whoever reads the database.

The events themselves (household.notify.calendar) are built from the rows read here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from household import clock
from household.domain.errors import NotFound
from household.domain.policies import Caller
from household.domain.requests import CustomerUser, ProfessionalUser, request_rows
from household.models import Professional, RequestEvent, ServiceRequest, User
from household.models.service_request import STATUS_ASSIGNED, STATUS_CLOSED, STATUS_COMPLETED, STATUS_REQUESTED

TOKEN_BYTES = 32
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet, no padding.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")

# The feed: bookings from FEED_PAST_DAYS ago on (every future one lies within the booking horizon),
# those still held and the work done; at most FEED_MAX_EVENTS of them, the earliest first.
FEED_STATUSES = (STATUS_REQUESTED, STATUS_ASSIGNED, STATUS_COMPLETED, STATUS_CLOSED)
FEED_PAST_DAYS = 30
FEED_MAX_EVENTS = 1000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/api/calendar/{token}.ics"


def _own_professional(user: Caller) -> int:
    if user.professional_id is None:  # the API's role guard says 403 before this
        raise NotFound("No professional profile.")
    return user.professional_id


def issue_feed_token(s: Session, user: Caller) -> str:
    """A new feed URL for the calling professional; the previous URL, if any, stops working."""
    professional_id = _own_professional(user)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    s.execute(
        update(Professional)
        .where(Professional.id == professional_id)
        .values(calendar_token_hash=token_hash(token))
        .execution_options(synchronize_session=False)
    )
    s.commit()
    return feed_url(token)


def revoke_feed_token(s: Session, user: Caller) -> None:
    """The calling professional's feed URL stops working (nothing happens when there was none)."""
    professional_id = _own_professional(user)
    s.execute(
        update(Professional)
        .where(Professional.id == professional_id)
        .values(calendar_token_hash=None)
        .execution_options(synchronize_session=False)
    )
    s.commit()


def professional_for_token(s: Session, token: str) -> int:
    """The professional whose live feed `token` opens; 404 for an unknown, revoked or malformed one.

    The lookup is by the token's SHA-256 (an index lookup of a value nobody can steer, so its timing
    says nothing of any stored hash), and the hash found is compared again in constant time. An
    account that has been blocked has no feed.
    """
    if not isinstance(token, str) or not _TOKEN_SHAPE.match(token):
        raise NotFound("No such calendar.")
    wanted = token_hash(token)
    row = s.execute(
        select(Professional.id, Professional.calendar_token_hash)
        .join(User, User.id == Professional.user_id)
        .where(Professional.calendar_token_hash == wanted, User.active.is_(True))
    ).first()
    if row is None or not hmac.compare_digest(row.calendar_token_hash or "", wanted):
        raise NotFound("No such calendar.")
    return row.id


def _sequence():
    """How many times a request has changed status (its history's length): the events' SEQUENCE."""
    return (
        select(func.count(RequestEvent.id))
        .where(RequestEvent.request_id == ServiceRequest.id)
        .correlate(ServiceRequest)
        .scalar_subquery()
        .label("sequence")
    )


def _rows():
    return request_rows().add_columns(
        CustomerUser.email.label("customer_email"),
        ProfessionalUser.email.label("professional_email"),
        _sequence(),
    )


def booking(s: Session, request_id: int):
    """One request as a calendar shows it (request_rows' columns, both emails and `sequence`); 404 if none."""
    row = s.execute(_rows().where(ServiceRequest.id == request_id)).mappings().first()
    if row is None:
        raise NotFound("No such service request.")
    return row


def feed_bookings(s: Session, professional_id: int, now: datetime | None = None) -> list:
    """The bookings in a professional's feed: requested and assigned ones, and completed or closed work,
    that start FEED_PAST_DAYS ago or later (cancelled, rejected and expired ones drop out of it)."""
    since = (now or clock.now()) - timedelta(days=FEED_PAST_DAYS)
    stmt = (
        _rows()
        .where(
            ServiceRequest.professional_id == professional_id,
            ServiceRequest.status.in_(FEED_STATUSES),
            ServiceRequest.date_of_request >= since,
        )
        .order_by(ServiceRequest.date_of_request, ServiceRequest.id)
        .limit(FEED_MAX_EVENTS)
    )
    return list(s.execute(stmt).mappings())


def professional_name(s: Session, professional_id: int) -> str:
    name = s.execute(
        select(User.name).join(Professional, Professional.user_id == User.id).where(Professional.id == professional_id)
    ).scalar_one_or_none()
    if name is None:
        raise NotFound("No such calendar.")
    return name
