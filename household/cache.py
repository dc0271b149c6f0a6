"""The one place that knows the cache: keys, versions, and staying up when Redis is down.

Reads go through `cached(...)`. Writes bump a version number that is part of
every key they affect, so an answer cached before a write can never be served
after it. When Redis is unreachable every call degrades to "no cache" and a
short circuit-breaker avoids paying a connection timeout on each request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import case
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from household.domain import changes
from household.extensions import cache, db
from household.models import CacheState

log = logging.getLogger("household.cache")

_BREAK_SECONDS = 2.0
# The breaker, and the last lease this process granted (so that its other threads need not).
_state = {"down_until": 0.0, "epoch": None, "lease_end": 0.0, "renewals": 0, "no_grant_until": 0.0,
          "pending_losses": 0}
_renewing = threading.Lock()


def init_cache(app: Flask) -> None:
    app.config.setdefault(
        "CACHE_OPTIONS",
        {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, "health_check_interval": 30},
    )
    cache.init_app(app)
    app.extensions["household_redis"] = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=0.25, socket_timeout=0.5, health_check_interval=30
    )
    app.after_request(_hold_answer)


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
    """Redis may be used now (the breaker is closed)."""
    return _available()


def reset_breaker() -> None:
    _state["down_until"] = 0.0


def reset_state() -> None:
    """Forget the breaker and the lease (a fresh process; used by the tests)."""
    _state.update(down_until=0.0, epoch=None, lease_end=0.0, renewals=0, no_grant_until=0.0, pending_losses=0)


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


_DOWN = object()


def safe(fn: Callable[[], Any], default: Any = None) -> Any:
    """Run a Redis operation; on failure trip the breaker and return `default`."""
    if not _available():
        return default
    try:
        return fn()
    except (redis.RedisError, OSError) as exc:
        trip(exc)
        return default


# --- Trusting Redis: leases, and invalidations that could not reach it ---------------------------
#
# A write commits to the database and then deletes or outdates what Redis holds about it. When
# Redis cannot be reached at that moment, the stale entries stay there, and every process that
# reads them after Redis answers again would serve them: an identity of a token just logged out,
# an answer built before a price changed. Remembering the loss in the process that lost it is not
# enough (the other processes never hear of it), so:
#
# - the loss is counted in the database (CacheState.lost), which every process reads;
# - nothing read from Redis is used without a lease: a key that lives CACHE_LEASE_SECONDS, granted
#   in the same row update that reads the count of losses, and set only once Redis has dropped
#   everything it held from before the losses counted there ("applied" keeps the count dealt with);
# - the write that lost an invalidation reads, in the update that counts its loss, the end of the
#   latest lease granted before, and holds its answer until then (household.cache._hold_answer).
# So once the answer of a logout, a block or a price change has been sent, no process trusts an
# entry Redis held before it. The lease's value is the cache's epoch, a random word that changes
# with each flush; every cached value's key and every stored answer's dependencies carry it, so an
# answer computed before a flush and written after it is never read.

_LEASE_MARGIN = 0.25  # for clocks of different hosts and the lease's own round trip
_FLUSH_LOCK_SECONDS = 60

# KEYS: applied, epoch, lease, flushed. ARGV: losses counted in the database, the lease's end
# (Unix ms, by the granting host's clock), a new epoch in case there is none, the lease's length
# (ms), FLUSHED_SECONDS. False: a loss not yet dealt with (flush first).
# A Redis with no "applied" count is new (or was restarted empty): it holds nothing from before,
# but the revocation markers went with everything else, so it is marked as flushed (no identity is
# cached for a while), exactly as after a flush. The lease ends by the earlier of the two clocks, so
# a web host whose clock runs ahead cannot stretch it.
_RENEW = """
local applied = redis.call('GET', KEYS[1])
if applied and applied ~= ARGV[1] then return false end
if not applied then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[4], 1, 'EX', ARGV[5])
end
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[3]
  redis.call('SET', KEYS[2], epoch)
end
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local ends = math.min(tonumber(ARGV[2]), now_ms + tonumber(ARGV[4]))
redis.call('SET', KEYS[3], epoch, 'PXAT', ends)
return epoch
"""

# Starts a flush: from here on nothing cached before is read (new epoch, no lease) and no
# identity is cached; the keys are then deleted at leisure. KEYS: flush lock, epoch, lease,
# flushed. ARGV: a new epoch, FLUSHED_SECONDS, the lock's lifetime. 0: another process is flushing.
_FLUSH_START = """
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[3]) then return 0 end
redis.call('SET', KEYS[4], 1, 'EX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
"""


def lease_key() -> str:
    return f"{_prefix()}lease"


def _lease_seconds() -> float:
    return float(current_app.config["CACHE_LEASE_SECONDS"])


def _upsert(values: dict, changes: dict):
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(CacheState).values({"id": 1, "lost": 0, "lease_until_ms": 0, **values})
    return stmt.on_conflict_do_update(index_elements=[CacheState.id], set_=changes)


# On SQLite a lease waits at most this long for another writer (a job's batch, a booking): the
# request goes on without the cache rather than wait out SQLite's default five seconds.
_SQLITE_LEASE_WAIT_MS = 200


def _grant(ends_ms: int) -> int:
    """Record a lease ending at `ends_ms` and return the losses counted so far (one row update)."""
    later = case((CacheState.lease_until_ms < ends_ms, ends_ms), else_=CacheState.lease_until_ms)
    stmt = _upsert({"lease_until_ms": ends_ms}, {"lease_until_ms": later}).returning(CacheState.lost)
    with db.engine.connect() as conn:
        # Set on the driver's connection, outside SQLAlchemy's transaction, and put back before
        # the connection returns to the pool.
        raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        if raw is not None:
            previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            raw.execute(f"PRAGMA busy_timeout = {_SQLITE_LEASE_WAIT_MS}")
        try:
            with conn.begin():
                return conn.execute(stmt).scalar_one()
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _count_loss() -> int:
    """Count a lost invalidation and return the end (Unix ms) of the latest lease granted before it."""
    stmt = _upsert({"lost": 1}, {"lost": CacheState.lost + 1}).returning(CacheState.lease_until_ms)
    with db.engine.begin() as conn:
        return conn.execute(stmt).scalar_one()


# After a failed grant (SQLite busy, the database away) this process answers without the cache for
# this long before asking again, instead of making every request wait for the database.
_GRANT_RETRY_SECONDS = 1.0


def renew() -> str | None:
    """Let Redis be trusted for one more lease and return the cache's epoch (None: not now)."""
    prefix = _prefix()
    keys = [f"{prefix}applied", f"{prefix}epoch", lease_key(), flushed_key()]
    seen = _state["renewals"]
    with _renewing:
        if _state["renewals"] != seen and _state["lease_end"] - time.time() > _LEASE_MARGIN:
            return _state["epoch"]  # another thread renewed while this one waited
        if time.monotonic() < _state["no_grant_until"]:
            return None
        for _ in range(2):
            lease_ms = int(_lease_seconds() * 1000)
            ends_ms = int(time.time() * 1000) + lease_ms
            try:
                _count_pending_losses()
                lost = _grant(ends_ms)
            except SQLAlchemyError as exc:
                _state["no_grant_until"] = time.monotonic() + _GRANT_RETRY_SECONDS
                log.warning("No cache lease for now (answering from the database): %s", exc)
                return None
            args = [lost, ends_ms, os.urandom(8).hex(), lease_ms, FLUSHED_SECONDS]
            epoch = safe(lambda args=args: script("cache_renew", _RENEW)(keys=keys, args=args), default=_DOWN)
            if epoch is _DOWN:
                return None
            if epoch is not None:
                epoch = epoch.decode() if isinstance(epoch, bytes) else epoch
                _state.update(epoch=epoch, lease_end=ends_ms / 1000, renewals=_state["renewals"] + 1)
                return epoch
            if not safe(lambda lost=lost: _flush(lost), default=False):
                return None
    return None


def _flush(lost: int) -> bool:
    """Drop everything cached (rate-limit counters excepted), then record `lost` as dealt with.

    One process flushes at a time (the others answer without the cache meanwhile). The bookkeeping
    keys stay, and "applied" is written only once every key from before is gone, so no process
    can be granted a lease in the middle.
    """
    client = redis_client()
    prefix = _prefix()
    lock = f"{prefix}flushing"
    started = script("cache_flush_start", _FLUSH_START)(
        keys=[lock, f"{prefix}epoch", lease_key(), flushed_key()],
        args=[os.urandom(8).hex(), FLUSHED_SECONDS, _FLUSH_LOCK_SECONDS],
    )
    if not started:
        return False
    keep = (f"{prefix}rl", flushed_key(), lock, f"{prefix}epoch", f"{prefix}applied")
    batch: list[bytes] = []
    for name in client.scan_iter(match=f"{prefix}*", count=1000):
        if not name.decode(errors="replace").startswith(keep):
            batch.append(name)
        if len(batch) >= 1000:
            client.delete(*batch)
            batch.clear()
    if batch:
        client.delete(*batch)
    client.set(f"{prefix}applied", lost)
    client.delete(lock)
    log.warning("Cache dropped: an invalidation had not reached Redis (%d counted)", lost)
    return True


def _count_pending_losses() -> None:
    """Count the losses this process could not count when they happened (before any new lease)."""
    while _state["pending_losses"]:
        _count_loss()
        _state["pending_losses"] -= 1


def lost_invalidation() -> None:
    """An invalidation could not reach Redis: count it where every process looks, then wait out the leases.

    In a request the wait happens just before the answer leaves (several losses share one wait);
    elsewhere (jobs) it happens here. With no lease live (Redis gone for longer than one), there
    is nothing to wait for.
    """
    lease_until = None
    for pause in (0.05, 0.25, 1.0, None):
        try:
            lease_until = _count_loss() / 1000
            break
        except SQLAlchemyError:
            # The change committed, but the count did not (a busy SQLite, a full pool): try again.
            if pause is None:
                break
            time.sleep(pause)
    if lease_until is None:
        # Still not counted: this process counts it before it takes its next lease, and the
        # answer waits as long as any lease granted before could live.
        log.error("Could not count a lost cache invalidation; it will be counted before the next lease")
        _state["pending_losses"] += 1
        lease_until = time.time() + _lease_seconds()
    if lease_until <= time.time() - _LEASE_MARGIN:
        return
    # Never longer than one lease from now, whatever another host's clock said.
    until = min(lease_until, time.time() + _lease_seconds()) + _LEASE_MARGIN
    if has_request_context():
        g.cache_hold_until = max(g.get("cache_hold_until", 0.0), until)
    else:
        _sleep_until(until)


def _sleep_until(until: float) -> None:
    left = until - time.time()
    if left > 0:
        time.sleep(left)


def _hold_answer(response):
    until = g.pop("cache_hold_until", None)
    if until is not None:
        _sleep_until(until)
    return response


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


# One round trip for a cached read: the lease, the namespaces' versions and the value stored under them.
# KEYS[1]: the lease, KEYS[2..n+1]: the version keys; ARGV[1]: "<prefix>c:", ARGV[2..n+1]: the
# namespaces, ARGV[n+2]: the key. False: no lease (renew it first).
_READ_SCRIPT = """
local epoch = redis.call('GET', KEYS[1])
if not epoch then return false end
local versions = redis.call('MGET', unpack(KEYS, 2))
local parts = {}
for i = 1, #versions do
  parts[i] = ARGV[i + 1] .. '=' .. (versions[i] or '0')
end
local full = ARGV[1] .. epoch .. ':' .. table.concat(parts, ':') .. ':' .. ARGV[#ARGV]
local found = {epoch}
for i = 1, #versions do found[i + 1] = versions[i] or '0' end
found[#found + 1] = redis.call('GET', full)
return found
"""


def script(name: str, source: str):
    """A Lua script registered once per app (redis-py sends EVALSHA, and the source if Redis lost it)."""
    ext = current_app.extensions
    found = ext.get(f"household_script_{name}")
    if found is None:
        found = ext[f"household_script_{name}"] = redis_client().register_script(source)
    return found


def _record_deps(keys: list[str], values: list | None) -> None:
    """Remember the lease and versions this request's answer was built from (see household.fastpath)."""
    if not has_request_context():
        return
    if values is None:
        g.cache_deps = None  # served without the cache: nothing to offer
        return
    deps = g.get("cache_deps", {})
    if deps is not None:
        deps.update(zip(keys, values, strict=True))
        g.cache_deps = deps


def cached(namespaces: tuple[str, ...], key: str, compute: Callable[[], Any], timeout: int = 60) -> Any:
    """Return the cached value for `key` under the current versions of `namespaces`, or compute it."""
    prefix = _prefix()
    keys = [lease_key(), *(f"{prefix}v:{ns}" for ns in namespaces)]

    def read():
        return script("cache_read", _READ_SCRIPT)(keys=keys, args=[f"{prefix}c:", *namespaces, key])

    found = safe(read, default=_DOWN)
    if found is None and renew() is not None:
        found = safe(read, default=_DOWN)
    if found is None or found is _DOWN:
        _record_deps(keys, None)
        return compute()
    epoch = found[0].decode()
    versions = [int(v) for v in found[1:-1]]
    _record_deps(keys, [epoch, *versions])
    if found[-1] is not None:
        value = cache.cache.serializer.loads(found[-1])
        if value is not None:
            return value
    # "=" between a namespace and its version: "req:c1" at 70 and "req:c17" at 0 are different keys.
    full_key = f"c:{epoch}:" + ":".join(f"{ns}={v}" for ns, v in zip(namespaces, versions, strict=True)) + ":" + key
    value = compute()
    safe(lambda: cache.set(full_key, value, timeout=timeout))
    return value


# --- Namespaces: what each cached answer depends on, and the writes that change it -------------

CATALOGUE = "catalogue"  # services, who offers them where (approval, blocking, profiles)
RATINGS = "ratings"  # professionals' rating aggregates
REQUESTS = "req"  # what every request list shows about people and services


def namespaces_for(facts: set) -> set[str]:
    """The namespaces to bump for what the domain says a transaction changed (household.domain.changes)."""
    found: set[str] = set()
    for fact in facts:
        if fact == changes.CATALOGUE:
            found.add(CATALOGUE)
        elif fact == changes.RATINGS:
            found.add(RATINGS)
        elif fact == changes.PEOPLE:
            # Request lists show names, phones, addresses and places; so do a service's professionals.
            found.update((REQUESTS, CATALOGUE))
        elif isinstance(fact, tuple) and fact[0] == "request":
            _, customer_id, professional_id = fact
            found.update((f"req:c{customer_id}", f"req:p{professional_id}", "req:admin"))
        elif isinstance(fact, tuple) and fact[0] == "schedule":
            _, professional_id, service_id = fact
            found.update((schedule_namespace(professional_id), service_schedule_namespace(service_id)))
        elif isinstance(fact, tuple) and fact[0] == "notifications":
            found.add(notifications_namespace(fact[1]))
        else:
            raise ValueError(f"unknown change {fact!r}")
    return found


@sa_event.listens_for(Session, "after_commit")
def _after_commit(s: Session) -> None:
    facts = changes.take(s)
    if facts and has_app_context():
        bump(*sorted(namespaces_for(facts)))


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(s: Session) -> None:
    changes.take(s)


def schedule_namespace(professional_id: int) -> str:
    """What one professional's free slots depend on, beside the catalogue (approval, blocking, durations)."""
    return f"sched:p{professional_id}"


def service_schedule_namespace(service_id: int) -> str:
    """What the next free times of a service's professionals depend on."""
    return f"sched:s{service_id}"


def notifications_namespace(user_id: int) -> str:
    """What one user's unread count depends on: their notifications, added or read."""
    return f"notif:u{user_id}"


def request_namespaces(user) -> tuple[str, ...]:
    """The namespaces one caller's request list depends on (the caller is part of the key too)."""
    if user.is_admin:
        return (REQUESTS, "req:admin")
    if user.customer_id is not None:
        return (REQUESTS, f"req:c{user.customer_id}")
    if user.professional_id is not None:
        return (REQUESTS, f"req:p{user.professional_id}")
    return (REQUESTS, f"req:u{user.id}")


def reviews_namespaces(professional_id: int) -> tuple[str, ...]:
    """What a professional's public reviews and profile numbers depend on.

    Their requests (a close with a rating, a reply, a review hidden or shown: each is a change of one
    of their requests), the reviewers' names (PEOPLE bumps REQUESTS), the catalogue (approval,
    blocking, the service's name) and the ratings.
    """
    return (CATALOGUE, RATINGS, REQUESTS, f"req:p{professional_id}")


def cached_json(namespaces: tuple[str, ...], key: str, compute: Callable[[], tuple[Any, int]], timeout: int = 60):
    """Cache a serialised JSON list body and its total; returns (body, total)."""

    def build():
        payload, total = compute()
        return current_app.json.dumps(payload), total

    return cached(namespaces, key, build, timeout=timeout)
