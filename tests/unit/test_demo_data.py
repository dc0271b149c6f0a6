"""The demo data looks like a real diary: every scheduling rule holds on it, whenever it is loaded.

Each test loads the demo (at the real time, or at a frozen instant chosen to stress the edges of a
week) and checks the loaded rows, read back from the database, against the rules written out here
independently of the planner that produced them, then once more against the booking API's own check.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from household import clock
from household.demo import DEMO_PROFESSIONAL, seed_demo
from household.domain import scheduling
from household.domain.scheduling import DEFAULT_WEEK
from household.extensions import db
from household.models import Customer, Professional, Service, ServiceRequest, TimeOff, User, WorkingHours
from household.models.user import APPROVAL_APPROVED

IST = ZoneInfo("Asia/Kolkata")
PAST = {"closed", "completed", "rejected", "cancelled", "expired"}
HELD = {"requested", "assigned"}

# Moments to load the demo at, besides the real time: a Saturday evening (tomorrow most people are
# off), Sunday just before midnight at the turn of a year, early on a Monday, the last of February.
MOMENTS = {
    "saturday-evening": datetime(2026, 12, 5, 17, 45, tzinfo=IST),
    "sunday-before-midnight": datetime(2026, 12, 27, 23, 50, tzinfo=IST),
    "monday-dawn": datetime(2027, 3, 1, 6, 59, tzinfo=IST),
    "leap-day-eve": datetime(2028, 2, 28, 21, 0, tzinfo=IST),
}


@contextmanager
def settings(app, **values):
    saved = {key: app.config[key] for key in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(saved)


def load(app, at: datetime | None):
    """Load the demo (at `at`, or now) and read back what the checks need, as plain values."""
    with app.app_context():
        if at is None:
            assert seed_demo(db.session)
        else:
            with clock.frozen(at):
                assert seed_demo(db.session)
        s = db.session
        requests = s.execute(
            select(
                ServiceRequest,
                Service.price.label("service_price"),
                Service.time_required,
                Professional.pin_code.label("pro_pin"),
                Professional.location.label("pro_location"),
                Professional.service_id.label("pro_service"),
                Customer.pin_code.label("customer_pin"),
                Customer.location.label("customer_location"),
            )
            .join(Service, Service.id == ServiceRequest.service_id)
            .join(Professional, Professional.id == ServiceRequest.professional_id)
            .join(Customer, Customer.id == ServiceRequest.customer_id)
            .order_by(ServiceRequest.professional_id, ServiceRequest.date_of_request)
        ).all()
        weeks = defaultdict(list)
        for row in s.execute(select(WorkingHours)).scalars():
            weeks[row.professional_id].append((row.weekday, row.start_minute, row.end_minute))
        time_off = defaultdict(list)
        for row in s.execute(select(TimeOff)).scalars():
            time_off[row.professional_id].append((row.start_at, row.end_at))
        pros = s.execute(
            select(Professional.id, Professional.approval, Professional.rating_sum, Professional.rating_count, User.email)
            .join(User, User.id == Professional.user_id)
        ).all()
        s.remove()
    return requests, weeks, time_off, pros


def check_everything(app, at: datetime | None) -> None:
    requests, weeks, time_off, pros = load(app, at)
    config = app.config
    tz = ZoneInfo(config["APP_TIMEZONE"])
    step = config["SLOT_STEP_MINUTES"]
    lead = timedelta(minutes=config["BOOKING_LEAD_MINUTES"])
    horizon = timedelta(days=config["BOOKING_HORIZON_DAYS"])
    buffer = timedelta(minutes=config["TRAVEL_BUFFER_MINUTES"])
    now = at or clock.now()

    assert {row.ServiceRequest.status for row in requests} == PAST | HELD
    by_pro = defaultdict(list)
    for row in requests:
        r = row.ServiceRequest
        start, end = r.date_of_request.astimezone(tz), r.end_time.astimezone(tz)
        what = f"request {r.id} ({r.status}, {start:%a %Y-%m-%d %H:%M}-{end:%H:%M} local)"
        by_pro[r.professional_id].append(r)

        # Its service, its length, its hold and its price.
        assert r.service_id == row.pro_service, what
        assert r.end_time - r.date_of_request == timedelta(minutes=row.time_required), what
        assert r.held_until - r.end_time == buffer, what
        assert r.price == row.service_price, what

        # On the grid, inside one working interval of its professional's week, on one local day.
        minute = start.hour * 60 + start.minute
        assert start.second == 0 and start.microsecond == 0 and minute % step == 0, what
        assert end.date() == start.date(), what
        end_minute = minute + row.time_required
        assert any(
            day == start.weekday() and a <= minute and end_minute <= b for day, a, b in weeks[r.professional_id]
        ), what

        # Never during the professional's time off.
        assert not any(a < r.end_time and r.date_of_request < b for a, b in time_off[r.professional_id]), what

        # A customer is served by a professional of their own city (PIN area and town).
        assert row.customer_pin[:3] == row.pro_pin[:3], what
        assert row.customer_location.split(", ")[-1] == row.pro_location.split(", ")[-1], what

        # The past is over; open work starts after the lead time and within the booking window.
        assert r.created_at <= now and r.updated_at <= now and r.created_at <= r.updated_at, what
        if r.status in PAST:
            assert r.end_time <= now, what
            assert r.created_at + lead <= r.date_of_request, what
        else:
            assert now + lead <= r.date_of_request <= now + horizon, what
        if r.status == "requested":  # not yet due to expire unanswered
            assert now - r.created_at < timedelta(minutes=config["RESPONSE_WINDOW_MINUTES"]), what

        # Who cancelled, what it cost, the rating and completion of closed work only.
        if r.status == "expired":  # nobody answered by its deadline
            assert r.cancelled_by == "system" and r.cancellation_fee is None, what
            assert r.updated_at == r.answer_by <= r.date_of_request, what
        elif r.status == "cancelled":
            assert r.cancelled_by == "customer", what
            assert r.updated_at <= r.date_of_request, what
            if r.cancellation_fee is not None:
                late = timedelta(hours=config["FREE_CANCEL_HOURS"])
                assert r.date_of_request - r.updated_at < late, what
                expected = r.price * config["LATE_CANCEL_FEE_PERCENT"] / 100
                assert r.cancellation_fee == expected.quantize(Decimal("0.01")), what
        else:
            assert r.cancelled_by is None and r.cancellation_fee is None, what
        if r.status == "closed":
            assert r.rating in range(1, 6) and r.review and r.date_of_completion == r.end_time, what
        elif r.status == "completed":  # done, waiting for the customer, not yet due to close itself
            assert r.rating is None and r.date_of_completion == r.end_time, what
            assert now - r.date_of_completion < timedelta(days=config["AUTO_CLOSE_DAYS"]), what
        else:
            assert r.rating is None and r.date_of_completion is None, what

    # One professional is never in two places: their bookings, buffer included, never overlap,
    # and in particular none of the held ones (what PostgreSQL's exclusion constraint checks).
    for bookings in by_pro.values():
        for earlier, later in zip(bookings, bookings[1:], strict=False):
            assert earlier.held_until <= later.date_of_request, (earlier.id, later.id)

    # Every approved professional has work ahead, both kinds; nobody else has any work.
    approved = {p.id for p in pros if p.approval == APPROVAL_APPROVED}
    assert set(by_pro) == approved
    for pid in approved:
        statuses = {r.status for r in by_pro[pid]}
        assert HELD <= statuses, pid
        # A hidden review is not counted (household.domain.reviews).
        ratings = [r.rating for r in by_pro[pid] if r.rating is not None and r.review_hidden_at is None]
        pro = next(p for p in pros if p.id == pid)
        assert (pro.rating_sum, pro.rating_count) == (sum(ratings), len(ratings)), pid

    # Some time off ahead, and one week that is not the default.
    off = {pid for pid, spans in time_off.items() if spans}
    assert 1 <= len(off) < len(approved)
    assert all(b > now for spans in time_off.values() for _a, b in spans)
    assert any(sorted(week) != list(DEFAULT_WEEK) for week in weeks.values())
    assert all(a % step == 0 and b % step == 0 for week in weeks.values() for _d, a, b in week)

    # The demo professional's diary is the fullest: several bookings ahead, and every kind of past work.
    ravi = next(p.id for p in pros if p.email == DEMO_PROFESSIONAL)
    assert {r.status for r in by_pro[ravi]} == PAST | HELD
    assert sum(r.status in HELD for r in by_pro[ravi]) >= 4

    # And the booking API itself agrees that each held booking's time was free for it to take.
    with app.app_context():
        with clock.frozen(now):
            for row in requests:
                r = row.ServiceRequest
                if r.status in HELD:
                    scheduling.check_start(
                        db.session, r.professional_id, r.date_of_request, r.end_time - r.date_of_request, r.id
                    )
        db.session.remove()


def test_the_demo_keeps_every_scheduling_rule_now(app):
    check_everything(app, None)


@pytest.mark.parametrize("moment", list(MOMENTS), ids=list(MOMENTS))
def test_the_demo_keeps_every_scheduling_rule_whenever_it_is_loaded(app, moment):
    check_everything(app, MOMENTS[moment])


def test_the_demo_follows_the_configured_scheduling_rules(app):
    # A longer lead time, a coarser grid and a longer travel buffer: the demo bends to them.
    with settings(app, BOOKING_LEAD_MINUTES=36 * 60, SLOT_STEP_MINUTES=60, TRAVEL_BUFFER_MINUTES=45):
        check_everything(app, MOMENTS["saturday-evening"])
