"""A worker killed with SIGKILL in the middle of an export: the export still completes, once."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select

from household.extensions import db
from household.models import Notification, ServiceRequest, utcnow
from tests.jobs.support import wait_until

ROWS = 40000
ROOT = Path(__file__).resolve().parents[2]


def start_worker(app, tmp_path, name):
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "CACHE_KEY_PREFIX": app.config["CACHE_KEY_PREFIX"],
        "EXPORT_DIR": app.config["EXPORT_DIR"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": "1",
        "EXPORT_BATCH_ROWS": "100",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "LOG_LEVEL": "WARNING",
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "make_celery", "worker", "--pool=solo", "--concurrency=1",
         "--without-mingle", "--without-gossip", "--loglevel=WARNING", "-n", f"{name}@%h"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, log


# Both databases: the second worker takes the task up within the broker's sweep (household.jobs
# transport_options; it once waited 100 s for kombu's default sweep, which on SQLite was first taken
# for a locked database).
def test_export_survives_a_killed_worker(app, api, people, tmp_path):
    admin = api.admin()
    with app.app_context():
        now = utcnow()
        db.session.execute(
            insert(ServiceRequest),
            [
                {
                    "service_id": people.plumbing,
                    "customer_id": people.alice["customer_id"],
                    "professional_id": people.pro["professional_id"],
                    "status": "closed",
                    "date_of_request": now - timedelta(days=3, minutes=i),
                    "end_time": now - timedelta(days=3, minutes=i) + timedelta(minutes=45),
                    "held_until": now - timedelta(days=3, minutes=i) + timedelta(minutes=75),
                    "price": Decimal("299.00"),
                    "date_of_completion": now - timedelta(days=2, minutes=i),
                    "created_at": now - timedelta(days=4),
                    "updated_at": now - timedelta(days=2),
                    "rating": 1 + i % 5,
                }
                for i in range(ROWS)
            ],
        )
        db.session.commit()
    app.config["EXPORT_BATCH_ROWS"] = 100
    first, first_log = start_worker(app, tmp_path, "first")
    second = None
    try:
        job_id = api.post("/api/exports/service-requests", admin, json={}).get_json()["job_id"]

        def status():
            return api.get(f"/api/exports/{job_id}", admin).get_json()

        try:
            wait_until(lambda: status()["rows"] > 0, timeout=120, what="export to start")
        except AssertionError:
            first_log.flush()
            raise AssertionError(f"{status()}\n{(tmp_path / 'first.log').read_text()[-3000:]}") from None
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        killed_at = status()
        assert killed_at["state"] == "running" and 0 < killed_at["rows"] < ROWS

        second, second_log = start_worker(app, tmp_path, "second")
        wait_until(lambda: status()["state"] == "done", timeout=120, what="export to finish on the second worker")
        final = status()
        assert final["rows"] == ROWS and final["progress"] == 100
        body = api.get(final["download_url"], admin).get_data(as_text=True)
        ids = [row["id"] for row in csv.DictReader(io.StringIO(body))]
        assert len(ids) == ROWS and len(set(ids)) == ROWS
        with app.app_context():
            alerts = db.session.execute(
                select(func.count()).select_from(Notification).where(Notification.kind == "export_ready")
            ).scalar_one()
            db.session.remove()
        assert alerts == 1
        leftovers = [p.name for p in Path(app.config["EXPORT_DIR"]).iterdir() if p.name.endswith(".part")]
        assert leftovers == []
    finally:
        app.config.pop("EXPORT_BATCH_ROWS", None)
        for proc in (first, second):
            if proc and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        first_log.close()
