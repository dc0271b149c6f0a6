"""The complete lifecycle through the API: every action in every status by every role, the booked start as
the line before which work can be neither completed nor closed, reasons, who cancelled, the late
cancellation fee and its preview, the status history, and actions that race.

A booking is always made in a free slot (the first at least 2 hours ahead), so its start is in the future;
`Market.started` (tests.factories.start_passed) moves it into the past in the database, and
`household.clock.frozen` puts every thread a minute either side of an instant (everyone logs in again
under the frozen clock: a token idle for SESSION_IDLE_MINUTES ends).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from household import clock
from household.extensions import db
from household.models import ServiceRequest
from tests.api.scheduling_support import race
from tests.factories import ADMIN_EMAIL
from tests.support import assert_error

MINUTE = timedelta(minutes=1)
FREE_CANCEL = timedelta(hours=3)  # FREE_CANCEL_HOURS

# The contract's table: who does each action, and from which states (a state is a status, and for an
# assigned booking whether its start has passed).
WHO = {
    "accept": "professional",
    "reject": "professional",
    "complete": "professional",
    "withdraw": "professional",
    "close": "customer",
    "cancel": "customer",
}
TARGET = {
    "accept": "assigned",
    "reject": "rejected",
    "complete": "completed",
    "withdraw": "cancelled",
    "close": "closed",
    "cancel": "cancelled",
}
ALLOWED = {
    ("accept", "requested"),
    ("reject", "requested"),
    ("complete", "assigned, started"),
    ("withdraw", "assigned"),
    ("withdraw", "assigned, started"),
    ("close", "completed"),
    ("close", "assigned, started"),
    ("cancel", "requested"),
    ("cancel", "assigned"),
    ("cancel", "assigned, started"),
}
STATES = [
    "requested",
    "assigned",
    "assigned, started",
    "completed",
    "closed",
    "rejected",
    "cancelled",
    "withdrawn",
    "expired",
]
STATUS_OF = {"assigned, started": "assigned", "withdrawn": "cancelled"}
# Who calls: the request's own customer and professional, the admin, another customer, another professional.
ROLES = ["customer", "professional", "admin", "other customer", "other professional"]


def get(market, rid, token=None):
    resp = market.api.get(f"/api/service-requests/{rid}", token or market.admin)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def ok(resp, status=200):
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def expire(app, rid):
    """The expiry job, run when the request's answer deadline has come."""
    from household.domain import housekeeping

    with app.app_context():
        deadline = db.session.execute(select(ServiceRequest.answer_by).where(ServiceRequest.id == rid)).scalar_one()
        assert housekeeping.expire_unanswered(db.session, now=deadline) == [rid]
        db.session.remove()


def in_state(app, market, state) -> int:
    """A new booking of Alice with the plumber, brought to `state` through the API (its start moved into the
    past in the database for a started one)."""
    rid = market.book()["id"]
    pro, alice = market.pro_token, market.alice_token
    if state == "requested":
        pass
    elif state == "assigned":
        ok(market.act(rid, pro, action="accept"))
    elif state == "assigned, started":
        ok(market.act(rid, pro, action="accept"))
        market.started(rid)
    elif state == "completed":
        ok(market.act(rid, pro, action="accept"))
        market.started(rid)
        ok(market.act(rid, pro, action="complete"))
    elif state == "closed":
        ok(market.act(rid, pro, action="accept"))
        market.started(rid)
        ok(market.act(rid, alice, action="close", rating=5))
    elif state == "rejected":
        ok(market.act(rid, pro, action="reject"))
    elif state == "cancelled":
        ok(market.act(rid, alice, action="cancel"))
    elif state == "withdrawn":
        ok(market.act(rid, pro, action="accept"))
        ok(market.act(rid, pro, action="withdraw"))
    elif state == "expired":
        expire(app, rid)
    else:
        raise AssertionError(state)
    assert get(market, rid)["status"] == STATUS_OF.get(state, state)
    return rid


def expected(state, action, role) -> int:
    if role == "admin":
        return 403  # the admin sees every request and acts on none
    if role.startswith("other"):
        return 404  # not yours: as if it did not exist
    if WHO[action] != role:
        return 403
    return 200 if (action, state) in ALLOWED else 409


def token_of(market, role):
    return {
        "customer": market.alice_token,
        "professional": market.pro_token,
        "admin": market.admin,
        "other customer": market.bob_token,
        "other professional": market.pro2_token,
    }[role]


# --- every action, in every state, by every role --------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_every_action_by_every_role(app, market, state):
    """A refused action changes nothing at all; an allowed one moves the request to its target, says who did it
    in the status history, and records who cancelled."""
    subject = in_state(app, market, state)
    before = get(market, subject)
    allowed = []
    for action in WHO:
        for role in ROLES:
            code = expected(state, action, role)
            if code == 200:
                allowed.append((action, role))
                continue
            resp = market.act(subject, token_of(market, role), action=action)
            assert resp.status_code == code, (state, action, role, resp.get_json())
            assert_error(resp, code)
            assert get(market, subject) == before, (state, action, role)
    assert sorted(allowed) == sorted((a, WHO[a]) for a, s in ALLOWED if s == state)
    for action, role in allowed:
        rid = in_state(app, market, state)
        body = ok(market.act(rid, token_of(market, role), action=action))
        assert body["status"] == TARGET[action]
        after = get(market, rid)
        assert after["status"] == TARGET[action]
        assert after["status_history"][-1]["status"] == TARGET[action]
        assert after["status_history"][-1]["by"] == role
        if TARGET[action] == "cancelled":
            assert after["cancelled_by"] == role
        assert (after["date_of_completion"] is not None) == (TARGET[action] in ("completed", "closed"))


def test_who_cancelled(app, market):
    assert get(market, in_state(app, market, "cancelled"))["cancelled_by"] == "customer"
    assert get(market, in_state(app, market, "withdrawn"))["cancelled_by"] == "professional"
    assert get(market, in_state(app, market, "expired"))["cancelled_by"] == "system"
    for state in ("requested", "assigned", "completed", "closed", "rejected"):
        assert get(market, in_state(app, market, state))["cancelled_by"] is None, state


def test_not_approved_or_blocked_professionals_cannot_complete_or_withdraw(app, market):
    rid = in_state(app, market, "assigned, started")
    before = get(market, rid)
    ok(market.api.put(f"/api/users/{market.pro['id']}/reject", market.admin))
    for action in ("complete", "withdraw"):
        assert "rejected" in assert_error(market.act(rid, market.pro_token, action=action), 403)["message"]
    assert get(market, rid) == before


# --- the booked start ---------------------------------------------------------------------------------


def logged_in(market) -> SimpleNamespace:
    """Everyone's tokens, issued now (under a frozen clock: issued at the frozen instant)."""
    api = market.api
    return SimpleNamespace(
        alice=api.login(market.alice["email"]),
        pro=api.login(market.pro["email"]),
        admin=api.login(ADMIN_EMAIL),
    )


@contextmanager
def at(market, when: datetime):
    """Every thread's clock frozen at `when`, everyone logged in again."""
    with clock.frozen(when):
        yield logged_in(market)


def start_of(row) -> datetime:
    return datetime.fromisoformat(row["date_of_request"])


def test_complete_and_close_only_once_the_start_has_passed(market):
    req = market.book()
    ok(market.act(req["id"], market.pro_token, action="accept"))
    start = start_of(req)
    with at(market, start - MINUTE) as t:
        for token, action in ((t.pro, "complete"), (t.alice, "close")):
            err = assert_error(market.act(req["id"], token, action=action), 409)
            assert "starts at" in err["message"], err
        assert get(market, req["id"], t.admin)["status"] == "assigned"
    with at(market, start + MINUTE) as t:
        done = ok(market.act(req["id"], t.pro, action="complete"))
        assert done["status"] == "completed"
        assert datetime.fromisoformat(done["date_of_completion"]) == start + MINUTE
    with at(market, start + 2 * MINUTE) as t:
        closed = ok(market.act(req["id"], t.alice, action="close", rating=4, review="Fixed for good"))
    # Closing completed work keeps the time it was completed.
    assert closed["status"] == "closed" and (closed["rating"], closed["review"]) == (4, "Fixed for good")
    assert datetime.fromisoformat(closed["date_of_completion"]) == start + MINUTE


def test_the_customer_closes_assigned_work_once_its_start_has_passed(market):
    req = market.book()
    ok(market.act(req["id"], market.pro_token, action="accept"))
    start = start_of(req)
    with at(market, start - MINUTE) as t:
        assert_error(market.act(req["id"], t.alice, action="close", rating=5), 409)
        assert get(market, req["id"], t.admin)["status"] == "assigned"
    with at(market, start + MINUTE) as t:
        closed = ok(market.act(req["id"], t.alice, action="close", rating=5))
        assert closed["status"] == "closed"
        assert datetime.fromisoformat(closed["date_of_completion"]) == start + MINUTE
        me = ok(market.api.get("/api/auth/me", t.pro))["user"]
        assert (me["rating"], me["reviews_count"]) == (5.0, 1)


def test_withdraw_and_cancel_need_no_start(market):
    withdrawn, cancelled = market.book(), market.book()
    for req in (withdrawn, cancelled):
        ok(market.act(req["id"], market.pro_token, action="accept"))
    assert ok(market.act(withdrawn["id"], market.pro_token, action="withdraw"))["status"] == "cancelled"
    assert ok(market.act(cancelled["id"], market.alice_token, action="cancel"))["status"] == "cancelled"


def test_a_booking_moved_after_acceptance_is_requested_again_and_its_new_start_counts(market):
    from tests.api.conftest import future

    req = market.book()
    ok(market.act(req["id"], market.pro_token, action="accept"))
    moved = ok(market.act(req["id"], market.alice_token, date_of_request=future(4, 11)))
    assert moved["status"] == "requested"
    history = get(market, req["id"])["status_history"]
    assert [(h["status"], h["by"]) for h in history] == [
        ("requested", "customer"), ("assigned", "professional"), ("requested", "customer")
    ]
    ok(market.act(req["id"], market.pro_token, action="accept"))
    new_start = datetime.fromisoformat(moved["date_of_request"])
    with at(market, new_start - MINUTE) as t:
        assert_error(market.act(req["id"], t.pro, action="complete"), 409)
    with at(market, new_start + MINUTE) as t:
        assert ok(market.act(req["id"], t.pro, action="complete"))["status"] == "completed"


# --- reasons -----------------------------------------------------------------------------------------


def test_a_rejection_reason_is_shown_to_the_customer_and_in_the_history(market):
    req = market.book()
    reason = "Fully booked that day, sorry"
    body = ok(market.act(req["id"], market.pro_token, action="reject", reason=reason))
    assert body["status"] == "rejected" and body["status_reason"] == reason
    for token in (market.alice_token, market.pro_token, market.admin):
        row = get(market, req["id"], token)
        assert row["status_reason"] == reason
        assert row["status_history"][-1] == {**row["status_history"][-1], "status": "rejected", "by": "professional", "reason": reason}
    listed = next(r for r in ok(market.api.get("/api/service-requests", market.alice_token)) if r["id"] == req["id"])
    assert listed["status_reason"] == reason


def test_a_withdrawal_reason_is_shown_and_the_professional_is_who_cancelled(market):
    req = market.book()
    ok(market.act(req["id"], market.pro_token, action="accept"))
    reason = "My van broke down"
    body = ok(market.act(req["id"], market.pro_token, action="withdraw", reason=reason))
    assert (body["status"], body["cancelled_by"], body["status_reason"]) == ("cancelled", "professional", reason)
    assert body["cancellation_fee"] is None  # the customer pays nothing when the professional withdraws
    row = get(market, req["id"], market.alice_token)
    assert [(h["status"], h["by"], h["reason"]) for h in row["status_history"]] == [
        ("requested", "customer", None), ("assigned", "professional", None), ("cancelled", "professional", reason)
    ]


def test_reasons_are_optional(market):
    rejected, withdrawn = market.book(), market.book()
    assert ok(market.act(rejected["id"], market.pro_token, action="reject"))["status_reason"] is None
    ok(market.act(withdrawn["id"], market.pro_token, action="accept"))
    assert ok(market.act(withdrawn["id"], market.pro_token, action="withdraw", reason=""))["status_reason"] is None
    for rid in (rejected["id"], withdrawn["id"]):
        assert get(market, rid)["status_history"][-1]["reason"] is None


@pytest.mark.parametrize(
    "state, token, body",
    [
        ("requested", "alice_token", {"action": "cancel", "reason": "Changed my mind"}),
        ("requested", "pro_token", {"action": "accept", "reason": "Happy to"}),
        ("assigned, started", "pro_token", {"action": "complete", "reason": "Done"}),
        ("assigned, started", "alice_token", {"action": "close", "reason": "Done"}),
        ("requested", "alice_token", {"reason": "Just because"}),
        ("requested", "pro_token", {"action": "reject", "reason": "x" * 501}),
        ("assigned", "pro_token", {"action": "withdraw", "reason": 7}),
        ("assigned", "pro_token", {"action": "withdraw", "rating": 5}),
        ("assigned, started", "pro_token", {"action": "complete", "rating": 5}),
    ],
)
def test_a_reason_goes_only_with_reject_or_withdraw(app, market, state, token, body):
    rid = in_state(app, market, state)
    before = get(market, rid)
    assert_error(market.api.patch(f"/api/service-requests/{rid}", getattr(market, token), json=body), 422)
    assert get(market, rid) == before


# --- the late cancellation fee and its preview -------------------------------------------------------


def fee_of(row):
    return None if row["cancellation_fee"] is None else Decimal(str(row["cancellation_fee"]))


def terms(market, rid, token):
    return market.api.get(f"/api/service-requests/{rid}/cancellation", token)


def test_cancelling_assigned_work_is_free_until_three_hours_before_its_start(market):
    req = market.book()
    ok(market.act(req["id"], market.pro_token, action="accept"))
    start = start_of(req)
    with at(market, start - FREE_CANCEL - MINUTE) as t:
        preview = ok(terms(market, req["id"], t.alice))
        assert preview["late"] is False and Decimal(str(preview["fee"])) == 0
        assert datetime.fromisoformat(preview["free_until"]) == start - FREE_CANCEL
        body = ok(market.act(req["id"], t.alice, action="cancel"))
    assert (body["status"], body["cancelled_by"], fee_of(body)) == ("cancelled", "customer", None)


@pytest.mark.parametrize("service, fee", [("plumbing", Decimal("59.80")), ("cleaning", Decimal("299.90"))])
def test_a_late_cancellation_costs_a_fifth_of_the_price(market, service, fee):
    professional = market.pro if service == "plumbing" else market.cleaner
    pro_token = market.pro_token if service == "plumbing" else market.cleaner_token
    req = market.book(professional=professional)
    ok(market.act(req["id"], pro_token, action="accept"))
    start = start_of(req)
    # A later price change does not touch agreed work: the fee is of the price booked.
    ok(market.api.put(f"/api/services/{getattr(market, service)}", market.admin, json={"price": 5000}))
    with at(market, start - FREE_CANCEL + MINUTE) as t:
        preview = ok(terms(market, req["id"], t.alice))
        assert preview["late"] is True and Decimal(str(preview["fee"])) == fee
        assert datetime.fromisoformat(preview["free_until"]) == start - FREE_CANCEL
        body = ok(market.act(req["id"], t.alice, action="cancel"))
        assert (body["status"], body["cancelled_by"], fee_of(body)) == ("cancelled", "customer", fee)
        assert Decimal(str(body["price"])) * Decimal("0.2") == fee
        # Recorded on the request, for each party, and in the admin's list.
        for token in (t.alice, t.admin):
            assert fee_of(get(market, req["id"], token)) == fee
        listed = ok(market.api.get("/api/service-requests?status=cancelled", t.admin))
        assert [fee_of(r) for r in listed if r["id"] == req["id"]] == [fee]
        history = ok(market.api.get("/api/service-history", t.alice))
        assert [fee_of(r) for r in history if r["id"] == req["id"]] == [fee]


def test_cancelling_after_the_start_is_late_too(market):
    req = market.book()
    ok(market.act(req["id"], market.pro_token, action="accept"))
    market.started(req["id"])
    preview = ok(terms(market, req["id"], market.alice_token))
    assert preview["late"] is True and Decimal(str(preview["fee"])) == Decimal("59.80")
    assert fee_of(ok(market.act(req["id"], market.alice_token, action="cancel"))) == Decimal("59.80")


def test_a_booking_not_yet_accepted_is_free_to_cancel_whenever(market):
    req = market.book()
    start = start_of(req)
    with at(market, start - MINUTE) as t:
        preview = ok(terms(market, req["id"], t.alice))
        assert preview["late"] is False and Decimal(str(preview["fee"])) == 0
        body = ok(market.act(req["id"], t.alice, action="cancel"))
    assert fee_of(body) is None and body["cancelled_by"] == "customer"


def test_the_cancellation_preview_is_the_customers(app, market):
    from tests.api.conftest import future

    # Two days ahead: the first free slot can be today within FREE_CANCEL_HOURS (from 06:00 in Kolkata, say).
    req = market.book(date_of_request=future(2))
    ok(market.act(req["id"], market.pro_token, action="accept"))
    assert_error(terms(market, req["id"], market.pro_token), 403)
    assert_error(terms(market, req["id"], market.admin), 403)
    assert_error(terms(market, req["id"], market.bob_token), 404)
    assert_error(terms(market, req["id"], market.pro2_token), 404)
    assert_error(terms(market, 999999, market.alice_token), 404)
    assert_error(terms(market, req["id"], None), 401)
    assert ok(terms(market, req["id"], market.alice_token))["late"] is False
    # Only what can still be cancelled has terms.
    for state in ("completed", "closed", "rejected", "cancelled", "withdrawn", "expired"):
        assert_error(terms(market, in_state(app, market, state), market.alice_token), 409)


# --- the status history ---------------------------------------------------------------------------------


def test_the_status_history_is_oldest_first_with_who_and_when(market):
    before = clock.now()
    req = market.book()
    ok(market.act(req["id"], market.pro_token, action="accept"))
    market.started(req["id"])
    ok(market.act(req["id"], market.pro_token, action="complete"))
    ok(market.act(req["id"], market.alice_token, action="close", rating=5))
    after = clock.now()
    for token in (market.alice_token, market.pro_token, market.admin):
        history = get(market, req["id"], token)["status_history"]
        assert [(h["status"], h["by"], h["reason"]) for h in history] == [
            ("requested", "customer", None),
            ("assigned", "professional", None),
            ("completed", "professional", None),
            ("closed", "customer", None),
        ]
        times = [datetime.fromisoformat(h["at"]) for h in history]
        assert all(t.tzinfo is not None for t in times)
        assert before - timedelta(seconds=1) <= times[0] and times[-1] <= after + timedelta(seconds=1)
        assert times == sorted(times)
    assert_error(market.api.get(f"/api/service-requests/{req['id']}", market.bob_token), 404)


def test_each_change_is_recorded_at_the_time_it_happened(market):
    req = market.book()
    start = start_of(req)
    with at(market, start - 2 * timedelta(hours=1)) as t:
        ok(market.act(req["id"], t.pro, action="accept"))
    with at(market, start + 5 * MINUTE) as t:
        ok(market.act(req["id"], t.pro, action="complete"))
    with at(market, start + 3 * timedelta(hours=1)) as t:
        ok(market.act(req["id"], t.alice, action="close"))
    history = get(market, req["id"])["status_history"]
    assert [datetime.fromisoformat(h["at"]) for h in history[1:]] == [
        start - 2 * timedelta(hours=1), start + 5 * MINUTE, start + 3 * timedelta(hours=1)
    ]


def test_a_refused_action_leaves_no_history(market):
    req = market.book()
    ok(market.act(req["id"], market.pro_token, action="accept"))
    assert_error(market.act(req["id"], market.pro_token, action="complete"), 409)
    assert_error(market.act(req["id"], market.alice_token, action="close"), 409)
    assert_error(market.act(req["id"], market.pro_token, action="accept"), 409)
    assert [h["status"] for h in get(market, req["id"])["status_history"]] == ["requested", "assigned"]


def test_the_system_is_who_expired_a_booking(app, market):
    rid = in_state(app, market, "expired")
    history = get(market, rid, market.alice_token)["status_history"]
    assert [(h["status"], h["by"]) for h in history] == [("requested", "customer"), ("expired", "system")]


# --- races: exactly one wins, on SQLite and PostgreSQL ---------------------------------------------------


def patch(rid, token, **body):
    return lambda a: a.patch(f"/api/service-requests/{rid}", token, json=body)


def codes(responses):
    return [r.status_code for r in responses]


@pytest.mark.parametrize("_round", range(3))
def test_complete_races_withdraw(app, market, _round):
    rid = in_state(app, market, "assigned, started")
    complete, withdraw = codes(
        race(app, [patch(rid, market.pro_token, action="complete"), patch(rid, market.pro_token, action="withdraw", reason="Unwell")])
    )
    assert sorted([complete, withdraw]) == [200, 409]
    row = get(market, rid)
    assert row["status"] == ("completed" if complete == 200 else "cancelled")
    assert (row["date_of_completion"] is not None) == (complete == 200)
    assert (row["status_reason"] == "Unwell") == (withdraw == 200)
    assert [h["status"] for h in row["status_history"]] == ["requested", "assigned", row["status"]]


@pytest.mark.parametrize("_round", range(3))
def test_close_races_close(app, market, _round):
    rid = in_state(app, market, "assigned, started")
    results = codes(race(app, [patch(rid, market.alice_token, action="close", rating=r) for r in (2, 5)]))
    assert sorted(results) == [200, 409]
    row = get(market, rid)
    assert row["status"] == "closed" and row["rating"] == (2, 5)[results.index(200)]
    assert [h["status"] for h in row["status_history"]] == ["requested", "assigned", "closed"]
    me = ok(market.api.get("/api/auth/me", market.pro_token))["user"]
    assert (me["rating"], me["reviews_count"]) == (float(row["rating"]), 1)


@pytest.fixture
def writes_meet(monkeypatch):
    """Both racers have read the request before either writes: the widest race (the write is conditional on
    the status each read)."""
    from household.domain import requests as requests_domain

    barrier = threading.Barrier(2)
    write = requests_domain._conditional_update

    def meet(*args, **kwargs):
        barrier.wait(20)
        return write(*args, **kwargs)

    monkeypatch.setattr(requests_domain, "_conditional_update", meet)
    return barrier


@pytest.mark.parametrize("_round", range(3))
def test_cancel_races_accept(app, market, writes_meet, _round):
    rid = market.book()["id"]
    writes_meet.reset()
    cancel, accept = codes(
        race(app, [patch(rid, market.alice_token, action="cancel"), patch(rid, market.pro_token, action="accept")])
    )
    assert sorted([cancel, accept]) == [200, 409]
    row = get(market, rid)
    assert row["status"] == ("cancelled" if cancel == 200 else "assigned")
    assert [h["status"] for h in row["status_history"]] == ["requested", row["status"]]
    assert fee_of(row) is None


@pytest.mark.parametrize("_round", range(3))
def test_a_late_cancel_racing_the_accept_pays_a_fee_only_if_it_cancelled_accepted_work(app, market, _round):
    """Without a meeting point either order may happen: accept then cancel is two wins. Whatever happened, the
    fee matches the status the cancel changed: none for a booking not yet accepted, 20% for accepted work
    inside the three hours before its start."""
    req = market.book()
    with at(market, start_of(req) - timedelta(hours=2)) as t:
        cancel, accept = codes(
            race(app, [patch(req["id"], t.alice, action="cancel"), patch(req["id"], t.pro, action="accept")])
        )
        row = get(market, req["id"], t.admin)
    history = [h["status"] for h in row["status_history"]]
    assert cancel == 200 or accept == 200
    if cancel == 200 and accept == 200:
        assert history == ["requested", "assigned", "cancelled"] and fee_of(row) == Decimal("59.80")
    elif cancel == 200:
        assert accept == 409 and history == ["requested", "cancelled"] and fee_of(row) is None
    else:
        assert cancel == 409 and history == ["requested", "assigned"] and row["status"] == "assigned"



# --- the seven statuses in lists and counts -------------------------------------------------------------


def test_each_status_is_listed_filtered_and_counted(app, market):
    # Expired first: the expiry job would expire any other booking still waiting.
    ids = {state: in_state(app, market, state) for state in ("expired", "requested", "assigned", "completed", "closed", "rejected", "cancelled")}
    everything = ok(market.api.get("/api/service-requests?per_page=100", market.admin))
    assert {r["id"]: r["status"] for r in everything} == {rid: state for state, rid in ids.items()}
    for status, rid in ids.items():
        for token in (market.admin, market.alice_token, market.pro_token):
            resp = market.api.get(f"/api/service-requests?status={status}", token)
            assert resp.status_code == 200 and resp.headers["X-Total-Count"] == "1", (status, resp.get_json())
            assert [r["id"] for r in resp.get_json()] == [rid]
    for token in (market.admin, market.alice_token, market.pro_token):
        by_status = ok(market.api.get("/api/summary", token))["requests_by_status"]
        assert by_status == {status: 1 for status in ids}, by_status


def test_completed_work_can_no_longer_be_edited(app, market):
    rid = in_state(app, market, "completed")
    before = get(market, rid)
    assert_error(market.act(rid, market.alice_token, remarks="One more tap"), 409)
    assert get(market, rid) == before


def test_work_for_a_deleted_service_can_still_be_completed_withdrawn_and_closed(app, market):
    done, withdrawn = in_state(app, market, "assigned, started"), in_state(app, market, "assigned")
    assert market.api.delete(f"/api/services/{market.plumbing}", market.admin).status_code == 204
    assert ok(market.act(done, market.pro_token, action="complete"))["status"] == "completed"
    assert ok(market.act(done, market.alice_token, action="close", rating=4))["status"] == "closed"
    assert ok(market.act(withdrawn, market.pro_token, action="withdraw"))["status"] == "cancelled"


def test_the_history_records_changes_of_status_only(market):
    from tests.api.conftest import future

    booked = market.book(date_of_request=future(2))
    rid = booked["id"]

    def history():
        return [(h["status"], h["by"]) for h in get(market, rid)["status_history"]]

    # Moving a booking still waiting for an answer changes its time, not its status.
    ok(market.act(rid, market.alice_token, date_of_request=future(2, hour=12)))
    assert history() == [("requested", "customer")]
    ok(market.act(rid, market.pro_token, action="accept"))
    # Moving accepted work sends it back to the professional: that is a change of status.
    ok(market.act(rid, market.alice_token, date_of_request=future(3, hour=11)))
    assert history() == [("requested", "customer"), ("assigned", "professional"), ("requested", "customer")]
