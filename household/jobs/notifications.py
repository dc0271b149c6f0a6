"""Sending the outbox of notification emails (household.notify.outbox writes it), each exactly once.

A row is claimed with one conditional UPDATE before anything is sent (queued or failed → claimed;
a claim older than STALE_CLAIM belonged to a worker that died and is taken over), then marked sent.
Of two workers, or a retry racing a task queued again by the beat, only one sends; the other finds
it sent (done) or claimed (ClaimBusy: Celery retries later). A failed send releases the claim for
Celery's retry, and never touches the change the email tells of: that was committed long before.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from household.jobs import claims
from household.jobs.claims import STALE_CLAIM, ClaimBusy
from household.models import NotificationEmail, User, utcnow
from household.notify.email import Attachment, send_email
from household.notify.outbox import queue
from household.notify.templates import render_email

log = logging.getLogger("household.jobs.notifications")

QUEUED, CLAIMED, SENT, FAILED = "queued", "claimed", "sent", "failed"
# A row still `queued` this long after its task was queued lost that task (Redis was down).
LOST_AFTER = timedelta(minutes=3)
REQUEUE_BATCH = 1000


def send(s: Session, email_id: int) -> str:
    """Send one outbox email (once); returns "sent" or why not. Raises what Celery retries."""
    now = utcnow()
    taken = s.execute(
        update(NotificationEmail)
        .where(
            NotificationEmail.id == email_id,
            or_(
                NotificationEmail.state.in_((QUEUED, FAILED)),
                and_(NotificationEmail.state == CLAIMED, NotificationEmail.claimed_at < now - STALE_CLAIM),
            ),
        )
        .values(state=CLAIMED, claimed_at=now, attempts=NotificationEmail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    s.commit()
    if taken.rowcount != 1:
        state = s.execute(select(NotificationEmail.state).where(NotificationEmail.id == email_id)).scalar()
        s.commit()
        if state is None:
            return "gone"
        if state == SENT:
            return "already sent"
        raise ClaimBusy(f"Notification email {email_id} is being sent by another worker.")
    row = s.execute(
        select(NotificationEmail).where(NotificationEmail.id == email_id).execution_options(populate_existing=True)
    ).scalar_one()
    user = s.get(User, row.user_id)
    if user is None or not user.email_notifications or not user.active:
        # They turned emails off (or were blocked) after the change: nothing to send, ever.
        claims.mark_sent(s, NotificationEmail, email_id, error="not sent: emails are off for this user")
        return "skipped"
    context = json.loads(row.context)
    with claims.released_on_failure(s, NotificationEmail, email_id):
        text, html = render_email(row.kind, **context)
        send_email(
            (user.name, user.email),
            context["subject"],
            text=text,
            html=html,
            attachments=invitation(s, context),
        )
    claims.mark_sent(s, NotificationEmail, email_id, sent_at=utcnow(), error=None)
    return "sent"


def invitation(s: Session, context: dict) -> list[Attachment]:
    """The iCalendar invitation an email carries (`ics_method` REQUEST or CANCEL), as `invite.ics`.

    Made by household.notify.calendar.invitation(s, request_id, method) -> bytes when that module
    exists; without it the email goes out without an invitation.
    """
    method, request_id = context.get("ics_method"), context.get("request_id")
    if not method or not request_id:
        return []
    try:
        from household.notify import calendar
    except ImportError:
        return []
    make = getattr(calendar, "invitation", None)
    if make is None:
        return []
    data = make(s, int(request_id), method)
    s.rollback()  # whatever it read: no transaction stays open while sending
    return [Attachment("invite.ics", f"text/calendar; method={method}; charset=utf-8", data)]


def requeue_lost(s: Session, lost_after: timedelta = LOST_AFTER) -> list[int]:
    """Queue again the emails whose task never reached a worker (or whose worker died mid-send)."""
    now = utcnow()
    ids = list(
        s.execute(
            select(NotificationEmail.id)
            .where(
                or_(
                    and_(NotificationEmail.state == QUEUED, NotificationEmail.queued_at < now - lost_after),
                    and_(NotificationEmail.state == CLAIMED, NotificationEmail.claimed_at < now - STALE_CLAIM),
                )
            )
            .order_by(NotificationEmail.id)
            .limit(REQUEUE_BATCH)
        ).scalars()
    )
    if not ids:
        s.commit()
        return []
    s.execute(
        update(NotificationEmail)
        .where(NotificationEmail.id.in_(ids))
        .values(queued_at=now)
        .execution_options(synchronize_session=False)
    )
    s.commit()
    queued = queue(ids)
    if queued < len(ids):
        log.warning("Queued %d of %d lost notification emails; the rest next time", queued, len(ids))
    return ids[:queued]
