"""The slow-client run: connections dripping their headers while another client asks for /api/health.

`connections` clients (40) each open a connection over loopback and send a request's first line,
then one more header line every `drip_every` seconds (2 s), never the blank line that ends the
headers, for `seconds` (20 s); a connection the server closes (its header read timeout) is opened
again at once, so that as many are dripping all the time. Meanwhile another client asks for the
health path every `check_every` seconds (0.5 s; right after the previous answer when that took
longer), each time on a new connection, as a load balancer's health check does; each check waits
up to `seconds` + 10 s. Reported: the checks' latencies (p50, p99, max), how many took longer than
`over` seconds (2 s; a check that failed counts as one), and what the server did with the slow
connections (closed them after how long, with which first answer line).

Bounded: the run lasts `seconds` plus at most the last check's wait, everything on loopback.
The app is served as `make run` serves it; for reference the same run is made against the
yardstick (the bare Flask app under gunicorn, 2 workers x 4 gthreads, its "/" as the health path),
whose threads each block on one slow client's headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from bench import common

CONNECTIONS, SECONDS, DRIP_EVERY, CHECK_EVERY, OVER = 40, 20.0, 2.0, 0.5, 2.0


class Drippers(threading.Thread):
    """`connections` slow clients on an event loop of their own, for `seconds`."""

    def __init__(self, host: str, port: int, path: str, connections: int, seconds: float, drip_every: float):
        super().__init__(daemon=True)
        self.host, self.port, self.path = host, port, path
        self.connections, self.seconds, self.drip_every = connections, seconds, drip_every
        self.opened = self.failed_to_open = self.closed_by_server = self.lines_sent = 0
        self.peak_open = 0
        self.open_now = 0
        self.lifetimes: list[float] = []  # seconds from open to the server's close
        self.answers: dict[str, int] = {}  # the first line the server sent before closing, if any
        self.all_open = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            self.error = exc
        finally:
            self.all_open.set()

    async def _main(self) -> None:
        self.end = time.monotonic() + self.seconds
        started = [asyncio.Event() for _ in range(self.connections)]
        tasks = [asyncio.create_task(self._client(k, started[k])) for k in range(self.connections)]
        await asyncio.gather(*(e.wait() for e in started))
        self.all_open.set()
        await asyncio.gather(*tasks)

    async def _client(self, k: int, started: asyncio.Event) -> None:
        n = 0
        while time.monotonic() < self.end:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), 5)
            except (OSError, TimeoutError):
                self.failed_to_open += 1
                started.set()
                await asyncio.sleep(0.2)
                continue
            self.opened += 1
            self.open_now += 1
            self.peak_open = max(self.peak_open, self.open_now)
            opened_at = time.monotonic()
            started.set()
            closed = asyncio.create_task(reader.read(200))  # the server's answer or EOF: it gave up on us
            gave_up = False
            try:
                writer.write(f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\n".encode())
                await writer.drain()
                self.lines_sent += 1
                while not gave_up and time.monotonic() < self.end:
                    done, _ = await asyncio.wait({closed}, timeout=max(0.0, min(self.drip_every,
                                                                                  self.end - time.monotonic())))
                    gave_up = bool(done)
                    if not gave_up and time.monotonic() < self.end:
                        n += 1
                        writer.write(f"X-Slow-{k}-{n}: {'x' * 16}\r\n".encode())
                        await writer.drain()
                        self.lines_sent += 1
            except OSError:
                gave_up = True
            if gave_up:
                self.closed_by_server += 1
                self.lifetimes.append(time.monotonic() - opened_at)
                line = "(reset)"
                if closed.done() and not closed.cancelled() and closed.exception() is None:
                    data = closed.result()
                    line = data.split(b"\r\n", 1)[0].decode("latin-1")[:40] if data else "(closed, no answer)"
                self.answers[line] = self.answers.get(line, 0) + 1
            closed.cancel()
            self.open_now -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def check(host: str, port: int, path: str, timeout: float) -> tuple[float, str]:
    """One health check on a new connection: (seconds, status or error)."""
    t = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        resp.read()
        outcome = str(resp.status)
    except (OSError, http.client.HTTPException) as exc:
        outcome = type(exc).__name__
    finally:
        conn.close()
    return time.perf_counter() - t, outcome


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0-100)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * q // 100) - 1))]


def run(base: str, health_path: str = "/api/health", *, connections: int = CONNECTIONS, seconds: float = SECONDS,
        drip_every: float = DRIP_EVERY, check_every: float = CHECK_EVERY, over: float = OVER) -> dict:
    """The slow clients against `base` and the health checks beside them; everything measured."""
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    baseline = [check(host, port, health_path, 5) for _ in range(3)]  # the server answers at all, and how fast
    drippers = Drippers(host, port, health_path, connections, seconds, drip_every)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    drippers.start()
    drippers.all_open.wait(30)
    checks: list[dict] = []
    while drippers.is_alive() and time.monotonic() - started < seconds:
        t = time.monotonic()
        took, outcome = check(host, port, health_path, seconds + 10)
        checks.append({"at_s": round(t - started, 2), "seconds": round(took, 4), "outcome": outcome})
        time.sleep(max(0.0, t + check_every - time.monotonic()))
    drippers.join(seconds + 30)
    if drippers.error:
        raise RuntimeError(f"the slow clients failed: {drippers.error!r}")
    latencies = [c["seconds"] for c in checks]
    failed = [c for c in checks if not c["outcome"].startswith("2")]
    slow = [c for c in checks if c["seconds"] > over or not c["outcome"].startswith("2")]
    ms = lambda v: None if v is None else round(1000 * v, 1)  # noqa: E731
    return {
        "settings": {"connections": connections, "seconds": seconds, "drip_every_s": drip_every,
                     "check_every_s": check_every, "over_s": over, "health_path": health_path},
        "loadavg_1m_before": round(load_before, 2),
        "baseline_ms": [ms(t) for t, _ in baseline],
        "checks": len(checks), "failed": len(failed), "over": len(slow),
        "p50_ms": ms(statistics.median(latencies)) if latencies else None,
        "p99_ms": ms(percentile(latencies, 99)), "max_ms": ms(max(latencies, default=None)),
        "slow_over": slow[:10],
        "slow_clients": {"opened": drippers.opened, "failed_to_open": drippers.failed_to_open,
                         "peak_open": drippers.peak_open, "closed_by_server": drippers.closed_by_server,
                         "header_lines_sent": drippers.lines_sent,
                         "closed_after_s": ({"min": round(min(drippers.lifetimes), 2),
                                             "median": round(statistics.median(drippers.lifetimes), 2),
                                             "max": round(max(drippers.lifetimes), 2)} if drippers.lifetimes else None),
                         "answers": drippers.answers},
        "series": checks,
    }


def measure(url: str, settings: common.Settings, *, log: Callable = print, workdir: Path | None = None,
            connections: int = CONNECTIONS, seconds: float = SECONDS, drip_every: float = DRIP_EVERY,
            check_every: float = CHECK_EVERY, over: float = OVER, reference: bool = True) -> dict:
    """The run against the app as `make run` serves it and, with `reference`, against the gunicorn yardstick."""
    from datetime import UTC, datetime

    kwargs = {"connections": connections, "seconds": seconds, "drip_every": drip_every, "check_every": check_every,
              "over": over}
    result: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
                    "loadavg_1m_at_start": round(common.wait_quiet(settings, log), 2), "max_load": settings.max_load,
                    "server": common.serving_settings(settings.extra_env)}
    env = common.server_env(url, settings)
    with common.scratch(workdir) as wd:
        with common.Server("wsgi:app", env, wd / "slow-app.log", "/api/health") as app:
            result["command"] = app.describe()
            log(f"Slow clients: {connections} connections dripping a header line every {drip_every:.0f} s for "
                f"{seconds:.0f} s against wsgi:app under {common.describe_server(result['server'])}; /api/health "
                f"every {check_every} s")
            result["app"] = run(app.base, "/api/health", **kwargs)
            log("  " + summary(result["app"]))
        if reference:
            with common.Server("bench.bare_app:app", env, wd / "slow-gunicorn.log", "/", kind="gunicorn") as bare:
                log("Slow clients against the yardstick (bench.bare_app:app under gunicorn 2 x 4 gthreads, "
                    "health path /)")
                result["gunicorn_bare"] = run(bare.base, "/", **kwargs)
                result["gunicorn_bare"]["command"] = bare.describe()
                log("  " + summary(result["gunicorn_bare"]))
    return result


def summary(r: dict) -> str:
    s = r["slow_clients"]
    return (f"{r['checks']} health checks: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms, "
            f"{r['over']} over {r['settings']['over_s']:.0f} s ({r['failed']} failed); slow connections opened "
            f"{s['opened']}, closed by the server {s['closed_by_server']} (after {s['closed_after_s']} s), "
            f"answers {s['answers'] or 'none'}")
