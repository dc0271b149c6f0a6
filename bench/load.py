"""The load benchmark: wrk against gunicorn in its production configuration, and the SQL behind the lists.

    .venv/bin/python -m bench.load --database-url postgresql://postgres@127.0.0.1:5432/hs_bench

(`python -m bench` generates the data first and runs this.) Two parts:

1. HTTP. gunicorn is started exactly as the Procfile starts it (`.venv/bin/gunicorn --config
   gunicorn.conf.py wsgi:app`) with APP_ENV=production, a random SECRET_KEY, the bench database,
   its own Redis database (flushed first) and a free loopback port. wrk (32 connections, 2 threads)
   hits each endpoint for a short warm-up, then for the measured run; bench/wrk.lua prints the
   request count, the errors and the latency percentiles as JSON. The same gunicorn settings serve
   bench/bare_app.py (a constant JSON body) in the same run, and every figure is also given as a
   ratio to it: the bare app is measured first and again right after each measurement of an endpoint,
   whose ratio is to the mean of the bare runs just before and just after it; an endpoint that can be
   asked again is measured in 3 such rounds of 5 s and the round with the median ratio is kept (on a
   shared machine the throughput drifts by 10% or more within minutes, and a 10 s window now and then
   runs at half speed).
2. SQL without the cache (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS); SQLite: EXPLAIN QUERY PLAN). The
   statements are the ones the app really sends for an endpoint: they are recorded while the app
   serves it through its test client with Redis unreachable (so nothing comes from the cache), then
   each is explained and timed (median of 20 runs). The plans go to bench/results/plans.txt, and a
   sequential scan of service_requests or professionals is flagged.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.generate import ADMIN_EMAIL, PASSWORD, _sqlalchemy_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WRK_SCRIPT = ROOT / "bench" / "wrk.lua"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
WATCHED_TABLES = ("service_requests", "professionals")


@dataclass
class Endpoint:
    """One measured endpoint: a static request, or a file of requests that wrk.lua rotates through."""

    name: str
    method: str
    path: str
    lines: list[str] = field(default_factory=list)  # METHOD \t PATH \t TOKEN|- \t BODY|-
    warmup_lines: list[str] | None = None
    expect: int = 200
    note: str = ""
    connections: int | None = None  # None: the run's setting (32)
    repeatable: bool = True  # False: each request is asked once (uncached), so measured in one piece


@dataclass
class Settings:
    connections: int = 32
    threads: int = 2
    duration: float = 10.0
    warmup: float = 2.0
    redis_url: str = DEFAULT_REDIS
    extra_env: dict = field(default_factory=dict)
    database_url: str = ""  # set by run()
    max_load: float = 1.5  # wait for the 1-minute load average to fall under this before starting
    quiet_timeout: float = 0.0
    customers: int = 8  # customers logged in and rotated through
    sql_repeats: int = 20
    rounds: int = 3  # each repeatable endpoint: this many (endpoint, bare app) pairs of duration / 2 each


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


# --- gunicorn -----------------------------------------------------------------------------------


class Server:
    """gunicorn started as the Procfile starts it, in its own process group, stopped on exit."""

    def __init__(self, wsgi: str, env: dict, log_path: Path, ready_path: str):
        self.wsgi = wsgi
        self.port = free_port()
        self.env = {**env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log_path = log_path
        self.ready_path = ready_path
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(GUNICORN), "--config", "gunicorn.conf.py", self.wsgi],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.wsgi} exited: see {self.log_path}\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn {self.wsgi} did not become ready: {self.tail()}")

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_bytes()[-3000:].decode("utf-8", "replace")
        return ""

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn: the master, its live workers and the workers it reaped.

        Unlike throughput, CPU per request hardly depends on what else the machine is doing.
        """
        tick = os.sysconf("SC_CLK_TCK")

        def stat(pid: int) -> list[str]:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()

        try:
            master = stat(self.proc.pid)
            # fields after the name: utime 11, stime 12, cutime 13, cstime 14 (0-based from the state field)
            total = sum(int(master[i]) for i in (11, 12, 13, 14))
            for pid in self.worker_pids():
                with contextlib.suppress(OSError):
                    worker = stat(pid)
                    total += int(worker[11]) + int(worker[12])
        except OSError:
            return float("nan")
        return total / tick

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()
        self.proc = None


def server_env(database_url: str | None, settings: Settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WRK_", "PYTEST_"))}
    env.update(
        APP_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        REDIS_URL=settings.redis_url,
        # A handful of logins from one address: lift the login limits for the bench server only.
        RATELIMIT_LOGIN_IP="100000 per minute",
        RATELIMIT_LOGIN_ACCOUNT="100000 per minute",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(settings.extra_env)
    return env


# --- wrk ----------------------------------------------------------------------------------------


def wrk(base: str, endpoint: Endpoint, settings: Settings, seconds: float, lines: list[str] | None,
        workdir: Path) -> dict:
    connections = endpoint.connections or settings.connections
    threads = min(settings.threads, connections)
    env = {**os.environ, "WRK_THREADS": str(threads)}
    if lines:
        path = workdir / f"requests-{re.sub(r'[^a-z0-9]+', '-', endpoint.name.lower())}.tsv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env["WRK_REQUESTS"] = str(path)
    cmd = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "10s", "-s", str(WRK_SCRIPT), base + endpoint.path,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 60)
    for line in out.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON "):])
    raise RuntimeError(f"wrk printed no result for {endpoint.name}:\n{out.stdout}\n{out.stderr}")


def summarise(raw: dict) -> dict:
    seconds = raw["duration_us"] / 1e6
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    done = raw["requests"] > 0

    def ms(key: str) -> float | None:
        # no request finished within the run: every latency is longer than the run itself
        return round(raw[key] / 1000, 2) if done else None

    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": ms("p50_us"),
        "p95_ms": ms("p95_us"),
        "p99_ms": ms("p99_us"),
        "max_ms": ms("max_us"),
        "non2xx": raw["status"],
        "socket_errors": socket_errors,
        "errors": {k: raw[k] for k in ("connect", "read", "write", "timeout", "status")},
        "mb_per_s": round(raw["bytes"] / seconds / 1e6, 2) if seconds else 0.0,
    }


def measure(base: str, endpoint: Endpoint, settings: Settings, workdir: Path, log: Callable,
            server: Server | None = None) -> dict:
    if settings.warmup >= 1:
        wrk(base, endpoint, settings, settings.warmup, endpoint.warmup_lines or endpoint.lines, workdir)
    settle(settings)
    load_before = os.getloadavg()[0]
    cpu_before = server.cpu_seconds() if server else float("nan")
    result = summarise(wrk(base, endpoint, settings, settings.duration, endpoint.lines, workdir))
    cpu = (server.cpu_seconds() if server else float("nan")) - cpu_before
    # requests wrk did not see finish still cost CPU: a slight overestimate when requests are slow
    result["server_cpu_ms"] = round(1000 * cpu / result["requests"], 3) if result["requests"] and cpu == cpu else None
    result["loadavg_1m_before"] = round(load_before, 2)
    log(f"  {endpoint.name:<38} {result['rps']:>8.0f} req/s  p50 {fmt_ms(result['p50_ms'])}  "
        f"p95 {fmt_ms(result['p95_ms'])}  p99 {fmt_ms(result['p99_ms'])} ms  errors {result['non2xx']}"
        f"/{result['socket_errors']}  cpu {result['server_cpu_ms'] or 0:.2f} ms/req  (load {load_before:.1f} before)")
    settle(settings)  # the server finishes what wrk left in flight before the next endpoint starts
    return result


def fmt_ms(value: float | None, width: int = 6) -> str:
    return f"{value:>{width}.1f}" if value is not None else f"{'> run':>{width}}"


def settle(settings: Settings, timeout: float = 180.0) -> None:
    """Wait until the bench database runs no query (requests left over by the last run)."""
    if not settings.database_url.startswith("postgres"):
        time.sleep(0.5)
        return
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(settings.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        while time.monotonic() < deadline:
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND pid <> pg_backend_pid()").fetchone()[0]
            if not busy:
                break
            time.sleep(0.25)
    time.sleep(0.5)


def wait_quiet(max_load: float, timeout: float, log: Callable) -> float:
    """Wait (up to `timeout` s) for the 1-minute load average to drop under `max_load`; returns it."""
    deadline = time.monotonic() + timeout
    load1 = os.getloadavg()[0]
    if load1 >= max_load:
        log(f"  the machine is busy (load {load1:.1f}): waiting up to {timeout:.0f} s for it to settle")
    while load1 >= max_load and time.monotonic() < deadline:
        time.sleep(5)
        load1 = os.getloadavg()[0]
    return load1


# --- talking to the app -------------------------------------------------------------------------


def http(base: str, method: str, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310 - loopback only
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def login(base: str, email: str) -> str:
    status, body = http(base, "POST", "/api/auth/login", body={"email": email, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login of {email} failed: {status} {body[:300]!r}")
    return json.loads(body)["token"]


@dataclass
class Picks:
    """What the requests are about, read from the bench database."""

    customers: list[str]
    customer_request_counts: list[int]
    search_q: str
    search_pin: str
    search_combos: list[tuple[str, str]]
    package_service: int
    book_service: int
    book_professional: int
    closed_pages: int


def pick(database_url: str, n_customers: int = 8) -> Picks:
    """Typical customers, a search that matches, the busiest service, a bookable professional."""
    from sqlalchemy import create_engine, text

    engine = create_engine(_sqlalchemy_url(database_url))
    try:
        with engine.connect() as c:
            counts = c.execute(text(
                "SELECT u.email, n FROM (SELECT customer_id, count(*) AS n FROM service_requests "
                "GROUP BY customer_id) r JOIN customers cu ON cu.id = r.customer_id JOIN users u ON u.id = cu.user_id "
                "WHERE u.active ORDER BY abs(n - 15), cu.id LIMIT :k"), {"k": n_customers}).all()
            offered = """FROM professionals p JOIN users u ON u.id = p.user_id JOIN services s ON s.id = p.service_id
                         WHERE p.approval = 'approved' AND u.active AND s.deleted_at IS NULL"""
            pin = c.execute(text(f"SELECT p.pin_code {offered} GROUP BY p.pin_code "  # noqa: S608 - fixed SQL
                                 "ORDER BY count(*) DESC, p.pin_code LIMIT 1")).scalar_one()
            names = c.execute(text(f"SELECT DISTINCT s.name {offered} AND p.pin_code = :pin"),  # noqa: S608
                              {"pin": pin}).scalars().all()
            combos_raw = c.execute(text(f"SELECT DISTINCT s.name, p.pin_code {offered}")).all()  # noqa: S608
            service = c.execute(text(f"SELECT p.service_id {offered} GROUP BY p.service_id "  # noqa: S608
                                     "ORDER BY count(*) DESC, p.service_id LIMIT 1")).scalar_one()
            book = c.execute(text(f"SELECT p.service_id, p.id {offered} ORDER BY p.id LIMIT 1")).one()  # noqa: S608
            closed = c.execute(text("SELECT count(*) FROM service_requests WHERE status = 'closed'")).scalar_one()
    finally:
        engine.dispose()
    # a word of a service name offered at that PIN code, e.g. "cleaning"
    words = [w.lower() for name in names for w in re.findall(r"[A-Za-z]{4,}", name)]
    q = max(sorted(set(words)), key=words.count) if words else ""
    combos = []
    for name, pin_code in combos_raw:
        for w in re.findall(r"[A-Za-z]{4,}", name):
            combos.append((w.lower(), pin_code))
    combos = sorted(set(combos))
    return Picks(
        customers=[e for e, _ in counts], customer_request_counts=[n for _, n in counts], search_q=q,
        search_pin=pin, search_combos=combos, package_service=service, book_service=book[0],
        book_professional=book[1], closed_pages=max(1, -(-closed // 100)),
    )


def endpoints(picks: Picks, customer_tokens: list[str], admin_token: str, only: set[str] | None = None,
              uncached: bool = True) -> list[Endpoint]:
    """The measured endpoints, in order (the write last: it invalidates the lists)."""
    cust = [f"GET\t{{path}}\t{t}\t-" for t in customer_tokens]
    when = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    book = json.dumps({"service_id": picks.book_service, "professional_id": picks.book_professional,
                       "date_of_request": when, "remarks": "bench booking"}, separators=(",", ":"))
    search = f"/api/services?q={picks.search_q}&pin_code={picks.search_pin}"
    deep = "/api/service-requests?status=closed&page=500"
    out = [
        Endpoint("services", "GET", "/api/services", note="anonymous, cached"),
        Endpoint("services search", "GET", search, note="anonymous, cached"),
        Endpoint("service packages", "GET", f"/api/service-packages/{picks.package_service}",
                 note="busiest service, anonymous, cached"),
        Endpoint("customer requests", "GET", "/api/service-requests",
                 [line.format(path="/api/service-requests") for line in cust],
                 note=f"{len(customer_tokens)} customers rotating, cached"),
        Endpoint("customer history", "GET", "/api/service-history",
                 [line.format(path="/api/service-history") for line in cust],
                 note=f"{len(customer_tokens)} customers rotating, cached"),
        Endpoint("admin closed page 500", "GET", deep, [f"GET\t{deep}\t{admin_token}\t-"], note="admin, cached"),
    ]
    if uncached and picks.closed_pages > 600:
        # A fresh deep page at every request: the cache never has it (pages 500..end, none repeated).
        # One connection first, from the last page down (one request's own latency, no queue), then
        # 32 connections from page 500 up.
        pages = list(range(500, picks.closed_pages + 1))
        lines = [f"GET\t/api/service-requests?status=closed&page={p}\t{admin_token}\t-" for p in pages]
        warm = [f"GET\t/api/service-requests?status=closed&page={p}\t{admin_token}\t-" for p in range(100, 500)]
        out.append(Endpoint("admin closed deep pages, uncached, 1 connection", "GET", deep, lines[::-1], warm,
                            note=f"pages {picks.closed_pages} down to 500, each asked once", connections=1,
                            repeatable=False))
        out.append(Endpoint("admin closed deep pages, uncached", "GET", deep, lines, warm,
                            note=f"pages 500-{picks.closed_pages}, each asked once", repeatable=False))
    if uncached and len(picks.search_combos) > 200:
        # Every (q, pin_code) pair with several page sizes: each URL is a cache key of its own and is
        # asked once (the one-connection run takes the odd page sizes, the 32-connection run the even).
        combos = picks.search_combos
        warm = [f"GET\t/api/services?q={q}&pin_code={p}\t-\t-" for q, p in combos]

        def searches(sizes: range) -> list[str]:
            return [f"GET\t/api/services?q={q}&pin_code={p}&per_page={n}\t-\t-" for n in sizes for q, p in combos]

        out.append(Endpoint("services search, uncached, 1 connection", "GET", search, searches(range(11, 60, 2)),
                            warm, note=f"{len(combos)} (q, pin_code) pairs x odd page sizes, each asked once",
                            connections=1, repeatable=False))
        out.append(Endpoint("services search, uncached", "GET", search, searches(range(10, 60, 2)), warm,
                            note=f"{len(combos)} (q, pin_code) pairs x even page sizes, each asked once",
                            repeatable=False))
    out.append(Endpoint("book a service (POST)", "POST", "/api/service-requests",
                        [f"POST\t/api/service-requests\t{t}\t{book}" for t in customer_tokens], expect=201,
                        note=f"{len(customer_tokens)} customers rotating"))
    if only:
        out = [e for e in out if e.name in only or e.path.split("?")[0] in only]
    return out


def preflight(base: str, endpoint: Endpoint) -> dict:
    """One request by hand: the right status and a JSON body (so wrk measures answers, not errors)."""
    line = (endpoint.lines or [f"{endpoint.method}\t{endpoint.path}\t-\t-"])[0]
    method, path, token, body = line.split("\t", 3)
    status, raw = http(base, method, path, None if token == "-" else token,  # noqa: S105 - "-" means none
                       None if body == "-" else json.loads(body))
    if status != endpoint.expect:
        raise RuntimeError(f"{endpoint.name}: {method} {path} answered {status}: {raw[:300]!r}")
    doc = json.loads(raw)
    return {"status": status, "items": len(doc) if isinstance(doc, list) else 1, "bytes": len(raw)}


# --- SQL without the cache ----------------------------------------------------------------------


def analyse_sql(database_url: str, picks: Picks, redis_url: str = DEFAULT_REDIS, repeats: int = 20,
                log: Callable = print) -> list[dict]:
    """Record the SQL the app sends for each list with the response cache bypassed, explain it and time it.

    The caller's identity still comes from Redis, as on the production hot path; only
    household.cache.cached is replaced, in this process, by "always compute".
    """
    from sqlalchemy import event

    from bench.generate import make_app
    from household import cache
    from household.extensions import db

    app = make_app(database_url, REDIS_URL=redis_url, CACHE_REDIS_URL=redis_url, RATELIMIT_ENABLED=False,
                   RATELIMIT_STORAGE_URI="memory://", CACHE_KEY_PREFIX="hs-bench-sql:", TESTING=True)
    original = cache.cached
    cache.cached = lambda namespaces, key, compute, timeout=60: compute()
    try:
        return _analyse(app, db, event, picks, repeats, log)
    finally:
        cache.cached = original


def _analyse(app, db, event, picks: Picks, repeats: int, log: Callable) -> list[dict]:
    client = app.test_client(use_cookies=False)  # bearer tokens only, like an API client

    def token_of(email: str) -> str:
        answer = app.test_client(use_cookies=False).post("/api/auth/login", json={"email": email, "password": PASSWORD})
        if answer.status_code != 200:
            raise RuntimeError(f"login of {email}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
        return answer.get_json()["token"]

    # (a fresh login per case: the identity cached in Redis is then fresh for the whole case, as it is
    # between the once-a-minute refreshes in production)
    cases = [
        ("admin closed page 500", "/api/service-requests?status=closed&page=500&per_page=100", ADMIN_EMAIL),
        ("customer requests", "/api/service-requests", picks.customers[0]),
        ("customer history", "/api/service-history", picks.customers[0]),
        ("services search", f"/api/services?q={picks.search_q}&pin_code={picks.search_pin}", None),
        ("service packages", f"/api/service-packages/{picks.package_service}", None),
    ]
    results = []
    with app.app_context():  # only to reach the engine: each request below gets its own context
        engine = db.engine
    dialect = engine.dialect.name
    for name, path, email in cases:
        headers = {"Authorization": f"Bearer {token_of(email)}"} if email else {}
        first = client.get(path, headers=headers)  # warms the process
        if first.status_code != 200:
            raise RuntimeError(f"{path}: {first.status_code} {first.get_data(as_text=True)[:300]}")
        recorded: list[tuple[str, object]] = []

        def record(conn, cursor, statement, parameters, context, executemany, _rec=recorded):
            _rec.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        try:
            status = client.get(path, headers=headers).status_code
        finally:
            event.remove(engine, "before_cursor_execute", record)
        timings = []
        for _ in range(repeats):
            t = time.perf_counter()
            client.get(path, headers=headers)
            timings.append((time.perf_counter() - t) * 1000)
        statements = []
        for sql, params in recorded:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            statements.append(_explain(engine, dialect, sql, params, repeats))
        case = {
            "name": name, "path": path, "status": status,
            "endpoint_median_ms": round(statistics.median(timings), 2),
            "sql_median_ms": round(sum(s["median_ms"] for s in statements), 2),
            "statements": statements,
            "seq_scans": sorted({t for s in statements for t in s["seq_scans"]}),
        }
        log(f"  {name:<24} SQL {case['sql_median_ms']:>8.2f} ms  endpoint {case['endpoint_median_ms']:>8.2f} ms"
            + (f"  SEQ SCAN on {', '.join(case['seq_scans'])}" if case["seq_scans"] else ""))
        results.append(case)
    engine.dispose()
    return results


def _explain(engine, dialect: str, sql: str, params, repeats: int) -> dict:
    with engine.connect() as conn:
        if dialect == "postgresql":
            plan_rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).all()
            plan = "\n".join(r[0] for r in plan_rows)
            seq = sorted({t for t in WATCHED_TABLES if re.search(rf"Seq Scan on {t}\b", plan)})
        else:
            plan_rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            plan = "\n".join(str(r[-1]) for r in plan_rows)
            seq = sorted({t for t in WATCHED_TABLES if re.search(rf"\bSCAN {t}\b(?! USING)", plan)})
        timings = []
        for _ in range(repeats):
            t = time.perf_counter()
            conn.exec_driver_sql(sql, params).all()
            timings.append((time.perf_counter() - t) * 1000)
        conn.rollback()
    return {"sql": sql, "params": _jsonable(params), "median_ms": round(statistics.median(timings), 3),
            "plan": plan, "seq_scans": seq}


def _jsonable(params):
    if isinstance(params, dict):
        return {k: _jsonable(v) for k, v in params.items()}
    if isinstance(params, list | tuple):
        return [_jsonable(v) for v in params]
    return params if isinstance(params, int | float | str | type(None)) else str(params)


def write_plans(cases: list[dict], path: Path, dialect: str) -> None:
    out = [f"Plans of the SQL behind the lists, without the cache ({dialect}), "
           f"{datetime.now(UTC).isoformat(timespec='seconds')}", ""]
    for case in cases:
        out.append("=" * 100)
        out.append(f"{case['name']}: GET {case['path']}")
        out.append(f"endpoint (test client, no cache) median {case['endpoint_median_ms']} ms; "
                   f"its SQL median {case['sql_median_ms']} ms")
        if case["seq_scans"]:
            out.append(f"!! SEQ SCAN on {', '.join(case['seq_scans'])}")
        for k, st in enumerate(case["statements"], 1):
            out.append("-" * 100)
            out.append(f"[{k}] median of 20: {st['median_ms']} ms"
                       + (f"   !! SEQ SCAN on {', '.join(st['seq_scans'])}" if st["seq_scans"] else ""))
            out.append(_pretty(st["sql"]))
            out.append(f"params: {json.dumps(st['params'])}")
            out.append("")
            out.append(st["plan"])
        out.append("")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _pretty(sql: str) -> str:
    return re.sub(r"\s+(FROM|JOIN|WHERE|ORDER BY|LIMIT|GROUP BY)\b", r"\n  \1", " ".join(sql.split()))


# --- the whole run ------------------------------------------------------------------------------


def run(database_url: str | None, settings: Settings, *, only: set[str] | None = None, sql: bool = True,
        uncached: bool = True, log: Callable = print, workdir: Path | None = None) -> dict:
    """Bare app, then the app's endpoints, then (optionally) the SQL plans. Returns everything measured."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    own_dir = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="hs-load-"))
    result: dict = {"settings": {
        "connections": settings.connections, "wrk_threads": settings.threads, "duration_s": settings.duration,
        "warmup_s": settings.warmup, "redis_url": settings.redis_url, "rounds": settings.rounds,
        "gunicorn": _gunicorn_settings(settings.extra_env),
    }}
    settings.database_url = database_url or ""
    if settings.quiet_timeout > 0:
        result["loadavg_1m_at_start"] = round(wait_quiet(settings.max_load, settings.quiet_timeout, log), 2)
    env = server_env(database_url, settings)
    bare = Endpoint("bare Flask app", "GET", "/")
    half = replace(settings, duration=settings.duration / 2)
    log(f"Bare Flask app (gunicorn --config gunicorn.conf.py bench.bare_app:app), {settings.connections} "
        f"connections; each endpoint in {settings.rounds} rounds of {half.duration:.0f} s, each followed by the "
        f"bare app for {half.duration:.0f} s")
    with contextlib.ExitStack() as servers:
        # The bare app stays up (idle while the app is measured): every measurement of an endpoint is
        # followed by one of the bare app, and its ratio is to the mean of the bare runs just before
        # and just after it. A repeatable endpoint is measured in `rounds` such pairs and the round
        # with the median ratio is kept: on a shared machine a 10 s window now and then runs at half
        # speed, which one pair alone cannot tell from a slow endpoint.
        bare_server = servers.enter_context(Server("bench.bare_app:app", env, workdir / "bare.log", "/"))
        bare_runs = [measure(bare_server.base, bare, half, workdir, log, bare_server)]
        result["bare"] = bare_runs[0]

        def paired(on: Server, endpoint: Endpoint) -> dict:
            """The endpoint measured with the bare app after it (in rounds when it can be asked again)."""
            rounds = []
            for k in range(settings.rounds if endpoint.repeatable else 1):
                these = (half if endpoint.repeatable else settings) if k == 0 else replace(half, warmup=0)
                measured = measure(on.base, endpoint, these, workdir, log, on)
                bare_runs.append(measure(bare_server.base, bare, replace(half, warmup=0), workdir, log, bare_server))
                around = adjacent(bare_runs[-2], bare_runs[-1])
                rounds.append({**measured, "bare_adjacent": around, **ratios(measured, around)})
            kept = sorted(rounds, key=lambda r: r["ratio"]["rps"] or 0.0)[(len(rounds) - 1) // 2]
            return {**kept, "rounds": [{"rps": r["rps"], "ratio_rps": r["ratio"]["rps"], "p99_ms": r["p99_ms"],
                                        "server_cpu_ms": r["server_cpu_ms"]} for r in rounds]}

        flush_redis(settings.redis_url)
        picks = pick(database_url or "", settings.customers)
        result["picks"] = {
            "customers": picks.customers, "customer_request_counts": picks.customer_request_counts,
            "search": {"q": picks.search_q, "pin_code": picks.search_pin}, "package_service": picks.package_service,
            "book": {"service_id": picks.book_service, "professional_id": picks.book_professional},
        }
        log("App (gunicorn --config gunicorn.conf.py wsgi:app, APP_ENV=production)")
        rows = []
        server = servers.enter_context(Server("wsgi:app", env, workdir / "app.log", "/api/health"))
        tokens = [login(server.base, email) for email in picks.customers]
        admin = login(server.base, ADMIN_EMAIL)
        for endpoint in endpoints(picks, tokens, admin, only, uncached):
            check = preflight(server.base, endpoint)
            rows.append({"name": endpoint.name, "method": endpoint.method, "path": endpoint.path,
                         "note": endpoint.note, "response": check, **paired(server, endpoint)})
            if endpoint.name == "services" and check.get("bytes"):
                # The catalogue's answer is ~19 KB against the bare app's 90 bytes: the same bare app with
                # a body of the same size tells how much of the gap is the size of the answer.
                size = check["bytes"]
                sized = Endpoint("bare Flask app, same body size as services", "GET", f"/sized/{size}")
                result["bare_same_size"] = {"bytes": size, **paired(bare_server, sized)}
                rows[-1]["ratio_same_size"] = ratios(rows[-1], result["bare_same_size"])["ratio"]
        result["server_log_tail"] = server.tail()[-1500:]
        result["bare_runs_rps"] = [run["rps"] for run in bare_runs]
    result["endpoints"] = rows
    if sql and database_url:
        log("SQL without the cache (median of 20)")
        cases = analyse_sql(database_url, picks, settings.redis_url, repeats=settings.sql_repeats, log=log)
        result["sql"] = cases
    if own_dir:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def adjacent(before: dict, after: dict) -> dict:
    """The mean of two bare runs (requests per second, latencies, CPU per request)."""
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms")
    return {k: round((before[k] + after[k]) / 2, 3) if before.get(k) is not None and after.get(k) is not None
            else None for k in keys}


def ratios(measured: dict, bare: dict) -> dict:
    def r(key: str) -> float | None:
        return round(measured[key] / bare[key], 3) if bare.get(key) and measured.get(key) is not None else None

    return {"ratio": {"rps": r("rps"), "p50": r("p50_ms"), "p95": r("p95_ms"), "p99": r("p99_ms"),
                      "server_cpu": r("server_cpu_ms")}}


def _gunicorn_settings(extra_env: dict) -> dict:
    import multiprocessing

    env = {**os.environ, **extra_env}
    return {
        "workers": int(env.get("WEB_WORKERS", multiprocessing.cpu_count() * 2)),
        "threads": int(env.get("WEB_THREADS", "4")),
        "worker_class": "gthread",
        "max_requests": int(env.get("WEB_MAX_REQUESTS", "50000")),
        "config": "gunicorn.conf.py",
    }


def iter_rows(result: dict) -> Iterator[dict]:
    yield {"name": "bare Flask app", **result["bare"],
           "ratio": {"rps": 1.0, "p50": 1.0, "p95": 1.0, "p99": 1.0, "server_cpu": 1.0}}
    if result.get("bare_same_size"):
        sized = result["bare_same_size"]
        yield {"name": f"bare Flask app, {sized['bytes']:,}-byte body", **sized}
    yield from result.get("endpoints", [])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Load benchmark of a filled bench database.")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--only", action="append", help="endpoint name or path (repeatable)")
    parser.add_argument("--no-sql", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = Settings(args.connections, args.threads, args.duration, args.warmup, args.redis_url)
    result = run(args.database_url, settings, only=set(args.only) if args.only else None, sql=not args.no_sql)
    if args.output:
        args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
