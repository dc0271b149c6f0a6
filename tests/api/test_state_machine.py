"""Random sequences of actions by several people, with the platform's invariants checked after every step."""

from __future__ import annotations

import random
from datetime import datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from household import clock
from household.domain import lifecycle
from household.extensions import db
from household.models import STATUSES, Professional, ServiceRequest
from tests.factories import Api, make_service, start_passed

ACTIONS = ["accept", "reject", "complete", "withdraw", "cancel", "close"]


def make_machine(app):
    class Marketplace(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            from household.domain.accounts import ensure_admin
            from tests.conftest import _clean_database
            from tests.factories import ADMIN_EMAIL, PASSWORD

            app.extensions["household_redis"].flushdb()
            with app.app_context():
                _clean_database()
                ensure_admin(db.session, ADMIN_EMAIL, PASSWORD)
                db.session.remove()
            self.api = Api(app)
            service = make_service(app, "Plumbing")
            self.pros = [self.api.register_professional(service) for _ in range(2)]
            self.customers = [self.api.register_customer() for _ in range(2)]
            self.admin = self.api.admin()
            self.known: dict[int, dict] = {}  # request id -> last seen row

        @rule(c=st.integers(0, 1), p=st.integers(0, 1), with_date=st.booleans(), nth=st.integers(0, 20))
        def book(self, c, p, with_date, nth):
            user, token = self.customers[c]
            pro = self.pros[p][0]
            body = {"service_id": pro["service_id"], "professional_id": pro["professional_id"]}
            if with_date:
                # One of the professional's free times (a taken one is a 409, tested elsewhere).
                free = self.api.get(f"/api/professionals/{pro['professional_id']}/slots?days=14").get_json()
                body["date_of_request"] = free[nth % len(free)]["start"]
            resp = self.api.post("/api/service-requests", token, json=body)
            assert resp.status_code == 201, resp.get_json()
            row = resp.get_json()
            assert row["status"] == "requested"
            self.known[row["id"]] = row

        @precondition(lambda self: self.known)
        @rule(pick=st.randoms(use_true_random=False))
        def start_passes(self, pick):
            """A booking's time comes (bookings are made in the future; this moves one into the past)."""
            req_id = pick.choice(sorted(self.known))
            start_passed(app, req_id)
            self.known[req_id] = self.api.get(f"/api/service-requests/{req_id}", self.admin).get_json()

        @precondition(lambda self: self.known)
        @rule(pick=st.randoms(use_true_random=False), action=st.sampled_from(ACTIONS), who=st.sampled_from(["customer", "pro", "other"]), rating=st.one_of(st.none(), st.integers(1, 5)), reason=st.one_of(st.none(), st.just("Not feeling well")))
        def act(self, pick, action, who, rating, reason):
            req_id = pick.choice(sorted(self.known))
            before = self.known[req_id]
            owner = next(t for u, t in self.customers if u["customer_id"] == before["customer_id"])
            assigned = next(t for u, t in self.pros if u["professional_id"] == before["professional_id"])
            stranger = next(t for u, t in self.customers if u["customer_id"] != before["customer_id"])
            token = {"customer": owner, "pro": assigned, "other": stranger}[who]
            body = {"action": action}
            if action == "close" and rating is not None:
                body["rating"] = rating
            if action in ("reject", "withdraw") and reason is not None:
                body["reason"] = reason
            resp = self.api.patch(f"/api/service-requests/{req_id}", token, json=body)
            actor = {"customer": lifecycle.CUSTOMER, "pro": lifecycle.PROFESSIONAL}.get(who)
            started = datetime.fromisoformat(before["date_of_request"]) <= clock.now()
            if who == "other":
                assert resp.status_code == 404
            elif lifecycle.allowed(before["status"], action, actor, started=started):
                assert resp.status_code == 200, resp.get_json()
            else:
                assert resp.status_code in (403, 409), resp.get_json()
            after = self.api.get(f"/api/service-requests/{req_id}", self.admin).get_json()
            if resp.status_code == 200:
                assert after["status"] == lifecycle.TRANSITIONS[action].target
                assert after["status_history"][-1]["status"] == after["status"]
                assert after["status_history"][-1]["by"] == actor
                if after["status"] == "cancelled":
                    assert after["cancelled_by"] == actor
                if action in ("reject", "withdraw"):
                    assert after["status_reason"] == body.get("reason")
            else:
                assert after["status"] == before["status"]
            self.known[req_id] = after

        @precondition(lambda self: self.known)
        @rule(pick=st.randoms(use_true_random=False))
        def edit(self, pick):
            req_id = pick.choice(sorted(self.known))
            before = self.known[req_id]
            owner = next(t for u, t in self.customers if u["customer_id"] == before["customer_id"])
            resp = self.api.patch(f"/api/service-requests/{req_id}", owner, json={"remarks": f"edit {pick.random()}"})
            assert resp.status_code == (200 if before["status"] in lifecycle.EDITABLE else 409)
            self.known[req_id] = self.api.get(f"/api/service-requests/{req_id}", self.admin).get_json()

        @invariant()
        def rows_are_consistent(self):
            if not hasattr(self, "api"):
                return
            rows = {r["id"]: r for r in self.api.get("/api/service-requests?per_page=1000", self.admin).get_json()}
            assert set(rows) == set(self.known)
            for req_id, row in rows.items():
                seen = self.known[req_id]
                # One professional per request, for its whole life.
                assert row["professional_id"] == seen["professional_id"]
                assert row["status"] == seen["status"]
                # Ratings only on closed requests; a completion date only when completed or closed.
                if row["rating"] is not None:
                    assert row["status"] == "closed"
                assert (row["date_of_completion"] is not None) == (row["status"] in ("completed", "closed"))
            # No two held bookings of one professional overlap, the travel buffer included.
            with app.app_context():
                held = db.session.execute(
                    select(ServiceRequest.professional_id, ServiceRequest.date_of_request, ServiceRequest.held_until)
                    .where(ServiceRequest.status.in_(("requested", "assigned")))
                    .order_by(ServiceRequest.professional_id, ServiceRequest.date_of_request)
                ).all()
                db.session.remove()
            for before, after in zip(held, held[1:], strict=False):
                if before[0] == after[0]:
                    assert after[1] >= before[2], (before, after)
            # The dashboard counts match the rows.
            summary = self.api.get("/api/summary", self.admin).get_json()
            for status, n in summary["requests_by_status"].items():
                assert n == sum(1 for r in rows.values() if r["status"] == status)
            # The admin's list totals (trigger-kept counters) match the rows, per status and in all.
            for status in (None, *STATUSES):
                query = "" if status is None else f"?status={status}"
                total = self.api.get(f"/api/service-requests{query}", self.admin).headers["X-Total-Count"]
                assert int(total) == sum(1 for r in rows.values() if status in (None, r["status"]))
            ratings = summary["ratings"]
            for stars in range(1, 6):
                assert ratings[str(stars)] == sum(1 for r in rows.values() if r["rating"] == stars)
            # Professionals' aggregates match their rated requests.
            with app.app_context():
                for pro in db.session.execute(select(Professional)).scalars():
                    rated = db.session.execute(
                        select(func.count(), func.coalesce(func.sum(ServiceRequest.rating), 0)).where(
                            ServiceRequest.professional_id == pro.id, ServiceRequest.rating.is_not(None)
                        )
                    ).one()
                    assert (pro.rating_count, pro.rating_sum) == (rated[0], rated[1])
                db.session.remove()

    return Marketplace


def test_random_sequences_keep_the_invariants(app):
    machine = make_machine(app)
    machine.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    random.seed(0)
    machine.TestCase().runTest()
