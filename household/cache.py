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
from flask import Flask, current_app, g, has_request_context

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


def trip(exc: Exception) -> None:
    """Open the breaker after a Redis error (logged once per outage)."""
    if _available():
        log.warning("Redis unavailable, serving without cache: %s", exc)
    _state["down_until"] = time.monotonic() + _BREAK_SECONDS


def usable() -> bool:
    """Redis may be used now: the breaker is closed and no lost invalidation waits to be applied."""
    return _available() and not _state["flush_pending"]


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


# Set for this long after a flush: no identity is cached meanwhile (household.auth.identity), since
# the flush may have dropped revocation markers along with everything else.
FLUSHED_SECONDS = 120


def flushed_key() -> str:
    return f"{_prefix()}flushed"


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
            redis_client().set(flushed_key(), 1, ex=FLUSHED_SECONDS)
            _state["flush_pending"] = False
        return fn()
    except (redis.RedisError, OSError) as exc:
        trip(exc)
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


# One round trip for a cached read: the namespaces' versions and the value stored under them.
# KEYS: the version keys; ARGV[1]: "<prefix>c:", ARGV[2..n+1]: the namespaces, ARGV[n+2]: the key.
_READ_SCRIPT = """
local versions = redis.call('MGET', unpack(KEYS))
local parts = {}
for i, ns in ipairs(KEYS) do
  parts[i] = ARGV[i + 1] .. (versions[i] or '0')
end
local full = ARGV[1] .. table.concat(parts, ':') .. ':' .. ARGV[#ARGV]
versions[#versions + 1] = redis.call('GET', full)
return versions
"""


def script(name: str, source: str):
    """A Lua script registered once per app (redis-py sends EVALSHA, and the source if Redis lost it)."""
    ext = current_app.extensions
    found = ext.get(f"household_script_{name}")
    if found is None:
        found = ext[f"household_script_{name}"] = redis_client().register_script(source)
    return found


def _record_deps(version_keys: list[str], versions: list[int] | None) -> None:
    """Remember which versions this request's answer was built from (see household.fastpath)."""
    if not has_request_context():
        return
    if versions is None:
        g.cache_deps = None  # served without the cache: nothing to offer
        return
    deps = g.get("cache_deps", {})
    if deps is not None:
        deps.update(zip(version_keys, versions, strict=True))
        g.cache_deps = deps


def cached(namespaces: tuple[str, ...], key: str, compute: Callable[[], Any], timeout: int = 60) -> Any:
    """Return the cached value for `key` under the current versions of `namespaces`, or compute it."""
    prefix = _prefix()
    version_keys = [f"{prefix}v:{ns}" for ns in namespaces]
    found = safe(lambda: script("cache_read", _READ_SCRIPT)(keys=version_keys, args=[f"{prefix}c:", *namespaces, key]))
    if found is None:
        _record_deps(version_keys, None)
        return compute()
    versions = [int(v or 0) for v in found[:-1]]
    _record_deps(version_keys, versions)
    if found[-1] is not None:
        value = cache.cache.serializer.loads(found[-1])
        if value is not None:
            return value
    full_key = "c:" + ":".join(f"{ns}{v}" for ns, v in zip(namespaces, versions, strict=True)) + ":" + key
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
