"""Connections: keep-alive, and slow clients that cannot starve the others (a header read timeout ends them)."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest
import requests

from tests.support import web_server

pytestmark = pytest.mark.timeout(90)

HEADER_TIMEOUT = 8  # seconds (WEB_HEADER_TIMEOUT_SECONDS)
SLOW_CLIENTS = 40
DRIP_EVERY = 2.0  # seconds between two header lines of a slow client
DRIP_FOR = 11.0  # seconds a slow client keeps dripping unless the server closes it first


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    """One worker with two threads: 40 slow clients are 20 times what it can run at once."""
    with web_server(app, tmp_path_factory.mktemp("connections"), WEB_WORKERS="1", WEB_THREADS="2",
                    WEB_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT), CACHE_KEY_PREFIX="hs-test:") as running:
        yield running


def test_several_requests_share_one_connection(server):
    port = int(server.base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/api/health")
        first = conn.getresponse()
        assert first.status == 200 and first.read()
        sock = conn.sock
        local = sock.getsockname()
        for path in ("/api/services", "/api/health", "/api/services?page=1", "/api/no-such-thing"):
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == (404 if "no-such" in path else 200), path
            assert resp.getheader("Connection", "").lower() != "close"
            assert conn.sock is sock and sock.getsockname() == local  # the same TCP connection throughout
    finally:
        conn.close()


def test_an_idle_keep_alive_connection_is_closed_after_the_header_timeout(server):
    port = int(server.base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/health")
    conn.getresponse().read()
    sock = conn.sock
    sock.settimeout(HEADER_TIMEOUT + 5)
    started = time.monotonic()
    assert sock.recv(1) == b""  # the server closed it
    waited = time.monotonic() - started
    conn.close()
    assert HEADER_TIMEOUT - 1 <= waited <= HEADER_TIMEOUT + 2, waited


def _slow_client(port: int, outcome: dict, index: int) -> None:
    """Sends a request's headers one line every DRIP_EVERY s; records when the server closed the connection."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sock.settimeout(DRIP_EVERY)
            line = 0
            while time.monotonic() - started < DRIP_FOR:
                try:
                    data = sock.recv(4096)
                except TimeoutError:
                    line += 1
                    try:
                        sock.sendall(b"X-Slow-%d: %d\r\n" % (line, index))
                    except OSError:
                        outcome[index] = ("closed", time.monotonic() - started, b"")
                        return
                    continue
                outcome[index] = ("closed" if not data else "answered", time.monotonic() - started, data)
                return
            outcome[index] = ("still open", time.monotonic() - started, b"")
    except OSError as exc:
        outcome[index] = (f"error {exc!r}", time.monotonic() - started, b"")


def test_slow_clients_do_not_starve_health_checks_and_are_cut_off(server):
    port = int(server.base.rsplit(":", 1)[1])
    outcome: dict[int, tuple] = {}
    clients = [threading.Thread(target=_slow_client, args=(port, outcome, i), daemon=True) for i in range(SLOW_CLIENTS)]
    for c in clients:
        c.start()
    time.sleep(0.5)  # every slow client is connected and dripping

    checks: list[float] = []
    with requests.Session() as other:
        while any(c.is_alive() for c in clients):
            started = time.monotonic()
            resp = other.get(f"{server.base}/api/health", timeout=5, headers={"Connection": "close"})
            checks.append(time.monotonic() - started)
            assert resp.status_code == 200, resp.text
            time.sleep(0.25)
    for c in clients:
        c.join(5)

    assert len(checks) >= 20
    assert max(checks) < 2.0, f"the slowest health check took {max(checks):.2f} s"
    assert sorted(outcome) == list(range(SLOW_CLIENTS))
    # The server closed every slow client after the header timeout, without answering it.
    states = {i: (state, round(at, 1)) for i, (state, at, _data) in outcome.items()}
    assert all(state == "closed" for state, _ in states.values()), states
    assert all(HEADER_TIMEOUT - 1 <= at <= HEADER_TIMEOUT + 2 for _, at in states.values()), states
