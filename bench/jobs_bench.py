"""Benchmark of the background jobs: the CSV export and the monthly report at scale.

    .venv/bin/python -m bench.jobs_bench [--rows 1000000] [--customers 10000] [--tiny]
                                         [--report-via celery|cli|both] [--workers N]

It fills an empty database (DATABASE_URL, default a temporary SQLite file) with services,
professionals, customers and N service requests (COPY on PostgreSQL, bulk INSERTs elsewhere), then:

- runs `flask jobs run export <job>` in a subprocess: the CSV export of every request, timed, with
  the subprocess's peak RSS (target: 1,000,000 rows in under 60 s, under 200 MB);
- sends the monthly report of last month to M customers, into a local SMTP sink (target: 10,000
  customers in under 2 minutes): as in production, the beat task queues one task per customer for a
  Celery worker (prefork, --workers processes, broker BENCH_REDIS_URL, default Redis database 10),
  and/or with `flask jobs run monthly-report` in one process (--report-via cli). The worker's CPU
  time per report is recorded too: on a shared machine it tells more than the wall clock.

It prints a table and writes bench/results/jobs.json (jobs-tiny.json with --tiny).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TZ = "Asia/Kolkata"
ADMIN_EMAIL = "admin@bench.local"
SERVICES = [
    ("Home Deep Cleaning", "1499.00"), ("Bathroom Cleaning", "499.00"), ("Kitchen Cleaning", "899.00"),
    ("Sofa Shampooing", "699.00"), ("Plumbing Repair", "299.00"), ("Electrical Repair", "249.00"),
    ("AC Service", "599.00"), ("AC Gas Refill", "2499.00"), ("Washing Machine Repair", "449.00"),
    ("Refrigerator Repair", "499.00"), ("RO Water Purifier Service", "399.00"), ("Pest Control", "1199.00"),
    ("Carpentry", "349.00"), ("Home Painting", "8999.00"), ("Salon at Home for Women", "799.00"),
]
FIRST = ["Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Arjun", "Kavya", "Rohan", "Meera", "Karthik", "Divya"]
LAST = ["Sharma", "Iyer", "Reddy", "Nair", "Patel", "Gupta", "Rao", "Das", "Menon", "Joshi", "Khan", "Singh"]
REVIEWS = [None, "Quick and tidy work.", "On time, polite, fair price.", "=Would book again", "Good.", None]
STATUS_MIX = ["closed"] * 6 + ["assigned", "requested", "cancelled", "rejected"]


class CountingSink:
    """An SMTP server that only counts what it accepts (and keeps the first message)."""

    def __init__(self) -> None:
        self.count = 0
        self.first: bytes | None = None
        self._lock = threading.Lock()
        with socket.socket() as probe:  # a free port
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.count += 1
            if self.first is None:
                self.first = envelope.original_content
        return "250 OK"

    def start(self) -> int:
        self._controller.start()
        return self.port

    def stop(self) -> None:
        self._controller.stop()


def _sqlalchemy_url(url: str) -> str:
    """postgres:// and postgresql:// URLs use psycopg 3, as the app's config does for DATABASE_URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _app(database_url: str, export_dir: str, mail_port: int, redis_url: str = "redis://127.0.0.1:6379/10"):
    from household import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(database_url),
            "REDIS_URL": redis_url,
            "EXPORT_DIR": export_dir,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": mail_port,
            "APP_TIMEZONE": TZ,
            "LOG_LEVEL": "WARNING",
        }
    )


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def generate(app, rows: int, customers: int, professionals: int, month: str, seed: int = 7) -> dict:
    """Fill the empty database: services, people, and `rows` requests (every customer active in `month`)."""
    from flask_migrate import upgrade

    from household.domain.accounts import ensure_admin
    from household.extensions import db
    from household.jobs.timeutil import month_bounds
    from household.models import Customer, Professional, Role, Service, ServiceRequest, User, user_roles

    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        s = db.session
        if s.execute(select(func.count()).select_from(User)).scalar_one():
            raise SystemExit("The bench needs an empty database: this one has users already.")
        ensure_admin(s, ADMIN_EMAIL, "bench-only-admin-password")
        roles = {r.name: r.id for r in s.execute(select(Role)).scalars()}
        now = datetime.now(UTC)
        s.execute(
            insert(Service),
            [{"name": n, "price": Decimal(p), "description": n, "time_required": 60, "created_at": now,
              "updated_at": now} for n, p in SERVICES],
        )
        service_ids = list(s.execute(select(Service.id).order_by(Service.id)).scalars())
        first_user = (s.execute(select(func.max(User.id))).scalar_one() or 0) + 1
        people = professionals + customers
        s.execute(
            insert(User),
            [{"id": first_user + i, "email": f"{'pro' if i < professionals else 'customer'}{i}@bench.local",
              "password_hash": "!bench-no-login", "name": _name(rng), "phone": f"+9198{i:08d}", "active": True,
              "created_at": now, "updated_at": now} for i in range(people)],
        )
        s.execute(
            insert(user_roles),
            [{"user_id": first_user + i, "role_id": roles["professional" if i < professionals else "customer"]}
             for i in range(people)],
        )
        s.execute(
            insert(Professional),
            [{"id": i + 1, "user_id": first_user + i, "service_id": service_ids[i % len(service_ids)],
              "experience_years": 1 + i % 20, "description": "Bench professional", "pin_code": "560034",
              "approval": "approved", "rating_sum": 0, "rating_count": 0, "created_at": now}
             for i in range(professionals)],
        )
        s.execute(
            insert(Customer),
            [{"id": i + 1, "user_id": first_user + professionals + i, "address": f"{i}, 5th Cross, Koramangala",
              "pin_code": "560034", "location": "Bengaluru"} for i in range(customers)],
        )
        s.commit()
        if s.get_bind().dialect.name == "postgresql":
            for table in ("users", "professionals", "customers"):  # ids were given explicitly: move the sequences on
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                s.execute(text(sql))
            s.commit()

        start, end = month_bounds(month, TZ)
        month_span = (end - start).total_seconds()
        year_start = start - timedelta(days=300)
        columns = ("service_id", "customer_id", "professional_id", "status", "date_of_request", "date_of_completion",
                   "remarks", "rating", "review", "created_at", "updated_at")

        def request(i: int) -> tuple:
            pro = i % professionals
            # The first rows give every customer some activity in the report month; the rest spread out.
            if i < customers * 3:
                created = start + timedelta(seconds=rng.random() * month_span * 0.9)
            else:
                created = year_start + timedelta(seconds=rng.random() * 330 * 86400)
            status = STATUS_MIX[i % len(STATUS_MIX)]
            when = created + timedelta(hours=rng.randint(2, 72))
            done = when + timedelta(hours=2) if status == "closed" else None
            rating = (1 + i % 5) if status == "closed" and i % 3 else None
            return (
                service_ids[pro % len(service_ids)], 1 + i % customers, 1 + pro, status, when, done,
                "Please call before coming" if i % 7 == 0 else None, rating,
                rng.choice(REVIEWS) if status == "closed" else None, created, done or created,
            )

        if s.get_bind().dialect.name == "postgresql":
            raw = s.connection().connection.dbapi_connection
            with raw.cursor() as cur, cur.copy(f"COPY service_requests ({', '.join(columns)}) FROM STDIN") as copy:
                for i in range(rows):
                    copy.write_row(request(i))
            s.commit()
            s.execute(text("ANALYZE"))
            s.commit()
        else:
            table = ServiceRequest.__table__
            for chunk in range(0, rows, 20_000):
                s.execute(
                    table.insert(),
                    [dict(zip(columns, request(i), strict=True)) for i in range(chunk, min(rows, chunk + 20_000))],
                )
            s.commit()
        admin_id = s.execute(select(User.id).where(User.email == ADMIN_EMAIL)).scalar_one()
        db.session.remove()
    return {"seconds": time.perf_counter() - started, "admin_id": admin_id}


# Runs a flask command and, as it exits, writes the peak RSS of its own process (VmHWM) to a file.
# (ru_maxrss of a child would also count the bench process it was forked from.)
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
        peak_file = Path(scratch) / "peak"
        log_file = Path(scratch) / "out"
        started = time.perf_counter()
        with log_file.open("wb") as out:
            code = subprocess.call(
                [sys.executable, "-c", _LAUNCHER, *args],
                cwd=ROOT, env={**env, "BENCH_PEAK_FILE": str(peak_file)}, stdout=out, stderr=subprocess.STDOUT,
            )
        seconds = time.perf_counter() - started
        peak_mb = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("nan")
        tail = log_file.read_bytes()[-2000:].decode("utf-8", "replace")
    return seconds, peak_mb, code, tail


def _process_tree(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, changed = {root}, True
    while changed:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        changed, tree = grown != tree, grown
    return tree


def _tree_usage(root: int) -> tuple[float, float, float]:
    """A process and its descendants: (largest peak RSS in MB, sum of peak RSS in MB, CPU seconds)."""
    peaks, cpu = [], 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in _process_tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")]
        cpu += (int(fields[11]) + int(fields[12])) / tick
    if not peaks:
        return float("nan"), float("nan"), cpu
    return max(peaks), sum(peaks), cpu


def _sent_reports(app, month: str) -> int:
    from household.extensions import db
    from household.models import MonthlyReportLog

    with app.app_context():
        count = db.session.execute(
            select(func.count()).select_from(MonthlyReportLog).where(
                MonthlyReportLog.month == month, MonthlyReportLog.state == "sent"
            )
        ).scalar_one()
        db.session.remove()
    return count


def _forget_reports(app) -> None:
    """Start the next run of the monthly report from scratch (the bench owns its database)."""
    from household.extensions import db
    from household.models import MonthlyReportLog

    with app.app_context():
        db.session.execute(MonthlyReportLog.__table__.delete())
        db.session.commit()
        db.session.remove()


def report_with_celery(app, env: dict, month: str, customers: int, workers: int, sink: CountingSink) -> dict:
    """The production path: the beat task queues one task per customer; a prefork worker sends them."""
    from household.jobs import enqueue

    before = sink.count
    log = tempfile.TemporaryFile()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "make_celery", "worker", "--pool", "prefork",
         "--concurrency", str(workers), "--without-heartbeat", "--without-mingle", "--without-gossip",
         "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        started = time.perf_counter()
        cpu_before = _tree_usage(worker.pid)[2]
        with app.app_context():
            enqueue("household.monthly_reports", month)
        deadline = started + max(600, customers * 0.2)
        while sink.count - before < customers or _sent_reports(app, month) < customers:
            if worker.poll() is not None or time.perf_counter() > deadline:
                log.seek(0)
                tail = log.read()[-3000:].decode("utf-8", "replace")
                raise SystemExit(f"The worker sent {sink.count - before} of {customers} reports:\n{tail}")
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        largest, total, cpu_after = _tree_usage(worker.pid)
    finally:
        worker.terminate()
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
    return {"seconds": seconds, "peak_mb": largest, "peak_mb_all_processes": total, "emails": sink.count - before,
            "processes": workers, "worker_cpu_seconds": cpu_after - cpu_before}


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


def run(rows: int, customers: int, professionals: int, database_url: str | None, redis_url: str,
        report_via: str, workers: int, output: Path) -> dict:
    """Generate the data, run the jobs in subprocesses, print and save the numbers."""
    from household.extensions import db
    from household.jobs.timeutil import previous_month
    from household.models import ExportJob, utcnow

    workdir = Path(tempfile.mkdtemp(prefix="hs-bench-"))
    database_url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    export_dir = workdir / "exports"
    sink = CountingSink()
    mail_port = sink.start()
    month = previous_month(TZ)
    reports: dict[str, dict] = {}
    try:
        app = _app(database_url, str(export_dir), mail_port, redis_url)
        dialect = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
        print(f"Generating {rows:,} requests, {customers:,} customers on {dialect}...", flush=True)
        made = generate(app, rows, customers, professionals, month)

        with app.app_context():
            job = ExportJob(
                id=os.urandom(16).hex(), requested_by_id=made["admin_id"], kind="service_requests",
                filters=json.dumps({"status": None, "professional_id": None, "date_from": None, "date_to": None}),
                state="queued", progress=0, rows=0, attempts=0, created_at=utcnow(),
            )
            db.session.add(job)
            db.session.commit()
            job_id = job.id
            db.session.remove()

        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "EXPORT_DIR": str(export_dir),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(mail_port),
            "APP_TIMEZONE": TZ,
            "LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore",
        }
        print("Exporting (flask jobs run export)...", flush=True)
        export_s, export_mb, code, tail = _run_child(["jobs", "run", "export", job_id], env)
        if code != 0:
            raise SystemExit(f"The export failed:\n{tail}")
        with app.app_context():
            job = db.session.get(ExportJob, job_id)
            csv_path = export_dir / job.file_path
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
            _forget_reports(app)
        if report_via in ("celery", "both"):
            print(f"Monthly report for {month} (beat task and Celery worker, {workers} processes)...", flush=True)
            reports["celery"] = report_with_celery(app, env, month, customers, workers, sink)
    finally:
        sink.stop()

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": dialect,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "generate": {"rows": rows, "seconds": round(made["seconds"], 2)},
        "export": {"rows": rows, "seconds": round(export_s, 2), "peak_mb": round(export_mb, 1),
                   "csv_mb": round(csv_mb, 1), "rows_per_second": round(rows / export_s)},
        "monthly_report": {
            how: {"customers": customers, "month": month, **{k: round(v, 2) if isinstance(v, float) else v
                                                            for k, v in numbers.items()},
                  "per_customer_ms": round(1000 * numbers["seconds"] / max(1, customers), 2),
                  "worker_cpu_ms_per_customer": round(1000 * numbers["worker_cpu_seconds"] / max(1, customers), 2)}
            for how, numbers in reports.items()
        },
    }
    print()
    print(f"{'job':<38}{'items':>11}{'seconds':>10}{'peak MB':>10}{'CPU ms/item':>13}")
    print(f"{'generate data':<38}{rows:>11,}{made['seconds']:>10.1f}")
    print(f"{'export CSV (1 process)':<38}{rows:>11,}{export_s:>10.1f}{export_mb:>10.1f}")
    for how, numbers in reports.items():
        label = f"monthly report ({how}, {numbers['processes']} process{'es' if numbers['processes'] > 1 else ''})"
        cpu_ms = 1000 * numbers["worker_cpu_seconds"] / max(1, customers)
        print(f"{label:<38}{customers:>11,}{numbers['seconds']:>10.1f}{numbers['peak_mb']:>10.1f}{cpu_ms:>13.1f}")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nSaved {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="service requests to export (1,000,000)")
    parser.add_argument("--customers", type=int, default=10_000, help="customers to send a report to (10,000)")
    parser.add_argument("--professionals", type=int, default=None, help="professionals (default: customers / 20)")
    parser.add_argument("--tiny", action="store_true", help="2,000 requests and 50 customers, in seconds")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="an EMPTY database (default: DATABASE_URL, else a temporary SQLite file)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"),
                        help="the broker for the Celery run: a Redis database no worker of yours listens to "
                             "(BENCH_REDIS_URL, default redis://127.0.0.1:6379/10)")
    parser.add_argument("--report-via", choices=("celery", "cli", "both"), default="celery",
                        help="the monthly report through the beat task and a Celery worker (as in production), "
                             "`flask jobs run monthly-report` in one process, or both")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="Celery worker processes")
    parser.add_argument("--output", type=Path, default=None, help="where to write the JSON results")
    args = parser.parse_args(argv)
    if args.tiny:
        args.rows, args.customers = 2_000, 50
    if args.rows < args.customers * 3:
        parser.error("--rows must be at least 3 x --customers (each customer needs some activity)")
    professionals = args.professionals or max(10, args.customers // 20)
    output = args.output or RESULTS / ("jobs-tiny.json" if args.tiny else "jobs.json")
    run(args.rows, args.customers, professionals, args.database_url, args.redis_url, args.report_via, args.workers,
        output)


if __name__ == "__main__":
    main()
