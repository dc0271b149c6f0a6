"""The one place that knows the cache: keys, versions, and staying up when Redis is down.

Reads go through `cached(...)`. Writes bump a version number that is part of
every key they affect, so an answer cached before a write can never be served
after it. When Redis is unreachable every call degrades to "no cache" and a
short circuit-breaker avoids paying a connection timeout on each request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from flask import Flask, current_app

from household.extensions import cache

log = logging.getLogger("household.cache")

_BREAK_SECONDS = 2.0
_state = {"down_until": 0.0, "flush_pending": False}


def init_cache(app: Flask) -> None:
    app.config.setdefault(
        "CACHE_OPTIONS",
        {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, "health_check_interval": 30},
    )
    cache.init_app(app)
    app.extensions["household_redis"] = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=0.25, socket_timeout=0.5, health_check_interval=30
    )


def redis_client() -> redis.Redis:
    return current_app.extensions["household_redis"]


def _available() -> bool:
    return time.monotonic() >= _state["down_until"]


def _trip(exc: Exception) -> None:
    if _available():
        log.warning("Redis unavailable, serving without cache: %s", exc)
    _state["down_until"] = time.monotonic() + _BREAK_SECONDS


def reset_breaker() -> None:
    _state["down_until"] = 0.0


def reset_state() -> None:
    """Forget breaker and pending-flush state (a fresh process; used by the tests)."""
    _state.update(down_until=0.0, flush_pending=False)


def redis_ok() -> bool:
    """Ping Redis now (ignores the breaker); a success closes the breaker."""
    try:
        redis_client().ping()
    except (redis.RedisError, OSError):
        return False
    reset_breaker()
    return True


def safe(fn: Callable[[], Any], default: Any = None) -> Any:
    """Run a Redis operation; on failure trip the breaker and return `default`.

    If an invalidation was lost while Redis was unreachable, everything cached is dropped
    first, so nothing written before the outage can be served after it.
    """
    if not _available():
        return default
    try:
        if _state.get("flush_pending"):
            cache.clear()
            _state["flush_pending"] = False
        return fn()
    except (redis.RedisError, OSError) as exc:
        _trip(exc)
        return default


def lost_invalidation() -> None:
    """Record that an invalidation could not reach Redis (see `safe`)."""
    _state["flush_pending"] = True


def _prefix() -> str:
    return current_app.config["CACHE_KEY_PREFIX"]


def version(namespace: str) -> int:
    raw = safe(lambda: redis_client().get(f"{_prefix()}v:{namespace}"))
    return int(raw) if raw else 0


def bump(*namespaces: str) -> None:
    """Invalidate everything cached under these namespaces."""
    client = redis_client()

    def _do():
        pipe = client.pipeline(transaction=False)
        for ns in namespaces:
            pipe.incr(f"{_prefix()}v:{ns}")
        pipe.execute()

    if safe(lambda: (_do(), True)[1], default=False) is not True:
        lost_invalidation()


_MISS = object()


def cached(namespaces: tuple[str, ...], key: str, compute: Callable[[], Any], timeout: int = 60) -> Any:
    """Return the cached value for `key` under the current versions of `namespaces`, or compute it."""
    client = redis_client()
    versions = safe(lambda: client.mget([f"{_prefix()}v:{ns}" for ns in namespaces]))
    if versions is None:
        return compute()
    full_key = "c:" + ":".join(f"{ns}{int(v or 0)}" for ns, v in zip(namespaces, versions, strict=True)) + ":" + key
    value = safe(lambda: cache.get(full_key), default=_MISS)
    if value is not None and value is not _MISS:
        return value
    value = compute()
    safe(lambda: cache.set(full_key, value, timeout=timeout))
    return value


# --- Namespaces: what each cached answer depends on, and the writes that change it -------------

CATALOGUE = "catalogue"  # services, who offers them where (approval, blocking, profiles)
RATINGS = "ratings"  # professionals' rating aggregates
REQUESTS = "req"  # names shown in every request list (people, services)


def catalogue_changed() -> None:
    bump(CATALOGUE)


def ratings_changed() -> None:
    bump(RATINGS)


def names_changed() -> None:
    """A person's or a service's name changed: every list that shows names is out of date."""
    bump(REQUESTS, CATALOGUE)


def requests_changed(customer_id: int, professional_id: int) -> None:
    """A request changed: its customer's, its professional's and the admin's lists are out of date."""
    bump(f"req:c{customer_id}", f"req:p{professional_id}", "req:admin")


def request_namespaces(user) -> tuple[str, ...]:
    """The namespaces one caller's request list depends on (the caller is part of the key too)."""
    if user.is_admin:
        return (REQUESTS, "req:admin")
    if user.customer_id is not None:
        return (REQUESTS, f"req:c{user.customer_id}")
    if user.professional_id is not None:
        return (REQUESTS, f"req:p{user.professional_id}")
    return (REQUESTS, f"req:u{user.id}")


def cached_json(namespaces: tuple[str, ...], key: str, compute: Callable[[], tuple[Any, int]], timeout: int = 60):
    """Cache a serialised JSON list body and its total; returns (body, total)."""

    def build():
        payload, total = compute()
        return current_app.json.dumps(payload), total

    return cached(namespaces, key, build, timeout=timeout)
