"""Benchmark of the background jobs: the CSV export of 1,000,000 requests and the monthly report to 10,000 customers.

    .venv/bin/python -m bench.jobs_bench [--tiny] [--database-url URL] [--report-via celery|cli|both]

It fills an EMPTY database (--database-url, DATABASE_URL, else a temporary SQLite file) with the
generator's marketplace, in which every customer was active last month, then:

- runs `flask jobs run export <job>` in a subprocess: the CSV export of every request, timed, with
  the subprocess's peak RSS;
- sends last month's report to every customer, into a local SMTP server that only counts: as in
  production, the beat task queues one task per customer for a prefork Celery worker (one process
  per CPU, broker BENCH_REDIS_URL, default Redis database 10), and/or `flask jobs run monthly-report`
  in one process (--report-via cli). The worker's CPU time per report is recorded too: on a shared
  machine it tells more than the wall clock.

It prints a table and writes jobs.json (bench/results/, or instance/bench-tiny/ with --tiny).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from bench import common, generate
from bench.common import ADMIN_EMAIL, ROOT

TZ = "Asia/Kolkata"
FULL = generate.Sizes(services=15, professionals=500, customers=10_000, requests=1_000_000)
TINY = generate.Sizes(services=15, professionals=10, customers=50, requests=2_000)


class ReportMonth(generate.Dataset):
    """The generator's marketplace in which every customer made three requests in the report's month.

    Nobody is blocked: each customer gets exactly one report.
    """

    def __init__(self, sizes: generate.Sizes, start: datetime, end: datetime):
        super().__init__(sizes)
        self.cust_active = [True] * sizes.customers
        span = (end - start).total_seconds() * 0.9
        for k in range(3 * sizes.customers):
            self.req_customer[k] = k % sizes.customers
            self.req_created[k] = start.timestamp() + self.rng.random() * span


class CountingSink:
    """An SMTP server that only counts what it accepts."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self.port = common.free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.count += 1
        return "250 OK"

    def __enter__(self) -> CountingSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


# Runs a flask command and, as it exits, writes the peak RSS of its own process (VmHWM) to a file
# (ru_maxrss of a child would also count the bench process it was forked from).
_LAUNCHER = """
import atexit, os, runpy, sys
def _peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(kb)
atexit.register(_peak)
sys.argv = ["flask", "--app", "household:create_app", *sys.argv[1:]]
runpy.run_module("flask", run_name="__main__", alter_sys=True)
"""


def _run_child(args: list[str], env: dict) -> tuple[float, float, int, str]:
    """Run a flask command; returns (seconds, its peak RSS in MB, exit code, the end of its output)."""
    with tempfile.TemporaryDirectory() as scratch:
        peak_file, log_file = Path(scratch) / "peak", Path(scratch) / "out"
        started = time.perf_counter()
        with log_file.open("wb") as out:
            code = subprocess.call([sys.executable, "-c", _LAUNCHER, *args], cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT, env={**env, "BENCH_PEAK_FILE": str(peak_file)})
        seconds = time.perf_counter() - started
        peak_mb = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("nan")
        return seconds, peak_mb, code, log_file.read_bytes()[-2000:].decode("utf-8", "replace")


def _sent_reports(app, month: str, forget: bool = False) -> int:
    """Reports sent for `month`; `forget` deletes them all, so that the next run starts from scratch."""
    from household.extensions import db
    from household.models import MonthlyReportLog

    with app.app_context():
        if forget:
            db.session.execute(MonthlyReportLog.__table__.delete())
            db.session.commit()
        count = db.session.execute(select(func.count()).select_from(MonthlyReportLog).where(
            MonthlyReportLog.month == month, MonthlyReportLog.state == "sent")).scalar_one()
        db.session.remove()
    return count


def report_with_celery(app, env: dict, month: str, customers: int, sink: CountingSink, workdir: Path) -> dict:
    """The production path: the beat task queues one task per customer; a prefork worker sends them."""
    from household.jobs import enqueue

    before, workers = sink.count, os.cpu_count() or 2
    with common.Process([sys.executable, "-m", "celery", "-A", "make_celery", "worker", "--pool", "prefork",
                         "--concurrency", str(workers), "--without-heartbeat", "--without-mingle",
                         "--without-gossip", "--loglevel", "WARNING"], env, workdir / "worker.log") as worker:
        started = time.perf_counter()
        cpu_before = worker.cpu_seconds()
        with app.app_context():
            enqueue("household.monthly_reports", month)
        deadline = started + max(600, customers * 0.2)
        while sink.count - before < customers or _sent_reports(app, month) < customers:
            if worker.proc.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit(f"The worker sent {sink.count - before} of {customers} reports:\n{worker.tail()}")
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        peaks = [kb / 1024 for pid in worker.pids() if (kb := common.proc_kb(pid, "VmHWM:"))]
        cpu = worker.cpu_seconds() - cpu_before
    return {"seconds": seconds, "peak_mb": max(peaks), "peak_mb_all_processes": sum(peaks),
            "emails": sink.count - before, "processes": workers, "worker_cpu_seconds": cpu}


def report_with_cli(env: dict, month: str, customers: int, sink: CountingSink) -> dict:
    """`flask jobs run monthly-report`: every customer, one after the other, in one process."""
    before = sink.count
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, peak_mb, code, tail = _run_child(["jobs", "run", "monthly-report", "--month", month], env)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0 or sink.count - before != customers:
        raise SystemExit(f"The monthly report sent {sink.count - before} of {customers}:\n{tail}")
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return {"seconds": seconds, "peak_mb": peak_mb, "emails": sink.count - before, "processes": 1,
            "worker_cpu_seconds": cpu}


def run(sizes: generate.Sizes, url: str | None, redis_url: str, report_via: str, output: Path) -> dict:
    """Generate the data, run the jobs in subprocesses, print and save the numbers."""
    from household.extensions import db
    from household.jobs.timeutil import month_bounds, previous_month
    from household.models import ExportJob, User, utcnow

    rows, customers = sizes.requests, sizes.customers
    month = previous_month(TZ)
    reports: dict[str, dict] = {}
    with common.scratch(None) as workdir, CountingSink() as sink:
        url = url or f"sqlite:///{workdir / 'bench.sqlite3'}"
        config = {"REDIS_URL": redis_url, "EXPORT_DIR": str(workdir / "exports"), "MAIL_SERVER": "127.0.0.1",
                  "MAIL_PORT": sink.port, "APP_TIMEZONE": TZ, "LOG_LEVEL": "WARNING"}
        env = {**os.environ, **{k: str(v) for k, v in config.items()}, "DATABASE_URL": url, "PYTHONWARNINGS": "ignore"}
        app = common.make_app(url, **config)
        dialect = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
        print(f"Generating {rows:,} requests, {customers:,} customers on {dialect}...", flush=True)
        made = generate.generate(url, ReportMonth(sizes, *month_bounds(month, TZ)))

        with app.app_context():
            admin_id = db.session.execute(select(User.id).where(User.email == ADMIN_EMAIL)).scalar_one()
            job = ExportJob(id=os.urandom(16).hex(), requested_by_id=admin_id, kind="service_requests",
                            filters=json.dumps({"status": None, "professional_id": None, "date_from": None,
                                                "date_to": None}),
                            state="queued", progress=0, rows=0, attempts=0, created_at=utcnow())
            db.session.add(job)
            db.session.commit()
            job_id = job.id
            db.session.remove()
        print("Exporting (flask jobs run export)...", flush=True)
        export_s, export_mb, code, tail = _run_child(["jobs", "run", "export", job_id], env)
        if code != 0:
            raise SystemExit(f"The export failed:\n{tail}")
        with app.app_context():
            job = db.session.get(ExportJob, job_id)
            csv_path = workdir / "exports" / job.file_path
            exported, state = job.rows, job.state
            db.session.remove()
        with csv_path.open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(io.StringIO(f.readline())))
            lines = sum(1 for _ in f)
        if state != "done" or exported != rows or lines != rows or header[0] != "id":
            raise SystemExit(f"Export incomplete: state {state}, {exported} rows, {lines} lines")
        csv_mb = csv_path.stat().st_size / 1e6

        if report_via in ("cli", "both"):
            print(f"Monthly report for {month} (flask jobs run monthly-report, 1 process)...", flush=True)
            reports["cli"] = report_with_cli(env, month, customers, sink)
            _sent_reports(app, month, forget=True)
        if report_via in ("celery", "both"):
            print(f"Monthly report for {month} (beat task and Celery worker)...", flush=True)
            reports["celery"] = report_with_celery(app, env, month, customers, sink, workdir)

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": dialect,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "generate": {"rows": rows, "seconds": made["seconds"]["total"]},
        "export": {"rows": rows, "seconds": round(export_s, 2), "peak_mb": round(export_mb, 1),
                   "csv_mb": round(csv_mb, 1), "rows_per_second": round(rows / export_s)},
        "monthly_report": {
            how: {"customers": customers, "month": month,
                  **{k: round(v, 2) if isinstance(v, float) else v for k, v in numbers.items()},
                  "per_customer_ms": round(1000 * numbers["seconds"] / customers, 2),
                  "worker_cpu_ms_per_customer": round(1000 * numbers["worker_cpu_seconds"] / customers, 2)}
            for how, numbers in reports.items()},
    }
    print(f"\n{'job':<38}{'items':>11}{'seconds':>10}{'peak MB':>10}{'CPU ms/item':>13}")
    print(f"{'generate data':<38}{rows:>11,}{made['seconds']['total']:>10.1f}")
    print(f"{'export CSV (1 process)':<38}{rows:>11,}{export_s:>10.1f}{export_mb:>10.1f}")
    for how, numbers in reports.items():
        label = f"monthly report ({how}, {numbers['processes']} process{'es' if numbers['processes'] > 1 else ''})"
        cpu_ms = 1000 * numbers["worker_cpu_seconds"] / customers
        print(f"{label:<38}{customers:>11,}{numbers['seconds']:>10.1f}{numbers['peak_mb']:>10.1f}{cpu_ms:>13.1f}")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    common.write_json(output, result)
    print(f"\nSaved {output}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="2,000 requests and 50 customers, in seconds")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="an EMPTY database (default: DATABASE_URL, else a temporary SQLite file)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"),
                        help="the Celery broker: a Redis database no worker of yours listens to")
    parser.add_argument("--report-via", choices=("celery", "cli", "both"), default="celery",
                        help="the beat task and a Celery worker (as in production), one `flask jobs run "
                             "monthly-report` process, or both")
    parser.add_argument("--output", type=Path, help="default: jobs.json in the preset's results folder")
    args = parser.parse_args(argv)
    output = args.output or common.results_dir("tiny" if args.tiny else "full") / "jobs.json"
    run(TINY if args.tiny else FULL, args.database_url, args.redis_url, args.report_via, output)


if __name__ == "__main__":
    main()
