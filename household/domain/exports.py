"""CSV exports of service requests as the admin sees them: starting one, its state, its finished file.

A job is recorded `queued` and handed to a worker, which streams the rows into a file under
EXPORT_DIR (household.jobs.exports), moving it to `running` and then `done` or `failed`.

The worker's code depends on this module and not the other way round, so the job is queued by the
name of its task on the app's Celery (`RUN_EXPORT_TASK`) rather than by importing household.jobs.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from household.bounds import DATE_RANGE_MESSAGE, date_in_range, is_id
from household.domain.errors import InvalidInput, NotFound
from household.models import ExportJob, Professional, User, utcnow
from household.models.service_request import STATUS_CLOSED

log = logging.getLogger("household.domain.exports")

KIND_SERVICE_REQUESTS = "service_requests"
RUN_EXPORT_TASK = "household.run_export"

# The export form's "all statuses" choice (stored as no status filter).
ALL_STATUSES = "all"

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


def start_export(
    s: Session,
    admin: User,
    *,
    status: str | None = STATUS_CLOSED,
    professional_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ExportJob:
    """Record a new export of service requests and queue it for a worker.

    `status=None` (or ALL_STATUSES, "all") exports every status. Raises InvalidInput for filters that
    cannot be exported. If the queue cannot be reached, the job is returned already `failed`, with
    the reason.
    """
    # The API's schema checks these too; a job is also started from code, and a date the worker's
    # arithmetic overflows on would only fail there, after a 202.
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None and not date_in_range(day):
            raise InvalidInput(fields={name: [DATE_RANGE_MESSAGE]})
    if date_from and date_to and date_to < date_from:
        raise InvalidInput(fields={"date_to": ["The end date must be on or after the start date."]})
    if professional_id is not None and not is_id(professional_id):
        raise InvalidInput(fields={"professional_id": ["No such professional."]})
    if professional_id is not None and s.get(Professional, professional_id) is None:
        raise InvalidInput(fields={"professional_id": ["No such professional."]})
    if status == ALL_STATUSES:
        status = None
    filters = {
        "status": status,
        "professional_id": professional_id,
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
    }
    job = ExportJob(
        id=secrets.token_hex(16),
        requested_by_id=admin.id,
        kind=KIND_SERVICE_REQUESTS,
        filters=json.dumps(filters),
        state=QUEUED,
        progress=0,
        rows=0,
        attempts=0,
        created_at=utcnow(),
    )
    s.add(job)
    s.commit()
    try:
        queue_export(job.id)
    except Exception:
        log.exception("Could not queue export %s", job.id)
        job.state = FAILED
        job.error = "The job queue is unavailable, so the export could not start. Please try again shortly."
        job.finished_at = utcnow()
        s.commit()
    return job


def queue_export(job_id: str) -> None:
    """Hand the job to a worker (the task household.run_export on this app's Celery)."""
    current_app.extensions["celery"].tasks[RUN_EXPORT_TASK].apply_async(args=(job_id,))


def get_job(s: Session, job_id: str) -> ExportJob:
    """The export job, or NotFound."""
    job = s.get(ExportJob, job_id) if isinstance(job_id, str) and len(job_id) <= 32 else None
    if job is None:
        raise NotFound("No such export.")
    return job


def recent_jobs() -> Select:
    """Export jobs, newest first."""
    return select(ExportJob).order_by(ExportJob.created_at.desc(), ExportJob.id)


def with_requesters(s: Session, jobs: list[ExportJob]) -> list[ExportJob]:
    """Give each job its `requested_by` {id, name} (the admin who asked), in one query for them all."""
    ids = {job.requested_by_id for job in jobs}
    names = dict(s.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    for job in jobs:
        job.requested_by = {"id": job.requested_by_id, "name": names.get(job.requested_by_id)}
    return jobs


def job_filters(job: ExportJob) -> dict:
    """The filters a job was started with."""
    try:
        return json.loads(job.filters or "{}")
    except ValueError:
        return {}


def download_url(job: ExportJob) -> str | None:
    """Where the finished file can be downloaded (None until it is done)."""
    return f"/api/exports/{job.id}/download" if job.state == DONE else None


def export_dir() -> Path:
    """The folder export files are written to (EXPORT_DIR)."""
    return Path(current_app.config["EXPORT_DIR"])


def export_file(job: ExportJob) -> tuple[Path, str]:
    """The finished file of a job and the name offered for it: service-requests-<date>.csv.

    Raises NotFound when the file is gone (e.g. cleaned up).
    """
    path = export_dir() / (job.file_path or "")
    if not job.file_path or not path.is_file():
        raise NotFound("The export file is no longer available; please export again.")
    day = job.created_at.astimezone(ZoneInfo(current_app.config["APP_TIMEZONE"])).date()
    return path, f"service-requests-{day.isoformat()}.csv"
