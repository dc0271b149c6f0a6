"""The jobs benchmark in its tiny mode, so that the bench code cannot rot."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import PG_ADMIN_URL, REDIS_BASE, TEST_DB

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench_database():
    """An empty database for the bench: a fresh PostgreSQL database, or the bench's own SQLite file."""
    if TEST_DB != "postgres":
        yield None
        return
    name = f"hs_bench_test_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_tiny_bench_exports_and_reports(tmp_path, bench_database):
    output = tmp_path / "jobs.json"
    args = [sys.executable, "-m", "bench.jobs_bench", "--tiny", "--output", str(output), "--redis-url", REDIS_BASE,
            "--report-via", "both"]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if bench_database:
        args += ["--database-url", bench_database]
    run = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "export CSV" in run.stdout and "monthly report (celery" in run.stdout

    result = json.loads(output.read_text())
    assert result["database"].startswith("postgresql" if bench_database else "sqlite")
    assert result["export"]["rows"] == 2000 and result["export"]["seconds"] > 0
    assert 20 < result["export"]["peak_mb"] < 1000
    for how in ("cli", "celery"):
        report = result["monthly_report"][how]
        assert report["customers"] == 50 and report["emails"] == 50, report
        assert report["seconds"] > 0 and report["peak_mb"] > 20 and report["worker_cpu_seconds"] > 0
