"""Celery tasks: thin wrappers that retry what may work later and record what will not."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from household.extensions import db
from household.jobs import MAX_RETRIES, enqueue, exports, reminders, reports, retry_delay
from household.jobs.claims import ClaimBusy
from household.jobs.timeutil import local_today, parse_month, previous_month
from household.notify import PermanentDeliveryError, TransientDeliveryError

log = logging.getLogger("household.jobs")

# Worth trying again later: the mail server or webhook is down, another worker is busy with the
# same message, or the database went away for a moment.
RETRYABLE = (TransientDeliveryError, ClaimBusy, OperationalError)


@shared_task(name="household.ping")
def ping() -> str:
    """A no-op used to check that a worker answers."""
    return "pong"


@shared_task(name="household.daily_reminders")
def daily_reminders(day: str | None = None) -> int:
    """Beat task: queue one reminder per professional due one today (local date); returns how many."""
    when = date.fromisoformat(day) if day else local_today(current_app.config["APP_TIMEZONE"])
    ids = reminders.due_professional_ids(db.session, when, current_app.config["APP_TIMEZONE"])
    for professional_id in ids:
        enqueue("household.send_daily_reminder", professional_id, when.isoformat())
    log.info("Daily reminders for %s: %d queued", when, len(ids))
    return len(ids)


@shared_task(bind=True, name="household.send_daily_reminder", max_retries=MAX_RETRIES)
def send_daily_reminder(self, professional_id: int, day: str) -> str:
    """Send one professional's reminder for `day` (once), retrying transient failures with backoff."""
    try:
        return reminders.send_reminder(db.session, professional_id, date.fromisoformat(day))
    except RETRYABLE as exc:
        db.session.rollback()
        log.warning("Reminder for professional %s on %s will be retried: %s", professional_id, day, exc)
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    except PermanentDeliveryError as exc:
        log.error("Reminder for professional %s on %s was refused: %s", professional_id, day, exc)
        return f"failed: {exc}"


@shared_task(name="household.monthly_reports")
def monthly_reports(month: str | None = None) -> int:
    """Beat task: queue one report per customer active in `month` (default: the month just ended)."""
    tz_name = current_app.config["APP_TIMEZONE"]
    month = month or previous_month(tz_name)
    parse_month(month)
    ids = reports.customers_with_activity(db.session, month, tz_name)
    for customer_id in ids:
        enqueue("household.send_monthly_report", customer_id, month)
    log.info("Monthly reports for %s: %d queued", month, len(ids))
    return len(ids)


@shared_task(bind=True, name="household.send_monthly_report", max_retries=MAX_RETRIES)
def send_monthly_report(self, customer_id: int, month: str) -> str:
    """Send one customer's monthly report (once), retrying transient failures with backoff."""
    try:
        return reports.send_report(db.session, customer_id, month)
    except RETRYABLE as exc:
        db.session.rollback()
        log.warning("Report for customer %s (%s) will be retried: %s", customer_id, month, exc)
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    except PermanentDeliveryError as exc:
        log.error("Report for customer %s (%s) was refused: %s", customer_id, month, exc)
        return f"failed: {exc}"


@shared_task(bind=True, name="household.run_export", max_retries=3)
def run_export(self, job_id: str) -> str:
    """Write an export's CSV file, then queue the email telling the admin it is ready."""
    try:
        outcome = exports.run_export(db.session, job_id)
    except OperationalError as exc:  # the database is unreachable before the job could even start
        db.session.rollback()
        if self.request.retries >= self.max_retries:
            exports.fail_job(db.session, job_id, exports.failure_reason(exc))
            raise
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    if outcome == exports.DONE:
        try:
            enqueue("household.send_export_ready", job_id)
        except Exception:  # the in-app notification is there already
            log.exception("Could not queue the email for export %s", job_id)
    return outcome


@shared_task(bind=True, name="household.send_export_ready", max_retries=MAX_RETRIES)
def send_export_ready(self, job_id: str) -> str:
    """Email the admin that their export is ready (once), retrying transient failures."""
    try:
        return exports.send_ready_email(db.session, job_id)
    except RETRYABLE as exc:
        db.session.rollback()
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    except PermanentDeliveryError as exc:
        log.error("Export-ready email for %s was refused: %s", job_id, exc)
        return f"failed: {exc}"


@shared_task(name="household.requeue_stale_exports")
def requeue_stale_exports() -> int:
    """Beat task: queue again the exports whose task was lost before a worker saw it."""
    return len(exports.requeue_stale(db.session))
