"""The HTTP server: Granian (WSGI interface) with its settings from the environment.

`python -m household.serving` replaces itself with `python -m granian ... wsgi:app` (the Procfile's web
line, so `make run`); the tests that start a server and the benchmark build the same command with
`command()`. Every setting below can be overridden from the environment (see .env.example):

| variable | default | Granian option |
|---|---|---|
| HOST, PORT | 127.0.0.1, 5000 | --host, --port |
| WEB_WORKERS | one per CPU | --workers (processes, each with its own interpreter) |
| WEB_THREADS | 2 | --blocking-threads (threads per worker running the app; see the README on why 2) |
| WEB_BACKLOG | 1024 | --backlog (connections queued by the kernel, per worker socket on Linux) |
| WEB_BACKPRESSURE | WEB_BACKLOG / WEB_WORKERS | --backpressure (open connections a worker takes on) |
| WEB_HEADER_TIMEOUT_SECONDS | 10 | --http1-header-read-timeout (also ends idle keep-alive) |
| WEB_KEEPALIVE | on | --http1-keep-alive |
| WEB_GRACEFUL_SECONDS | 20 | --workers-kill-timeout (in-flight requests may finish) |
| WEB_MAX_RSS_MB | 0 (off) | --workers-max-rss (a worker over it is replaced gracefully) |
| WEB_LIFETIME_SECONDS | 0 (off) | --workers-lifetime (at least 60) |
| ACCESS_LOG | off | --access-log: "-" or 1/true/on: standard output; a file path: that file |
| ACCESS_LOG_FORMAT | see ACCESS_LOG_FMT | --access-log-fmt |

Always: HTTP/1.1 only (TLS and HTTP/2 belong to the proxy in front), no websockets, a crashed worker
is replaced at once (--respawn-failed-workers). X-Forwarded-* is the app's business (FORWARDED_ALLOW_IPS,
household.forwarded), not the server's.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Like a common log line, without the query string (reset and verification links carry tokens there).
ACCESS_LOG_FMT = '%(addr)s - - [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms'
_ON = {"1", "true", "yes", "on", "-", "stdout"}
_OFF = {"", "0", "false", "no", "off"}


class ServingError(ValueError):
    """A server setting in the environment that cannot be used."""


def cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _int(env: Mapping[str, str], name: str, default: int, low: int = 0, high: int | None = None) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServingError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < low or (high is not None and value > high):
        limits = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ServingError(f"{name} must be {limits}, not {value}.")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in _ON:
        return True
    if raw in _OFF:
        return False
    raise ServingError(f"{name} must be on or off (1/0, true/false), not {raw!r}.")


def settings(env: Mapping[str, str] | None = None) -> dict:
    """What the environment asks of the server, with the defaults filled in."""
    env = os.environ if env is None else env
    workers = _int(env, "WEB_WORKERS", cpus(), low=1)
    backlog = _int(env, "WEB_BACKLOG", 1024, low=128)
    access_log = (env.get("ACCESS_LOG") or "").strip()
    return {
        "host": (env.get("HOST") or "127.0.0.1").strip(),
        "port": _int(env, "PORT", 5000, low=0, high=65535),
        "workers": workers,
        "threads": _int(env, "WEB_THREADS", 2, low=1),
        "backlog": backlog,
        "backpressure": _int(env, "WEB_BACKPRESSURE", max(1, backlog // workers), low=1),
        "header_timeout": _int(env, "WEB_HEADER_TIMEOUT_SECONDS", 10, low=1, high=60),
        "keepalive": _bool(env, "WEB_KEEPALIVE", True),
        "graceful": _int(env, "WEB_GRACEFUL_SECONDS", 20, low=1, high=1800),
        "max_rss_mb": _int(env, "WEB_MAX_RSS_MB", 0, low=0),
        "lifetime": _int(env, "WEB_LIFETIME_SECONDS", 0, low=0),
        "access_log": None if access_log.lower() in _OFF else access_log,
        "access_log_format": env.get("ACCESS_LOG_FORMAT") or ACCESS_LOG_FMT,
    }


def _log_config(path: str) -> str:
    """A logging configuration (JSON, for --log-config) sending the access log to `path`; returns its file."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "generic": {"()": "logging.Formatter", "fmt": "[%(levelname)s] %(message)s"},
            "access": {"()": "logging.Formatter", "fmt": "%(message)s"},
        },
        "handlers": {
            "console": {"formatter": "generic", "class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
            "access": {"formatter": "access", "class": "logging.FileHandler", "filename": path},
        },
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
    text = json.dumps(config, indent=1)
    name = f"household-granian-log-{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
    target = Path(tempfile.gettempdir()) / name
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)
    return str(target)


def command(app: str = "wsgi:app", env: Mapping[str, str] | None = None) -> list[str]:
    """The argv that serves `app` (module:attribute) as the environment says; run it from the project root."""
    s = settings(env)
    argv = [
        sys.executable, "-m", "granian",
        "--interface", "wsgi",
        "--host", s["host"],
        "--port", str(s["port"]),
        "--workers", str(s["workers"]),
        "--blocking-threads", str(s["threads"]),
        "--backlog", str(s["backlog"]),
        "--backpressure", str(s["backpressure"]),
        "--http", "1",
        "--http1-header-read-timeout", str(s["header_timeout"] * 1000),
        "--http1-keep-alive" if s["keepalive"] else "--no-http1-keep-alive",
        "--no-ws",
        "--respawn-failed-workers",
        "--workers-kill-timeout", str(s["graceful"]),
    ]
    if s["max_rss_mb"]:
        argv += ["--workers-max-rss", str(s["max_rss_mb"])]
    if s["lifetime"]:
        argv += ["--workers-lifetime", str(max(60, s["lifetime"]))]
    if s["access_log"] is not None:
        argv += ["--access-log", "--access-log-fmt", s["access_log_format"]]
        if s["access_log"].lower() not in _ON:
            argv += ["--log-config", _log_config(str(Path(s["access_log"]).resolve()))]
    return [*argv, app]


def main() -> None:
    """Replace this process with the server (signals then reach Granian directly)."""
    try:
        argv = command()
    except ServingError as exc:
        sys.exit(f"household.serving: {exc}")
    os.chdir(ROOT)
    sys.stdout.flush()
    os.execv(argv[0], argv)  # noqa: S606 - our own interpreter, arguments built above


if __name__ == "__main__":
    main()
