"""Every cached GET equals the same GET computed without the cache, after any sequence of writes.

Several users make random writes (profile edits, catalogue changes, bookings and every action on
them, their start passing, blocking and approval). After each step, every list a caller can read is fetched from the
app under test (cache and stored answers on) and from a second app on the same database whose
Redis keys are dropped before each of its requests, so it always computes from the database.
"""

from __future__ import annotations

import random

import pytest
import redis

from household import create_app
from tests.conftest import REDIS_BASE, app_config
from tests.factories import Api

STEPS = 30
REFERENCE_PREFIX = "hs-reference:"


@pytest.fixture
def reference(database_url, tmp_root):
    ref = create_app(app_config(database_url, tmp_root) | {"CACHE_KEY_PREFIX": REFERENCE_PREFIX})
    client = redis.Redis.from_url(REDIS_BASE)

    def get(path: str, token: str | None):
        keys = client.keys(REFERENCE_PREFIX + "*")
        if keys:
            client.delete(*keys)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return ref.test_client().get(path, headers=headers)

    return get


PINS = ["560034", "560038", "400053", "110017"]
PLACES = ["Koramangala, Bengaluru", "Indiranagar, Bengaluru", "Andheri West, Mumbai", "Saket, Delhi", None]
NAMES = ["Meera Iyer", "Arjun Nair", "Farah Khan", "Vikram Singh", "Lakshmi Menon", "Rohan Das"]


class World:
    def __init__(self, market, rng: random.Random):
        self.m = market
        self.api: Api = market.api
        self.rng = rng
        self.customers = [(market.alice, market.alice_token), (market.bob, market.bob_token)]
        self.pros = [(market.pro, market.pro_token), (market.pro2, market.pro2_token),
                     (market.cleaner, market.cleaner_token), (market.pending, market.pending_token)]
        self.services = [market.plumbing, market.cleaning]
        self.requests: list[int] = []

    # --- writes -------------------------------------------------------------------------------
    def customer_profile(self):
        _, token = self.rng.choice(self.customers)
        field = self.rng.choice(["name", "phone", "address", "pin_code", "location"])
        value = {
            "name": self.rng.choice(NAMES),
            "phone": f"+9198{self.rng.randrange(10**8):08d}",
            "address": f"{self.rng.randrange(1, 300)} {self.rng.choice(['MG Road', 'Park Street', 'Link Road'])}",
            "pin_code": self.rng.choice(PINS),
            "location": self.rng.choice(PLACES),
        }[field]
        self.api.patch("/api/auth/me", token, json={field: value})

    def professional_profile(self):
        _, token = self.rng.choice(self.pros)
        field = self.rng.choice(["name", "phone", "pin_code", "location", "description", "experience_years"])
        value = {
            "name": self.rng.choice(NAMES),
            "phone": f"+9197{self.rng.randrange(10**8):08d}",
            "pin_code": self.rng.choice(PINS),
            "location": self.rng.choice(PLACES),
            "description": f"Careful, tidy work; {self.rng.randrange(100)} happy homes.",
            "experience_years": self.rng.randrange(0, 30),
        }[field]
        self.api.patch("/api/auth/me", token, json={field: value})

    def service_change(self):
        sid = self.rng.choice(self.services)
        body = self.rng.choice([
            {"price": self.rng.randrange(100, 3000)},
            {"name": f"{self.rng.choice(['Plumbing', 'Cleaning', 'Repairs'])} {self.rng.randrange(1000)}"},
            {"description": f"Now with {self.rng.randrange(10)} more tools."},
            {"time_required": self.rng.choice([30, 60, 90, 120])},
        ])
        self.api.put(f"/api/services/{sid}", self.m.admin, json=body)

    def service_add_or_delete(self):
        if self.rng.random() < 0.5 or len(self.services) <= 2:
            resp = self.api.post("/api/services", self.m.admin, json={
                "name": f"Appliance Repair {self.rng.randrange(10**6)}", "price": 650,
                "description": "Washing machines and fridges.", "time_required": 60})
            if resp.status_code == 201:
                self.services.append(resp.get_json()["id"])
        else:
            sid = self.services.pop()
            self.api.delete(f"/api/services/{sid}", self.m.admin)

    def block_or_unblock(self):
        user, _ = self.rng.choice(self.customers + self.pros[:3])
        action = self.rng.choice(["block", "unblock"])
        self.api.put(f"/api/users/{user['id']}/{action}", self.m.admin)

    def approve_or_reject(self):
        user, _ = self.rng.choice(self.pros)
        self.api.put(f"/api/users/{user['id']}/{self.rng.choice(['approve', 'reject'])}", self.m.admin)

    def book(self):
        _, token = self.rng.choice(self.customers)
        pro, _ = self.rng.choice(self.pros[:3])
        resp = self.api.post("/api/service-requests", token, json={
            "service_id": pro["service_id"], "professional_id": pro["professional_id"],
            "remarks": self.rng.choice(["Kitchen tap", "Before noon please", ""])})
        if resp.status_code == 201:
            self.requests.append(resp.get_json()["id"])

    def act(self):
        if not self.requests:
            return self.book()
        rid = self.rng.choice(self.requests)
        body = self.rng.choice([
            {"action": "accept"}, {"action": "reject", "reason": "Fully booked that day"}, {"action": "cancel"},
            {"action": "complete"}, {"action": "withdraw", "reason": "Unwell"},
            {"action": "close", "rating": self.rng.randrange(1, 6), "review": "Good work."},
            {"remarks": f"Gate code {self.rng.randrange(1000, 9999)}"},
        ])
        for _, token in self.customers + self.pros:
            self.api.patch(f"/api/service-requests/{rid}", token, json=body)

    def start_passes(self):
        """A booking's time comes (straight in the database): it can then be completed or closed."""
        if not self.requests:
            return self.book()
        self.m.started(self.rng.choice(self.requests))

    def step(self):
        self.rng.choice([
            self.customer_profile, self.customer_profile, self.professional_profile, self.service_change,
            self.service_add_or_delete, self.block_or_unblock, self.approve_or_reject, self.book, self.book,
            self.act, self.act, self.act, self.start_passes,
        ])()

    # --- reads --------------------------------------------------------------------------------
    def reads(self):
        """(path, token) for every list each caller can read."""
        out = [("/api/services", None), ("/api/services?pin_code=560034", None), ("/api/services?q=repair", None),
               ("/api/services?include=numbers&sort=popular", None)]
        out += [(f"/api/service-packages/{sid}", None) for sid in self.services]
        out += [(f"/api/service-packages/{sid}?pin_code=560034", None) for sid in self.services[:2]]
        for _user, token in self.customers:
            out += [("/api/service-requests", token), ("/api/service-history", token), ("/api/services", token),
                    ("/api/services?include=numbers", token)]
        for user, token in self.pros:
            out += [("/api/service-requests", token),
                    (f"/api/service-requests/professional/{user['professional_id']}", token)]
        out += [("/api/service-requests", self.m.admin), ("/api/service-requests?status=requested", self.m.admin)]
        out += [(f"/api/service-requests/professional/{u['professional_id']}", self.m.admin) for u, _ in self.pros]
        return out


def _answer(resp):
    return resp.status_code, resp.headers.get("X-Total-Count"), resp.get_json(silent=True)


@pytest.mark.parametrize("seed", [11, 2026])
def test_cached_reads_equal_uncached_reads_after_every_write(market, reference, seed):
    world = World(market, random.Random(seed))
    for _, token in world.customers:  # some history to start from
        market.book(token)
    for step in range(STEPS):
        world.step()
        for path, token in world.reads():
            # Twice from the app under test: the second is answered by the cache or a stored answer.
            market.api.get(path, token)
            cached = _answer(market.api.get(path, token))
            fresh = _answer(reference(path, token))
            assert cached == fresh, f"step {step}: {path} differs from the database"
