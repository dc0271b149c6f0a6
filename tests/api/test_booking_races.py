"""Bookings that race for one professional's time: of those whose holds overlap exactly one wins, on
SQLite (the booking's write transaction) and PostgreSQL (the exclusion constraint) alike.

Real threads, each with its own client, released together by a barrier; now() is frozen to next
Monday 08:00 Kolkata for all of them. After every race the professional's held bookings are read
back from the database and checked pairwise: no two [date_of_request, held_until) overlap, and
every 409 was earned (its time overlaps a winner's).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.api.scheduling_support import (
    assert_no_overlap,
    at,
    held_rows,
    iso,
    monday_8am,  # noqa: F401 - fixture
    parse,
    race,
)
from tests.factories import Api, make_service

RACERS = 12
BUFFER = timedelta(minutes=30)


@pytest.fixture(autouse=True)
def _monday(monday_8am):  # noqa: F811 - the imported fixture
    """Frozen before anyone registers."""
    yield


@pytest.fixture
def hour_job(app, api):
    """A 60-minute service and an approved professional offering it (Monday to Saturday, 09:00-18:00)."""
    service = make_service(app, "Gutter Cleaning", "500.00", 60, "Gutters and downpipes.")
    pro, token = api.register_professional(service, name="Imran Sheikh")
    return {"service_id": service, "professional_id": pro["professional_id"], "token": token}


@pytest.fixture
def customers(api):
    return [api.register_customer(name=f"Racer {i}")[1] for i in range(16)]


DEADLOCK = (
    "BUG: on PostgreSQL two bookings (or moves) whose writes check the exclusion constraint against each other "
    "can deadlock (SQLSTATE 40P01, not caught by scheduling.is_overlap): the one aborted gets a 500, not a 409"
)


class Deadlocked:
    """A 500 that PostgreSQL's deadlock detector caused, counted as the 409 it should have been."""

    status_code = 409

    def get_json(self):
        return {"error": {"status": 409, "message": "(a 500: deadlock detected)", "nearest": []}}


@pytest.fixture
def settle(caplog):
    """settle(responses): the responses, each 500 that a logged DeadlockDetected explains counted as a 409
    (any other 500 fails the test); settle.known_bug() then marks the test xfail if there was one."""
    crashes = []

    def deadlocks() -> int:
        return sum(1 for rec in caplog.records if rec.exc_info and "DeadlockDetected" in str(rec.exc_info[1]))

    def wrap(responses):
        crashes.extend(r for r in responses if r.status_code == 500)
        assert len(crashes) <= deadlocks(), [r.get_json() for r in responses if r.status_code == 500]
        return [Deadlocked() if r.status_code == 500 else r for r in responses]

    def known_bug():
        if crashes:
            pytest.xfail(f"{DEADLOCK} ({len(crashes)} here)")

    wrap.known_bug = known_bug
    return wrap


@pytest.fixture
def widest(monkeypatch):
    """widest(n): the next n racers all pass the app's own check of the time (check_start, or the
    first free slot read) before any of them writes, so only the write itself can keep them apart:
    the database's exclusion constraint (PostgreSQL) or the write transaction's check (SQLite).
    widest(0) takes the barrier away again."""
    from household.domain import scheduling

    originals = {name: getattr(scheduling, name) for name in ("check_start", "next_available")}

    def arm(n: int) -> None:
        if n == 0:
            for name, fn in originals.items():
                monkeypatch.setattr(scheduling, name, fn)
            return
        barrier = threading.Barrier(n)
        first = threading.local()

        def meet():
            if getattr(first, "done", False):
                return
            first.done = True
            try:
                barrier.wait(10)
            except threading.BrokenBarrierError:
                pass

        def wrap(fn):
            def waiting(*args, **kwargs):
                try:
                    return fn(*args, **kwargs)
                finally:  # a refused check meets the others too, so no one waits for it
                    meet()

            return waiting

        for name, fn in originals.items():
            monkeypatch.setattr(scheduling, name, wrap(fn))

    return arm


def booking(pro, token, when=None):
    body = {"service_id": pro["service_id"], "professional_id": pro["professional_id"]}
    if when is not None:
        body["date_of_request"] = iso(when)
    return lambda a: a.post("/api/service-requests", token, json=body)


def codes(responses) -> list[int]:
    return [r.status_code for r in responses]


def check_losers(responses, winners) -> None:
    """Every response is 201 or 409; each 409 names nearest free times, and those are really free."""
    for r in responses:
        assert r.status_code in (201, 409), (r.status_code, r.get_json())
        if r.status_code == 409:
            nearest = r.get_json()["error"]["nearest"]
            for n in nearest:
                start, end = parse(n["start"]), parse(n["end"])
                for _, w0, w1, _ in winners:
                    assert not (start < w1 and w0 < end + BUFFER), f"offered {n} overlaps a winner"


@pytest.mark.parametrize("width", ["as it comes", "all checked before any writes"])
def test_many_customers_one_slot_exactly_one_wins(app, market, customers, widest, width, settle):
    pro = market.pro
    if width != "as it comes":
        widest(RACERS)
    responses = settle(race(app, [booking(pro, t, at("10:00")) for t in customers[:RACERS]]))
    assert sorted(codes(responses)) == [201] + [409] * (RACERS - 1)
    rows = held_rows(app, pro["professional_id"])
    [winner] = [r.get_json() for r in responses if r.status_code == 201]
    assert [(r[0], r[1]) for r in rows] == [(winner["id"], at("10:00"))]
    check_losers(responses, rows)
    # Every loser was told of free times, the taken one not among them.
    for r in responses:
        if r.status_code == 409:
            offered = [parse(n["start"]) for n in r.get_json()["error"]["nearest"]]
            assert at("10:00") not in offered
            assert offered or isinstance(r, Deadlocked)
    settle.known_bug()


@pytest.mark.parametrize("width", ["as it comes", "all checked before any writes"])
def test_overlapping_unequal_times_one_of_each_overlapping_group_wins(app, hour_job, customers, widest, width, settle):
    # A one-hour job holds [t, t + 90 min). 10:00, 10:30 and 11:00 all overlap one another;
    # 14:00 overlaps 15:00, 15:00 overlaps 15:30, but 14:00 (held to 15:30) and 15:30 do not.
    times = [at(t) for t in ("10:00", "10:30", "11:00") * 3] + [at(t) for t in ("14:00", "15:00", "15:30") * 2]
    if width != "as it comes":
        widest(len(times))
    responses = settle(race(app, [booking(hour_job, t, when) for t, when in zip(customers, times, strict=False)]))
    check_losers(responses, [])
    won = sorted(parse(r.get_json()["date_of_request"]) for r in responses if r.status_code == 201)
    morning = [w for w in won if w < at("12:00")]
    afternoon = [w for w in won if w >= at("12:00")]
    assert len(morning) == 1, won
    assert afternoon in ([at("15:00")], [at("14:00"), at("15:30")]), won
    rows = held_rows(app, hour_job["professional_id"])
    assert sorted(r[1] for r in rows) == won
    assert_no_overlap(rows)
    # Each loser's time overlaps a winner's hold: no 409 without a reason.
    for r, when in zip(responses, times, strict=False):
        if r.status_code == 409:
            mine = (when, when + timedelta(minutes=60) + BUFFER)
            assert any(mine[0] < until and start < mine[1] for _, start, until, _ in rows), when
    settle.known_bug()


@pytest.mark.parametrize("width", ["as it comes", "all read the first free slot before any writes"])
def test_bookings_without_a_time_never_overlap(app, hour_job, customers, widest, width, settle):
    if width != "as it comes":
        widest(RACERS)
    responses = settle(race(app, [booking(hour_job, t) for t in customers[:RACERS]]))
    widest(0)
    check_losers(responses, [])
    won = [r.get_json() for r in responses if r.status_code == 201]
    assert won, codes(responses)
    starts = sorted(parse(w["date_of_request"]) for w in won)
    assert len(set(starts)) == len(starts)
    assert starts[0] == at("10:00")  # the first free slot went to someone
    rows = held_rows(app, hour_job["professional_id"])
    assert sorted(r[1] for r in rows) == starts
    assert_no_overlap(rows)
    for w in won:
        assert parse(w["end_time"]) - parse(w["date_of_request"]) == timedelta(minutes=60)
    # Whoever did not get one can book the next free slot now.
    late = [t for t, r in zip(customers, responses, strict=False) if r.status_code == 409]
    if late:
        again = race(app, [booking(hour_job, late[0])])[0]
        assert again.status_code == 201, again.get_json()
        assert_no_overlap(held_rows(app, hour_job["professional_id"]))
    settle.known_bug()


@pytest.mark.parametrize("width", ["as it comes", "both checked before either writes"])
def test_a_reschedule_races_a_booking_for_the_same_slot(app, api, hour_job, customers, widest, width, settle):
    mover, rival = customers[0], customers[1]
    for round_ in range(5):
        d = round_  # Monday to Friday: one independent race a day
        mine = api.post(
            "/api/service-requests",
            mover,
            json={
                "service_id": hour_job["service_id"],
                "professional_id": hour_job["professional_id"],
                "date_of_request": iso(at("15:00", d)),
            },
        ).get_json()
        target = at("10:00", d) if round_ % 2 else at("14:00", d)  # 14:00 overlaps the mover's own old time
        if width != "as it comes":
            widest(2)
        responses = settle(
            race(
                app,
                [
                    lambda a, rid=mine["id"], when=target: a.patch(
                        f"/api/service-requests/{rid}", mover, json={"date_of_request": iso(when)}
                    ),
                    booking(hour_job, rival, target),
                ],
            )
        )
        widest(0)
        moved, posted = codes(responses)
        assert sorted([moved, posted]) in ([200, 409], [201, 409]), (moved, posted, [r.get_json() for r in responses])
        rows = held_rows(app, hour_job["professional_id"])
        assert_no_overlap(rows)
        same_day = sorted(r[1] for r in rows if r[1].date() == at("00:00", d).date())
        if moved == 200:
            assert same_day == [target]
        else:
            assert same_day == sorted([target, at("15:00", d)]) and posted == 201
    settle.known_bug()


def test_racing_accepted_moves_and_new_bookings_of_one_professional_never_overlap(app, market, customers, settle):
    """Moves of accepted bookings, new bookings and bookings without a time, all at once."""
    pro = market.pro  # 45 minutes, held 75
    mine = []
    for i, t in enumerate(customers[:4]):
        req = market.book(token=t, date_of_request=iso(at("10:00", i + 1)))
        assert market.act(req["id"], market.pro_token, action="accept").status_code == 200
        mine.append((t, req["id"]))
    target = at("12:00", 1)
    calls = [
        lambda a, t=t, rid=rid, k=k: a.patch(
            f"/api/service-requests/{rid}", t, json={"date_of_request": iso(target + timedelta(minutes=30 * k))}
        )
        for k, (t, rid) in enumerate(mine)
    ]
    calls += [booking(pro, t, target + timedelta(minutes=30 * (k % 4))) for k, t in enumerate(customers[4:10])]
    calls += [booking(pro, t) for t in customers[10:14]]
    responses = settle(race(app, calls))
    for r in responses:
        assert r.status_code in (200, 201, 409), (r.status_code, r.get_json())
    assert_no_overlap(held_rows(app, pro["professional_id"]))
    # A moved accepted booking is back to requested; one that lost kept its time and its acceptance.
    for (t, rid), r in zip(mine, responses[:4], strict=True):
        got = market.api.get(f"/api/service-requests/{rid}", t).get_json()
        assert got["status"] == ("requested" if r.status_code == 200 else "assigned")
    settle.known_bug()


# --- the database itself (PostgreSQL's exclusion constraint) -------------------------------------------


@pytest.mark.postgres_only
def test_postgres_refuses_an_overlapping_held_booking_even_bypassing_the_app(app, market):
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from household.extensions import db
    from household.models import Customer, ServiceRequest

    first = market.book(date_of_request=iso(at("12:00")))  # held 12:00-13:15

    def row(start, status="requested", minutes=45):
        end = start + timedelta(minutes=minutes)
        return ServiceRequest(
            service_id=market.plumbing,
            customer_id=customer_id,
            professional_id=market.pro["professional_id"],
            status=status,
            date_of_request=start,
            end_time=end,
            held_until=end + BUFFER,
            price=299,
        )

    def refused(obj_or_stmt):
        with pytest.raises(IntegrityError) as caught:
            if isinstance(obj_or_stmt, ServiceRequest):
                db.session.add(obj_or_stmt)
                db.session.flush()
            else:
                db.session.execute(obj_or_stmt)
        assert "ex_service_requests_held" in str(caught.value)
        assert caught.value.orig.sqlstate == "23P01"
        db.session.rollback()

    with app.app_context():
        customer_id = db.session.execute(select(Customer.id).where(Customer.user_id == market.bob["id"])).scalar_one()
        for start in (at("12:00"), at("11:30"), at("13:00"), at("11:00")):  # 11:00 + 45 + 30 ends 12:15
            refused(row(start))
        refused(row(at("12:00"), status="assigned"))
        # Held ranges are half-open: ending (buffer included) as the other starts, or starting at its held_until, is fine.
        db.session.add(row(at("10:45")))  # held to 12:00
        db.session.add(row(at("13:15")))  # starts at the first one's held_until
        # Bookings that no longer hold their time do not count.
        db.session.add(row(at("12:00"), status="cancelled"))
        db.session.add(row(at("12:00"), status="rejected"))
        db.session.commit()
        # Moving or reviving a row onto a held time is refused as well.
        from sqlalchemy import update

        cancelled = db.session.execute(
            select(ServiceRequest.id).where(ServiceRequest.status == "cancelled")
        ).scalar_one()
        refused(update(ServiceRequest).where(ServiceRequest.id == cancelled).values(status="requested"))
        refused(
            update(ServiceRequest)
            .where(ServiceRequest.id == first["id"])
            .values(date_of_request=at("13:30"), end_time=at("14:15"), held_until=at("14:45"))
        )
        # Another professional's time is theirs.
        other = row(at("12:00"))
        other.professional_id = market.pro2["professional_id"]
        db.session.add(other)
        db.session.commit()
        db.session.remove()
    assert_no_overlap(held_rows(app, market.pro["professional_id"]))


@pytest.mark.postgres_only
@pytest.mark.parametrize("write", ["booking", "move"])
def test_a_write_that_deadlocks_on_the_exclusion_constraint_is_a_409_not_a_500(app, market, write):
    """Made certain: another transaction holds 10:00 (uncommitted); our write of 10:30 waits for it at the
    constraint; that transaction then writes 11:15, which overlaps ours. The database aborts one of the two."""
    import time as wall

    import psycopg

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://", 1)
    pid = market.pro["professional_id"]
    mine = market.book(date_of_request=iso(at("15:00")))
    insert = (
        "INSERT INTO service_requests (service_id, customer_id, professional_id, status, date_of_request, "
        "end_time, held_until, price, created_at, updated_at) "
        "VALUES (%s, %s, %s, 'requested', %s, %s, %s, 299, now(), now())"
    )
    other = psycopg.connect(url)
    try:
        (customer_id,) = other.execute(
            "SELECT customer_id FROM service_requests WHERE id = %s", (mine["id"],)
        ).fetchone()
        other.execute(insert, (market.plumbing, customer_id, pid, at("10:00"), at("10:45"), at("11:15")))
        answers = []

        def write_1030(a):
            if write == "booking":
                return a.post(
                    "/api/service-requests",
                    market.bob_token,
                    json={"service_id": market.plumbing, "professional_id": pid, "date_of_request": iso(at("10:30"))},
                )
            return a.patch(
                f"/api/service-requests/{mine['id']}", market.alice_token, json={"date_of_request": iso(at("10:30"))}
            )

        writer = threading.Thread(target=lambda: answers.append(write_1030(Api(app))))
        writer.start()
        with psycopg.connect(url, autocommit=True) as watcher:
            deadline = wall.monotonic() + 10
            while wall.monotonic() < deadline:
                (waiting,) = watcher.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()
                if waiting:
                    break
                wall.sleep(0.02)
            assert waiting, "our write never waited for the other transaction"
        try:
            other.execute(insert, (market.plumbing, customer_id, pid, at("11:15"), at("12:00"), at("12:30")))
            other.commit()
        except psycopg.errors.DeadlockDetected:
            other.rollback()
        writer.join(30)
    finally:
        other.close()
    [answer] = answers
    assert answer.status_code in (200, 201, 409), (answer.status_code, answer.get_json())
    assert_no_overlap(held_rows(app, pid))
