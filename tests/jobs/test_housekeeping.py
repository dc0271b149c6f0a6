"""Expiry of unanswered bookings and auto-close of completed work: on time, exactly once, freeing the slot."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from household.domain import housekeeping
from household.extensions import db
from household.models import RequestEvent, ServiceRequest
from tests.jobs.support import add_request


def _book(api, token, pro, when=None) -> dict:
    body = {"service_id": pro["service_id"], "professional_id": pro["professional_id"]}
    if when is not None:
        body["date_of_request"] = when.isoformat()
    resp = api.post("/api/service-requests", token, json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _row(app, request_id) -> ServiceRequest:
    with app.app_context():
        row = db.session.get(ServiceRequest, request_id)
        db.session.expunge(row)
        return row


def _events(app, request_id, status) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(RequestEvent.request_id == request_id, RequestEvent.status == status)
        )


def _expire(app, now):
    with app.app_context():
        return housekeeping.expire_unanswered(db.session, now=now)


def _free_starts(api, pro) -> set[datetime]:
    rows = api.get(f"/api/professionals/{pro['professional_id']}/slots?days=14").get_json()
    return {datetime.fromisoformat(r["start"]) for r in rows}


def test_an_unanswered_booking_expires_at_its_deadline_once_and_frees_its_time(app, api, people):
    _, token = api.register_customer(name="Meera Iyer")
    first = sorted(_free_starts(api, people.pro))
    # Far enough ahead that the 24-hour answer window ends first.
    start = next(t for t in first if t - first[0] > timedelta(days=2))
    booked = _book(api, token, people.pro, start)
    deadline = _row(app, booked["id"]).answer_by
    created = _row(app, booked["id"]).created_at
    window = timedelta(minutes=app.config["RESPONSE_WINDOW_MINUTES"])
    assert abs(deadline - (created + window)) < timedelta(seconds=1)
    assert start not in _free_starts(api, people.pro)

    assert _expire(app, deadline - timedelta(seconds=1)) == []
    assert _row(app, booked["id"]).status == "requested"
    assert _expire(app, deadline) == [booked["id"]]
    row = _row(app, booked["id"])
    assert (row.status, row.cancelled_by) == ("expired", "system")
    # However often it runs afterwards, nothing more happens to it.
    assert _expire(app, deadline + timedelta(hours=1)) == []
    assert _events(app, booked["id"], "expired") == 1
    history = api.get(f"/api/service-requests/{booked['id']}", token).get_json()["status_history"]
    assert [(h["status"], h["by"]) for h in history] == [("requested", "customer"), ("expired", "system")]
    # Its time is free again (the cached slots too).
    assert start in _free_starts(api, people.pro)


def test_a_booking_starting_before_the_window_ends_expires_at_its_start(app, api, people):
    _, token = api.register_customer(name="Meera Iyer")
    soonest = min(_free_starts(api, people.pro))
    booked = _book(api, token, people.pro, soonest)
    assert _row(app, booked["id"]).answer_by == soonest
    assert _expire(app, soonest - timedelta(seconds=1)) == []
    assert _expire(app, soonest) == [booked["id"]]


def test_accepted_or_moved_bookings_do_not_expire_on_their_old_deadline(app, api, people):
    _, token = api.register_customer(name="Meera Iyer")
    pro_token = api.login(people.pro["email"])
    starts = sorted(_free_starts(api, people.pro))
    accepted = _book(api, token, people.pro, starts[-1])
    assert api.patch(f"/api/service-requests/{accepted['id']}", pro_token, json={"action": "accept"}).status_code == 200
    far = _row(app, accepted["id"]).answer_by + timedelta(days=1)
    assert _expire(app, far) == []
    assert _row(app, accepted["id"]).status == "assigned"


def test_two_runs_at_once_expire_each_booking_once(app, api, people):
    _, token = api.register_customer(name="Meera Iyer")
    starts = sorted(_free_starts(api, people.pro))
    ids = set()
    for start in starts[::4][:6]:
        ids.add(_book(api, token, people.pro, start)["id"])
    later = max(_row(app, i).answer_by for i in ids) + timedelta(minutes=1)
    results: list[list[int]] = []
    barrier = threading.Barrier(3)

    def run():
        barrier.wait()
        results.append(_expire(app, later))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    found = [i for r in results for i in r]
    assert sorted(found) == sorted(ids), results
    for i in ids:
        assert _events(app, i, "expired") == 1


@pytest.mark.parametrize("days_ago, closes", [(2.9, False), (3.1, True)])
def test_completed_work_closes_itself_after_the_days_without_a_rating(app, people, days_ago, closes):
    now = datetime.now().astimezone()
    done = now - timedelta(days=days_ago)
    request_id = add_request(
        app,
        customer_id=people.alice["customer_id"],
        professional_id=people.pro["professional_id"],
        service_id=people.pro["service_id"],
        status="completed",
        date_of_request=done - timedelta(hours=1),
        date_of_completion=done,
    )
    with app.app_context():
        closed = housekeeping.auto_close(db.session, now=now)
        again = housekeeping.auto_close(db.session, now=now)
    assert closed == ([request_id] if closes else []) and again == []
    row = _row(app, request_id)
    assert row.status == ("closed" if closes else "completed")
    assert row.rating is None
    assert _events(app, request_id, "closed") == (1 if closes else 0)


def test_the_commands_run_the_same_jobs(app, api, people):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "expire-requests"])
    assert result.exit_code == 0 and "Expired 0 request(s)." in result.output
    result = runner.invoke(args=["jobs", "run", "auto-close"])
    assert result.exit_code == 0 and "Closed 0 request(s)." in result.output


def test_waiting_notification_emails_are_sent_by_the_command_once(app, api, people, smtp):
    from household.models import NotificationEmail

    _, token = api.register_customer(name="Meera Iyer")
    _book(api, token, people.pro)  # the professional hears of the booking
    with app.app_context():
        waiting = db.session.scalar(
            select(func.count()).select_from(NotificationEmail).where(NotificationEmail.state == "queued")
        )
    assert waiting >= 1
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "notification-emails"])
    assert result.exit_code == 0, result.output
    assert f"{waiting} of {waiting} sent or already sent." in result.output
    again = runner.invoke(args=["jobs", "run", "notification-emails"])
    assert "0 of 0 sent" in again.output
    smtp.wait_for(waiting)
    assert len(smtp.messages) == waiting
