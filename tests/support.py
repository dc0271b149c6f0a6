"""Assertions and servers shared by the test modules."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def assert_error(resp, status, field=None):
    """The answer is an error in the contract's format with this status (and a message for `field`)."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if field:
        assert field in body["error"]["fields"], body
    return body["error"]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class WebServer:
    """A server started by `web_server`: its base URL, its main process and its log."""

    base: str
    proc: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the main process that run the app)."""
        pids = []
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                pids += [int(p) for p in (task / "children").read_text().split()]
        return sorted(p for p in set(pids) if "resource_tracker" not in _cmdline(p))


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_kb(pid: int) -> int:
    """A process's resident memory now (VmRSS, KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def server_env(app, port: int, **settings: str) -> dict:
    """The environment of a server on the test app's database, Redis and folders (`settings` win)."""
    return {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": "1",
        "WEB_THREADS": "2",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "EXPORT_DIR": app.config["EXPORT_DIR"],
        "FRONTEND_DIST": app.config["FRONTEND_DIST"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": "1",
        "LOG_LEVEL": "ERROR",
        "RATELIMIT_LOGIN_IP": "10000 per minute",
        "RATELIMIT_LOGIN_FAILURES": "10000 per minute",
        "RATELIMIT_LOGIN_ACCOUNT_CEILING": "10000 per minute",
        "RATELIMIT_REGISTER_IP": "10000 per minute",
        **settings,
    }


def wait_for_health(base: str, proc: subprocess.Popen | None = None, timeout: float = 30) -> None:
    """Until GET /api/health answers 200 (AssertionError after `timeout` s or when `proc` exits)."""
    import requests

    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise AssertionError(f"{base} did not answer /api/health")
        time.sleep(0.1)


@contextlib.contextmanager
def web_server(app, log_dir, *, wsgi: str = "wsgi:app", port: int | None = None, **settings: str):
    """The server as `make run` starts it (household.serving.command, Granian) on the test app's database.

    `settings` are environment variables for the server (WEB_WORKERS, REDIS_URL, CACHE_KEY_PREFIX...).
    Yields a WebServer; stops it with SIGTERM (then SIGKILL after 30 s) unless the test already did.
    """
    import pytest

    from household.serving import command

    port = port or free_port()
    env = server_env(app, port, **settings)
    log_path = Path(log_dir) / "server.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(command(wsgi, env), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = WebServer(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        try:
            wait_for_health(server.base, proc)
        except AssertionError:
            pytest.fail("The server did not start:\n" + server.log()[-3000:])
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
