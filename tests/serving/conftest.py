"""The server as `make run` starts it (household.serving: Granian, WSGI) against the test app's database.

Each module starts its own server through tests.support.web_server on a free loopback port; writes the
tests do not exercise go straight through the in-process app (same database, same Redis).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import requests

from household.extensions import db
from household.models import ExportJob, User, utcnow
from tests.factories import ADMIN_EMAIL, PASSWORD

CSV_HEADER = b"id,service,customer,professional,status,date_of_request,price,rating,review\n"


def login(base: str, email: str = ADMIN_EMAIL, password: str = PASSWORD) -> str:
    resp = requests.post(f"{base}/api/auth/login", json={"email": email, "password": password}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()["token"]


def finished_export(app, megabytes: int) -> tuple[str, Path]:
    """A done export job of the admin whose CSV file is `megabytes` MB (written here, as a worker would)."""
    job_id = secrets.token_hex(16)
    folder = Path(app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job_id}.csv"
    target = megabytes * 1024 * 1024
    rows = 0
    with open(path, "wb") as out:
        out.write(CSV_HEADER)
        block = b"".join(
            b"%d,Deep cleaning,Customer %d,Professional %d,closed,2026-03-%02d 10:30,499.00,5,Tidy and on time\n"
            % (i, i % 977, i % 131, 1 + i % 28)
            for i in range(1000)
        )
        written = len(CSV_HEADER)
        while written < target:
            out.write(block)
            written += len(block)
            rows += 1000
    with app.app_context():
        admin = db.session.query(User).filter_by(email=ADMIN_EMAIL).one()
        db.session.add(ExportJob(
            id=job_id, requested_by_id=admin.id, kind="service_requests", filters="{}", state="done",
            progress=100, rows=rows, attempts=1, file_path=path.name, created_at=utcnow(), started_at=utcnow(),
            finished_at=utcnow(),
        ))
        db.session.commit()
        db.session.remove()
    return job_id, path


@pytest.fixture
def export_file(app):
    made: list[Path] = []

    def make(megabytes: int) -> tuple[str, Path]:
        job_id, path = finished_export(app, megabytes)
        made.append(path)
        return job_id, path

    yield make
    for path in made:
        path.unlink(missing_ok=True)
