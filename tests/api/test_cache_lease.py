"""The lease that lets a process trust Redis, and the wait of a write that could not reach Redis."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest
from sqlalchemy import update

from household import cache, create_app
from household.auth.tokens import hash_token
from household.extensions import db
from household.models import CacheState
from tests.conftest import REDIS_BASE, app_config
from tests.factories import ADMIN_EMAIL, PASSWORD
from tests.netproxy import CuttableProxy

LEASE = 1.5


@pytest.fixture
def proxied(database_url, tmp_root):
    target = urlparse(REDIS_BASE)
    proxy = CuttableProxy(target.hostname, target.port or 6379)
    url = f"redis://{proxy.url_host}/{target.path.lstrip('/') or '0'}"
    app = create_app(app_config(database_url, tmp_root) | {
        "REDIS_URL": url, "CACHE_REDIS_URL": url, "RATELIMIT_STORAGE_URI": url,
        "CACHE_KEY_PREFIX": "hs-lease:", "CACHE_LEASE_SECONDS": LEASE})
    yield app, proxy
    proxy.close()
    cache.reset_state()


def _losses(app) -> int:
    with app.app_context():
        found = db.session.get(CacheState, 1)
        db.session.remove()
        return found.lost if found else 0


def test_a_write_that_loses_an_invalidation_waits_out_the_live_lease_and_no_longer(proxied, market):
    app, proxy = proxied
    client = app.test_client()
    token = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        # The fixtures' requests went through the main test app (longer leases, same database):
        # here the only lease is the one granted next.
        db.session.execute(update(CacheState).values(lease_until_ms=0))
        db.session.commit()
        db.session.remove()
    cache.reset_state()
    assert client.get("/api/services").status_code == 200  # grants a lease
    granted = time.time()

    proxy.cut()
    started = time.time()
    resp = client.put(f"/api/services/{market.plumbing}", json={"price": 321}, headers=auth)
    took = time.time() - started
    assert resp.status_code == 200
    assert _losses(app) == 1
    # Held until the lease granted before the loss had run out.
    assert time.time() >= granted + LEASE
    time.sleep(max(0.0, granted + LEASE + 0.3 - time.time()))

    # No lease is live any more: the next lost invalidation is counted, and answered at once.
    started = time.time()
    resp = client.put(f"/api/services/{market.plumbing}", json={"price": 322}, headers=auth)
    assert resp.status_code == 200
    assert time.time() - started < took
    assert time.time() - started < LEASE
    assert _losses(app) == 2


def test_redis_is_emptied_before_it_is_trusted_again_after_a_loss(app, market):
    api = market.api
    redis = app.extensions["household_redis"]
    api.get("/api/services")
    api.get("/api/auth/me", market.alice_token)
    stale = [k for k in redis.keys("hs-test:*") if not k.startswith(b"hs-test:rl")]
    assert any(b":auth:" in k for k in stale) and any(b":c:" in k for k in stale)
    with app.app_context():
        epoch = cache.renew()
        lease_key = cache.lease_key()
        cache._count_loss()
    redis.delete(lease_key)  # the lease runs out
    cache.reset_state()
    with app.app_context():
        new_epoch = cache.renew()
    assert new_epoch and new_epoch != epoch
    left = {k for k in redis.keys("hs-test:*") if not k.startswith(b"hs-test:rl")}
    assert not any(b":auth:" in k or b":c:" in k or b":v:" in k for k in left), left
    # Trusted again until the next loss: the same epoch on renewal.
    redis.delete(lease_key)
    cache.reset_state()
    with app.app_context():
        assert cache.renew() == new_epoch


def test_on_sqlite_a_busy_database_costs_a_lease_not_five_seconds(app, market):
    """A writer holding SQLite's lock (a job's batch) makes the lease wait briefly, then go without."""
    import sqlite3

    if app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0] != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        cache.reset_state()
        app.extensions["household_redis"].delete("hs-test:lease")
        started = time.monotonic()
        with app.app_context():
            assert cache.renew() is None
        assert time.monotonic() - started < 1.0
        # The catalogue is still answered, from the database, without asking it again for a second.
        started = time.monotonic()
        assert market.api.get("/api/services").status_code == 200
        assert time.monotonic() - started < 0.15
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    time.sleep(1.05)
    with app.app_context():
        assert cache.renew() is not None


def test_no_lease_is_granted_while_another_process_is_still_emptying_redis(app, market):
    api = market.api
    redis = app.extensions["household_redis"]
    api.get("/api/auth/me", market.alice_token)
    with app.app_context():
        cache._count_loss()
        redis.delete(cache.lease_key())
        # Another process has begun to empty Redis and not finished: its lock is held.
        redis.set("hs-test:flushing", 1, ex=60)
        cache.reset_state()
        assert cache.renew() is None
    # Meanwhile nothing from Redis is trusted: the identity is looked up in the database.
    assert api.get("/api/auth/me", market.alice_token).status_code == 200
    assert redis.exists(f"hs-test:auth:{hash_token(market.alice_token)}")
    redis.delete("hs-test:flushing")
    cache.reset_state()
    with app.app_context():
        assert cache.renew() is not None
    assert not [k for k in redis.keys("hs-test:auth:*") if b"gone" not in k]


def test_a_new_redis_caches_no_identity_at_first(app, market):
    """Revocation markers went with the old Redis: an identity read before a revocation must not come back."""
    redis = app.extensions["household_redis"]
    redis.flushdb()  # a Redis restarted empty
    cache.reset_state()
    assert market.api.get("/api/auth/me", market.alice_token).status_code == 200
    assert redis.exists("hs-test:flushed")
    assert not [k for k in redis.keys("hs-test:auth:*") if b"gone" not in k]
