"""Finished answers for the hot reads, served before Flask runs, never stale.

The catalogue, a service's professionals and each caller's request lists are read far more
often than they change. When the full path (Flask, validation, the caller's identity, the
versioned cache of `household.cache`) answers one of those GETs with a 200, the view *offers*
the answer: this middleware stores the exact status, headers and body in Redis together with
the cache versions the answer was built from, under a key made of the caller's token (or
"anonymous"), the scheme, the host, the path and the raw query string.

The next identical request is answered only while

- every version it was built from is still the current one (any write that could change it
  bumps one of them, exactly as for `household.cache.cached`), and
- for a bearer token, the caller's identity is still cached (`household.auth.identity`): it
  is deleted right after logout, blocking or a password change is committed, and the stored
  answer also ends when the identity would have to be checked against the database again
  (absolute expiry, idle limit, last-used refresh).

Each worker keeps the answers it stored or served in memory (up to FAST_PATH_MEMORY_MB) and
checks a copy with one MGET: the versions it was built from, the caller's identity, and the
stored answer's random tag, new for every stored answer. The tag keeps a copy from outliving
its answer in Redis: expiry, a flush after a lost invalidation, or a restarted Redis whose
versions began again at 0 and where another worker stored a new answer under the same numbers.
A worker without a copy asks Redis for the stored answer with one script call, which makes the
same checks and returns the body as well.

Anything else (browser sessions with the cookie, other methods, other paths, Redis down, no
lease to trust Redis (household.cache), an answer that set a cookie) takes the full path unchanged.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis
from flask import Flask, current_app, g, request

from household import cache, clock
from household.auth import identity, tokens

log = logging.getLogger("household.request")

OFFER = "household.fastpath.offer"
_KEY = "household.fastpath.key"
# GET paths whose answers can be offered (others never pay for a lookup).
PREFIXES = ("/api/services", "/api/service-packages/", "/api/service-requests", "/api/service-history")
TIMEOUT = 60
_MAX_QUERY = 512
_MAX_PATH = 200
_MAX_HOST = 255
_SKIP_HEADERS = frozenset({"date", "server", "connection", "transfer-encoding"})
# A copy larger than this is not kept in memory (it is still stored in Redis).
_MAX_COPY = 1 << 20
# What a copy costs beyond its strings: the objects, the dict entry (counted against the limit).
_COPY_OVERHEAD = 1024

# Stored answer (all keys expire together, TIMEOUT seconds after the answer was stored):
#   {prefix}fm:<who>:<where>  "<tag> <versionkey>=<version> ..."  (tag: random, new for each answer)
#   {prefix}fa:<who>:<where>  "<ends>\n<user>\n<headers json>\n<body>"
# KEYS[1]: meta, KEYS[2]: answer, KEYS[3] (bearer only): the caller's cached identity.
_LOOKUP = """
local meta = redis.call('GET', KEYS[1])
if not meta then return false end
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 0 then return false end
for key, expected in string.gmatch(meta, '(%S+)=(%S+)') do
  if (redis.call('GET', key) or '0') ~= expected then return false end
end
local answer = redis.call('GET', KEYS[2])
if not answer then return false end
return {meta, answer}
"""


@dataclass(slots=True)
class Keys:
    meta: str
    answer: str
    identity: str | None


@dataclass(slots=True)
class Copy:
    """An answer held in this worker's memory, with what must still hold in Redis to serve it."""

    meta: bytes
    check: list[str]  # MGET: meta key, [identity key], version keys
    expected: list[bytes | None]  # the versions, in the order of the version keys (None: 0)
    ends: float | None
    user: bytes
    headers: list[tuple[str, str]]
    body: bytes
    stored_at: float = 0.0  # time.monotonic() when this worker made the copy
    size: int = 0  # bytes counted against FAST_PATH_MEMORY_MB
    # The MGET of `check`, encoded once (the first check): the same bytes are sent for every request.
    packed: list[bytes] | None = None

    def __post_init__(self) -> None:
        self.stored_at = time.monotonic()
        self.size = (_COPY_OVERHEAD + len(self.meta) + len(self.user) + len(self.body)
                     + sum(len(name) for name in self.check) * 2  # the check list and the dict's key
                     + sum(len(name) + len(value) for name, value in self.headers))


def offer(until: float | None = None) -> None:
    """Let the middleware store this request's answer (call from a view that built it from `cache.cached`).

    The answer may depend only on the request's path, query string and caller, and on the
    versions that `cache.cached` recorded while the view ran. Bearer callers are tied to their
    cached identity, and the answer ends when that identity would be checked again. `until`
    (Unix time): the answer ends then at the latest (an answer the clock changes).
    """
    deps = g.get("cache_deps")
    if not deps or _KEY not in request.environ:
        return
    who = g.get("auth")
    if request.environ[_KEY].identity is not None:
        if who is None or getattr(g, "auth_via", None) != "bearer":
            return
        limit = min(current_app.config["SESSION_IDLE_MINUTES"] * 60, tokens.TOUCH_EVERY.total_seconds())
        expires_at: float | None = min(who.expires_at, who.last_used_at + limit)
    else:
        expires_at = None
    if until is not None:
        expires_at = until if expires_at is None else min(expires_at, until)
    request.environ[OFFER] = {
        "d": " ".join(f"{k}={v}" for k, v in sorted(deps.items())),
        "x": "" if expires_at is None else repr(expires_at),
        "u": str(who.id) if who is not None else "-",
    }


def _copy(keys: Keys, meta: bytes, ends: bytes, user: bytes, headers: list, body: bytes) -> Copy:
    pairs = [item.split(b"=", 1) for item in meta.split(b" ")[1:]]
    check = [keys.meta] + ([keys.identity] if keys.identity else []) + [key.decode() for key, _ in pairs]
    # A version key that does not exist stands for 0 (and MGET answers None for it).
    expected = [None if version == b"0" else version for _, version in pairs]
    return Copy(meta, check, expected, float(ends) if ends else None, user,
                [tuple(pair) for pair in headers], body)


class Copies:
    """This worker's copies of stored answers, bounded in bytes (the oldest go first)."""

    def __init__(self, limit_bytes: int):
        self.limit = limit_bytes
        self.items: dict[str, Copy] = {}
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> Copy | None:
        copy = self.items.get(key)
        if copy is not None and time.monotonic() - copy.stored_at > TIMEOUT:
            self.drop(key, copy)  # its stored answer has expired in Redis by now
            return None
        return copy

    def put(self, key: str, copy: Copy) -> None:
        if copy.size > min(self.limit, _MAX_COPY):
            return
        with self.lock:
            old = self.items.pop(key, None)
            self.size -= old.size if old is not None else 0
            while self.items and self.size + copy.size > self.limit:
                self.size -= self.items.pop(next(iter(self.items))).size
            self.items[key] = copy
            self.size += copy.size

    def drop(self, key: str, copy: Copy) -> None:
        with self.lock:
            if self.items.get(key) is copy:
                del self.items[key]
                self.size -= copy.size


class Tally:
    """Stored answers served by this worker: one INFO line a minute, each answer's own line at DEBUG.

    A stored answer costs about a tenth of a millisecond; writing a log line for each one measured
    about a third of that again. The full path still logs every request at INFO, and gunicorn's
    access log (ACCESS_LOG) lists every request whichever path answered it.
    """

    def __init__(self, every: float = 60.0):
        self.every = every
        self.count = 0
        self.seconds = 0.0
        self.since = time.monotonic()
        self.lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self.lock:
            self.count += 1
            self.seconds += seconds
            now = time.monotonic()
            if now - self.since < self.every:
                return
            count, total, span = self.count, self.seconds, now - self.since
            self.count, self.seconds, self.since = 0, 0.0, now
        log.info("stored answers: %d served in the last %.0f s, %.2f ms each on average", count, span,
                 total / count * 1000)


class FastPath:
    """WSGI middleware in front of the Flask app (see the module's docstring)."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.wsgi_app = wsgi_app
        self.prefix = app.config["CACHE_KEY_PREFIX"]
        self.cookie = app.config["SESSION_COOKIE_NAME"]
        self.client: redis.Redis = app.extensions["household_redis"]
        self.lookup = self.client.register_script(_LOOKUP)
        self.copies = Copies(int(app.config.get("FAST_PATH_MEMORY_MB", 32)) << 20)
        self.local = threading.local()
        self.log_each = log.isEnabledFor(logging.DEBUG)
        self.tally = Tally()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        keys = self._keys(environ)
        if keys is None:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        if cache.usable():
            served = self._from_copy(keys, environ, start_response, started)
            if served is not None:
                return served
            found = None
            if cache.usable():  # the copy's check may just have found Redis down
                try:
                    found = self.lookup(keys=[k for k in (keys.meta, keys.answer, keys.identity) if k is not None])
                except (redis.RedisError, OSError) as exc:
                    cache.trip(exc)
            if found:
                meta, answer = found
                ends, user, headers, body = answer.split(b"\n", 3)
                if not ends or float(ends) > clock.now().timestamp():
                    copy = _copy(keys, meta, ends, user, json.loads(headers), body)
                    self.copies.put(keys.answer, copy)
                    return self._serve(environ, start_response, copy, started)
        environ[_KEY] = keys
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        stored = environ.get(OFFER)
        if stored is None or not captured or not captured[0].startswith("200 "):
            return body
        if any(name.lower() == "set-cookie" for name, _ in captured[1]):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self._store(keys, stored, captured[1], data)
        return [data]

    def _from_copy(self, keys: Keys, environ: dict, start_response: Callable, started: float):
        """Serve this worker's copy if everything it was built from still holds in Redis (one MGET)."""
        copy = self.copies.get(keys.answer)
        if copy is None:
            return None
        if copy.ends is not None and copy.ends <= clock.now().timestamp():
            self.copies.drop(keys.answer, copy)
            return None
        now = self._mget(copy)
        if now is None:
            return None
        start = 2 if keys.identity else 1
        if now[0] != copy.meta or (keys.identity and now[1] is None) or now[start:] != copy.expected:
            self.copies.drop(keys.answer, copy)
            return None
        return self._serve(environ, start_response, copy, started)

    def _mget(self, copy: Copy) -> list | None:
        """MGET of the copy's checks on a connection of this thread's own (no pool round trip); None when
        Redis failed.

        The connection is made outside the pool (the pool counts what it makes against its limit)
        and kept after an error: it is disconnected and reconnects on its next command.
        """
        conn = getattr(self.local, "conn", None)
        if conn is None or self.local.pid != os.getpid():
            pool = self.client.connection_pool
            conn = self.local.conn = pool.connection_class(**pool.connection_kwargs)
            self.local.pid = os.getpid()
        try:
            if copy.packed is None:
                copy.packed = conn.pack_command("MGET", *copy.check)
            conn.send_packed_command(copy.packed)
            return conn.read_response()
        except (redis.RedisError, OSError) as exc:
            conn.disconnect()
            cache.trip(exc)
            return None

    def _keys(self, environ: dict) -> Keys | None:
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIXES) or len(path) > _MAX_PATH:
            return None
        query = environ.get("QUERY_STRING", "")
        if len(query) > _MAX_QUERY:
            return None
        if len(environ.get("HTTP_HOST", "")) > _MAX_HOST:
            return None
        cookies = environ.get("HTTP_COOKIE")
        if cookies and self.cookie in cookies:
            return None  # a browser session: its identity lives in the signed cookie
        auth = environ.get("HTTP_AUTHORIZATION")
        identity_key = None
        if auth:
            scheme, _, raw = auth.partition(" ")
            raw = raw.strip()
            if scheme.lower() != "bearer" or not raw or len(raw) > 200:
                return None
            who = tokens.hash_token(raw)
            identity_key = identity.key_for(self.prefix, who)
        else:
            who = "anonymous"
        where = f"{who}:{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}{path}?{query}"
        return Keys(f"{self.prefix}fm:{where}", f"{self.prefix}fa:{where}", identity_key)

    def _serve(self, environ: dict, start_response: Callable, copy: Copy, started: float) -> Iterable[bytes]:
        start_response("200 OK", list(copy.headers))
        took = time.perf_counter() - started
        if self.log_each:
            log.debug("GET %s 200 %.1fms user=%s (stored answer)", environ.get("PATH_INFO", ""), took * 1000,
                      copy.user.decode())
        self.tally.add(took)
        return [copy.body]

    def _store(self, keys: Keys, stored: dict, headers: list, body: bytes) -> None:
        if not cache.usable():
            return
        kept = [[name, value] for name, value in headers if name.lower() not in _SKIP_HEADERS]
        meta = f"{os.urandom(8).hex()} {stored['d']}".encode()
        ends, user = stored["x"].encode(), stored["u"].encode()
        answer = b"\n".join([ends, user, json.dumps(kept).encode(), body])
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.set(keys.answer, answer, ex=TIMEOUT)
            pipe.set(keys.meta, meta, ex=TIMEOUT)
            pipe.execute()
        except (redis.RedisError, OSError) as exc:
            cache.trip(exc)
            return
        self.copies.put(keys.answer, _copy(keys, meta, ends, user, kept, body))


def install(app: Flask) -> None:
    if app.config.get("FAST_PATH", True):
        app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
