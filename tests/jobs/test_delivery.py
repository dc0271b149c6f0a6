"""Transient failures retried by a real Celery worker: nothing lost, nothing sent twice."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select

from household.extensions import db
from household.jobs import enqueue
from household.models import ReminderLog
from tests.jobs.support import ChatHook, SmtpSink, add_request, celery_worker, config, free_port, ist, wait_until

DAY = date(2026, 10, 15)


def reminder_state(app, professional_id):
    with app.app_context():
        row = db.session.execute(
            select(ReminderLog).where(ReminderLog.professional_id == professional_id)
        ).scalar_one_or_none()
        db.session.remove()
        return row


def test_smtp_down_then_up_delivers_the_reminder_exactly_once(app, people, quick_retries):
    add_request(
        app,
        customer_id=people.alice["customer_id"],
        professional_id=people.pro["professional_id"],
        service_id=people.plumbing,
        status="requested",
        date_of_request=ist(2026, 10, 16, 10),
    )
    port = free_port()
    sink = SmtpSink(port)
    pro_id = people.pro["professional_id"]
    with config(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port), celery_worker(app):
        with app.app_context():
            enqueue("household.daily_reminders", DAY.isoformat())
        # The first attempt finds no mail server: the claim is released for the retry.
        wait_until(lambda: (row := reminder_state(app, pro_id)) and row.state == "failed", what="a failed attempt")
        assert sink.messages == []
        sink.start()
        try:
            wait_until(lambda: (row := reminder_state(app, pro_id)) and row.state == "sent", what="the retry")
            with app.app_context():  # the beat firing again changes nothing
                enqueue("household.daily_reminders", DAY.isoformat())
            time.sleep(1.0)
        finally:
            sink.stop()
    assert len(sink.messages) == 1
    assert sink.envelopes[0][1] == ["ravi@example.com"]


def test_chat_webhook_5xx_then_success_posts_one_message_and_one_email(app, people, smtp, quick_retries):
    add_request(
        app,
        customer_id=people.alice["customer_id"],
        professional_id=people.pro["professional_id"],
        service_id=people.plumbing,
        status="assigned",
        date_of_request=ist(2026, 10, 16, 11),
    )
    hook = ChatHook(statuses=[503, 502]).start()
    pro_id = people.pro["professional_id"]
    try:
        with config(app, GCHAT_WEBHOOK_URL=hook.url), celery_worker(app):
            with app.app_context():
                enqueue("household.send_daily_reminder", pro_id, DAY.isoformat())
            wait_until(lambda: (row := reminder_state(app, pro_id)) and row.state == "sent", what="the retries")
    finally:
        hook.stop()
    assert [status for status, _ in hook.received] == [503, 502, 200]
    assert len(hook.delivered) == 1 and "1 booking" in hook.delivered[0]["text"]
    # The email went out on the first attempt and was not repeated by the retries.
    assert len(smtp.messages) == 1
    row = reminder_state(app, pro_id)
    assert row.email_sent_at is not None and row.chat_sent_at is not None
    assert row.email_sent_at < row.chat_sent_at


def test_monthly_report_beat_task_queues_one_report_per_customer_once(app, people, smtp):
    for hour, customer in ((10, people.alice), (14, people.bob)):
        add_request(
            app,
            customer_id=customer["customer_id"],
            professional_id=people.pro["professional_id"],
            service_id=people.plumbing,
            created_at=ist(2026, 10, 31, 23, 30),
            date_of_request=ist(2026, 11, 2, hour),
        )
    with celery_worker(app):
        with app.app_context():
            enqueue("household.monthly_reports", "2026-10")
            enqueue("household.monthly_reports", "2026-10")  # beat fired twice
        smtp.wait_for(2)
        time.sleep(1.0)
    assert sorted(r for _, rcpts in smtp.envelopes for r in rcpts) == ["alice@example.com", "bob@example.com"]
    assert all(m.get_content_type() == "multipart/mixed" for m in smtp.messages)
