"""Everyone told of every change, never twice, and never at the cost of the change itself.

The domain records events on the session (household.domain.changes.event). Just before the
session commits, `_before_commit` turns them into rows of the same transaction: an in-app
`Notification` per recipient and, for those who take emails, a `NotificationEmail` (the outbox).
So the change and its notifications are committed together or not at all; a rollback forgets the
events. After the commit one Celery task per outbox row is queued (household.jobs.notifications
sends it, claiming the row first, so a retry or a second worker never sends it twice). A task that
could not be queued (Redis down at that moment) is queued again by the beat (`requeue-notification-emails`).
"""

from __future__ import annotations

import json
import logging

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, object_session

from household.domain import changes
from household.models import Notification, NotificationEmail, utcnow
from household.notify.messages import compose

log = logging.getLogger("household.notify")

SEND_NOTIFICATION_EMAIL = "household.send_notification_email"
_PENDING = "household_outbox_pending"


def write(s: Session, events: list[dict]) -> list[int]:
    """Add the notifications (and outbox rows) of these events to the transaction; the outbox ids."""
    base_url = current_app.config["PUBLIC_URL"].rstrip("/")
    now = utcnow()
    emails: list[NotificationEmail] = []
    for ev in events:
        for message in compose(s, ev):
            note = Notification(
                user_id=message.recipient.user_id,
                kind=message.kind,
                title=message.title[:200],
                message=message.body[:500],
                link=message.path[:300],
                request_id=message.request_id,
                created_at=now,
            )
            s.add(note)
            changes.notifications(s, message.recipient.user_id)
            if message.recipient.email_notifications:
                email = NotificationEmail(
                    notification=note,
                    user_id=message.recipient.user_id,
                    kind=message.kind,
                    context=json.dumps(message.email_context(base_url), ensure_ascii=False),
                    state="queued",
                    attempts=0,
                    created_at=now,
                    queued_at=now,
                )
                s.add(email)
                emails.append(email)
    if emails:
        s.flush()
    return [e.id for e in emails]


def queue(email_ids: list[int]) -> int:
    """Queue the sending tasks (after the commit); how many were queued. Never raises: the beat
    queues again whatever is left `queued` (household.jobs.notifications.requeue_lost)."""
    from household import cache  # the breaker: when Redis is known to be down, do not wait on it
    from household.jobs.dispatch import enqueue

    if not email_ids:
        return 0
    if not cache.usable():
        log.warning("Redis is down: %d notification email(s) left for the beat to queue", len(email_ids))
        return 0
    done = 0
    for email_id in email_ids:
        try:
            enqueue(SEND_NOTIFICATION_EMAIL, email_id, retry=False)
            done += 1
        except Exception as exc:  # noqa: BLE001 - the change is committed; the beat queues it later
            log.warning("Could not queue notification email %s (%s); the beat will", email_id, exc)
            cache.trip(exc)
            break
    return done


@sa_event.listens_for(Notification, "after_insert")
@sa_event.listens_for(Notification, "after_update")
@sa_event.listens_for(Notification, "after_delete")
def _notification_written(mapper, connection, target: Notification) -> None:
    """Any notification added, read or removed through the ORM changes its user's unread count."""
    s = object_session(target)
    if s is not None:
        changes.notifications(s, target.user_id)


@sa_event.listens_for(Session, "before_commit")
def _before_commit(s: Session) -> None:
    events = changes.take_events(s)
    if not events:
        return
    if not has_app_context():
        log.error("Events outside an application context were not told: %s", [e["kind"] for e in events])
        return
    s.info.setdefault(_PENDING, []).extend(write(s, events))


@sa_event.listens_for(Session, "after_commit")
def _after_commit(s: Session) -> None:
    pending = s.info.pop(_PENDING, None)
    if pending and has_app_context():
        queue(pending)


@sa_event.listens_for(Session, "after_soft_rollback")
def _after_rollback(s: Session, previous_transaction) -> None:
    # Every rollback of the whole transaction, also one that had not reached the database yet.
    if not previous_transaction.nested:
        changes.take_events(s)
        s.info.pop(_PENDING, None)
