"""Real stand-ins for the outside world: an SMTP server, a Google Chat webhook, a Celery worker; data builders."""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker

from household.extensions import db
from household.jobs import celery_init_app
from household.models import Service, ServiceRequest, utcnow

IST = ZoneInfo("Asia/Kolkata")


def ist(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in India Standard Time (the platform's default time zone)."""
    return datetime(year, month, day, hour, minute, tzinfo=IST)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a local port that keeps every message it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self._lock:
            return [m for m, (_, rcpts) in zip(self.messages, self.envelopes, strict=True) if address in rcpts]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[email.message.EmailMessage]:
        wait_until(lambda: len(self.messages) >= count, timeout, what=f"{count} email(s)")
        return list(self.messages)


@contextmanager
def config(app, **values) -> Iterator[None]:
    """Change app settings for one test and put them back afterwards."""
    missing = object()
    saved = {key: app.config.get(key, missing) for key in values}
    app.config.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is missing:
                app.config.pop(key, None)
            else:
                app.config[key] = value


class ChatHook:
    """A local HTTP server standing in for a Google Chat webhook; answers with scripted status codes."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[int, dict]] = []  # (status answered, JSON body)
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 - keep the test output quiet
                pass

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                status = hook.statuses.pop(0) if hook.statuses else 200
                hook.received.append((status, body))
                payload = b"{}" if status == 200 else b'{"error": "unavailable"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/spaces/TEST/messages?key=test"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> ChatHook:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def delivered(self) -> list[dict]:
        return [body for status, body in self.received if status == 200]


@contextmanager
def celery_configured(app, **settings) -> Iterator[object]:
    """The app's Celery configured anew with these settings for the block (retry options are read then)."""
    before = app.extensions["celery"]
    try:
        with config(app, **settings):
            yield celery_init_app(app)
    finally:
        app.extensions["celery"] = before
        before.set_default()


@contextmanager
def celery_worker(app) -> Iterator[object]:
    """A real Celery worker (in a thread of this process) consuming the test Redis database."""
    with start_worker(
        app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=60, loglevel=os.environ.get("TEST_WORKER_LOGLEVEL", "CRITICAL")
    ) as worker:
        yield worker


def forget_setup_notifications(app) -> None:
    """The people a test starts with already existed: their registrations and approvals are old news.

    Their notifications are removed and their emails marked sent (not deleted: their tasks are still
    queued, and SQLite would give a deleted row's id to the next email).
    """
    from household.models import Notification, NotificationEmail

    with app.app_context():
        db.session.execute(NotificationEmail.__table__.update().values(state="sent"))
        db.session.execute(Notification.__table__.delete())
        db.session.commit()
        db.session.remove()


def add_request(
    app,
    *,
    customer_id: int,
    professional_id: int,
    service_id: int,
    status: str = "requested",
    date_of_request: datetime,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
    date_of_completion: datetime | None = None,
    rating: int | None = None,
    review: str | None = None,
    remarks: str | None = None,
    end_time: datetime | None = None,
    cancelled_by: str | None = None,
) -> int:
    """Put a service request straight into the database (any status, any date, past ones included).

    It lasts its service's time and holds its professional's time 30 minutes more, as a booking
    would; held ones (requested, assigned) must not overlap another's on PostgreSQL.
    """
    with app.app_context():
        now = utcnow()
        service = db.session.get(Service, service_id)
        end = end_time or date_of_request + timedelta(minutes=service.time_required)
        req = ServiceRequest(
            end_time=end,
            held_until=end + timedelta(minutes=30),
            price=service.price,
            cancelled_by=cancelled_by or ("customer" if status == "cancelled" else None),
            service_id=service_id,
            customer_id=customer_id,
            professional_id=professional_id,
            status=status,
            date_of_request=date_of_request,
            created_at=created_at or now,
            updated_at=updated_at or created_at or now,
            date_of_completion=date_of_completion,
            rating=rating,
            review=review,
            remarks=remarks,
        )
        db.session.add(req)
        db.session.commit()
        return req.id
