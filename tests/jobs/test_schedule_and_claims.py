"""The beat schedule in local time, and the claim rules that make each message go out once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from household.extensions import db
from household.jobs import beat_schedule, claims, retry_delay
from household.models import ReminderLog, utcnow
from tests.jobs.support import IST, config


def due(schedule, celery_app, now: datetime, last_run: datetime) -> bool:
    schedule.app = celery_app
    schedule.nowfun = lambda: now
    return schedule.is_due(last_run)[0]


def test_daily_reminders_run_at_the_reminder_hour_in_local_time(app):
    celery_app = app.extensions["celery"]
    assert celery_app.conf.timezone == "Asia/Kolkata"
    with config(app, REMINDER_HOUR=18):
        entry = beat_schedule(app)["daily-reminders"]
    assert entry["task"] == "household.daily_reminders"
    schedule = entry["schedule"]
    assert schedule.hour == {18} and schedule.minute == {0}
    yesterday = datetime(2026, 10, 14, 18, 0, tzinfo=IST)
    assert due(schedule, celery_app, datetime(2026, 10, 15, 18, 0, 20, tzinfo=IST), yesterday)
    assert not due(schedule, celery_app, datetime(2026, 10, 15, 17, 59, tzinfo=IST), yesterday)
    with config(app, REMINDER_HOUR=7):
        assert beat_schedule(app)["daily-reminders"]["schedule"].hour == {7}


def test_monthly_report_runs_at_six_on_the_first(app):
    celery_app = app.extensions["celery"]
    entry = beat_schedule(app)["monthly-report"]
    assert entry["task"] == "household.monthly_reports"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1} and schedule.hour == {6} and schedule.minute == {0}
    last = datetime(2026, 10, 1, 6, 0, tzinfo=IST)
    assert due(schedule, celery_app, datetime(2026, 11, 1, 6, 0, 10, tzinfo=IST), last)
    assert not due(schedule, celery_app, datetime(2026, 10, 31, 6, 0, 10, tzinfo=IST), last)


def test_retry_delay_grows_exponentially_and_is_capped(app, ctx):
    with config(app, JOB_RETRY_BASE_SECONDS=30):
        delays = [retry_delay(n) for n in range(9)]
    assert 24 <= delays[0] <= 36 and 48 <= delays[1] <= 72 and 96 <= delays[2] <= 144
    assert max(delays) <= 3600 * 1.2 and delays[8] >= 3600 * 0.8


@pytest.fixture
def log_key(people):
    return {"professional_id": people.pro["professional_id"], "day": date(2026, 10, 15)}


def test_first_claim_wins_and_a_sent_row_is_left_alone(app, ctx, log_key):
    row = claims.claim(db.session, ReminderLog, **log_key)
    assert row is not None and row.state == "claimed"
    with pytest.raises(claims.ClaimBusy):  # someone is sending right now
        claims.claim(db.session, ReminderLog, **log_key)
    claims.mark_sent(db.session, ReminderLog, row.id)
    assert claims.claim(db.session, ReminderLog, **log_key) is None


def test_a_failed_attempt_is_taken_over_at_once(app, ctx, log_key):
    row = claims.claim(db.session, ReminderLog, **log_key)
    claims.record(db.session, ReminderLog, row.id, email_sent_at=utcnow())
    claims.release(db.session, ReminderLog, row.id)
    again = claims.claim(db.session, ReminderLog, **log_key)
    assert again.id == row.id and again.state == "claimed"
    assert again.email_sent_at is not None  # the retry knows the email went out already


def test_a_claim_left_by_a_dead_worker_is_taken_over_when_stale(app, ctx, log_key):
    row = claims.claim(db.session, ReminderLog, **log_key)
    db.session.execute(
        update(ReminderLog).where(ReminderLog.id == row.id).values(created_at=utcnow() - timedelta(minutes=9))
    )
    db.session.commit()
    with pytest.raises(claims.ClaimBusy):
        claims.claim(db.session, ReminderLog, **log_key)
    db.session.execute(
        update(ReminderLog).where(ReminderLog.id == row.id).values(created_at=utcnow() - timedelta(minutes=11))
    )
    db.session.commit()
    taken = claims.claim(db.session, ReminderLog, **log_key)
    assert taken.id == row.id and taken.state == "claimed"
    assert len(db.session.execute(select(ReminderLog)).all()) == 1
