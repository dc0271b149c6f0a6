"""Service requests: booking, every allowed and forbidden transition, ownership, lists and caching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import future
from tests.support import assert_error

REQUEST_FIELDS = {
    "id", "service_id", "service_name", "customer_id", "customer_name", "professional_id", "professional_name",
    "status", "date_of_request", "date_of_completion", "remarks", "rating", "review",
}


# --- booking ------------------------------------------------------------------------------------


def test_customer_books(market):
    when = future(2)
    req = market.book(remarks="Kitchen tap leaking", date_of_request=when)
    assert REQUEST_FIELDS <= set(req)
    assert req["status"] == "requested"
    assert req["service_name"] == "Plumbing Repair"
    assert req["customer_name"] == "Alice Customer"
    assert req["professional_name"] == "Ravi Kumar"
    assert req["remarks"] == "Kitchen tap leaking"
    assert datetime.fromisoformat(req["date_of_request"]) == datetime.fromisoformat(when)
    assert req["date_of_completion"] is None and req["rating"] is None


def test_booking_without_date_takes_the_first_free_slot(market):
    pid = market.pro["professional_id"]
    slots = market.api.get(f"/api/professionals/{pid}/slots?days=14").get_json()
    req = market.book()
    assert datetime.fromisoformat(req["date_of_request"]) == datetime.fromisoformat(slots[0]["start"])
    assert datetime.fromisoformat(req["end_time"]) == datetime.fromisoformat(slots[0]["end"])
    # The next one without a date takes the next free slot: after the first, its 45 minutes and the buffer.
    again = market.book(token=market.bob_token)
    gap = datetime.fromisoformat(again["date_of_request"]) - datetime.fromisoformat(req["end_time"])
    assert gap.total_seconds() >= 30 * 60


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"date_of_request": "2020-01-01T10:00:00+05:30"}, "date_of_request"),
        ({"date_of_request": "2030-01-01T10:00:00"}, "date_of_request"),
        ({"date_of_request": "tomorrow"}, "date_of_request"),
        ({"service_id": 999999}, "service_id"),
        ({"service_id": "1"}, "service_id"),
        ({"professional_id": 999999}, "professional_id"),
        ({"remarks": "x" * 1001}, "remarks"),
        ({"status": "closed"}, "status"),
        ({"rating": 5}, "rating"),
        ({"customer_id": 1}, "customer_id"),
    ],
)
def test_booking_validation(market, overrides, field):
    body = {"service_id": market.plumbing, "professional_id": market.pro["professional_id"], **overrides}
    assert_error(market.api.post("/api/service-requests", market.alice_token, json=body), 422, field)
    assert market.api.get("/api/service-requests", market.alice_token).get_json() == []


def test_cannot_book_a_professional_for_another_service(market):
    body = {"service_id": market.cleaning, "professional_id": market.pro["professional_id"]}
    assert_error(market.api.post("/api/service-requests", market.alice_token, json=body), 422, "professional_id")


def test_cannot_book_pending_rejected_or_blocked_professional(market):
    api = market.api
    body = {"service_id": market.cleaning, "professional_id": market.pending["professional_id"]}
    assert_error(api.post("/api/service-requests", market.alice_token, json=body), 422, "professional_id")
    api.put(f"/api/users/{market.cleaner['id']}/reject", market.admin)
    body = {"service_id": market.cleaning, "professional_id": market.cleaner["professional_id"]}
    assert_error(api.post("/api/service-requests", market.alice_token, json=body), 422, "professional_id")
    api.put(f"/api/users/{market.pro['id']}/block", market.admin)
    body = {"service_id": market.plumbing, "professional_id": market.pro["professional_id"]}
    assert_error(api.post("/api/service-requests", market.alice_token, json=body), 422, "professional_id")


@pytest.mark.parametrize("who", ["pro_token", "admin", "pending_token"])
def test_only_customers_book(market, who):
    body = {"service_id": market.plumbing, "professional_id": market.pro["professional_id"]}
    assert_error(market.api.post("/api/service-requests", getattr(market, who), json=body), 403)
    assert_error(market.api.post("/api/service-requests", None, json=body), 401)


# --- transitions --------------------------------------------------------------------------------


# A step of `walk` that gives no response: the booking's start passes (tests.factories.start_passed).
STARTED = ("started", None)


def walk(market, steps):
    """Apply (actor, body) steps to a fresh request; return the request id and the responses."""
    req = market.book()
    out = []
    for actor, body in steps:
        if (actor, body) == STARTED:
            market.started(req["id"])
            continue
        out.append(market.act(req["id"], getattr(market, actor), **body))
    return req["id"], out


def test_accept_then_close_with_rating(market):
    rid, (accepted, early, closed) = walk(
        market,
        [
            ("pro_token", {"action": "accept"}),
            ("alice_token", {"action": "close", "rating": 4, "review": "Neat work"}),
            STARTED,
            ("alice_token", {"action": "close", "rating": 4, "review": "Neat work"}),
        ],
    )
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "assigned"
    # Not before the booked start.
    assert_error(early, 409)
    body = closed.get_json()
    assert closed.status_code == 200 and body["status"] == "closed"
    assert body["rating"] == 4 and body["review"] == "Neat work"
    assert body["date_of_completion"] is not None


def test_close_without_rating(market):
    _, (_, closed) = walk(market, [("pro_token", {"action": "accept"}), STARTED, ("alice_token", {"action": "close"})])
    assert closed.status_code == 200 and closed.get_json()["rating"] is None


def test_reject(market):
    _, (rejected,) = walk(market, [("pro_token", {"action": "reject"})])
    assert rejected.get_json()["status"] == "rejected"


def test_cancel_requested_and_assigned(market):
    _, (c,) = walk(market, [("alice_token", {"action": "cancel"})])
    assert c.get_json()["status"] == "cancelled"
    _, (_, c2) = walk(market, [("pro_token", {"action": "accept"}), ("alice_token", {"action": "cancel"})])
    assert c2.get_json()["status"] == "cancelled"


ILLEGAL = [
    # (setup steps, actor, body, expected status)
    ([], "alice_token", {"action": "close"}, 409),  # requested -> closed
    ([STARTED], "alice_token", {"action": "close"}, 409),  # requested -> closed, even once started
    ([("pro_token", {"action": "accept"})], "alice_token", {"action": "close"}, 409),  # assigned, not yet started
    ([("pro_token", {"action": "accept"})], "pro_token", {"action": "accept"}, 409),
    ([("pro_token", {"action": "accept"})], "pro_token", {"action": "reject"}, 409),
    ([("pro_token", {"action": "reject"})], "alice_token", {"action": "cancel"}, 409),
    ([("pro_token", {"action": "reject"})], "pro_token", {"action": "accept"}, 409),
    ([("alice_token", {"action": "cancel"})], "pro_token", {"action": "accept"}, 409),
    ([("alice_token", {"action": "cancel"})], "alice_token", {"action": "cancel"}, 409),
    ([("pro_token", {"action": "accept"}), STARTED, ("alice_token", {"action": "close"})], "alice_token", {"action": "cancel"}, 409),
    ([("pro_token", {"action": "accept"}), STARTED, ("alice_token", {"action": "close"})], "alice_token", {"action": "close", "rating": 5}, 409),
    ([("pro_token", {"action": "accept"}), STARTED, ("alice_token", {"action": "close"})], "alice_token", {"remarks": "late edit"}, 409),
    ([("alice_token", {"action": "cancel"})], "alice_token", {"date_of_request": future(3)}, 409),
    # wrong role for the action
    ([], "alice_token", {"action": "accept"}, 403),
    ([], "alice_token", {"action": "reject"}, 403),
    ([("pro_token", {"action": "accept"})], "pro_token", {"action": "close"}, 403),
    ([("pro_token", {"action": "accept"}), STARTED], "pro_token", {"action": "close"}, 403),
    ([], "pro_token", {"action": "cancel"}, 403),
    ([], "pro_token", {"remarks": "pro edits"}, 403),
    ([], "admin", {"action": "accept"}, 403),
    # not yours
    ([], "bob_token", {"action": "cancel"}, 404),
    ([], "pro2_token", {"action": "accept"}, 404),
    ([], "cleaner_token", {"action": "reject"}, 404),
    # bad input
    ([], "alice_token", {"action": "finish"}, 422),
    ([("pro_token", {"action": "accept"})], "alice_token", {"action": "close", "rating": 6}, 422),
    ([("pro_token", {"action": "accept"})], "alice_token", {"action": "close", "rating": 0}, 422),
    ([("pro_token", {"action": "accept"})], "alice_token", {"action": "close", "rating": "5"}, 422),
    ([], "alice_token", {"rating": 5}, 422),
    ([], "alice_token", {"action": "cancel", "remarks": "x"}, 422),
    ([], "alice_token", {"status": "closed"}, 422),
    ([], "alice_token", {}, 422),
    ([], "alice_token", {"date_of_request": "2020-01-01T00:00:00+00:00"}, 422),
]


@pytest.mark.parametrize("setup, actor, body, expected", ILLEGAL)
def test_forbidden_changes_change_nothing(market, setup, actor, body, expected):
    rid, _ = walk(market, setup)
    before = market.api.get(f"/api/service-requests/{rid}", market.alice_token).get_json()
    resp = market.act(rid, getattr(market, actor), **body)
    assert_error(resp, expected)
    after = market.api.get(f"/api/service-requests/{rid}", market.alice_token).get_json()
    assert after == before


def test_pending_professional_cannot_act(market):
    api = market.api
    api.put(f"/api/users/{market.pending['id']}/approve", market.admin)
    req = market.book(professional=market.pending)
    api.put(f"/api/users/{market.pending['id']}/reject", market.admin)
    err = assert_error(market.act(req["id"], market.pending_token, action="accept"), 403)
    assert "rejected" in err["message"]
    assert api.get(f"/api/service-requests/{req['id']}", market.alice_token).get_json()["status"] == "requested"


def test_blocked_customer_is_locked_out_at_once(market):
    req = market.book()
    market.api.put(f"/api/users/{market.alice['id']}/block", market.admin)
    assert_error(market.act(req["id"], market.alice_token, action="cancel"), 401)


def test_patch_with_id_in_body(market):
    req = market.book()
    resp = market.api.patch("/api/service-requests", market.pro_token, json={"id": req["id"], "action": "accept"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "assigned"
    assert_error(market.api.patch("/api/service-requests", market.pro_token, json={"action": "accept"}), 422, "id")
    assert_error(market.api.patch("/api/service-requests", market.pro_token, json={"id": 999999, "action": "accept"}), 404)


def test_customer_edits_remarks_and_date_while_open(market):
    req = market.book(remarks="first")
    when = future(5)
    resp = market.act(req["id"], market.alice_token, remarks="second", date_of_request=when)
    assert resp.status_code == 200
    assert resp.get_json()["remarks"] == "second"
    assert datetime.fromisoformat(resp.get_json()["date_of_request"]) == datetime.fromisoformat(when)
    market.act(req["id"], market.pro_token, action="accept")
    assert market.act(req["id"], market.alice_token, remarks="third").get_json()["remarks"] == "third"


def test_rating_updates_professional_aggregate(market):
    api = market.api
    for rating in (5, 3):
        req = market.book()
        market.act(req["id"], market.pro_token, action="accept")
        market.started(req["id"])
        assert market.act(req["id"], market.alice_token, action="close", rating=rating).status_code == 200
    me = api.get("/api/auth/me", market.pro_token).get_json()["user"]
    assert me["rating"] == 4.0 and me["reviews_count"] == 2


# --- reading ------------------------------------------------------------------------------------


def test_each_caller_sees_their_own(market):
    api = market.api
    a = market.book()
    b = market.book(token=market.bob_token, professional=market.pro2)
    ids = lambda token, path="/api/service-requests": sorted(r["id"] for r in api.get(path, token).get_json())  # noqa: E731
    assert ids(market.alice_token) == [a["id"]]
    assert ids(market.bob_token) == [b["id"]]
    assert ids(market.pro_token) == [a["id"]]
    assert ids(market.pro2_token) == [b["id"]]
    assert ids(market.cleaner_token) == []
    assert ids(market.admin) == sorted([a["id"], b["id"]])
    assert_error(api.get(f"/api/service-requests/{a['id']}", market.bob_token), 404)
    assert_error(api.get(f"/api/service-requests/{a['id']}", market.pro2_token), 404)
    assert api.get(f"/api/service-requests/{a['id']}", market.admin).status_code == 200
    assert_error(api.get("/api/service-requests"), 401)


def test_status_filter_and_validation(market):
    api = market.api
    a = market.book()
    market.book()
    market.act(a["id"], market.pro_token, action="accept")
    assert [r["id"] for r in api.get("/api/service-requests?status=assigned", market.alice_token).get_json()] == [a["id"]]
    assert len(api.get("/api/service-requests?status=requested", market.alice_token).get_json()) == 1
    assert_error(api.get("/api/service-requests?status=done", market.alice_token), 422)
    assert_error(api.get("/api/service-requests?date_from=2026-02-01&date_to=2026-01-01", market.admin), 422, "date_to")


def test_cache_is_fresh_after_each_write_and_never_shared(market):
    api = market.api
    assert api.get("/api/service-requests", market.alice_token).get_json() == []
    assert api.get("/api/service-requests", market.bob_token).get_json() == []
    req = market.book()
    # Alice sees her new request at once; Bob's cached empty list is not Alice's.
    assert [r["id"] for r in api.get("/api/service-requests", market.alice_token).get_json()] == [req["id"]]
    assert api.get("/api/service-requests", market.bob_token).get_json() == []
    assert [r["status"] for r in api.get("/api/service-requests", market.pro_token).get_json()] == ["requested"]
    market.act(req["id"], market.pro_token, action="accept")
    assert [r["status"] for r in api.get("/api/service-requests", market.alice_token).get_json()] == ["assigned"]
    assert [r["status"] for r in api.get("/api/service-requests", market.admin).get_json()] == ["assigned"]
    assert [r["status"] for r in api.get("/api/service-history", market.alice_token).get_json()] == ["assigned"]
    api.patch("/api/auth/me", market.pro_token, json={"name": "Ravi K."})
    assert api.get("/api/service-requests", market.alice_token).get_json()[0]["professional_name"] == "Ravi K."


def test_professional_requests_endpoint(market):
    api = market.api
    a = market.book()
    market.book(professional=market.pro2)
    pid = market.pro["professional_id"]
    resp = api.get(f"/api/service-requests/professional/{pid}", market.pro_token)
    assert [r["id"] for r in resp.get_json()] == [a["id"]]
    assert [r["id"] for r in api.get(f"/api/service-requests/professional/{pid}", market.admin).get_json()] == [a["id"]]
    assert_error(api.get(f"/api/service-requests/professional/{pid}", market.pro2_token), 404)  # not yours
    assert_error(api.get(f"/api/service-requests/professional/{pid}", market.alice_token), 403)
    assert_error(api.get(f"/api/service-requests/professional/{pid}"), 401)
    assert_error(api.get("/api/service-requests/professional/999999", market.admin), 404)


def test_service_history(market):
    api = market.api
    first = market.book()
    second = market.book(professional=market.cleaner)
    market.act(first["id"], market.pro_token, action="accept")
    market.started(first["id"])
    assert market.act(first["id"], market.alice_token, action="close", rating=5).status_code == 200
    rows = api.get("/api/service-history", market.alice_token).get_json()
    assert [r["id"] for r in rows] == [second["id"], first["id"]]
    assert {"id", "service_name", "professional_name", "professional_phone", "status", "date_of_request", "date_of_completion", "rating"} <= set(rows[0])
    assert rows[1]["rating"] == 5 and rows[1]["professional_phone"].startswith("+91")
    assert_error(api.get("/api/service-history", market.pro_token), 403)
    assert_error(api.get("/api/service-history", market.admin), 403)
    assert_error(api.get("/api/service-history"), 401)


def test_admin_filters(market):
    api = market.api
    a = market.book()
    market.book(professional=market.pro2)
    rows = api.get(f"/api/service-requests?professional_id={market.pro['professional_id']}", market.admin).get_json()
    assert [r["id"] for r in rows] == [a["id"]]
    today = datetime.now(UTC).date()
    rows = api.get(f"/api/service-requests?date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}", market.admin).get_json()
    assert len(rows) == 2
    rows = api.get(f"/api/service-requests?date_from={today + timedelta(days=3)}", market.admin).get_json()
    assert rows == []


def test_list_query_count_does_not_grow(app, market, count_queries):
    api = market.api
    market.book()
    app.extensions["household_redis"].flushdb()
    with count_queries() as few:
        api.get("/api/service-requests", market.admin)
    with count_queries() as few_history:
        api.get("/api/service-history", market.alice_token)
    for _ in range(12):
        market.book(professional=market.pro2)
        market.book(token=market.bob_token, professional=market.cleaner)
    app.extensions["household_redis"].flushdb()
    with count_queries() as many:
        assert len(api.get("/api/service-requests", market.admin).get_json()) == 25
    with count_queries() as many_history:
        assert len(api.get("/api/service-history", market.alice_token).get_json()) == 13
    assert many.count == few.count, many.statements
    assert many_history.count == few_history.count, many_history.statements


def test_pagination_headers(market):
    for _ in range(5):
        market.book()
    resp = market.api.get("/api/service-requests?per_page=2&page=3", market.alice_token)
    assert resp.headers["X-Total-Count"] == "5"
    assert len(resp.get_json()) == 1
    assert 'rel="prev"' in resp.headers["Link"] and 'rel="next"' not in resp.headers["Link"]


def test_professional_sees_where_to_go(market):
    market.book()
    row = market.api.get("/api/service-requests", market.pro_token).get_json()[0]
    assert row["customer_address"] == "12, 5th Cross, Koramangala"
    assert row["customer_pin_code"] == "560034" and row["customer_phone"].startswith("+91")
    assert row["professional_phone"].startswith("+91")


def test_list_rows_dump_exactly_as_their_schemas(app, market):
    """Lists build their JSON rows directly; the result is what the documented schemas give."""
    from household.api.listing import row_dumper
    from household.api.requests import HistorySchema, RequestSchema
    from household.domain.requests import request_rows
    from household.extensions import db

    closed = market.book(remarks="Kitchen tap")
    market.act(closed["id"], market.pro_token, action="accept")
    market.started(closed["id"])
    assert market.act(closed["id"], market.alice_token, action="close", rating=5, review="Quick and tidy").status_code == 200
    market.book()
    with app.app_context():
        rows = db.session.execute(request_rows()).mappings().all()
        for schema in (RequestSchema, HistorySchema):
            assert row_dumper(schema)(rows) == schema(many=True).dump(rows)
        db.session.remove()
    assert {r["rating"] for r in market.api.get("/api/service-history", market.alice_token).get_json()} == {5, None}


@pytest.mark.parametrize("who", ["admin", "customer", "professional"])
def test_every_page_is_the_same_slice_of_the_list_whichever_end_it_is_read_from(app, market, who):
    """Pages past the middle are read from the oldest end: they must equal the newest-first slices."""
    for i in range(9):
        market.book(remarks=f"job {i}")
    market.act(3, market.pro_token, action="accept")
    token = {"admin": market.admin, "customer": market.alice_token, "professional": market.pro_token}[who]
    everything = [r["id"] for r in market.api.get("/api/service-requests?per_page=100", token).get_json()]
    assert everything == sorted(everything, reverse=True) and len(everything) == 9
    for per_page in (2, 4, 9):
        pages = []
        for page in range(1, 7):
            resp = market.api.get(f"/api/service-requests?per_page={per_page}&page={page}", token)
            assert resp.status_code == 200 and resp.headers["X-Total-Count"] == "9"
            pages.append([r["id"] for r in resp.get_json()])
        assert [i for p in pages for i in p] == everything
        assert all(p == everything[n * per_page:(n + 1) * per_page] for n, p in enumerate(pages))
    requested = [r["id"] for r in market.api.get("/api/service-requests?status=requested&per_page=3&page=3", token).get_json()]
    assert requested == [i for i in everything if i != 3][6:9]


# --- a block or an approval change that lands while a write is in flight -------------------------


@pytest.fixture
def admin_acts_midway(app, market, monkeypatch):
    """Make the admin's action land after the caller was identified and before the domain writes.

    The admin acts through the API from another thread (its own app context, session and database
    connection), and returns before the caller's write starts: the block has been answered.
    """
    import threading

    from household.domain import requests as requests_domain
    from tests.factories import Api

    def arm(function: str, user_id: int, action: str = "block") -> None:
        original = getattr(requests_domain, function)

        def late(*args, **kwargs):
            answers = []
            admin = threading.Thread(target=lambda: answers.append(Api(app).put(f"/api/users/{user_id}/{action}", market.admin)))
            admin.start()
            admin.join(30)
            assert [a.status_code for a in answers] == [200], [a.get_json() for a in answers]
            return original(*args, **kwargs)

        monkeypatch.setattr(requests_domain, function, late)

    return arm


def _status(market, rid):
    return market.api.get(f"/api/service-requests/{rid}", market.admin).get_json()["status"]


def test_a_booking_in_flight_when_the_customer_is_blocked_is_refused(market, admin_acts_midway):
    admin_acts_midway("create", market.alice["id"])
    body = {"service_id": market.plumbing, "professional_id": market.pro["professional_id"]}
    err = assert_error(market.api.post("/api/service-requests", market.alice_token, json=body), 403)
    assert "blocked" in err["message"]
    assert market.api.get("/api/service-requests", market.admin).get_json() == []


def test_a_booking_in_flight_when_the_professional_is_blocked_is_refused(market, admin_acts_midway):
    admin_acts_midway("create", market.pro["id"])
    body = {"service_id": market.plumbing, "professional_id": market.pro["professional_id"]}
    assert_error(market.api.post("/api/service-requests", market.alice_token, json=body), 422, "professional_id")
    assert market.api.get("/api/service-requests", market.admin).get_json() == []


@pytest.mark.parametrize(
    "setup, actor, body, user, admin_action",
    [
        ([], "pro_token", {"action": "accept"}, "pro", "block"),
        ([], "pro_token", {"action": "accept"}, "pro", "reject"),
        ([], "pro_token", {"action": "reject"}, "pro", "block"),
        ([], "alice_token", {"action": "cancel"}, "alice", "block"),
        ([("pro_token", {"action": "accept"}), STARTED], "alice_token", {"action": "close", "rating": 5}, "alice", "block"),
        ([], "alice_token", {"remarks": "Ring twice"}, "alice", "block"),
    ],
)
def test_a_change_in_flight_when_the_actor_is_blocked_or_rejected_is_refused(
    market, admin_acts_midway, setup, actor, body, user, admin_action
):
    rid, _ = walk(market, setup)
    before = market.api.get(f"/api/service-requests/{rid}", market.admin).get_json()
    admin_acts_midway("change", getattr(market, user)["id"], admin_action)
    err = assert_error(market.act(rid, getattr(market, actor), **body), 403)
    assert ("blocked" if admin_action == "block" else "approved") in err["message"]
    assert market.api.get(f"/api/service-requests/{rid}", market.admin).get_json() == before
    # A refused close counts no rating either.
    pros = market.api.get("/api/all-users?role=professional", market.admin).get_json()
    assert next(p for p in pros if p["id"] == market.pro["id"])["reviews_count"] == 0


# --- a service taken out of the catalogue ---------------------------------------------------------


def test_a_request_for_a_deleted_service_cannot_be_accepted(market):
    req = market.book()
    assert market.api.delete(f"/api/services/{market.plumbing}", market.admin).status_code == 204
    err = assert_error(market.act(req["id"], market.pro_token, action="accept"), 409)
    assert "no longer offered" in err["message"]
    assert _status(market, req["id"]) == "requested"
    # What is left to do with it: the customer edits or cancels it, or the professional rejects it.
    assert market.act(req["id"], market.alice_token, remarks="Still leaking").status_code == 200
    assert market.act(req["id"], market.alice_token, action="cancel").get_json()["status"] == "cancelled"
    other = market.book(service_id=market.cleaning, professional=market.cleaner)
    market.api.delete(f"/api/services/{market.cleaning}", market.admin)
    assert market.act(other["id"], market.cleaner_token, action="reject").get_json()["status"] == "rejected"


def test_assigned_work_for_a_deleted_service_runs_its_course(market):
    closing, cancelling = market.book(), market.book()
    for req in (closing, cancelling):
        assert market.act(req["id"], market.pro_token, action="accept").status_code == 200
    market.api.delete(f"/api/services/{market.plumbing}", market.admin)
    assert_error(market.act(closing["id"], market.alice_token, action="close", rating=4), 409)  # not yet started
    market.started(closing["id"])
    closed = market.act(closing["id"], market.alice_token, action="close", rating=4)
    assert closed.status_code == 200 and closed.get_json()["service_name"] == "Plumbing Repair"
    assert market.act(cancelling["id"], market.alice_token, action="cancel").get_json()["status"] == "cancelled"


def test_a_service_deleted_while_the_accept_is_in_flight(app, market, monkeypatch):
    """The check is part of the accept's conditional write, not a read before it."""
    import threading

    from household.domain import requests as requests_domain
    from tests.factories import Api

    req = market.book()
    write = requests_domain._conditional_update

    def deleted_first(*args, **kwargs):
        done = []
        t = threading.Thread(target=lambda: done.append(Api(app).delete(f"/api/services/{market.plumbing}", market.admin)))
        t.start()
        t.join(30)
        assert [r.status_code for r in done] == [204]
        return write(*args, **kwargs)

    monkeypatch.setattr(requests_domain, "_conditional_update", deleted_first)
    err = assert_error(market.act(req["id"], market.pro_token, action="accept"), 409)
    assert "no longer offered" in err["message"]
    assert _status(market, req["id"]) == "requested"


def test_a_professional_no_longer_approved_is_told_so_first(market):
    """403 (not approved) comes before anything about the request's state (409)."""
    req = market.book()
    assert market.act(req["id"], market.alice_token, action="cancel").status_code == 200
    assert market.api.put(f"/api/users/{market.pro['id']}/reject", market.admin).status_code == 200
    assert_error(market.act(req["id"], market.pro_token, action="accept"), 403)
    assert_error(market.act(req["id"], market.pro_token, action="reject"), 403)
