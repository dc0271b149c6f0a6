"""A small marketplace shared by the API tests: services, professionals in several states, customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import make_service, start_passed


@dataclass
class Market:
    api: object
    admin: str
    plumbing: int
    cleaning: int
    pro: dict  # approved plumber in 560034
    pro_token: str
    pro2: dict  # approved plumber in 400053
    pro2_token: str
    cleaner: dict
    cleaner_token: str
    pending: dict
    pending_token: str
    alice: dict
    alice_token: str
    bob: dict
    bob_token: str
    extra: dict = field(default_factory=dict)

    def book(self, token=None, professional=None, service_id=None, **extra):
        professional = professional or self.pro
        body = {
            "service_id": service_id or professional["service_id"],
            "professional_id": professional["professional_id"],
            **extra,
        }
        resp = self.api.post("/api/service-requests", token or self.alice_token, json=body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    def act(self, request_id, token, **body):
        return self.api.patch(f"/api/service-requests/{request_id}", token, json=body)

    def started(self, request_id, hours_ago=1):
        """Move the booking's start `hours_ago` hours into the past (tests.factories.start_passed)."""
        return start_passed(self.api.app, request_id, hours_ago)


IST = ZoneInfo("Asia/Kolkata")


def future(days=1, hour=10, minute=0) -> str:
    """A free time of a new professional: `hour`:`minute` in Asia/Kolkata, `days` days from today
    (a Sunday, when professionals do not work by default, moves to the Monday), in UTC."""
    day = datetime.now(IST).date() + timedelta(days=days)
    if day.weekday() == 6:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=IST).astimezone(UTC).isoformat()


@pytest.fixture
def market(app, api):
    plumbing = make_service(app, "Plumbing Repair", "299.00", 45, "Leaks, taps and blocked drains.")
    cleaning = make_service(app, "Home Deep Cleaning", "1499.50", 240, "Kitchen, bathrooms and floors.")
    pro, pro_token = api.register_professional(plumbing, name="Ravi Kumar", pin_code="560034", location="Koramangala, Bengaluru")
    pro2, pro2_token = api.register_professional(plumbing, name="Suresh Patil", pin_code="400053", location="Andheri West, Mumbai")
    cleaner, cleaner_token = api.register_professional(cleaning, name="Anita Desai", pin_code="560034", location="Koramangala, Bengaluru")
    pending, pending_token = api.register_professional(cleaning, approve=False, name="Kavita Rao", pin_code="110017", location="Saket, Delhi")
    alice, alice_token = api.register_customer(name="Alice Customer")
    bob, bob_token = api.register_customer(name="Bob Customer")
    return Market(
        api=api,
        admin=api.admin(),
        plumbing=plumbing,
        cleaning=cleaning,
        pro=pro,
        pro_token=pro_token,
        pro2=pro2,
        pro2_token=pro2_token,
        cleaner=cleaner,
        cleaner_token=cleaner_token,
        pending=pending,
        pending_token=pending_token,
        alice=alice,
        alice_token=alice_token,
        bob=bob,
        bob_token=bob_token,
    )
