"""The caller's identity is remembered in Redis, and forgotten the moment it is revoked."""

from __future__ import annotations

from household.auth.tokens import hash_token
from tests.factories import lose_an_invalidation


def identity_key(app, token):
    return f"{app.config['CACHE_KEY_PREFIX']}auth:{hash_token(token)}"


def test_hot_list_needs_no_database_once_warm(app, market, count_queries):
    api = market.api
    market.book()
    for path in ("/api/service-requests", "/api/service-history"):
        api.get(path, market.alice_token)
    api.get("/api/services")
    with count_queries() as warm:
        resp = api.get("/api/service-requests", market.alice_token)
        history = api.get("/api/service-history", market.alice_token)
        services = api.get("/api/services")
    assert resp.status_code == history.status_code == services.status_code == 200
    assert len(resp.get_json()) == 1
    assert warm.count == 0, warm.statements


def test_block_forgets_cached_identity(app, market):
    api = market.api
    redis = app.extensions["household_redis"]
    api.get("/api/auth/me", market.alice_token)
    assert redis.exists(identity_key(app, market.alice_token))
    api.put(f"/api/users/{market.alice['id']}/block", market.admin)
    assert not redis.exists(identity_key(app, market.alice_token))
    assert api.get("/api/service-requests", market.alice_token).status_code == 401


def test_logout_forgets_cached_identity(app, market):
    api = market.api
    redis = app.extensions["household_redis"]
    api.get("/api/auth/me", market.bob_token)
    assert redis.exists(identity_key(app, market.bob_token))
    assert api.post("/api/auth/logout", market.bob_token).status_code == 204
    assert not redis.exists(identity_key(app, market.bob_token))
    assert api.get("/api/service-requests", market.bob_token).status_code == 401


def test_lost_invalidation_drops_the_cache_when_redis_returns(app, market):
    """If Redis could not be told about a revocation, nothing cached before is trusted afterwards."""
    api = market.api
    redis = app.extensions["household_redis"]
    api.get("/api/auth/me", market.alice_token)
    api.get("/api/services")
    assert redis.exists(identity_key(app, market.alice_token))
    lose_an_invalidation(app)
    assert api.get("/api/services").status_code == 200
    assert not redis.exists(identity_key(app, market.alice_token))
