"""Exact totals per status, kept by database triggers, behind the admin's list totals."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, literal, literal_column, select

from household.domain.requests import status_blocks
from household.extensions import db
from household.models import STATUSES, RequestStatusCount, ServiceRequest
from household.models.service_request import COUNT_BLOCK_IDS
from tests.factories import Api


def counted(app) -> dict[str | None, int]:
    with app.app_context():
        actual = dict(db.session.execute(select(ServiceRequest.status, func.count()).group_by(ServiceRequest.status)).all())
        kept = {status: sum(n for _, n in status_blocks(db.session, status)) for status in (None, *STATUSES)}
        db.session.remove()
    assert kept[None] == sum(actual.values())
    assert {s: kept[s] for s in STATUSES} == {s: actual.get(s, 0) for s in STATUSES}
    return kept


def test_counters_follow_every_change(app, market, count_queries):
    booked = [market.book() for _ in range(6)]
    assert counted(app)["requested"] == 6
    market.act(booked[0]["id"], market.pro_token, action="accept")
    market.act(booked[1]["id"], market.pro_token, action="reject")
    market.act(booked[2]["id"], market.alice_token, action="cancel")
    market.act(booked[3]["id"], market.pro_token, action="accept")
    market.started(booked[3]["id"])
    assert market.act(booked[3]["id"], market.alice_token, action="close", rating=5).status_code == 200
    # An edit that keeps the status changes no counter.
    assert market.act(booked[4]["id"], market.alice_token, remarks="Ring twice").status_code == 200
    kept = counted(app)
    assert kept == {
        None: 6, "requested": 2, "assigned": 1, "completed": 0, "rejected": 1, "cancelled": 1, "closed": 1, "expired": 0
    }
    # The admin's totals come from the counters: one small query, no count over the table.
    for status, n in kept.items():
        query = "?per_page=2" + ("" if status is None else f"&status={status}")
        with count_queries() as queries:
            resp = market.api.get(f"/api/service-requests{query}", market.admin)
        assert resp.headers["X-Total-Count"] == str(n)
        assert len(resp.get_json()) == min(2, n)
        assert not any("count(" in q.lower() for q in queries.statements), queries.statements
    # Other filters still count their rows.
    resp = market.api.get(f"/api/service-requests?status=requested&service_id={market.plumbing}", market.admin)
    assert resp.headers["X-Total-Count"] == "2"


def test_deleting_requests_lowers_the_counters(app, market):
    for _ in range(3):
        market.book()
    with app.app_context():
        db.session.execute(ServiceRequest.__table__.delete().where(ServiceRequest.id == 2))
        db.session.commit()
        db.session.remove()
    assert counted(app) == {
        None: 2, "requested": 2, "assigned": 0, "completed": 0, "rejected": 0, "cancelled": 0, "closed": 0, "expired": 0
    }


def test_counters_are_spread_over_slots(app, market):
    for _ in range(10):
        market.book()
    with app.app_context():
        slots = db.session.execute(select(RequestStatusCount.slot, RequestStatusCount.n)).all()
        db.session.remove()
    assert len(slots) == 8 and sum(n for _, n in slots) == 10


@pytest.mark.postgres_only
def test_counters_stay_exact_under_concurrent_bookings_and_moves(app, market):
    """Bookings, accepts, cancels and closes from many threads at once: no deadlock, no lost update."""
    first = [market.book() for _ in range(16)]
    for i in range(1, 16, 4):  # these are closed below: their start has passed
        market.started(first[i]["id"])
    # Each racer books a free time of its own (of bookings racing for one time only one wins: test_booking_races).
    buffer = timedelta(minutes=app.config["TRAVEL_BUFFER_MINUTES"])
    free = market.api.get(f"/api/professionals/{market.pro['professional_id']}/slots?days=14").get_json()
    starts: list[dict] = []
    for slot in free:
        if not starts or datetime.fromisoformat(slot["start"]) >= datetime.fromisoformat(starts[-1]["end"]) + buffer:
            starts.append(slot)
    assert len(starts) >= 16, free
    errors: list = []
    barrier = threading.Barrier(16)

    def worker(i: int):
        api = Api(app)
        barrier.wait()
        try:
            req = first[i]
            if i % 4 == 0:
                codes = [api.patch(f"/api/service-requests/{req['id']}", market.alice_token, json={"action": "cancel"}).status_code]
            else:
                codes = [api.patch(f"/api/service-requests/{req['id']}", market.pro_token, json={"action": "accept"}).status_code]
                if i % 4 == 1:
                    codes.append(api.patch(f"/api/service-requests/{req['id']}", market.alice_token, json={"action": "close", "rating": 4}).status_code)
            body = {
                "service_id": market.plumbing,
                "professional_id": market.pro["professional_id"],
                "date_of_request": starts[i]["start"],
            }
            codes.append(api.post("/api/service-requests", market.bob_token if i % 2 else market.alice_token, json=body).status_code)
            if any(code >= 300 for code in codes):
                errors.append((i, codes))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append((i, repr(exc)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [], errors
    kept = counted(app)
    assert kept == {
        None: 32, "requested": 16, "assigned": 8, "completed": 0, "rejected": 0, "cancelled": 4, "closed": 4, "expired": 0
    }


def test_bulk_statements_keep_the_counters_exact(app, market):
    """One statement over many rows (an operator's fix-up, a bulk load) moves each counter once."""
    booked = [market.book() for _ in range(12)]
    for req in booked[:5]:
        market.act(req["id"], market.pro_token, action="accept")
    with app.app_context():
        db.session.execute(ServiceRequest.__table__.update().where(ServiceRequest.status == "requested").values(status="cancelled"))
        db.session.execute(ServiceRequest.__table__.update().values(remarks="checked"))  # no status change
        db.session.execute(ServiceRequest.__table__.delete().where(ServiceRequest.id > 10))
        db.session.commit()
        db.session.remove()
    assert counted(app) == {
        None: 10, "requested": 0, "assigned": 5, "completed": 0, "rejected": 0, "cancelled": 5, "closed": 0, "expired": 0
    }


# Request ids on both sides of block edges (COUNT_BLOCK_IDS = 4096), some blocks empty, one far away.
SPREAD_IDS = [4095, 4096, 4097, 8191, 8192, 8193, 8200, 12287, 20480, 20481, 20482, 20483, 100_000, 100_001]
SPREAD_STATUSES = ["closed", "closed", "cancelled", "rejected"]


def _spread(app, sources: list[int]) -> None:
    """Copies of booked requests under ids spread over several blocks, in statuses that hold no time."""
    table = ServiceRequest.__table__
    columns = [c for c in table.c if c.name not in ("id", "status")]
    with app.app_context():
        for i, new_id in enumerate(SPREAD_IDS):
            source = select(literal(new_id), literal(SPREAD_STATUSES[i % 4]), *columns).where(table.c.id == sources[i % len(sources)])
            db.session.execute(table.insert().from_select(["id", "status", *(c.name for c in columns)], source))
        db.session.commit()
        db.session.remove()


def blocks_match(app) -> None:
    with app.app_context():
        block = literal_column(f"id / {COUNT_BLOCK_IDS}")  # integer division on both databases
        actual = db.session.execute(
            select(ServiceRequest.status, block, func.count()).group_by(ServiceRequest.status, block)).all()
        kept = db.session.execute(
            select(RequestStatusCount.status, RequestStatusCount.block, func.sum(RequestStatusCount.n)).group_by(
                RequestStatusCount.status, RequestStatusCount.block)).all()
        db.session.remove()
    assert {(s, b): n for s, b, n in kept if n} == {(s, b): n for s, b, n in actual}


def test_every_page_of_the_admins_lists_across_blocks_of_ids(app, market):
    """Pages found from the counters per block of ids are exactly the pages an OFFSET would give."""
    booked = [market.book() for _ in range(4)]
    market.act(booked[0]["id"], market.pro_token, action="accept")
    _spread(app, [req["id"] for req in booked])
    blocks_match(app)
    with app.app_context():
        every = db.session.execute(select(ServiceRequest.id, ServiceRequest.status).order_by(ServiceRequest.id.desc())).all()
        db.session.remove()
    for status in (None, "closed", "cancelled", "requested"):
        expected = [i for i, s in every if status in (None, s)]
        for per_page in (1, 3, 4, 100):
            last = max(1, -(-len(expected) // per_page))
            for page in range(1, last + 2):
                query = f"?page={page}&per_page={per_page}" + (f"&status={status}" if status else "")
                resp = market.api.get(f"/api/service-requests{query}", market.admin)
                assert resp.status_code == 200, resp.get_json()
                assert resp.headers["X-Total-Count"] == str(len(expected))
                got = [r["id"] for r in resp.get_json()]
                assert got == expected[(page - 1) * per_page:page * per_page], (status, per_page, page)


def test_counters_follow_a_changed_id(app, market):
    """An operator's fix-up that moves a request to another id moves its counter to the new block."""
    booked = [market.book() for _ in range(2)]
    _spread(app, [req["id"] for req in booked])
    with app.app_context():
        db.session.execute(ServiceRequest.__table__.update().where(ServiceRequest.id == 4095).values(id=50_000))
        db.session.execute(ServiceRequest.__table__.update().where(ServiceRequest.id.in_([8191, 8192]))
                           .values(id=ServiceRequest.id + 30_000, status="closed"))
        db.session.commit()
        db.session.remove()
    blocks_match(app)
    counted(app)
    resp = market.api.get("/api/service-requests?status=closed&per_page=5", market.admin)
    assert [r["id"] for r in resp.get_json()] == [100_001, 100_000, 50_000, 38_192, 38_191]
