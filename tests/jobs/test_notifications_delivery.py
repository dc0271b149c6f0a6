"""Notification emails sent by a real Celery worker to a real SMTP server (aiosmtpd): each event's email
reaches the right person once, also with two workers, after a retry, and when its task was lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from kombu.exceptions import OperationalError
from sqlalchemy import select

from household import cache
from household.extensions import db
from household.jobs import dispatch, enqueue
from household.jobs.notifications import requeue_lost
from household.models import NotificationEmail
from tests.jobs.support import (
    IST,
    SmtpSink,
    celery_worker,
    config,
    forget_setup_notifications,
    free_port,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
SEND = "household.send_notification_email"


def future(days: int, hour: int = 10) -> str:
    day = datetime.now(IST).date() + timedelta(days=days)
    if day.weekday() == 6:
        day += timedelta(days=1)
    return datetime.combine(day, dtime(hour), tzinfo=IST).astimezone(UTC).isoformat()


def book(api, token, pro, days=3) -> dict:
    body = {"service_id": pro["service_id"], "professional_id": pro["professional_id"], "date_of_request": future(days)}
    resp = api.post("/api/service-requests", token, json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def act(api, token, request_id, **body):
    resp = api.patch(f"/api/service-requests/{request_id}", token, json=body)
    assert resp.status_code == 200, resp.get_json()


def rows(app) -> list[NotificationEmail]:
    with app.app_context():
        found = list(db.session.execute(
            select(NotificationEmail).where(NotificationEmail.sent_at.isnot(None) | (NotificationEmail.state != "sent"))
            .order_by(NotificationEmail.id)
        ).scalars())
        for row in found:
            db.session.expunge(row)
        db.session.remove()
        return found


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_each_event_is_emailed_to_the_right_person_once(app, api, people, smtp):
    alice = api.login("alice@example.com")
    ravi = api.login("ravi@example.com")
    admin = api.admin()
    forget_setup_notifications(app)
    with celery_worker(app):
        first = book(api, alice, people.pro)  # booked → Ravi
        act(api, ravi, first["id"], action="accept")  # accepted → Alice
        act(api, alice, first["id"], action="cancel")  # cancelled → Ravi
        second = book(api, alice, people.pro, days=4)
        act(api, ravi, second["id"], action="reject", reason="On leave")  # booked → Ravi, rejected → Alice
        user, _ = api.register_professional(people.plumbing, approve=False, name="Deepa Nair", email="deepa@example.com")
        assert api.put(f"/api/users/{user['id']}/approve", admin).status_code == 200  # → admin, then Deepa
        smtp.wait_for(7)
        time.sleep(1.0)  # nothing more comes
    sent = [(rcpts[0], m["Subject"]) for m, (_, rcpts) in zip(smtp.messages, smtp.envelopes, strict=True)]
    assert len(sent) == 7, sent
    by_person = {}
    for address, subject in sent:
        by_person.setdefault(address, []).append(subject)
    assert len(by_person["ravi@example.com"]) == 3
    assert by_person["ravi@example.com"][0].startswith("New booking: Plumbing Repair on ")
    assert any(s.startswith("Booking cancelled") for s in by_person["ravi@example.com"])
    assert sorted(by_person["alice@example.com"]) == ["Ravi Kumar accepted your booking", "Ravi Kumar cannot take your booking"]
    assert by_person["admin@household.test"] == ["New professional to review: Deepa Nair"]
    assert by_person["deepa@example.com"] == ["Your profile is approved"]
    assert all(row.state == "sent" and row.sent_at is not None for row in rows(app))

    [accepted] = smtp.to("alice@example.com")[:1]
    text, html = parts(accepted)
    assert "Hello Alice Menon" in text and "Ravi Kumar accepted your booking of Plumbing Repair" in text
    assert f"https://household.example/customer/requests?request={first['id']}" in text
    assert f'href="https://household.example/customer/requests?request={first["id"]}"' in html
    assert "IST" in text and "Household Services" in html
    [rejected] = [m for m in smtp.to("alice@example.com") if "cannot take" in m["Subject"]]
    assert "On leave" in parts(rejected)[0]
    [review] = smtp.to("admin@household.test")
    assert f"https://household.example/admin/professionals/{user['professional_id']}" in parts(review)[0]


def test_the_acceptance_email_carries_the_invitation_when_calendars_exist(app, api, people, smtp):
    try:
        from household.notify.calendar import invitation  # noqa: F401 - written alongside
    except ImportError:
        import pytest

        pytest.skip("household.notify.calendar is not there yet")
    alice, ravi = api.login("alice@example.com"), api.login("ravi@example.com")
    forget_setup_notifications(app)
    with celery_worker(app):
        req = book(api, alice, people.pro)
        act(api, ravi, req["id"], action="accept")
        smtp.wait_for(2)
    [accepted] = smtp.to("alice@example.com")
    [ics] = [p for p in accepted.iter_attachments() if p.get_filename() == "invite.ics"]
    assert ics.get_content_type() == "text/calendar" and ics.get_param("method") == "REQUEST"
    assert b"BEGIN:VCALENDAR" in ics.get_payload(decode=True)


def test_smtp_down_then_up_sends_once_after_the_retry(app, api, people, quick_retries):
    alice = api.login("alice@example.com")
    forget_setup_notifications(app)
    port = free_port()
    sink = SmtpSink(port)
    with config(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port), celery_worker(app):
        book(api, alice, people.pro)
        wait_until(lambda: [r for r in rows(app) if r.state == "failed"], what="a failed attempt")
        assert sink.messages == []
        sink.start()
        try:
            wait_until(lambda: [r for r in rows(app) if r.state == "sent"], what="the retry")
            [row] = rows(app)
            with app.app_context():  # the same task again (a beat that queued it too) sends nothing
                enqueue(SEND, row.id)
            time.sleep(1.5)
        finally:
            sink.stop()
    assert len(sink.messages) == 1 and sink.envelopes[0][1] == ["ravi@example.com"]
    [row] = rows(app)
    assert row.state == "sent" and row.attempts >= 2


def _worker_process(app, tmp_path, smtp_port):
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "CACHE_KEY_PREFIX": app.config["CACHE_KEY_PREFIX"],
        "EXPORT_DIR": app.config["EXPORT_DIR"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "PUBLIC_URL": "https://household.example",
        "LOG_LEVEL": "WARNING",
    }
    log = open(tmp_path / "second-worker.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "make_celery", "worker", "--pool=solo", "--concurrency=1",
         "--without-mingle", "--without-gossip", "--loglevel=WARNING", "-n", "second@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    return proc, log


def test_two_workers_and_a_task_queued_many_times_send_once(app, api, people, smtp, tmp_path):
    alice = api.login("alice@example.com")
    forget_setup_notifications(app)
    proc, log = _worker_process(app, tmp_path, smtp.port)
    try:
        with celery_worker(app):
            req = book(api, alice, people.pro)
            [row] = rows(app)
            with app.app_context():
                for _ in range(6):  # as if retried and queued again by the beat, on both workers
                    enqueue(SEND, row.id)
            smtp.wait_for(1)
            time.sleep(3.0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert len(smtp.messages) == 1, [m["Subject"] for m in smtp.messages]
    assert smtp.envelopes[0][1] == ["ravi@example.com"] and str(req["id"]) in smtp.messages[0].get_body(
        preferencelist=("plain",)).get_content()


def test_a_task_lost_at_the_commit_is_queued_again_by_the_beat(app, api, people, smtp, monkeypatch):
    alice = api.login("alice@example.com")
    forget_setup_notifications(app)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:  # Redis unreachable at the commit: the booking still stands
        patch.setattr(dispatch, "enqueue", broker_down)
        book(api, alice, people.pro)
    cache.reset_breaker()
    [row] = rows(app)
    assert row.state == "queued"
    with celery_worker(app):
        time.sleep(1.0)
        assert smtp.messages == []  # nothing was queued
        with app.app_context():
            assert requeue_lost(db.session) == []  # not lost yet: queued moments ago
            assert requeue_lost(db.session, lost_after=timedelta(0)) == [row.id]
        smtp.wait_for(1)
        with app.app_context():
            assert requeue_lost(db.session, lost_after=timedelta(0)) == []  # sent: never again
        time.sleep(1.0)
    assert len(smtp.messages) == 1 and smtp.envelopes[0][1] == ["ravi@example.com"]


def test_opting_out_stops_emails_but_not_notifications(app, api, people, smtp):
    alice, ravi = api.login("alice@example.com"), api.login("ravi@example.com")
    forget_setup_notifications(app)
    assert api.patch("/api/auth/me", ravi, json={"email_notifications": False}).status_code == 200
    with celery_worker(app):
        req = book(api, alice, people.pro)  # Ravi: in the app only
        act(api, ravi, req["id"], action="accept")  # Alice: both
        smtp.wait_for(1)
        assert api.patch("/api/auth/me", alice, json={"email_notifications": False}).status_code == 200
        act(api, alice, req["id"], date_of_request=future(5))  # Ravi, in the app
        act(api, ravi, req["id"], action="accept")  # Alice, in the app now
        time.sleep(1.5)
    assert [rcpts for _, rcpts in smtp.envelopes] == [["alice@example.com"]]
    assert [n["kind"] for n in api.get("/api/notifications", ravi).get_json()] == ["rescheduled", "booked"]
    assert [n["kind"] for n in api.get("/api/notifications", alice).get_json()] == ["accepted", "accepted"]
    # No email was even written for the people who had opted out.
    assert [(r.kind, r.state) for r in rows(app)] == [("accepted", "sent")]
