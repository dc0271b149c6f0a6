"""The export worker: writes the CSV file of an export job, then tells the admin it is ready.

Starting a job and reading its state is household.domain.exports. The rows are the ones the request
lists show for the same filters (`domain.requests.filter_requests`), their times in the platform's
time zone (APP_TIMEZONE) to the second, as people read them, streamed from the database in
batches (a server-side cursor on PostgreSQL) and written straight to a file under EXPORT_DIR, so
memory does not grow with the number of rows.

Re-running a job is safe: each attempt writes its own file and records its name on the job before
writing; progress updates and the final "done" only apply while that name is still the job's, so
when a newer attempt takes over (the worker died and the task was delivered again) the older one
stops, and a job finishes exactly once.
"""

from __future__ import annotations

import csv
import logging
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from household.bounds import DATE_RANGE_MESSAGE, date_in_range, is_id
from household.domain import changes
from household.domain.errors import DomainError, InvalidInput
from household.domain.exports import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    export_dir,
    job_filters,
    queue_export,
)
from household.domain.requests import CustomerUser, ProfessionalUser, filter_requests, request_rows
from household.models import ExportJob, Notification, Service, ServiceRequest, User, utcnow
from household.notify.email import send_email
from household.notify.formatting import local_time
from household.notify.templates import render_email

log = logging.getLogger("household.jobs.exports")

COLUMNS = (
    "id",
    "service",
    "customer",
    "professional",
    "status",
    "date_of_request",
    "date_of_completion",
    "rating",
    "review",
    "remarks",
    # Added with scheduling and the complete lifecycle (at the end: existing readers keep their columns).
    "end_time",
    "price",
    "cancelled_by",
    "cancellation_fee",
)
BATCH_ROWS = 5000
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- the rows ---------------------------------------------------------------------------------------


def export_statement(filters: dict, tz_name: str) -> Select:
    """The rows of an export, in id order: the same filters as the request lists."""
    stmt = request_rows().with_only_columns(
        ServiceRequest.id,
        Service.name,
        CustomerUser.name,
        ProfessionalUser.name,
        ServiceRequest.status,
        ServiceRequest.date_of_request,
        ServiceRequest.date_of_completion,
        ServiceRequest.rating,
        ServiceRequest.review,
        ServiceRequest.remarks,
        ServiceRequest.end_time,
        ServiceRequest.price,
        ServiceRequest.cancelled_by,
        ServiceRequest.cancellation_fee,
        maintain_column_froms=True,
    )
    professional_id = filters.get("professional_id")
    if professional_id is not None and not is_id(professional_id):
        raise InvalidInput("The export's professional is out of range.")
    stmt = filter_requests(
        stmt,
        status=filters.get("status"),
        professional_id=professional_id,
        date_from=_stored_day(filters, "date_from"),
        date_to=_stored_day(filters, "date_to"),
        tz_name=tz_name,
    )
    return stmt.order_by(ServiceRequest.id)


def _stored_day(filters: dict, name: str) -> date | None:
    """A day of a job's stored filters; a job stored before dates were checked fails with a reason."""
    if not filters.get(name):
        return None
    try:
        day = date.fromisoformat(filters[name])
    except (TypeError, ValueError):
        day = None
    if day is None or not date_in_range(day):
        raise InvalidInput(f"The export's {name.replace('_', ' ')} is out of range. {DATE_RANGE_MESSAGE}")
    return day


def safe_cell(value: str | None) -> str | None:
    """Text a spreadsheet shows as text: a leading =, +, -, @, tab or CR gets a ' in front."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def local_iso(moment: datetime | None, tz: ZoneInfo) -> str:
    """A stored (UTC) instant as the platform shows it: ISO 8601 in `tz`, whole seconds
    ("2026-11-30T18:30:00+05:30"); empty for none."""
    if moment is None:
        return ""
    return moment.astimezone(tz).replace(microsecond=0).isoformat()


def csv_line(row, tz: ZoneInfo = UTC) -> tuple:
    """One request as a CSV line (columns as in COLUMNS, ISO 8601 times in `tz`, to the second)."""
    (request_id, service, customer, professional, status, requested, completed, rating, review, remarks,
     end, price, cancelled_by, fee) = row
    return (
        request_id,
        safe_cell(service),
        safe_cell(customer),
        safe_cell(professional),
        status,
        local_iso(requested, tz),
        local_iso(completed, tz),
        "" if rating is None else rating,
        safe_cell(review),
        safe_cell(remarks),
        local_iso(end, tz),
        f"{price:.2f}",
        cancelled_by or "",
        "" if fee is None else f"{fee:.2f}",
    )


# --- running a job -----------------------------------------------------------------------------------


class Superseded(Exception):  # noqa: N818 - a state, not a failure
    """A newer attempt took the job over; this one stops quietly."""


def _remove(*paths: Path) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("Could not remove %s", path.name)


def failure_reason(exc: BaseException) -> str:
    """A reason an admin can read, without paths, SQL or stack traces."""
    if isinstance(exc, OSError):
        return f"The export file could not be written ({exc.strerror or 'storage error'})."
    if isinstance(exc, SQLAlchemyError):
        return "The database could not be read during the export. Please try again."
    if isinstance(exc, DomainError):  # written for people
        return exc.message
    return f"The export stopped because of an unexpected error ({type(exc).__name__}). Please try again."


def run_export(s: Session, job_id: str) -> str:
    """Write the CSV file of an export job; returns what happened ("done", "failed", ...).

    Never leaves the job `running` on an error: it ends `failed` with a readable reason. A job that
    is already done or failed is left alone, so a task delivered twice finishes once.
    """
    job = s.get(ExportJob, job_id)
    if job is None:
        return "no such job"
    if job.state in (DONE, FAILED):
        return f"already {job.state}"
    filters, previous, owner_id = job_filters(job), job.file_path, job.requested_by_id
    file_name = f"{secrets.token_hex(16)}.csv"
    taken = s.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.state.in_((QUEUED, RUNNING)))
        .values(
            state=RUNNING,
            file_path=file_name,
            attempts=ExportJob.attempts + 1,
            started_at=utcnow(),
            progress=0,
            rows=0,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    s.commit()
    if taken.rowcount != 1:
        return "already finished"
    folder = export_dir()
    if previous:  # a previous attempt died: its file starts over
        _remove(folder / previous, folder / (previous + ".part"))
    final = folder / file_name
    partial = folder / (file_name + ".part")
    try:
        rows = _write_csv(s, job_id, file_name, filters, partial)
        partial.replace(final)
        if not _finish(s, job_id, file_name, rows, owner_id):
            _remove(final)
            return "superseded"
    except Superseded:
        _remove(partial, final)
        return "superseded"
    except Exception as exc:
        s.rollback()
        log.exception("Export %s failed", job_id)
        _remove(partial, final)
        _fail(s, job_id, file_name, owner_id, failure_reason(exc))
        return FAILED
    return DONE


def _write_csv(s: Session, job_id: str, file_name: str, filters: dict, partial: Path) -> int:
    """Stream the rows into `partial`, reporting progress once per batch; returns the row count."""
    tz_name = current_app.config["APP_TIMEZONE"]
    tz = ZoneInfo(tz_name)
    stmt = export_statement(filters, tz_name)
    engine = s.get_bind()
    sqlite = engine.dialect.name == "sqlite"
    partial.parent.mkdir(parents=True, exist_ok=True)
    options = {} if sqlite else {"isolation_level": "REPEATABLE READ"}  # the count and the rows agree
    with engine.connect().execution_options(**options) as read:

        def save_progress(done: int, total: int) -> None:
            progress_update = _progress_update(job_id, file_name, done, total)
            if sqlite:  # SQLite has one writer at a time: write through the connection that reads
                updated = read.execute(progress_update).rowcount
                read.commit()
            else:
                with engine.begin() as conn:
                    updated = conn.execute(progress_update).rowcount
            if updated != 1:
                raise Superseded(job_id)

        total = read.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        batch = current_app.config.get("EXPORT_BATCH_ROWS") or BATCH_ROWS
        result = read.execution_options(yield_per=batch).execute(stmt)
        done = 0
        with partial.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for batch in result.partitions():
                writer.writerows(csv_line(row, tz) for row in batch)
                done += len(batch)
                save_progress(done, total)
    return done


def _progress_update(job_id: str, file_name: str, done: int, total: int):
    """Progress of the attempt writing `file_name`; matches no row once another attempt took over."""
    return (
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.file_path == file_name, ExportJob.state == RUNNING)
        .values(progress=min(99, done * 100 // total) if total else 0, rows=done)
    )


def _finish(s: Session, job_id: str, file_name: str, rows: int, owner_id: int) -> bool:
    """Mark the job done and notify the admin in the app, in one transaction; False if superseded."""
    done = s.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.file_path == file_name, ExportJob.state == RUNNING)
        .values(state=DONE, progress=100, rows=rows, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        s.rollback()
        return False
    message = f"Your CSV export of {rows} service request{'' if rows == 1 else 's'} is ready."
    _notify(s, owner_id, "export_ready", message, f"/api/exports/{job_id}/download")
    s.commit()
    return True


def _notify(s: Session, owner_id: int, kind: str, message: str, link: str) -> None:
    """Tell the admin who started the job, in the app (committed with the job's new state)."""
    title = "Your CSV export is ready" if kind == "export_ready" else "Your CSV export failed"
    s.add(Notification(user_id=owner_id, kind=kind, title=title, message=message, link=link, created_at=utcnow()))
    changes.notifications(s, owner_id)  # their unread count


def _fail(s: Session, job_id: str, file_name: str, owner_id: int, reason: str) -> None:
    try:
        failed = s.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.file_path == file_name, ExportJob.state == RUNNING)
            .values(state=FAILED, error=reason, finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if failed.rowcount == 1:
            _notify(s, owner_id, "export_failed", f"Your CSV export failed: {reason}", f"/admin/exports?job={job_id}")
        s.commit()
    except SQLAlchemyError:
        s.rollback()
        log.exception("Could not record the failure of export %s", job_id)
        raise


def fail_job(s: Session, job_id: str, reason: str) -> bool:
    """Give up on a job that is still queued or running (e.g. its task ran out of retries)."""
    job = s.get(ExportJob, job_id)
    if job is None or job.state not in (QUEUED, RUNNING):
        return False
    job.state, job.error, job.finished_at = FAILED, reason, utcnow()
    s.commit()
    return True


def requeue_stale(s: Session, older_than_minutes: int = 15) -> list[str]:
    """Queue again the jobs still `queued` long after they were started (their task was lost)."""
    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    stale = select(ExportJob.id).where(ExportJob.state == QUEUED, ExportJob.created_at < cutoff)
    ids = list(s.execute(stale).scalars())
    for job_id in ids:
        queue_export(job_id)
    return ids


# --- telling the admin ------------------------------------------------------------------------------


def describe_filters(filters: dict) -> str:
    """The filters of a job in words: 'closed requests, professional #3, from 2026-10-01'."""
    parts = [f"{filters['status']} requests" if filters.get("status") else "requests in every status"]
    if filters.get("professional_id"):
        parts.append(f"professional #{filters['professional_id']}")
    if filters.get("date_from"):
        parts.append(f"from {filters['date_from']}")
    if filters.get("date_to"):
        parts.append(f"to {filters['date_to']}")
    return ", ".join(parts)


def send_ready_email(s: Session, job_id: str) -> str:
    """Email the admin who asked that their export is ready (once); returns "sent" or why not.

    The job's `alerted_at` is claimed before sending and cleared again when sending fails, so a
    retry sends it and a duplicate does not.
    """
    claimed = s.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.state == DONE, ExportJob.alerted_at.is_(None))
        .values(alerted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    s.commit()
    if claimed.rowcount != 1:
        return "already sent"
    job = s.get(ExportJob, job_id)
    admin = s.get(User, job.requested_by_id)
    config = current_app.config
    subject = f"Your CSV export is ready ({job.rows} service request{'' if job.rows == 1 else 's'})"
    try:
        text, html = render_email(
            "export_ready",
            subject=subject,
            name=admin.name,
            rows=job.rows,
            filters=describe_filters(job_filters(job)),
            started=local_time(job.created_at, config["APP_TIMEZONE"]),
            link=config["PUBLIC_URL"].rstrip("/") + f"/admin/exports?job={job.id}",
            job_id=job.id,
        )
        send_email((admin.name, admin.email), subject, text=text, html=html)
    except Exception:
        s.rollback()
        s.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(alerted_at=None)
            .execution_options(synchronize_session=False)
        )
        s.commit()
        raise
    return "sent"
