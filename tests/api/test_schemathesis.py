"""Property-based checks of the served OpenAPI document: no 500s, responses match their schemas."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import ADMIN_EMAIL, PASSWORD

EXAMPLES = 12
SESSION_ENDING = ["/api/auth/logout", "/api/auth/password"]


def run_operations(app, headers: dict) -> list[str]:
    # Logging out (or changing the password) would end the session every later operation is called with,
    # leaving them nothing to answer but 401; their own tests cover them.
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app).exclude(path=SESSION_ENDING)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def check(case):
            # Semantic rules (a date in the past, a professional who is not available) answer 422 to
            # schema-valid bodies on purpose, so "valid data must be accepted" is not checked.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, report all at once
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert operations > 20
    return failures


def test_api_as_admin(app, market):
    client = app.test_client(use_cookies=False)
    token = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}).get_json()["token"]
    failures = run_operations(app, {"Authorization": f"Bearer {token}"})
    assert not failures, "\n\n".join(failures)


def test_api_as_customer(app, market):
    failures = run_operations(app, {"Authorization": f"Bearer {market.alice_token}"})
    assert not failures, "\n\n".join(failures)
