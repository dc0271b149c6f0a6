"""End-to-end fixtures: the test app served over real HTTP, Debian's Chromium driven by Playwright, a real worker.

- `live_server`: the session `app`'s database, Redis and folders served on 127.0.0.1:<free port> for the e2e
  package as `make run` serves them: the real server (household.serving: Granian, two worker processes) in a
  subprocess with the app's settings in its environment; `app.config["PUBLIC_URL"]` points at it while it runs
  (the in-process Celery worker writes links with it). Writes a test makes in-process (`api`, the database)
  reach it as another web process's would: same database, same Redis and key prefix. E2E_SERVER=inprocess
  serves the in-process app from a thread instead (werkzeug), for debugging with breakpoints.
- `browser`: one headless Chromium (/usr/bin/chromium) for the package; the tests are skipped when it is missing.
- `new_page(**context_options)`: a page in a fresh browser context (own cookies, storage and downloads);
  every context is watched (console errors, uncaught exceptions, 4xx/5xx answers, requests to other hosts)
  and closed after the test, with a screenshot of each of its pages when the test failed.
- `celery_worker`: a Celery worker thread consuming the test app's Redis (app.config["REDIS_URL"]), started
  inside the test like tests/jobs does, because the autouse `_fresh_state` fixture empties Redis (and with it
  the broker's queue bindings) before every test.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.e2e.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FAILURES,
    HOST,
    TIME_ZONE,
    TIMEOUT_MS,
    BrowserLog,
    playwright_sync,
)
from tests.support import free_port, web_server

# ---------------------------------------------------------------------------------------------------------------
# The app over HTTP


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without one log line per request (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        pass


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:<port>, no trailing slash


@pytest.fixture(scope="package")
def live_server(app, tmp_path_factory) -> Iterator[LiveServer]:
    index = Path(app.config["FRONTEND_DIST"]) / "index.html"
    if not index.is_file():
        pytest.fail(
            f"The web app is not built: {index} is missing. Run `make frontend` (npm ci + vite build) first.",
            pytrace=False,
        )
    saved_public_url = app.config.get("PUBLIC_URL")
    if os.environ.get("E2E_SERVER") == "inprocess":
        server = make_server(HOST, 0, app, threaded=True, request_handler=_QuietHandler)
        url = f"http://{HOST}:{server.server_port}"
        app.config["PUBLIC_URL"] = url
        thread = threading.Thread(target=server.serve_forever, name="e2e-http", daemon=True)
        thread.start()
        try:
            yield LiveServer(url)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(10)
            app.config["PUBLIC_URL"] = saved_public_url
        return
    port = free_port()
    url = f"http://{HOST}:{port}"
    app.config["PUBLIC_URL"] = url
    # The app's settings that the environment carries (the rest are the server_env defaults or the same).
    settings = {name: str(app.config[name]) for name in (
        "CACHE_KEY_PREFIX", "CACHE_LEASE_SECONDS", "FRONTEND_DIST", "ADMIN_EMAIL", "APP_TIMEZONE")}
    settings |= {name: value for name, value in app.config.items()
                 if name.startswith("RATELIMIT_") and isinstance(value, str) and " per " in value}
    settings["RATELIMIT_ENABLED"] = "true" if app.config["RATELIMIT_ENABLED"] else "false"
    try:
        with web_server(app, tmp_path_factory.mktemp("e2e-server"), port=port, WEB_WORKERS="2", WEB_THREADS="4",
                        PUBLIC_URL=url, LOG_LEVEL="WARNING", **settings) as running:
            yield LiveServer(url)
            if running.proc.poll() is not None:
                pytest.fail("The server stopped during the tests:\n" + running.log()[-3000:])
    finally:
        app.config["PUBLIC_URL"] = saved_public_url


# ---------------------------------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`make browser`) to run the end-to-end tests")
    with playwright_sync.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture
def new_page(request, browser, live_server, browser_log) -> Iterator[Callable[..., object]]:
    """new_page(**context_options) → a page in its own browser context (one per person in the story)."""
    contexts = []

    def make(**options):
        settings = {
            "base_url": live_server.url,
            "viewport": {"width": 1280, "height": 860},
            "locale": "en-IN",
            "timezone_id": TIME_ZONE,
            "accept_downloads": True,
            "service_workers": "block",
            "reduced_motion": "reduce",
        }
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(2 * TIMEOUT_MS)
        browser_log.watch(context)
        contexts.append(context)
        return context.new_page()

    yield make

    report = getattr(request.node, "e2e_report_call", None)
    failed = report is not None and report.failed
    for n, context in enumerate(contexts):
        if failed:
            FAILURES.mkdir(parents=True, exist_ok=True)
            for m, page in enumerate(context.pages):
                try:
                    page.screenshot(path=FAILURES / f"{request.node.name}-{n}-{m}.png", full_page=True, timeout=5000)
                except Exception:  # noqa: S110 - a screenshot of a broken page is best effort
                    pass
        context.close()


# ---------------------------------------------------------------------------------------------------------------
# The worker


@pytest.fixture
def celery_worker(app):
    """A real Celery worker (a thread of this process) on app.config["REDIS_URL"], as in tests/jobs."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(
        app.extensions["celery"],
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=30,
        loglevel=os.environ.get("TEST_WORKER_LOGLEVEL", "CRITICAL"),
    ) as worker:
        yield worker
