"""Stateful property-based checks of the served OpenAPI document, logged in for real.

Schemathesis chains calls along the links the document declares (household/api/links.py): a service is
created, then read, changed, listed with its professionals and deleted, and a professional signs up for it;
a professional listed for a service is booked, and bookings are read and acted on. Every response must be a
non-500 that matches its schema, and the stateful checks must hold (a resource just created can be read, a
deleted one is gone). Each scenario starts from the same marketplace, so a run is reproducible.

STATEFUL_EXAMPLES and STATEFUL_STEPS make a longer run locally.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime

import pytest
import redis
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from household.extensions import db
from tests.conftest import REDIS_BASE
from tests.factories import ADMIN_EMAIL, PASSWORD

# Bounded for CI: a few hundred requests per role, a few seconds on either database.
SETTINGS = settings(
    max_examples=int(os.environ.get("STATEFUL_EXAMPLES", "40")),
    stateful_step_count=int(os.environ.get("STATEFUL_STEPS", "10")),
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# These end the very session the run is authenticated with; their own tests cover them.
SESSION_ENDING = ["/api/auth/logout", "/api/auth/password"]

# Operations a role is refused with a 403 whatever it sends (test_schemathesis.py checks those answers) are
# left out of that role's run, so that its steps go to the workflows it can follow.
ADMIN_ONLY = [
    ("POST", "/api/services"),
    ("PUT", "/api/services/{service_id}"),
    ("DELETE", "/api/services/{service_id}"),
    ("PUT", "/api/users/{user_id}/{action}"),
]
CUSTOMER_ONLY = [("POST", "/api/service-requests"), ("GET", "/api/service-history")]
# Signing up is what visitors do, not a logged-in customer.
SIGN_UP = [("POST", "/api/auth/register/professional"), ("POST", "/api/auth/register/customer")]

# Catalogue reads whose answers feed the booking links; random filters and pages mostly make them empty.
BROWSED = ("/api/services", "/api/service-packages/{service_id}")


def login(app, email: str) -> str:
    resp = app.test_client(use_cookies=False).post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["token"]


def snapshot(app) -> dict[str, list[dict]]:
    with app.app_context():
        tables = {t.name: [dict(r) for r in db.session.execute(t.select()).mappings()] for t in db.metadata.sorted_tables}
        db.session.remove()
    return tables


def restore(app, tables: dict[str, list[dict]]) -> None:
    """Put every table back as it was (the caller's token too) and forget everything Redis holds."""
    from household.cache import reset_state

    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if tables[table.name]:
                db.session.execute(table.insert(), tables[table.name])
        db.session.commit()
        db.session.remove()
    redis.Redis.from_url(REDIS_BASE).flushdb()
    reset_state()


def _future(value) -> bool:
    try:
        return datetime.fromisoformat(value) > datetime.now(UTC)
    except (TypeError, ValueError):
        return False


def realistic(context, case):
    """Valid bodies also meet the rules the document does not express, so that chains go on past them.

    Money has at most two decimals, phones are Indian mobile numbers, PIN codes exist, a booking is not in the past, and a
    change of request is either one action (a close may carry a rating and review, a reject or a withdrawal a
    reason) or an edit.
    """
    body = case.body
    if not isinstance(body, dict) or (case.meta and case.meta.is_negative_at(ParameterLocation.BODY)):
        return case
    if isinstance(body.get("price"), float):
        body["price"] = round(body["price"], 2)
    if isinstance(body.get("phone"), str):
        body["phone"] = "+91 98450 12345"
    if isinstance(body.get("pin_code"), str):  # the app knows India's PIN codes; the document has only their shape
        body["pin_code"] = "560034"
    if case.path.startswith("/api/service-requests"):
        if body.get("date_of_request") is not None and not _future(body["date_of_request"]):
            del body["date_of_request"]
        if case.method.upper() == "PATCH":
            if "action" in body:
                keep = {"id", "action"} | ({"rating", "review"} if body["action"] == "close" else set())
                keep |= {"reason"} if body["action"] in ("reject", "withdraw") else set()
            else:
                keep = {"id", "remarks", "date_of_request"}
            for name in set(body) - keep:
                del body[name]
    return case


def browsing(context, case):
    """Half of the valid catalogue reads are plain first pages, as most of the app's reads are."""
    if case.path not in BROWSED or (case.meta and case.meta.is_negative_at(ParameterLocation.QUERY)):
        return st.just(case)

    def plain(yes: bool):
        if yes:
            case.query = {}
        return case

    return st.booleans().map(plain)


def run_workflows(app, token: str, leave_out=()) -> Counter:
    """Run the state machine with a bearer token; return how often each (method, path, status) was seen."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app).exclude(path=SESSION_ENDING)
    for method, path in leave_out:
        schema = schema.exclude(method=method, path=path)
    schema.hook("map_case")(realistic)
    schema.hook("flatmap_case")(browsing)
    # Only the declared links: the inferred ones (a user's service_id -> DELETE that service, ...) spend the
    # steps on chains no client follows, and the run then rarely gets as far as a booking.
    schema.config.phases.stateful.inference.algorithms = []
    headers = {"Authorization": f"Bearer {token}"}
    seen: Counter = Counter()
    initial = snapshot(app)

    class Workflows(schema.as_state_machine()):
        def setup(self):
            restore(app, initial)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def after_call(self, response, case):
            super().after_call(response, case)
            seen[(case.method.upper(), case.path, response.status_code)] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # Semantic rules (a date in the past, a professional who is not available) answer 422 to
            # schema-valid bodies on purpose, so "valid data must be accepted" is not checked.
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=[positive_data_acceptance],
                headers=headers,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflows.run(settings=SETTINGS)
    return seen


def succeeded(seen: Counter, method: str, path: str) -> int:
    return sum(n for (m, p, status), n in seen.items() if m == method and p == path and 200 <= status < 300)


@pytest.fixture
def booked(market):
    """Alice has one request waiting for the plumber and one the cleaner accepted, whose time has come
    (so that it can be completed or closed)."""
    market.book()
    accepted = market.book(professional=market.cleaner)
    assert market.act(accepted["id"], market.cleaner_token, action="accept").status_code == 200
    market.started(accepted["id"])
    return market


def test_workflows_as_admin(app, booked):
    seen = run_workflows(app, login(app, ADMIN_EMAIL), leave_out=CUSTOMER_ONLY)
    # The run got past validation into real chains: services created, then used through their links.
    assert succeeded(seen, "POST", "/api/services"), seen
    by_id = ("GET", "PUT", "DELETE")
    assert sum(succeeded(seen, method, "/api/services/{service_id}") for method in by_id), seen
    assert succeeded(seen, "GET", "/api/service-packages/{service_id}"), seen
    assert succeeded(seen, "POST", "/api/auth/register/professional"), seen


def test_workflows_as_customer(app, booked):
    seen = run_workflows(app, login(app, booked.alice["email"]), leave_out=ADMIN_ONLY + SIGN_UP)
    # Bookings made through the links from a service's professionals; requests read and acted on.
    assert succeeded(seen, "POST", "/api/service-requests"), seen
    assert succeeded(seen, "GET", "/api/service-requests/{request_id}"), seen
    assert succeeded(seen, "PATCH", "/api/service-requests/{request_id}"), seen
