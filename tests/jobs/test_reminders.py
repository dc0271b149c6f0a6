"""The evening reminder: tomorrow's schedule, in order, in local time; who gets one; exactly once per day."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select

from household.extensions import db
from household.jobs import reminders
from household.jobs.claims import ClaimBusy
from household.models import ReminderLog
from tests.jobs.support import ChatHook, add_request, config, ist

DAY = date(2026, 10, 15)  # a Thursday: the reminder sent that evening is about Friday the 16th


def run_cli(app, *args):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "daily-reminders", *args])
    return result


def request_for(app, people, pro=None, customer=None, **kwargs) -> int:
    pro = pro or people.pro
    return add_request(
        app,
        customer_id=(customer or people.alice)["customer_id"],
        professional_id=pro["professional_id"],
        service_id=pro["service_id"],
        **kwargs,
    )


def build(app, pro, day=DAY):
    with app.app_context():
        reminder = reminders.build_reminder(db.session, pro["professional_id"], day)
        db.session.remove()
    return reminder


def due(app, tz_name="Asia/Kolkata", day=DAY):
    with app.app_context():
        ids = reminders.due_professional_ids(db.session, day, tz_name)
        db.session.remove()
    return ids


def test_reminder_lists_tomorrows_schedule_in_order_with_local_times(app, people, smtp):
    # Added out of order: the schedule is by start time whatever the order of booking.
    afternoon = request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 16, 14), remarks="Kitchen tap")
    morning = request_for(app, people, status="requested", date_of_request=ist(2026, 10, 16, 9, 30))
    after_midnight = request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 16, 0, 30))
    late_morning = request_for(app, people, customer=people.bob, status="requested", date_of_request=ist(2026, 10, 16, 11))
    # Not tomorrow's schedule: no longer held, or another day.
    cancelled = request_for(app, people, status="cancelled", date_of_request=ist(2026, 10, 16, 16))
    rejected = request_for(app, people, status="rejected", date_of_request=ist(2026, 10, 16, 17))
    closed = request_for(
        app, people, status="closed", date_of_request=ist(2026, 10, 16, 18), date_of_completion=ist(2026, 10, 16, 19)
    )
    today = request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 15, 11))
    next_week = request_for(app, people, status="requested", date_of_request=ist(2026, 10, 20, 10))

    result = run_cli(app, "--date", "2026-10-15")
    assert result.exit_code == 0, result.output
    assert f"professional {people.pro['professional_id']}: sent" in result.output

    [message] = smtp.wait_for(1)
    assert smtp.envelopes[0][1] == ["ravi@example.com"]
    assert "Ravi Kumar" in message["To"]
    assert message["Subject"] == "Your schedule for tomorrow, Fri 16 Oct: 4 bookings, 2 waiting for your answer"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Friday 16 October 2026" in text and "Friday 16 October 2026" in html
    assert "Asia/Kolkata" in text

    # In order of start time, each with its start-end times in local time, the service and the customer.
    lines = [
        f"00:30-01:15  Plumbing Repair for Alice Menon (#{after_midnight})",
        f"09:30-10:15  Plumbing Repair for Alice Menon (#{morning})",
        f"11:00-11:45  Plumbing Repair for Bob Thomas (#{late_morning})",
        f"14:00-14:45  Plumbing Repair for Alice Menon (#{afternoon})",
    ]
    positions = [text.find(line) for line in lines]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), text
    html_positions = [html.find(f"(#{i})") for i in (after_midnight, morning, late_morning, afternoon)]
    assert all(p >= 0 for p in html_positions) and html_positions == sorted(html_positions)
    for times in ("00:30-01:15", "09:30-10:15", "11:00-11:45", "14:00-14:45"):
        assert times in html
    # Where to go and whom to call; what still needs an answer; the customer's remarks.
    place = "12, 5th Cross, Koramangala, Bengaluru, 560034"
    assert f"{place}, +91" in text and place in html
    assert text.count("Waiting for your answer") == 2 and html.count("Waiting for your answer") == 2
    assert '"Kitchen tap"' in text and "Kitchen tap" in html
    for request_id in (cancelled, rejected, closed, today, next_week):
        assert f"#{request_id})" not in text and f"#{request_id})" not in html
    assert "https://household.example/professional/requests" in text
    assert 'href="https://household.example/professional/requests"' in html
    assert "<img" not in html and "<link" not in html and "<script" not in html


def test_tomorrow_is_the_platform_time_zones_next_day_from_midnight_to_midnight(app, people):
    tonight = request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 15, 23, 30))
    last_of_tomorrow = request_for(app, people, status="requested", date_of_request=ist(2026, 10, 16, 23, 30))
    first_of_tomorrow = request_for(app, people, pro=people.pro2, status="assigned", date_of_request=ist(2026, 10, 16, 0, 30))
    day_after = request_for(app, people, pro=people.pro2, status="requested", date_of_request=ist(2026, 10, 17, 0, 0))

    assert due(app) == sorted([people.pro["professional_id"], people.pro2["professional_id"]])
    ravi, anita = build(app, people.pro), build(app, people.pro2)
    # 23:30 tonight is not tomorrow's work; 23:30 tomorrow is, and ends the day after.
    assert [i.request_id for i in ravi.items] == [last_of_tomorrow]
    assert ravi.items[0].times == "23:30-Sat 17 Oct 00:15"
    # 00:30 tomorrow is tomorrow's work; 00:00 the day after is not.
    assert [i.request_id for i in anita.items] == [first_of_tomorrow]
    assert anita.items[0].times == "00:30-04:30" and anita.summary == "1 booking"
    assert tonight not in [i.request_id for i in ravi.items + anita.items]
    assert day_after not in [i.request_id for i in ravi.items + anita.items]

    # Sent on the 16th, the reminder is about the 17th: the booking at midnight, not 23:30 on the 16th.
    assert due(app, day=date(2026, 10, 16)) == [people.pro2["professional_id"]]
    assert [i.request_id for i in build(app, people.pro2, date(2026, 10, 16)).items] == [day_after]
    assert build(app, people.pro, date(2026, 10, 16)) is None


def test_the_day_and_the_times_follow_the_configured_time_zone(app, people):
    # 04:00 on the 16th in India is 22:30 on the 15th in UTC; 03:00 on the 17th is 21:30 on the 16th.
    india_tomorrow = request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 16, 4))
    utc_tomorrow = request_for(app, people, status="requested", date_of_request=ist(2026, 10, 17, 3))
    assert due(app) == [people.pro["professional_id"]]
    assert [i.request_id for i in build(app, people.pro).items] == [india_tomorrow]
    assert build(app, people.pro).items[0].times == "04:00-04:45"
    with config(app, APP_TIMEZONE="UTC"):
        assert due(app, "UTC") == [people.pro["professional_id"]]
        reminder = build(app, people.pro)
    assert [i.request_id for i in reminder.items] == [utc_tomorrow]
    assert reminder.items[0].times == "21:30-22:15" and reminder.timezone == "UTC"


def test_only_approved_active_professionals_with_work_tomorrow_hear_from_us(app, people, smtp):
    request_for(app, people, pro=people.pending_pro, status="requested", date_of_request=ist(2026, 10, 16, 10))
    request_for(app, people, pro=people.blocked_pro, status="assigned", date_of_request=ist(2026, 10, 16, 10))
    request_for(app, people, pro=people.pro2, status="assigned", date_of_request=ist(2026, 10, 17, 10))
    request_for(app, people, pro=people.pro2, status="cancelled", date_of_request=ist(2026, 10, 16, 10))
    request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 16, 8))

    assert due(app) == [people.pro["professional_id"]]
    assert build(app, people.pending_pro) is None and build(app, people.blocked_pro) is None
    assert build(app, people.pro2) is None

    result = run_cli(app, "--date", "2026-10-15")
    assert result.exit_code == 0, result.output
    smtp.wait_for(1)
    assert [rcpts for _, rcpts in smtp.envelopes] == [["ravi@example.com"]]


def test_each_professional_gets_one_reminder_a_day_however_often_it_runs(app, people, smtp):
    request_for(app, people, status="requested", date_of_request=ist(2026, 10, 16, 10))
    request_for(app, people, pro=people.pro2, status="assigned", date_of_request=ist(2026, 10, 16, 9))
    request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 17, 10))
    request_for(app, people, pro=people.pro2, status="requested", date_of_request=ist(2026, 10, 17, 9))

    first = run_cli(app, "--date", "2026-10-15")
    second = run_cli(app, "--date", "2026-10-15")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert second.output.count("already sent") == 2
    smtp.wait_for(2)
    with app.app_context():
        assert reminders.send_reminder(db.session, people.pro["professional_id"], DAY) == "already sent"
        logs = db.session.execute(select(ReminderLog.state, ReminderLog.email_sent_at, ReminderLog.day)).all()
    assert sorted(r for _, rcpts in smtp.envelopes for r in rcpts) == ["anita@example.com", "ravi@example.com"]
    assert len(logs) == 2 and all(state == "sent" and sent and day == DAY for state, sent, day in logs)

    # The next evening is a new reminder, about the day after.
    assert run_cli(app, "--date", "2026-10-16").exit_code == 0
    smtp.wait_for(4)
    assert len(smtp.messages) == 4
    assert all("Sat 17 Oct" in m["Subject"] for m in smtp.messages[2:])


def test_two_workers_at_once_send_one_reminder(app, people, smtp):
    request_for(app, people, status="requested", date_of_request=ist(2026, 10, 16, 10))
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
    second = request_for(app, people, status="assigned", date_of_request=ist(2026, 10, 16, 15))
    first = request_for(app, people, status="requested", date_of_request=ist(2026, 10, 16, 10))
    hook = ChatHook().start()
    try:
        with config(app, GCHAT_WEBHOOK_URL=hook.url):
            assert run_cli(app, "--date", "2026-10-15").exit_code == 0
            assert run_cli(app, "--date", "2026-10-15").exit_code == 0
    finally:
        hook.stop()
    [body] = hook.delivered
    assert set(body) == {"text"}
    text = body["text"]
    assert "Ravi Kumar" in text and "Fri 16 Oct 2026" in text and "2 bookings, 1 waiting for your answer" in text
    assert text.index("10:00-10:45 Plumbing Repair for Alice Menon") < text.index("15:00-15:45 Plumbing Repair")
    assert f"(#{first}): waiting for your answer" in text and f"(#{second})\n" in text
    assert "https://household.example/professional/requests" in text
    assert len(smtp.wait_for(1)) == 1


def test_a_failed_send_is_reported_and_left_for_the_retry(app, people):
    request_for(app, people, status="requested", date_of_request=ist(2026, 10, 16, 10))
    # MAIL_PORT is 1 in the test config: nothing listens there.
    result = run_cli(app, "--date", "2026-10-15")
    assert result.exit_code == 1
    assert "failed: The mail server is unreachable" in result.output
    with app.app_context():
        log = db.session.execute(select(ReminderLog)).scalar_one()
    assert log.state == "failed" and log.email_sent_at is None
