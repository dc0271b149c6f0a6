"""The export job itself: progress by batch, re-runs after a lost worker, a job that cannot be queued."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from household import create_app
from household.domain.exports import job_filters, start_export
from household.extensions import db
from household.jobs import exports
from household.models import ExportJob, Notification, User, utcnow
from tests.conftest import app_config
from tests.factories import ADMIN_EMAIL
from tests.jobs.support import add_request, config, free_port, ist


@pytest.fixture
def closed_requests(app, people):
    """25 closed requests for one professional."""
    return [
        add_request(
            app,
            customer_id=people.alice["customer_id"],
            professional_id=people.pro["professional_id"],
            service_id=people.plumbing,
            status="closed",
            date_of_request=ist(2026, 10, 1 + i % 28, 10),
            date_of_completion=ist(2026, 10, 1 + i % 28, 12),
        )
        for i in range(25)
    ]


def admin_of(s):
    return s.execute(select(User).where(User.email == ADMIN_EMAIL)).scalar_one()


def new_job(s, **filters) -> str:
    """A queued job, recorded the way the API records it (its task goes to Redis, where no worker runs)."""
    return start_export(s, admin_of(s), **filters).id


def csv_ids(app, job) -> list[int]:
    with open(Path(app.config["EXPORT_DIR"]) / job.file_path, newline="", encoding="utf-8") as f:
        return [int(row[0]) for row in list(csv.reader(f))[1:]]


def test_progress_is_saved_once_per_batch(app, ctx, closed_requests, count_queries):
    job_id = new_job(db.session)
    with config(app, EXPORT_BATCH_ROWS=10), count_queries() as counted:
        assert exports.run_export(db.session, job_id) == "done"
    progress_writes = [q for q in counted.statements if q.lstrip().upper().startswith("UPDATE EXPORT_JOBS")]
    # The start, one per batch of 10 (25 rows: 3 batches), the end.
    assert len(progress_writes) == 1 + 3 + 1, progress_writes
    job = db.session.get(ExportJob, job_id)
    assert (job.state, job.progress, job.rows, job.attempts) == ("done", 100, 25, 1)
    assert csv_ids(app, job) == closed_requests


def test_a_job_rerun_after_its_worker_died_starts_over_and_finishes_once(app, ctx, closed_requests):
    job_id = new_job(db.session)
    # A first attempt died half way: the job says running, its half-written file is there.
    folder = Path(app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    dead_file = "0" * 32 + ".csv"
    (folder / (dead_file + ".part")).write_text("id,service\n1,half")
    job = db.session.get(ExportJob, job_id)
    job.state, job.file_path, job.attempts, job.progress, job.rows = "running", dead_file, 1, 40, 10
    db.session.commit()

    assert exports.run_export(db.session, job_id) == "done"
    db.session.expire_all()
    job = db.session.get(ExportJob, job_id)
    assert (job.state, job.rows, job.progress, job.attempts) == ("done", 25, 100, 2)
    assert csv_ids(app, job) == closed_requests
    assert not (folder / (dead_file + ".part")).exists()

    # The message delivered once more (acks_late) finds the job done and changes nothing.
    assert exports.run_export(db.session, job_id) == "already done"
    notes = db.session.execute(select(Notification.kind)).scalars().all()
    assert notes == ["export_ready"]


def test_an_attempt_taken_over_by_a_newer_one_cannot_finish(app, ctx, closed_requests):
    job_id = new_job(db.session)
    job = db.session.get(ExportJob, job_id)
    job.state, job.file_path = "running", "a" * 32 + ".csv"  # an older attempt, still alive
    db.session.commit()
    assert exports.run_export(db.session, job_id) == "done"
    # The older attempt reaches its end: its progress and its "done" no longer apply.
    assert exports._finish(db.session, job_id, "a" * 32 + ".csv", 25, job.requested_by_id) is False
    assert db.session.execute(select(func.count()).select_from(Notification)).scalar_one() == 1


def test_filters_are_kept_and_described(app, ctx, people):
    job_id = new_job(db.session, status=None, professional_id=people.pro["professional_id"])
    job = db.session.get(ExportJob, job_id)
    assert json.loads(job.filters) == {
        "status": None, "professional_id": people.pro["professional_id"], "date_from": None, "date_to": None,
    }
    assert exports.describe_filters(job_filters(job)) == (
        f"requests in every status, professional #{people.pro['professional_id']}"
    )


def test_a_job_that_cannot_be_queued_is_failed_not_stuck(app, database_url, tmp_root):
    celery_before = app.extensions["celery"]
    broken = create_app(app_config(database_url, tmp_root) | {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    celery_before.set_default()
    with broken.app_context():
        job = start_export(db.session, admin_of(db.session))
        assert job.state == "failed"
        assert job.error.startswith("The job queue is unavailable")
        assert job.finished_at is not None
        db.session.remove()


def test_jobs_left_queued_are_queued_again(app, ctx):
    job_id = new_job(db.session)
    assert exports.requeue_stale(db.session) == []
    job = db.session.get(ExportJob, job_id)
    job.created_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    assert exports.requeue_stale(db.session) == [job_id]
    # Run twice (the original message and the re-queued one): one file, one notification.
    assert exports.run_export(db.session, job_id) == "done"
    assert exports.run_export(db.session, job_id) == "already done"
    assert db.session.execute(select(func.count()).select_from(Notification)).scalar_one() == 1


def test_cli_runs_an_export_and_reports_it(app, closed_requests):
    with app.app_context():
        job_id = new_job(db.session)
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["jobs", "run", "export", job_id])
    # MAIL_PORT is 1 in the tests: the file is done, the email is reported as failed.
    assert f"Export {job_id}: done (done, 25 rows)" in result.output, result.output
    assert "Email to the admin: failed: The mail server is unreachable" in result.output
    assert app.test_cli_runner().invoke(args=["jobs", "run", "export", "f" * 32]).exit_code == 1


def test_safe_cell_escapes_formula_starts():
    assert [exports.safe_cell(v) for v in ("=1+1", "+91", "-3", "@x", "\tx", "\rx", "ok", "", None, "a=b")] == [
        "'=1+1", "'+91", "'-3", "'@x", "'\tx", "'\rx", "ok", "", None, "a=b",
    ]
