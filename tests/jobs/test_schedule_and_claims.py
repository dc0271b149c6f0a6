"""The beat schedule in local time, the retries from the settings, and the claim rules that send each message once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from celery.exceptions import Retry
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from household.domain.exports import start_export
from household.extensions import db
from household.jobs import beat_schedule, claims, exports, reminders
from household.models import ExportJob, ReminderLog, User, utcnow
from household.notify import PermanentDeliveryError, TransientDeliveryError
from tests.factories import ADMIN_EMAIL
from tests.jobs.support import IST, celery_configured, config


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


def failing_runs(monkeypatch, task, attempts: int, *args) -> list:
    """Run `task`'s body as its first `attempts` tries would run; what each asked Celery's retry for."""
    asked = []

    def retry(exc=None, **options):
        asked.append(options.get("countdown"))
        return Retry(exc=exc)

    monkeypatch.setattr(task, "retry", retry)
    for retries in range(attempts):
        task.push_request(retries=retries)
        try:
            with pytest.raises(Retry):
                task.run(*args)
        finally:
            task.pop_request()
    return asked


def test_deliveries_back_off_from_the_setting_up_to_an_hour_eight_times(app, ctx, monkeypatch):
    def mail_server_down(*args):
        raise TransientDeliveryError("The mail server is unreachable.")

    monkeypatch.setattr(reminders, "send_reminder", mail_server_down)
    with celery_configured(app, JOB_RETRY_BASE_SECONDS=7) as celery_app:
        task = celery_app.tasks["household.send_daily_reminder"]
        assert failing_runs(monkeypatch, task, 4, 1, "2026-10-15") == [7, 14, 28, 56]
        assert task.max_retries == 8
    with celery_configured(app, JOB_RETRY_BASE_SECONDS=1000) as celery_app:
        for name in ("household.send_daily_reminder", "household.send_monthly_report", "household.send_export_ready"):
            task = celery_app.tasks[name]
            assert (task.retry_backoff, task.retry_backoff_max, task.max_retries) == (1000, 3600, 8), name
        task = celery_app.tasks["household.send_daily_reminder"]
        assert failing_runs(monkeypatch, task, 3, 1, "2026-10-15") == [1000, 2000, 3600]


def test_a_refused_delivery_is_not_retried(app, ctx, monkeypatch):
    def refused(*args):
        raise PermanentDeliveryError("The mail server refused the recipient address.")

    monkeypatch.setattr(reminders, "send_reminder", refused)
    task = app.extensions["celery"].tasks["household.send_daily_reminder"]
    assert task(1, "2026-10-15") == "failed: The mail server refused the recipient address."


def test_an_export_is_retried_while_the_database_is_away_then_failed(app, ctx, monkeypatch):
    job_id = start_export(db.session, db.session.execute(select(User).where(User.email == ADMIN_EMAIL)).scalar_one()).id

    def database_away(*args):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(exports, "run_export", database_away)
    with celery_configured(app, JOB_RETRY_BASE_SECONDS=5) as celery_app:
        task = celery_app.tasks["household.run_export"]
        assert failing_runs(monkeypatch, task, 3, job_id) == [5, 10, 20]
        assert db.session.get(ExportJob, job_id).state == "queued"
        monkeypatch.delattr(task, "retry")  # Celery's own: past max_retries it raises the error
        task.push_request(retries=3)
        try:
            with pytest.raises(OperationalError):
                task.run(job_id)
        finally:
            task.pop_request()
    db.session.expire_all()
    job = db.session.get(ExportJob, job_id)
    assert (job.state, job.error) == ("failed", "The database could not be read during the export. Please try again.")


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
