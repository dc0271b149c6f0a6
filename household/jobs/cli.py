"""flask jobs run <name>: run a job now, in this process, for operators and tests.

The commands find who is due as the beat tasks do and run the worker's own task for each of them,
one at a time, printing what happened. Nothing is retried here: a failure the worker would retry is
printed, and the command exits with status 1.

    flask jobs run daily-reminders [--date 2026-10-15]
    flask jobs run monthly-report [--month 2026-10]
    flask jobs run export <job_id>
    flask jobs run expire-requests
    flask jobs run auto-close
    flask jobs run notification-emails
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from household.extensions import db
from household.jobs import exports, tasks
from household.jobs.claims import ClaimBusy
from household.jobs.dispatch import task
from household.jobs.notifications import QUEUED
from household.models import ExportJob, NotificationEmail
from household.notify import DeliveryError

jobs_cli = AppGroup("jobs", help="Run background jobs now, in this process.")


@jobs_cli.group("run")
def run() -> None:
    """Run one job synchronously."""


def _run_task(task_name: str, *args) -> str:
    """Run a task's body here and now; what the worker would retry is reported as "failed: ..."."""
    try:
        # Called directly, a task runs in this process, and Celery's retry raises the error instead.
        return task(task_name)(*args)
    except (DeliveryError, ClaimBusy) as exc:
        return f"failed: {exc}"


def _run_for_each(label: str, task_name: str, ids: list[int], *args) -> int:
    """Run the task for each id, printing each outcome; returns how many failed."""
    failed = 0
    for item_id in ids:
        outcome = _run_task(task_name, item_id, *args)
        failed += outcome.startswith("failed")
        click.echo(f"{label} {item_id}: {outcome}")
    return failed


@run.command("daily-reminders")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The local day to remind about (default: today in APP_TIMEZONE).")
def daily_reminders_command(day) -> None:
    """Send each professional with bookings tomorrow their schedule for the day."""
    when, ids = tasks.due_reminders(day.date() if day else None)
    failed = _run_for_each("professional", tasks.SEND_DAILY_REMINDER, ids, when.isoformat())
    click.echo(f"Daily reminders for {when.isoformat()}: {len(ids)} due, {failed} failed.")
    if failed:
        raise SystemExit(1)


@run.command("monthly-report")
@click.option("--month", default=None, help="YYYY-MM (default: the month just ended in APP_TIMEZONE).")
def monthly_report_command(month: str | None) -> None:
    """Send the monthly activity report to every customer active that month."""
    try:
        month, ids = tasks.due_reports(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from exc
    failed = _run_for_each("customer", tasks.SEND_MONTHLY_REPORT, ids, month)
    click.echo(f"Monthly report for {month}: {len(ids)} customers with activity, {failed} failed.")
    if failed:
        raise SystemExit(1)


@run.command("export")
@click.argument("job_id")
def export_command(job_id: str) -> None:
    """Write the CSV file of a queued (or interrupted) export job and tell the admin."""
    # The worker's export task would queue the email; here it is sent at once, so its outcome is printed.
    outcome = exports.run_export(db.session, job_id)
    job = db.session.get(ExportJob, job_id)
    if job is None:
        raise click.ClickException(f"No export job {job_id}.")
    click.echo(f"Export {job_id}: {outcome} ({job.state}, {job.rows} rows)")
    if job.state == exports.FAILED:
        click.echo(f"Reason: {job.error}")
        raise SystemExit(1)
    if outcome == exports.DONE:
        click.echo(f"Email to the admin: {_run_task(tasks.SEND_EXPORT_READY, job_id)}")


@run.command("expire-requests")
def expire_requests_command() -> None:
    """Expire the bookings nobody answered in time (frees their time; each request once)."""
    click.echo(f"Expired {tasks.expire_requests()} request(s).")


@run.command("auto-close")
def auto_close_command() -> None:
    """Close the completed work nobody closed within AUTO_CLOSE_DAYS (each request once)."""
    click.echo(f"Closed {tasks.auto_close()} request(s).")


@run.command("notification-emails")
def notification_emails_command() -> None:
    """Send every notification email still waiting (each once, as the worker would)."""
    waiting = list(
        db.session.execute(
            select(NotificationEmail.id).where(NotificationEmail.state == QUEUED).order_by(NotificationEmail.id)
        ).scalars()
    )
    db.session.commit()
    failed = _run_for_each("Notification email", tasks.SEND_NOTIFICATION_EMAIL, waiting)
    click.echo(f"{len(waiting) - failed} of {len(waiting)} sent or already sent.")
    if failed:
        raise SystemExit(1)
