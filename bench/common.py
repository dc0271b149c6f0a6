"""What the benchmarks share: databases, Redis, ports, the processes they start, wrk, results."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = ROOT / "bench" / "wrk.lua"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# The fixed yardstick: the bare Flask app under gunicorn as it is conventionally deployed, 2 workers x 4
# gthreads, whatever the machine or the preset (the app itself is served by household.serving: Granian).
YARDSTICK_ENV = {"WEB_WORKERS": "2", "WEB_THREADS": "4", "WEB_MAX_REQUESTS": "0"}
# The app itself as gunicorn served it before Granian (gunicorn.conf.py's defaults on 2 CPUs: 4 workers x 4
# gthreads), with a cache of its own (another key prefix), so that a URL the app under Granian was asked is
# still new to it: the rows whose target is "at least as fast as under gunicorn" are measured under both.
APP_GUNICORN_ENV = {"WEB_WORKERS": "4", "WEB_THREADS": "4", "WEB_MAX_REQUESTS": "0",
                    "CACHE_KEY_PREFIX": "hs-gunicorn:"}
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Flushed at the start of a run: a Redis database of the bench's own.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
PASSWORD = "bench-password-1"  # noqa: S105 - every generated account's, so the runners can log in
ADMIN_EMAIL = "admin@bench.local"


@dataclass
class Settings:
    connections: int = 32
    threads: int = 2  # wrk's
    duration: float = 10.0  # seconds per endpoint; repeatable ones in rounds of half of it
    warmup: float = 2.0
    rounds: int = 3
    redis_url: str = REDIS_URL
    extra_env: dict = field(default_factory=dict)  # for gunicorn (WEB_WORKERS, ...)
    # On a shared 2-CPU machine anything else running changes throughput a lot.
    max_load: float = 1.5
    quiet_timeout: float = 0.0
    customers: int = 8  # logged in and rotated through
    sql_repeats: int = 20


# --- databases and Redis ------------------------------------------------------------------------


def sqlalchemy_url(url: str) -> str:
    """postgres:// URLs use psycopg 3, as the app's config does for DATABASE_URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def database_url(name: str, postgres: bool) -> str:
    """`name` on BENCH_PG_ADMIN_URL's server, or instance/<name>.sqlite3."""
    if postgres:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    return f"sqlite:///{ROOT / 'instance' / f'{name}.sqlite3'}"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def drop_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        _pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def fresh_database(name: str, postgres: bool) -> str:
    url = database_url(name, postgres)
    drop_database(url)
    if postgres:
        _pg_admin(f'CREATE DATABASE "{name}"')
    else:
        (ROOT / "instance").mkdir(exist_ok=True)
    return url


def rows(url: str, sql: str, **params) -> list:
    """One query on an engine of its own, closed at once: the bench holds no connection while it measures."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def make_app(url: str, **overrides):
    """The real app in this process, quiet."""
    from household import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "SECRET_KEY": secrets.token_urlsafe(48),
                       "LOG_LEVEL": "WARNING", **overrides})


# Cache key prefixes of the servers and in-process apps the benchmarks start.
# The app's own (the default), the SQL analysis's, and the app's under gunicorn (the rows measured in turns).
BENCH_PREFIXES = ("hs:", "hs-bench-sql:", APP_GUNICORN_ENV["CACHE_KEY_PREFIX"])


def flush_redis(url: str) -> None:
    """Empty the bench's Redis, then mark it as one that has been up all along.

    A Redis with no record of the invalidations dealt with is taken for one restarted empty, and
    for two minutes no identity is cached (household.cache); production runs on a Redis that has
    been up, and so do the measurements. The bench's databases start with no lost invalidation.
    """
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    for prefix in BENCH_PREFIXES:
        client.set(f"{prefix}applied", 0)


def settle(url: str, timeout: float = 180.0) -> None:
    """Wait until the database runs no query: what wrk left in flight must not weigh on the next measurement."""
    if url.startswith("postgres"):
        import psycopg

        deadline = time.monotonic() + timeout
        with psycopg.connect(url, autocommit=True) as conn:
            while time.monotonic() < deadline and conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'active' AND pid <> pg_backend_pid()").fetchone()[0]:
                time.sleep(0.25)
    time.sleep(0.5)


def wait_quiet(settings: Settings, log: Callable) -> float:
    """Wait (up to quiet_timeout) for the 1-minute load average to fall under max_load; returns it."""
    deadline = time.monotonic() + settings.quiet_timeout
    load1 = os.getloadavg()[0]
    if load1 >= settings.max_load and settings.quiet_timeout > 0:
        log(f"  the machine is busy (load {load1:.1f}): waiting up to {settings.quiet_timeout:.0f} s for it to settle")
    while load1 >= settings.max_load and time.monotonic() < deadline:
        time.sleep(5)
        load1 = os.getloadavg()[0]
    return load1


# --- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name (which may hold spaces): state is field 0, utime 11, stime 12."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def proc_kb(pid: int, key: str, name: str = "status") -> int | None:
    """A "Key:  123 kB" line of /proc/<pid>/status (or smaps_rollup); None once the process is gone."""
    with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/{name}") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return None


class Process:
    """A server the bench starts in a session of its own, logging to a file; stopped with its children on exit."""

    def __init__(self, cmd: list[str], env: dict, log_path: Path, ready_url: str | None = None):
        self.cmd, self.env, self.log_path, self.ready_url = cmd, env, log_path, ready_url
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Process:
        self.log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while self.ready_url:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"{self.cmd[-1]} did not start: see {self.log_path}\n{self.tail()}")
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError), \
                    urllib.request.urlopen(self.ready_url, timeout=2) as resp:  # noqa: S310 - loopback
                if resp.status == 200:
                    break
            time.sleep(0.2)
        return self

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_bytes()[-3000:].decode("utf-8", "replace")
        return ""

    def pids(self) -> list[int]:
        """This process and its children (gunicorn's or Celery's workers)."""
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [self.proc.pid, *(int(p) for p in out.stdout.split())]

    def cpu_seconds(self) -> float:
        """CPU used so far by the process, its live children and those it reaped.

        Unlike throughput, CPU per request hardly depends on what else the machine is doing.
        """
        try:
            main = _stat(self.proc.pid)
            ticks = sum(int(main[i]) for i in (11, 12, 13, 14))  # utime, stime, cutime, cstime
            for pid in self.pids()[1:]:
                with contextlib.suppress(OSError):
                    child = _stat(pid)
                    ticks += int(child[11]) + int(child[12])
        except OSError:
            return float("nan")
        return ticks / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()
        self.proc = None


def gunicorn_conf() -> Path:
    """gunicorn's settings file: bench/gunicorn.conf.py if the yardstick's own, else the project's."""
    own = ROOT / "bench" / "gunicorn.conf.py"
    return own if own.exists() else ROOT / "gunicorn.conf.py"


def serving_command(wsgi: str, env: dict) -> list[str]:
    """The command `make run` serves the app with (household.serving: Granian), for `wsgi` and this environment."""
    from household import serving

    return list(serving.command(app=wsgi, env=env))


class Server(Process):
    """A WSGI app on a free loopback port: served as `make run` serves it (household.serving, Granian), or
    with kind="gunicorn" by gunicorn with its settings file and the yardstick's 2 workers x 4 gthreads (or the
    settings of `gunicorn_env`)."""

    def __init__(self, wsgi: str, env: dict, log_path: Path, ready_path: str, kind: str = "granian",
                 gunicorn_env: dict | None = None):
        port = free_port()
        self.base, self.kind, self.wsgi = f"http://127.0.0.1:{port}", kind, wsgi
        env = {**env, "PORT": str(port), "HOST": "127.0.0.1"}
        if kind == "gunicorn":
            env.update(YARDSTICK_ENV if gunicorn_env is None else gunicorn_env)
            cmd = [str(GUNICORN), "--config", str(gunicorn_conf()), wsgi]
        else:
            cmd = serving_command(wsgi, env)
        super().__init__(cmd, env, log_path, self.base + ready_path)

    def describe(self) -> str:
        """The command line, shortened for the report (the interpreter's path left out)."""
        cmd = [Path(c).name if k == 0 else c for k, c in enumerate(self.cmd)]
        return " ".join(cmd).replace(f" {self.base.rsplit(':', 1)[1]}", " <port>")


def server_env(url: str | None, settings: Settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WRK_", "PYTEST_"))}
    env.update(APP_ENV="production", SECRET_KEY=secrets.token_urlsafe(48), REDIS_URL=settings.redis_url,
               PYTHONUNBUFFERED="1",
               # The bench logs in a handful of accounts from one address: limits lifted for its server only.
               RATELIMIT_LOGIN_IP="100000 per minute", RATELIMIT_LOGIN_ACCOUNT="100000 per minute")
    if url:
        env["DATABASE_URL"] = url
    return {**env, **settings.extra_env}


def gunicorn_settings(extra_env: dict | None = None) -> dict:
    """What gunicorn's settings file makes of this environment (by default: the yardstick's)."""
    env = {**os.environ, **(YARDSTICK_ENV if extra_env is None else extra_env)}
    return {"workers": int(env.get("WEB_WORKERS") or (os.cpu_count() or 1) * 2),
            "threads": int(env.get("WEB_THREADS") or 4), "worker_class": "gthread",
            "max_requests": int(env.get("WEB_MAX_REQUESTS") or 50000), "config": gunicorn_conf().name}


def serving_settings(extra_env: dict) -> dict:
    """The command household.serving builds from this environment (port and host as placeholders), and the
    settings read from it."""
    env = {**os.environ, **extra_env, "PORT": "0", "HOST": "127.0.0.1"}
    cmd = serving_command("wsgi:app", env)
    text = " ".join([Path(cmd[0]).name, *cmd[1:]])

    def option(name: str) -> str | None:
        for k, arg in enumerate(cmd):
            if arg == name and k + 1 < len(cmd):
                return cmd[k + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
        return None

    return {"server": "granian", "command": text, "workers": option("--workers"),
            "threads": option("--blocking-threads"),
            "header_timeout_ms": option("--http1-header-read-timeout"),
            "env": {k: v for k, v in env.items() if k.startswith("WEB_")}}


def describe_server(s: dict) -> str:
    """"Granian, 2 workers x 4 blocking threads" (or gunicorn's, for results of before)."""
    if s.get("server") == "granian":
        return f"Granian, {s.get('workers') or '?'} workers x {s.get('threads') or '?'} blocking threads"
    return f"gunicorn, {s.get('workers')} workers x {s.get('threads')} gthreads"


@contextlib.contextmanager
def scratch(workdir: Path | None) -> Iterator[Path]:
    """`workdir`, or a temporary folder removed afterwards (server logs, wrk's input files)."""
    if workdir:
        yield workdir
        return
    path = Path(tempfile.mkdtemp(prefix="hs-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- HTTP and wrk -------------------------------------------------------------------------------


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


def send(server: Server, line: str, expect: set[int]) -> tuple[int, bytes]:
    """One line of wrk.lua's request format sent by hand, before wrk sends it thousands of times."""
    method, path, token, body = line.split("\t", 3)
    status, raw = http(server.base, method, path, None if token == "-" else token,  # noqa: S105 - "-" means none
                       None if body == "-" else json.loads(body))
    if status not in expect:
        raise RuntimeError(f"{method} {path} answered {status}: {raw[:300]!r}\nserver log:\n{server.tail()[-1500:]}")
    return status, raw


def login(base: str, email: str) -> str:
    status, body = http(base, "POST", "/api/auth/login", body={"email": email, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login of {email} failed: {status} {body[:300]!r}")
    return json.loads(body)["token"]


def wrk(url: str, workdir: Path, name: str, *, threads: int, connections: int, seconds: float,
        lines: list[str] | None = None, tokens: list[str] | None = None, count_statuses: bool = False) -> dict:
    """One run of wrk.lua: the request rotation in `lines`; `tokens` (the soak's callers) turn on its soak mode,
    `count_statuses` its count of every status (then in the result's "statuses")."""
    env = {**os.environ, "WRK_THREADS": str(threads), "WRK_COUNT_STATUSES": "1" if count_statuses else "0"}
    for var, content in (("WRK_REQUESTS", lines), ("WRK_TOKENS", tokens)):
        if content is not None:
            path = workdir / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}-{var[4:].lower()}.tsv"
            path.write_text("".join(f"{line}\n" for line in content), encoding="utf-8")
            env[var] = str(path)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                          "--timeout", "10s", "-s", str(WRK_SCRIPT), url],
                         capture_output=True, text=True, env=env, timeout=seconds + 120)
    for line in out.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON "):])
    raise RuntimeError(f"wrk printed no result for {name}:\n{out.stdout}\n{out.stderr}")


def summarise(raw: dict) -> dict:
    seconds = raw["duration_us"] / 1e6

    def ms(key: str) -> float | None:
        # None: no request finished within the run, every latency is longer than the run itself
        return round(raw[key] / 1000, 2) if raw["requests"] else None

    return {
        "requests": raw["requests"], "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": ms("p50_us"), "p90_ms": ms("p90_us"), "p95_ms": ms("p95_us"), "p99_ms": ms("p99_us"),
        "max_ms": ms("max_us"),
        "non2xx": raw["status"],  # wrk's own count, of responses >= 400
        "socket_errors": raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        "errors": {k: raw[k] for k in ("connect", "read", "write", "timeout", "status")},
        "mb_per_s": round(raw["bytes"] / seconds / 1e6, 2) if seconds else 0.0,
    }


def cpu_ms_per_request(cpu_seconds: float, requests: int) -> float | None:
    # The requests wrk did not see finish cost CPU too: a slight overestimate when requests are slow.
    return round(1000 * cpu_seconds / requests, 3) if requests and cpu_seconds == cpu_seconds else None


def fmt_ms(value: float | None) -> str:
    return f"{value:>6.1f}" if value is not None else f"{'> run':>6}"


def need_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")


# --- results ------------------------------------------------------------------------------------


def results_dir(preset: str) -> Path:
    """The full preset's results are committed; the others' stay out of the way."""
    return ROOT / "bench" / "results" if preset == "full" else ROOT / "instance" / f"bench-{preset}"


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def git_state() -> dict:
    """The commit served, and the app's files that differ from it (the server runs the working tree)."""
    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.rstrip() if out.returncode == 0 else ""

    changed = git("status", "--porcelain", "--", "household", "wsgi.py", "gunicorn.conf.py", "frontend/src")
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted": [line[3:] for line in changed.splitlines()]}


def machine(url: str, redis_url: str) -> dict:
    import gunicorn
    import redis

    info: dict = {"nproc": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    with contextlib.suppress(OSError, AttributeError):
        info["cpu"] = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1).strip()
        mem_kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
        info["memory_gib"] = round(mem_kb / 1024 / 1024, 1)
        info["os"] = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text()).group(1)
    if url.startswith("postgres"):
        info["postgresql"] = rows(url, "SHOW server_version")[0][0]
        info["postgresql_settings"] = {k: rows(url, f"SHOW {k}")[0][0]
                                       for k in ("shared_buffers", "work_mem", "max_connections")}
    else:
        import sqlite3

        info["sqlite"] = sqlite3.sqlite_version
    info["redis"] = redis.Redis.from_url(redis_url).info("server")["redis_version"]
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    info["wrk"] = (wrk_v.stdout + wrk_v.stderr).split("Copyright")[0].strip()
    info["gunicorn"] = gunicorn.__version__
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        info["granian"] = version("granian")
    return info
