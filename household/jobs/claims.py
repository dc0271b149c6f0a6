"""Exactly-once sending with a log row per (person, period): claim it, send, mark it sent.

The row is inserted before anything is sent, with an INSERT that does nothing when the row exists,
so of two workers (or a beat that fired twice) only one gets it. States:

- `claimed`: someone is sending right now. A claim older than STALE_CLAIM belonged to a worker
  that died mid-send; the next attempt takes it over.
- `failed`: the last attempt failed; the next attempt may take over at once. Channels already
  delivered are recorded on the row (e.g. `email_sent_at`) and are not sent again.
- `sent`: done; later attempts do nothing.

A row's `created_at` is the time of the current claim.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from household.models import utcnow

log = logging.getLogger("household.jobs.claims")

CLAIMED = "claimed"
SENT = "sent"
FAILED = "failed"

# Longer than any single send can take (SMTP and webhook calls time out after seconds).
STALE_CLAIM = timedelta(minutes=10)


class ClaimBusy(Exception):  # noqa: N818 - a state, not a failure
    """Another worker is sending this message right now; ask again later."""


def insert_if_absent(s: Session, model: type, values: dict[str, Any]) -> int | None:
    """INSERT a row unless one with the same unique key exists; the new row's id, or None if it existed."""
    table = model.__table__
    dialect = s.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
        return s.execute(stmt).scalar_one_or_none()
    try:
        with s.begin_nested():
            return s.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()
    except IntegrityError:
        return None


def claim(s: Session, model: type, **key: Any):
    """Claim the log row identified by `key` (committed before returning).

    Returns the claimed row, or None when the message was sent already. Raises ClaimBusy when
    another worker holds a fresh claim.
    """
    now = utcnow()
    values = {**key, "state": CLAIMED, "created_at": now}
    new_id = insert_if_absent(s, model, values)
    s.commit()
    if new_id is not None:  # a fresh row: nothing was sent yet
        return model(id=new_id, **values)
    row = s.execute(select(model).filter_by(**key)).scalar_one()
    if row.state == SENT:
        return None
    taken = s.execute(
        update(model)
        .where(
            model.id == row.id,
            or_(model.state == FAILED, and_(model.state == CLAIMED, model.created_at < now - STALE_CLAIM)),
        )
        .values(state=CLAIMED, created_at=now)
        .execution_options(synchronize_session=False)
    )
    s.commit()
    if taken.rowcount != 1:
        raise ClaimBusy(f"{model.__name__} {key} is being sent by another worker.")
    s.refresh(row)
    return row


def record(s: Session, model: type, row_id: int, **values: Any) -> None:
    """Record on the claimed row that one channel went out (e.g. email_sent_at=now), at once."""
    s.execute(
        update(model).where(model.id == row_id).values(**values).execution_options(synchronize_session=False)
    )
    s.commit()


def mark_sent(s: Session, model: type, row_id: int, **values: Any) -> None:
    """Close the claim: the message went out on every channel."""
    record(s, model, row_id, state=SENT, **values)


def release(s: Session, model: type, row_id: int) -> None:
    """Give the claim up after a failure so that the retry (or anyone) can take it over."""
    s.rollback()
    s.execute(
        update(model)
        .where(model.id == row_id, model.state == CLAIMED)
        .values(state=FAILED)
        .execution_options(synchronize_session=False)
    )
    s.commit()


@contextmanager
def released_on_failure(s: Session, model: type, row_id: int) -> Iterator[None]:
    """Send inside this block: if it fails, the claim is released for the retry and the error goes on."""
    try:
        yield
    except Exception:
        try:
            release(s, model, row_id)
        except Exception:  # the database may be the thing that failed; the stale claim is taken over later
            log.exception("Could not release the claim on %s %s", model.__name__, row_id)
        raise
