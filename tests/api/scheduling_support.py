"""Shared by the scheduling API and race tests: a fixed Monday, local times, held rows, a race runner."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from household import clock
from tests.factories import Api

IST = ZoneInfo("Asia/Kolkata")


def next_monday() -> date:
    """The Monday after today (Kolkata): close to the real time, so a test's sessions stay valid."""
    today = datetime.now(IST).date()
    return today + timedelta(days=7 - today.weekday())


MONDAY = next_monday()


def day(offset: int = 0) -> date:
    return MONDAY + timedelta(days=offset)


def at(hhmm: str, days: int = 0) -> datetime:
    """MONDAY (+ days) at "HH:MM", Kolkata time."""
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day(days), time(h, m), IST)


def iso(when: datetime) -> str:
    return when.isoformat()


def parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"{text!r} has no offset"
    return moment


def local(text_or_dt) -> str:
    """A JSON timestamp (or datetime) as local "HH:MM"."""
    moment = parse(text_or_dt) if isinstance(text_or_dt, str) else text_or_dt
    return moment.astimezone(IST).strftime("%H:%M")


def local_day(text: str) -> str:
    return parse(text).astimezone(IST).strftime("%a %H:%M")


def grid(first: str, last: str, step: int = 30) -> list[str]:
    """Every "HH:MM" from first to last inclusive, step minutes apart."""
    a, b = at(first), at(last)
    out = []
    while a <= b:
        out.append(a.strftime("%H:%M"))
        a += timedelta(minutes=step)
    return out


@pytest.fixture
def monday_8am():
    """now() is next Monday 08:00 in Kolkata (earliest bookable start 10:00) for every thread."""
    with clock.frozen(at("08:00")):
        yield at("08:00")


def held_rows(app, professional_id: int) -> list[tuple[int, datetime, datetime, str]]:
    """(id, start, held_until, status) of the professional's held bookings, read from the database."""
    from sqlalchemy import select

    from household.extensions import db
    from household.models import ServiceRequest
    from household.models.service_request import HOLDING

    with app.app_context():
        rows = db.session.execute(
            select(ServiceRequest.id, ServiceRequest.date_of_request, ServiceRequest.held_until, ServiceRequest.status)
            .where(ServiceRequest.professional_id == professional_id, ServiceRequest.status.in_(HOLDING))
            .order_by(ServiceRequest.date_of_request)
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def assert_no_overlap(rows) -> None:
    """No two [start, held_until) of the rows overlap (checked pairwise)."""
    for i, (id_a, a0, a1, _) in enumerate(rows):
        for id_b, b0, b1, _ in rows[i + 1 :]:
            assert not (a0 < b1 and b0 < a1), f"bookings {id_a} [{a0}, {a1}) and {id_b} [{b0}, {b1}) overlap"


def race(app, calls, timeout: float = 60):
    """Run the calls at one instant from separate threads, each with its own client; their responses."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(i, fn):
        api = Api(app)
        try:
            barrier.wait(timeout)
            results[i] = fn(api)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racer did not finish"
    assert not errors, errors
    return results
