"""Fixtures for the job tests: a real SMTP server, people with services, quick retries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import make_service
from tests.jobs.support import SmtpSink, celery_configured, config, forget_setup_notifications


@pytest.fixture
def smtp(app):
    """A running SMTP server the app sends to for the length of one test."""
    sink = SmtpSink().start()
    with config(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, PUBLIC_URL="https://household.example"):
        yield sink
    sink.stop()


@pytest.fixture
def quick_retries(app):
    """Retries after 1 s, 2 s, 4 s... instead of 30 s, so a test can watch them happen.

    One second is the shortest backoff Celery's retries know.
    """
    with celery_configured(app, JOB_RETRY_BASE_SECONDS=1):
        yield


@dataclass
class People:
    plumbing: int
    cleaning: int
    pro: dict
    pro2: dict
    pending_pro: dict
    blocked_pro: dict
    alice: dict
    bob: dict
    blocked_customer: dict


@pytest.fixture
def people(app, api) -> People:
    plumbing = make_service(app, "Plumbing Repair", "299.00", 45)
    cleaning = make_service(app, "Home Deep Cleaning", "1499.50", 240)
    pro, _ = api.register_professional(plumbing, name="Ravi Kumar", email="ravi@example.com")
    pro2, _ = api.register_professional(cleaning, name="Anita Desai", email="anita@example.com")
    pending_pro, _ = api.register_professional(plumbing, approve=False, name="Kavita Rao", email="kavita@example.com")
    blocked_pro, _ = api.register_professional(plumbing, name="Blocked Pro", email="blocked.pro@example.com")
    alice, _ = api.register_customer(name="Alice Menon", email="alice@example.com")
    bob, _ = api.register_customer(name="Bob Thomas", email="bob@example.com")
    blocked_customer, _ = api.register_customer(name="Blocked Customer", email="blocked.customer@example.com")
    admin = api.admin()
    for user in (blocked_pro, blocked_customer):
        assert api.put(f"/api/users/{user['id']}/block", admin).status_code == 200
    forget_setup_notifications(app)
    return People(plumbing, cleaning, pro, pro2, pending_pro, blocked_pro, alice, bob, blocked_customer)
