"""Assertions and servers shared by the test modules."""

from __future__ import annotations

import contextlib


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


@contextlib.contextmanager
def gunicorn(app, log_dir, **settings: str):
    """gunicorn as production runs it (gunicorn.conf.py), on the test app's database; yields its base URL.

    `settings` are environment variables for the server (WEB_WORKERS, REDIS_URL, CACHE_KEY_PREFIX...).
    """
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import pytest
    import requests

    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": "1",
        "WEB_THREADS": "2",
        "WEB_MAX_REQUESTS": "0",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "EXPORT_DIR": app.config["EXPORT_DIR"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": "1",
        "LOG_LEVEL": "ERROR",
        "RATELIMIT_LOGIN_IP": "10000 per minute",
        "RATELIMIT_LOGIN_FAILURES": "10000 per minute",
        "RATELIMIT_REGISTER_IP": "10000 per minute",
        **settings,
    }
    log_path = Path(log_dir) / "gunicorn.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=Path(__file__).resolve().parents[1], env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
