"""What the system does on its own: expire bookings nobody answered, close completed work nobody closed.

Each runs as a conditional UPDATE ... WHERE status = <the source> AND <its time has come>
RETURNING the rows it changed, so however often it runs and however many workers run it at once,
each request changes exactly once (a row another run changed first no longer matches). The
changes go through the same places as a person's: the status history, the cache's facts, the
events people hear of (household.domain.changes).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from household import clock
from household.domain import changes, lifecycle
from household.models import RequestEvent, ServiceRequest
from household.models.service_request import STATUS_COMPLETED, STATUS_REQUESTED

BATCH = 500


def expire_unanswered(s: Session, now: datetime | None = None, batch: int = BATCH) -> list[int]:
    """Expire requested bookings past their answer deadline (household.domain.requests.answer_deadline).

    Frees their time (they no longer hold it), records `cancelled_by: system`, and returns their ids.
    """
    now = now or clock.now()
    t = lifecycle.SYSTEM_TRANSITIONS["expire"]
    return _sweep(
        s,
        select(ServiceRequest.id)
        .where(ServiceRequest.status == STATUS_REQUESTED, ServiceRequest.answer_by <= now)
        .order_by(ServiceRequest.answer_by)
        .limit(batch),
        (ServiceRequest.status == STATUS_REQUESTED, ServiceRequest.answer_by <= now),
        {"status": t.target, "cancelled_by": lifecycle.SYSTEM},
        t.target,
        "expired",
        now,
    )


def auto_close(s: Session, now: datetime | None = None, batch: int = BATCH) -> list[int]:
    """Close completed work its customer has not closed within AUTO_CLOSE_DAYS, without a rating."""
    now = now or clock.now()
    before = now - timedelta(days=int(current_app.config["AUTO_CLOSE_DAYS"]))
    t = lifecycle.SYSTEM_TRANSITIONS["auto_close"]
    return _sweep(
        s,
        select(ServiceRequest.id)
        .where(ServiceRequest.status == STATUS_COMPLETED, ServiceRequest.date_of_completion <= before)
        .order_by(ServiceRequest.date_of_completion)
        .limit(batch),
        (ServiceRequest.status == STATUS_COMPLETED, ServiceRequest.date_of_completion <= before),
        {"status": t.target},
        t.target,
        "auto_closed",
        now,
    )


def _sweep(s: Session, candidates, conditions, values: dict, status: str, event: str, now: datetime) -> list[int]:
    done: list[int] = []
    while True:
        ids = list(s.scalars(candidates))
        if not ids:
            return done
        changed = s.execute(
            update(ServiceRequest)
            .where(ServiceRequest.id.in_(ids), *conditions)
            .values(updated_at=now, **values)
            .returning(ServiceRequest.id, ServiceRequest.customer_id, ServiceRequest.professional_id,
                       ServiceRequest.service_id)
            .execution_options(synchronize_session=False)
        ).all()
        for row in changed:
            s.add(RequestEvent(request_id=row.id, status=status, at=now, by=lifecycle.SYSTEM))
            changes.request(s, row.customer_id, row.professional_id)
            changes.schedule(s, row.professional_id, row.service_id)
            changes.event(s, event, request_id=row.id, actor=lifecycle.SYSTEM)
        s.commit()
        done.extend(row.id for row in changed)
