"""Reading one's notifications: marking them read, and how many are unread."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from household.domain import changes, policies
from household.models import Notification, utcnow


def mark(s: Session, user, notification_id: int, read: bool) -> Notification:
    """Mark one of `user`'s notifications read or unread (404 for anyone else's)."""
    note = policies.own_notification(s, user, notification_id)
    if read and note.read_at is None:
        note.read_at = utcnow()
        changes.notifications(s, user.id)
    elif not read and note.read_at is not None:
        note.read_at = None
        changes.notifications(s, user.id)
    s.commit()
    return note


def mark_all_read(s: Session, user) -> int:
    """Mark all of `user`'s notifications read; how many were unread."""
    done = s.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        changes.notifications(s, user.id)
    s.commit()
    return done


def unread_count(s: Session, user_id: int) -> int:
    return s.execute(
        select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()


def set_email_notifications(user, on: bool) -> None:
    """Whether `user` hears of changes by email too (in-app notifications always go); the caller commits."""
    user.email_notifications = bool(on)
