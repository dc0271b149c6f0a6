"""flask jobs run <name>: run a job synchronously, for operators and tests.

The same code as the Celery tasks, one person at a time in this process, printing what happened:

    flask jobs run daily-reminders [--date 2026-10-15]
    flask jobs run monthly-report [--month 2026-10]
    flask jobs run export <job_id>
"""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from household.extensions import db
from household.jobs import exports, reminders, reports
from household.jobs.claims import ClaimBusy
from household.jobs.timeutil import local_today, parse_month, previous_month
from household.notify import DeliveryError

jobs_cli = AppGroup("jobs", help="Run background jobs now, in this process.")


@jobs_cli.group("run")
def run() -> None:
    """Run one job synchronously."""


def _outcome(send, *args) -> str:
    try:
        return send(db.session, *args)
    except (DeliveryError, ClaimBusy) as exc:
        db.session.rollback()
        return f"failed: {exc}"


@run.command("daily-reminders")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The local day to remind about (default: today in APP_TIMEZONE).")
def daily_reminders_command(day) -> None:
    """Send today's reminders to professionals with requests waiting or due."""
    tz_name = current_app.config["APP_TIMEZONE"]
    when: date = day.date() if day else local_today(tz_name)
    ids = reminders.due_professional_ids(db.session, when, tz_name)
    failed = 0
    for professional_id in ids:
        outcome = _outcome(reminders.send_reminder, professional_id, when)
        failed += outcome.startswith("failed")
        click.echo(f"professional {professional_id}: {outcome}")
    click.echo(f"Daily reminders for {when.isoformat()}: {len(ids)} due, {failed} failed.")
    if failed:
        raise SystemExit(1)


@run.command("monthly-report")
@click.option("--month", default=None, help="YYYY-MM (default: the month just ended in APP_TIMEZONE).")
def monthly_report_command(month: str | None) -> None:
    """Send the monthly activity report to every customer active that month."""
    tz_name = current_app.config["APP_TIMEZONE"]
    month = month or previous_month(tz_name)
    try:
        parse_month(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from exc
    ids = reports.customers_with_activity(db.session, month, tz_name)
    failed = 0
    for customer_id in ids:
        outcome = _outcome(reports.send_report, customer_id, month)
        failed += outcome.startswith("failed")
        click.echo(f"customer {customer_id}: {outcome}")
    click.echo(f"Monthly report for {month}: {len(ids)} customers with activity, {failed} failed.")
    if failed:
        raise SystemExit(1)


@run.command("export")
@click.argument("job_id")
def export_command(job_id: str) -> None:
    """Write the CSV file of a queued (or interrupted) export job and tell the admin."""
    outcome = exports.run_export(db.session, job_id)
    job = db.session.get(exports.ExportJob, job_id)
    if job is None:
        raise click.ClickException(f"No export job {job_id}.")
    click.echo(f"Export {job_id}: {outcome} ({job.state}, {job.rows} rows)")
    if job.state == exports.FAILED:
        click.echo(f"Reason: {job.error}")
        raise SystemExit(1)
    if outcome == exports.DONE:
        click.echo(f"Email to the admin: {_outcome(exports.send_ready_email, job_id)}")
