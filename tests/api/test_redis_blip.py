"""Revocations and invalidations hold across web processes through a Redis blip.

The real server (household.serving) with several worker processes talks to the real Redis through a proxy that the
test cuts (Redis keeps everything it holds, nobody can reach it) and restores. While it is cut,
a user logs out, is blocked, changes their password, or the admin changes a price. Once Redis
is back, no worker may accept the old token or serve the old price, whichever worker answers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis
import requests

from household.extensions import db
from household.models import ServiceRequest, User
from tests.conftest import REDIS_BASE
from tests.factories import ADMIN_EMAIL, PASSWORD
from tests.netproxy import CuttableProxy
from tests.support import web_server

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
BURST = 24  # concurrent requests, so that every worker answers some


@pytest.fixture(scope="module")
def proxy():
    target = urlparse(REDIS_BASE)
    p = CuttableProxy(target.hostname or "127.0.0.1", target.port or 6379)
    yield p
    p.close()


@pytest.fixture(scope="module")
def server(app, proxy, tmp_path_factory):
    """WORKERS processes, with Redis behind the proxy."""
    db_number = urlparse(REDIS_BASE).path.lstrip("/") or "0"
    with web_server(app, tmp_path_factory.mktemp("blip"), WEB_WORKERS=str(WORKERS),
                    REDIS_URL=f"redis://{proxy.url_host}/{db_number}", CACHE_KEY_PREFIX="hs-blip:") as running:
        yield running.base


class Http:
    """Plain HTTP against the server, a new connection per request (so they spread over workers)."""

    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Connection": "close"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.base + path, headers=headers, timeout=15, **kwargs)

    def login(self, email: str) -> str:
        resp = self.call("POST", "/api/auth/login", json={"email": email, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return resp.json()["token"]

    def burst(self, method: str, path: str, token: str | None = None, **kwargs) -> list[requests.Response]:
        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(lambda _: self.call(method, path, token, **kwargs), range(BURST)))


def _warm(http: Http, token: str) -> None:
    """Every worker caches the caller's identity, their lists and the catalogue (stored answers too)."""
    # A Redis that has been up all along (a new one caches no identity for two minutes).
    redis.Redis.from_url(REDIS_BASE).set("hs-blip:applied", 0)
    for path in ("/api/auth/me", "/api/service-requests", "/api/service-history"):
        assert {r.status_code for r in http.burst("GET", path, token)} == {200}
    assert {r.status_code for r in http.burst("GET", "/api/services")} == {200}


def _statuses(responses) -> list[int]:
    return sorted(r.status_code for r in responses)


@pytest.mark.parametrize("how", ["logout", "block", "password"])
def test_a_token_revoked_while_redis_is_unreachable_stays_revoked(app, server, proxy, market, how):
    http = Http(server)
    alice = market.alice
    token = http.login(alice["email"])
    admin = http.login(ADMIN_EMAIL)
    other = http.login(alice["email"])
    _warm(http, token)

    proxy.cut()
    try:
        if how == "logout":
            assert http.call("POST", "/api/auth/logout", token).status_code == 204
        elif how == "block":
            assert http.call("PUT", f"/api/users/{alice['id']}/block", admin).status_code == 200
        else:
            body = {"current_password": PASSWORD, "new_password": "a brand new passphrase 2026"}
            assert http.call("POST", "/api/auth/password", other, json=body).status_code == 204
    finally:
        proxy.restore()

    refused = {401, 403} if how == "block" else {401}
    for path in ("/api/auth/me", "/api/service-requests", "/api/service-history"):
        statuses = _statuses(http.burst("GET", path, token))
        assert set(statuses) <= refused, (path, statuses)
    # Writes with the old token are refused too, and change nothing.
    edits = http.burst("PATCH", "/api/auth/me", token, json={"name": "Changed After Revocation"})
    assert set(_statuses(edits)) <= refused
    booking = {"service_id": market.plumbing, "professional_id": market.pro["professional_id"]}
    assert set(_statuses(http.burst("POST", "/api/service-requests", token, json=booking))) <= refused
    with app.app_context():
        assert db.session.get(User, alice["id"]).name == alice["name"]
        assert db.session.query(ServiceRequest).count() == 0
        db.session.remove()


def test_a_price_changed_while_redis_is_unreachable_is_never_served_stale(server, proxy, market):
    http = Http(server)
    admin = http.login(ADMIN_EMAIL)
    token = http.login(market.alice["email"])
    _warm(http, token)
    before = {s["id"]: s["price"] for s in http.call("GET", "/api/services").json()}
    assert before[market.plumbing] != 777.0

    proxy.cut()
    try:
        changed = http.call("PUT", f"/api/services/{market.plumbing}", admin, json={"price": 777})
        assert changed.status_code == 200, changed.text
    finally:
        proxy.restore()

    for resp in http.burst("GET", "/api/services"):
        assert resp.status_code == 200
        prices = {s["id"]: s["price"] for s in resp.json()}
        assert prices[market.plumbing] == 777.0
    for resp in http.burst("GET", f"/api/service-packages/{market.plumbing}"):
        assert resp.status_code == 200
