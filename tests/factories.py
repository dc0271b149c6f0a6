"""Builders for test data: through the API where the behaviour matters, straight into the database where it doesn't."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from household.extensions import db
from household.models import Service

ADMIN_EMAIL = "admin@household.test"
PASSWORD = "correct horse battery"  # noqa: S105

_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}"


def customer_payload(**overrides) -> dict:
    n = next(_seq)
    data = {
        "email": f"customer{n}@example.com",
        "password": PASSWORD,
        "name": f"Customer {n}",
        "phone": "+91 98450 12345",
        "address": "12, 5th Cross, Koramangala",
        "pin_code": "560034",
        "location": "Bengaluru",
    }
    data.update(overrides)
    return data


def professional_payload(service_id: int, **overrides) -> dict:
    n = next(_seq)
    data = {
        "email": f"pro{n}@example.com",
        "password": PASSWORD,
        "name": f"Professional {n}",
        "phone": "9845012345",
        "service_id": service_id,
        "experience_years": 5,
        "description": "Five years of plumbing in Bengaluru homes.",
        "pin_code": "560034",
        "location": "Bengaluru",
    }
    data.update(overrides)
    return data


def make_service(app, name: str | None = None, price: str = "499.00", minutes: int = 60, description: str = "") -> int:
    with app.app_context():
        service = Service(
            name=name or unique("Service "),
            price=Decimal(price),
            time_required=minutes,
            description=description or "A useful home service.",
        )
        db.session.add(service)
        db.session.commit()
        return service.id


class Api:
    """A thin driver over Flask's test client that speaks the API with bearer tokens."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client(use_cookies=False)

    @staticmethod
    def auth(token: str | None) -> dict:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, token: str | None = None, **kwargs):
        headers = {**self.auth(token), **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, token=None, **kw):
        return self.call("GET", path, token, **kw)

    def post(self, path, token=None, **kw):
        return self.call("POST", path, token, **kw)

    def put(self, path, token=None, **kw):
        return self.call("PUT", path, token, **kw)

    def patch(self, path, token=None, **kw):
        return self.call("PATCH", path, token, **kw)

    def delete(self, path, token=None, **kw):
        return self.call("DELETE", path, token, **kw)

    def login(self, email: str, password: str = PASSWORD) -> str:
        resp = self.post("/api/auth/login", json={"email": email, "password": password})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["token"]

    def admin(self) -> str:
        return self.login(ADMIN_EMAIL)

    def register_customer(self, **overrides) -> tuple[dict, str]:
        data = customer_payload(**overrides)
        resp = self.post("/api/auth/register/customer", json=data)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["user"], self.login(data["email"], data["password"])

    def register_professional(self, service_id: int, approve: bool = True, **overrides) -> tuple[dict, str]:
        data = professional_payload(service_id, **overrides)
        resp = self.post("/api/auth/register/professional", json=data)
        assert resp.status_code == 201, resp.get_json()
        user = resp.get_json()["user"]
        if approve:
            r = self.put(f"/api/users/{user['id']}/approve", self.admin())
            assert r.status_code == 200, r.get_json()
            user = r.get_json()
        return user, self.login(data["email"], data["password"])


def lose_an_invalidation(app) -> None:
    """As if a write had not reached Redis and the lease then ran out: the next renewal empties Redis."""
    from household import cache

    with app.app_context():
        cache._count_loss()
        app.extensions["household_redis"].delete(cache.lease_key())
    cache.reset_state()  # this process's note of the lease ran out with it


def start_passed(app, request_id: int, hours_ago: float = 1) -> datetime:
    """Move a booking's start into the past, straight in the database: as if its time had come.

    The booking keeps its length and its hold (end_time and held_until move with the start), and its
    answer deadline is not after its start (household.domain.requests.answer_deadline). The new
    start is `hours_ago` hours before now (household.clock) and a further 6 hours per request id, so
    that two bookings moved this way never overlap (the longest service and its buffer last less than
    6 hours): PostgreSQL's exclusion constraint ex_service_requests_held forbids two held bookings of
    one professional to overlap. The request's lists and its professional's free times are told of
    the change like any write (household.domain.changes). Returns the new start.
    """
    from sqlalchemy import select, update

    from household import clock
    from household.domain import changes
    from household.models import ServiceRequest

    with app.app_context():
        s = db.session
        row = s.execute(
            select(
                ServiceRequest.date_of_request,
                ServiceRequest.end_time,
                ServiceRequest.held_until,
                ServiceRequest.answer_by,
                ServiceRequest.customer_id,
                ServiceRequest.professional_id,
                ServiceRequest.service_id,
            ).where(ServiceRequest.id == request_id)
        ).one()
        start = clock.now() - timedelta(hours=hours_ago) - timedelta(hours=6 * request_id)
        shift = start - row.date_of_request
        s.execute(
            update(ServiceRequest)
            .where(ServiceRequest.id == request_id)
            .values(
                date_of_request=start,
                end_time=row.end_time + shift,
                held_until=row.held_until + shift,
                # A booking waits for an answer until its start at the latest (requests.answer_deadline).
                answer_by=min(row.answer_by, start) if row.answer_by is not None else None,
            )
            .execution_options(synchronize_session=False)
        )
        changes.request(s, row.customer_id, row.professional_id)
        changes.schedule(s, row.professional_id, row.service_id)
        s.commit()
        db.session.remove()
    return start
