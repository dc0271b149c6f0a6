"""Celery tasks: thin bodies around the jobs; Celery retries what may work later.

A message goes out once whatever the retries do: each one is claimed in the database before it is
sent (household.jobs.claims), so a retry, or a task delivered again after its worker died (late
acknowledgement), finds it sent and sends nothing. The retry options are Celery's own, set from the
settings when the Celery app is configured (`retry_options`, read by celery_init_app).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from household.domain import housekeeping, recovery
from household.domain.exports import RUN_EXPORT_TASK as RUN_EXPORT  # the name the API queues exports by
from household.domain.reports import customers_with_activity, parse_month
from household.extensions import db
from household.jobs import exports, notifications, reminders, reports
from household.jobs.claims import ClaimBusy
from household.jobs.dispatch import enqueue
from household.jobs.timeutil import local_today, previous_month
from household.notify import PermanentDeliveryError, TransientDeliveryError

log = logging.getLogger("household.jobs")

SEND_DAILY_REMINDER = "household.send_daily_reminder"
SEND_MONTHLY_REPORT = "household.send_monthly_report"
SEND_EXPORT_READY = "household.send_export_ready"
SEND_NOTIFICATION_EMAIL = "household.send_notification_email"  # household.notify.outbox queues it
SEND_PASSWORD_RESET = recovery.SEND_PASSWORD_RESET_TASK  # the name the API queues resets by

# Worth trying again later: the mail server or webhook is down, another worker is busy with the
# same message, or the database went away for a moment.
RETRYABLE = (TransientDeliveryError, ClaimBusy, OperationalError)
# 30 s, 1 min, 2 min ... (JOB_RETRY_BASE_SECONDS) capped at an hour, 8 times: about two hours in all.
MAX_RETRIES = 8
RETRY_CAP_SECONDS = 3600
EXPORT_MAX_RETRIES = 3
# A reset link is wanted now: about 15 minutes of retries (30 s, 1, 2, 4, 8 min), each with a new link.
PASSWORD_RESET_MAX_RETRIES = 5


def retry_options(config) -> dict[str, dict]:
    """Celery's retry options for each task that retries, from the app's settings.

    Given to Celery as `task_annotations`, so they are read once, when the Celery app is configured.
    Celery counts the backoff in whole seconds: a base under one second acts as one second.
    """
    base = config["JOB_RETRY_BASE_SECONDS"]
    delivery = {
        "autoretry_for": RETRYABLE,
        "retry_backoff": base,
        "retry_backoff_max": RETRY_CAP_SECONDS,
        # Celery's jitter draws each delay anywhere between 0 and the backoff, which would give up on
        # about half the messages during an hour-long mail outage that the full delays ride out.
        "retry_jitter": False,
        "max_retries": MAX_RETRIES,
        # A base of 0 turns Celery's backoff off, and the delay would become its default of 3 minutes.
        "default_retry_delay": base,
    }
    return {
        SEND_DAILY_REMINDER: delivery,
        SEND_MONTHLY_REPORT: delivery,
        SEND_EXPORT_READY: delivery,
        SEND_NOTIFICATION_EMAIL: delivery,
        SEND_PASSWORD_RESET: {**delivery, "max_retries": PASSWORD_RESET_MAX_RETRIES},
        # Any other failure of an export is final: the job ends `failed` with a reason.
        RUN_EXPORT: {**delivery, "autoretry_for": (OperationalError,), "max_retries": EXPORT_MAX_RETRIES},
    }


# --- who is due ------------------------------------------------------------------------------------


def due_reminders(day: date | None = None) -> tuple[date, list[int]]:
    """The local day to remind about (default: today in APP_TIMEZONE) and the professionals due a reminder."""
    tz_name = current_app.config["APP_TIMEZONE"]
    day = day or local_today(tz_name)
    return day, reminders.due_professional_ids(db.session, day, tz_name)


def due_reports(month: str | None = None) -> tuple[str, list[int]]:
    """The month to report (default: the one just ended in APP_TIMEZONE) and the customers active in it.

    Raises ValueError for a month that is not YYYY-MM.
    """
    tz_name = current_app.config["APP_TIMEZONE"]
    month = month or previous_month(tz_name)
    parse_month(month)
    return month, customers_with_activity(db.session, month, tz_name)


# --- the tasks -------------------------------------------------------------------------------------


@shared_task(name="household.daily_reminders")
def daily_reminders(day: str | None = None) -> int:
    """Beat task: queue one reminder per professional due one today (local date); returns how many."""
    when, ids = due_reminders(date.fromisoformat(day) if day else None)
    for professional_id in ids:
        enqueue(SEND_DAILY_REMINDER, professional_id, when.isoformat())
    log.info("Daily reminders for %s: %d queued", when, len(ids))
    return len(ids)


@shared_task(name=SEND_DAILY_REMINDER)
def send_daily_reminder(professional_id: int, day: str) -> str:
    """Send one professional's reminder for `day` (once); transient failures are retried."""
    what = f"Reminder for professional {professional_id} on {day}"
    return _deliver(what, reminders.send_reminder, professional_id, date.fromisoformat(day))


@shared_task(name="household.monthly_reports")
def monthly_reports(month: str | None = None) -> int:
    """Beat task: queue one report per customer active in `month` (default: the month just ended)."""
    month, ids = due_reports(month)
    for customer_id in ids:
        enqueue(SEND_MONTHLY_REPORT, customer_id, month)
    log.info("Monthly reports for %s: %d queued", month, len(ids))
    return len(ids)


@shared_task(name=SEND_MONTHLY_REPORT)
def send_monthly_report(customer_id: int, month: str) -> str:
    """Send one customer's monthly report (once); transient failures are retried."""
    return _deliver(f"Report for customer {customer_id} ({month})", reports.send_report, customer_id, month)


@shared_task(bind=True, name=RUN_EXPORT)
def run_export(self, job_id: str) -> str:
    """Write an export's CSV file, then queue the email telling the admin it is ready.

    Retried while the database is unreachable; after the last try the job ends `failed`.
    """
    try:
        outcome = exports.run_export(db.session, job_id)
    except OperationalError as exc:  # the database went away before the job could even start
        if self.request.retries >= self.max_retries:  # no retry follows: the job must not stay queued
            db.session.rollback()
            exports.fail_job(db.session, job_id, exports.failure_reason(exc))
        raise
    if outcome == exports.DONE:
        try:
            enqueue(SEND_EXPORT_READY, job_id)
        except Exception:  # the in-app notification is there already
            log.exception("Could not queue the email for export %s", job_id)
    return outcome


@shared_task(name=SEND_EXPORT_READY)
def send_export_ready(job_id: str) -> str:
    """Email the admin that their export is ready (once); transient failures are retried."""
    return _deliver(f"Export-ready email for {job_id}", exports.send_ready_email, job_id)


@shared_task(name="household.expire_requests")
def expire_requests() -> int:
    """Beat task: expire the bookings nobody answered in time (each exactly once, whoever runs it)."""
    return len(housekeeping.expire_unanswered(db.session))


@shared_task(name="household.auto_close")
def auto_close() -> int:
    """Beat task: close the completed work nobody closed within AUTO_CLOSE_DAYS (each exactly once)."""
    return len(housekeeping.auto_close(db.session))


@shared_task(name="household.requeue_stale_exports")
def requeue_stale_exports() -> int:
    """Beat task: queue again the exports whose task was lost before a worker saw it."""
    return len(exports.requeue_stale(db.session))


@shared_task(name=SEND_NOTIFICATION_EMAIL)
def send_notification_email(email_id: int) -> str:
    """Send one notification email of the outbox (once); transient failures are retried."""
    return _deliver(f"Notification email {email_id}", notifications.send, email_id)


@shared_task(name=SEND_PASSWORD_RESET)
def send_password_reset(email: str, ip: str | None = None) -> str:
    """Email a reset link if `email` is an active account's; transient failures are retried."""
    return _deliver("A password reset email", recovery.send_reset, email, ip)


@shared_task(name="household.requeue_notification_emails")
def requeue_notification_emails() -> int:
    """Beat task: queue again the notification emails whose task was lost (Redis down at the commit)."""
    return len(notifications.requeue_lost(db.session))


def _deliver(what: str, send: Callable[..., str], *args) -> str:
    """Run `send(db.session, *args)`; a refused message is final: logged and returned as "failed: ..."."""
    try:
        return send(db.session, *args)
    except PermanentDeliveryError as exc:
        log.error("%s was refused: %s", what, exc)
        return f"failed: {exc}"
