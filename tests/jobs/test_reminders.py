"""The daily reminder: who gets one, what it lists, the local day's edges, and exactly once per day."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select

from household.extensions import db
from household.jobs import reminders
from household.jobs.claims import ClaimBusy
from household.models import ReminderLog
from tests.jobs.support import ChatHook, add_request, config, ist

DAY = date(2026, 10, 15)


def run_cli(app, *args):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "daily-reminders", *args])
    return result


def request_for(app, people, pro=None, **kwargs) -> int:
    pro = pro or people.pro
    return add_request(
        app,
        customer_id=people.alice["customer_id"],
        professional_id=pro["professional_id"],
        service_id=pro["service_id"],
        **kwargs,
    )


def test_reminder_lists_waiting_due_and_overdue_work_with_a_link(app, people, smtp):
    waiting = request_for(app, people, status="requested", date_of_request=ist(2026, 10, 20, 10), remarks="Kitchen tap")
    due_late_tonight = request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 15, 23, 30))
    overdue = request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 12, 9))
    just_after_midnight = request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 16, 0, 10))
    closed = request_for(
        app, people, status="closed", date_of_request=ist(2026, 10, 14, 9), date_of_completion=ist(2026, 10, 14, 12)
    )

    result = run_cli(app, "--date", "2026-10-15")
    assert result.exit_code == 0, result.output
    assert f"professional {people.pro['professional_id']}: sent" in result.output

    [message] = smtp.wait_for(1)
    assert smtp.envelopes[0][1] == ["ravi@example.com"]
    assert "Ravi Kumar" in message["To"]
    subject = message["Subject"]
    assert "Thu 15 Oct" in subject and "1 request waiting for your answer" in subject
    assert "1 job due today" in subject and "1 job overdue" in subject
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for request_id in (waiting, due_late_tonight, overdue):
        assert f"#{request_id} Plumbing Repair" in text
        assert f"#{request_id} Plumbing Repair" in html
    for request_id in (just_after_midnight, closed):
        assert f"#{request_id} " not in text
    assert "Thu 15 Oct 2026, 23:30" in text  # shown in local time
    assert "Kitchen tap" in text and "Alice Menon" in text
    assert "https://household.example/professional/requests" in text
    assert 'href="https://household.example/professional/requests"' in html
    assert "<img" not in html and "<link" not in html and "<script" not in html


def test_only_approved_active_professionals_with_work_hear_from_us(app, people, smtp):
    request_for(app, people, pro=people.pending_pro, status="requested", date_of_request=ist(2026, 10, 20))
    request_for(app, people, pro=people.blocked_pro, status="requested", date_of_request=ist(2026, 10, 20))
    request_for(app, people, pro=people.pro2, status="assigned", date_of_request=ist(2026, 10, 16, 0, 10))
    request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 15, 8))

    with app.app_context():
        due = reminders.due_professional_ids(db.session, DAY, "Asia/Kolkata")
    assert due == [people.pro["professional_id"]]

    result = run_cli(app, "--date", "2026-10-15")
    assert result.exit_code == 0, result.output
    smtp.wait_for(1)
    assert [rcpts for _, rcpts in smtp.envelopes] == [["ravi@example.com"]]


def test_the_day_follows_the_configured_time_zone(app, people):
    # 00:10 on the 16th in India is 18:40 on the 15th in UTC.
    request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 16, 0, 10))
    with app.app_context():
        assert reminders.due_professional_ids(db.session, DAY, "Asia/Kolkata") == []
        assert reminders.due_professional_ids(db.session, DAY, "UTC") == [people.pro["professional_id"]]
        with config(app, APP_TIMEZONE="UTC"):
            reminder = reminders.build_reminder(db.session, people.pro["professional_id"], DAY)
    assert reminder is not None and len(reminder.due_today) == 1


def test_each_professional_gets_one_reminder_a_day_however_often_it_runs(app, people, smtp):
    request_for(app, people, status="requested", date_of_request=ist(2026, 10, 20))
    request_for(app, people, pro=people.pro2, status="assigned", date_of_request=ist(2026, 10, 15, 18))

    first = run_cli(app, "--date", "2026-10-15")
    second = run_cli(app, "--date", "2026-10-15")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert second.output.count("already sent") == 2
    smtp.wait_for(2)
    with app.app_context():
        assert reminders.send_reminder(db.session, people.pro["professional_id"], DAY) == "already sent"
        logs = db.session.execute(select(ReminderLog.state, ReminderLog.email_sent_at)).all()
    assert sorted(r for _, rcpts in smtp.envelopes for r in rcpts) == ["anita@example.com", "ravi@example.com"]
    assert len(logs) == 2 and all(state == "sent" and sent for state, sent in logs)

    # The next day is a new reminder.
    assert run_cli(app, "--date", "2026-10-16").exit_code == 0
    smtp.wait_for(4)
    assert len(smtp.messages) == 4


def test_two_workers_at_once_send_one_reminder(app, people, smtp):
    request_for(app, people, status="requested", date_of_request=ist(2026, 10, 20))
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def worker():
        with app.app_context():
            start.wait()
            try:
                outcomes.append(reminders.send_reminder(db.session, people.pro["professional_id"], DAY))
            except ClaimBusy:
                outcomes.append("busy")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes).count("sent") == 1, outcomes
    assert set(outcomes) <= {"sent", "already sent", "busy"}
    smtp.wait_for(1)
    assert len(smtp.messages) == 1


def test_a_reminder_also_goes_to_google_chat_when_configured(app, people, smtp):
    request_for(app, people, status="requested", date_of_request=ist(2026, 10, 20))
    hook = ChatHook().start()
    try:
        with config(app, GCHAT_WEBHOOK_URL=hook.url):
            assert run_cli(app, "--date", "2026-10-15").exit_code == 0
            assert run_cli(app, "--date", "2026-10-15").exit_code == 0
    finally:
        hook.stop()
    [body] = hook.delivered
    assert set(body) == {"text"}
    assert "Ravi Kumar" in body["text"] and "1 request waiting for your answer" in body["text"]
    assert "https://household.example/professional/requests" in body["text"]
    assert len(smtp.wait_for(1)) == 1


def test_a_failed_send_is_reported_and_left_for_the_retry(app, people):
    request_for(app, people, status="requested", date_of_request=ist(2026, 10, 20))
    # MAIL_PORT is 1 in the test config: nothing listens there.
    result = run_cli(app, "--date", "2026-10-15")
    assert result.exit_code == 1
    assert "failed: The mail server is unreachable" in result.output
    with app.app_context():
        log = db.session.execute(select(ReminderLog)).scalar_one()
    assert log.state == "failed" and log.email_sent_at is None
