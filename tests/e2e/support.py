"""Helpers for the end-to-end tests: settings, what the browser reported, logging in, waiting, screenshots."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.factories import PASSWORD

playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
)
expect = playwright_sync.expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
FAILURES = ARTIFACTS / "e2e-failures"

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOST = "127.0.0.1"
TIMEOUT_MS = 10_000  # two slow cores: generous, but a hung page still fails fast
TIME_ZONE = "Asia/Kolkata"  # the platform's default time zone

expect.set_options(timeout=TIMEOUT_MS)


@dataclass
class BrowserLog:
    """What the pages of the test's contexts reported: the things a user never sees but a test should."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    responses: list[tuple[str, str, int]] = field(default_factory=list)  # (method, url, status), in order
    requests: int = 0

    def watch(self, context) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda e: self.page_errors.append(f"{_url(e.page)}: {e.error}"))
        context.on("request", self._request)
        context.on("response", self._response)

    def _console(self, msg) -> None:
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            self.console_errors.append(f"{_url(msg.page)}: {msg.text} [{where}]")

    def _request(self, req) -> None:
        self.requests += 1
        parts = urlsplit(req.url)
        if parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname != HOST:
            self.foreign_requests.append(f"{req.method} {req.url}")

    def _response(self, resp) -> None:
        self.responses.append((resp.request.method, resp.url, resp.status))
        if resp.status >= 400:
            self.http_errors.append(f"{resp.request.method} {resp.url} -> {resp.status}")

    def csrf_retries(self) -> list[str]:
        """Writes refused with a 403 and then accepted when sent again at once.

        The API client re-sends a write only when the server rejected its CSRF token, so this is the trace of
        the session-cookie race described in tests/e2e/README.md (a lost CSRF token after logging in).
        """
        found = []
        for i, (method, url, status) in enumerate(self.responses):
            if status != 403 or method not in ("POST", "PUT", "PATCH", "DELETE"):
                continue
            again = next(((m, u, st) for m, u, st in self.responses[i + 1 :] if (m, u) == (method, url)), None)
            if again is not None and again[2] < 400:
                found.append(url)
        return found

    def console_errors_except_csrf_retries(self) -> list[str]:
        retried = self.csrf_retries()
        return [
            e for e in self.console_errors if not ("status of 403" in e and any(e.endswith(f"[{u}]") for u in retried))
        ]


def _url(page) -> str:
    try:
        return page.url if page is not None else "?"
    except Exception:  # the page is gone
        return "?"


def snap(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot of the page as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    return path


def log_in(page, email: str, password: str = PASSWORD, home: str | None = None) -> None:
    """Log in through the login form; with `home`, wait until the app has landed there."""
    page.goto("/login")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    if home is not None:
        expect(page).to_have_url(path_pattern(home))


def path_pattern(path: str) -> re.Pattern:
    """For expect(page).to_have_url(): a URL whose path is exactly `path` (any query string)."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def settled(page) -> None:
    """Wait until no spinner is on screen and the network has been quiet for a moment."""
    expect(page.get_by_test_id("loading")).to_have_count(0)
    page.wait_for_load_state("networkidle")


def ist(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(TIME_ZONE))


def shown(when: datetime) -> str:
    """How the app writes a time: "Tue 1 Dec, 10:30" (India time)."""
    return f"{when:%a} {when.day} {when:%b}, {when:%H:%M}"


def book_from_the_strip(page, tap: bool, day_index: int = 0, time_index: int = 0) -> tuple[date, datetime]:
    """In the open booking dialog: choose an available day and one of its times; returns both."""
    press = (lambda loc: loc.tap()) if tap else (lambda loc: loc.click())
    booking = page.get_by_test_id("booking-modal")
    available = booking.locator('[data-testid="slot-day"][data-available="true"]')
    expect(available.first).to_be_visible()
    day_button = available.nth(min(day_index, available.count() - 1))
    day = date.fromisoformat(day_button.get_attribute("data-date"))
    press(day_button)
    expect(day_button).to_have_attribute("aria-pressed", "true")
    times = booking.get_by_test_id("slot-time")
    expect(times.first).to_be_visible()
    time_button = times.nth(min(time_index, times.count() - 1))
    start = ist(time_button.get_attribute("data-start"))
    assert start.date() == day
    expect(time_button).to_have_attribute("aria-pressed", "false")
    press(time_button)
    expect(time_button).to_have_attribute("aria-pressed", "true")
    expect(booking.get_by_test_id("slot-summary")).to_contain_text(f"Chosen: {shown(start)}")
    return day, start


