"""Finished answers for the hot reads, served before Flask runs, never stale.

The catalogue, a service's professionals and each caller's request lists are read far more
often than they change. When the full path (Flask, validation, the caller's identity, the
versioned cache of `household.cache`) answers one of those GETs with a 200, the view *offers*
the answer: this middleware stores the exact status, headers and body in Redis together with
the cache versions the answer was built from, under a key made of the caller's token (or
"anonymous"), the scheme, the host, the path and the raw query string.

The next identical request is answered by one Redis script call, which returns the stored
answer only while

- every version it was built from is still the current one (any write that could change it
  bumps one of them, exactly as for `household.cache.cached`), and
- for a bearer token, the caller's identity is still cached (`household.auth.identity`): it
  is deleted right after logout, blocking or a password change is committed, and the stored
  answer also ends when the identity would have to be checked against the database again
  (absolute expiry, idle limit, last-used refresh).

Anything else (browser sessions with the cookie, other methods, other paths, Redis down or a
lost invalidation pending, an answer that set a cookie) takes the full path unchanged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable

import redis
from flask import Flask, current_app, g, request

from household import cache
from household.auth import identity, tokens

log = logging.getLogger("household.request")

OFFER = "household.fastpath.offer"
_KEY = "household.fastpath.key"
# GET paths whose answers can be offered (others never pay for a lookup).
PREFIXES = ("/api/services", "/api/service-packages/", "/api/service-requests", "/api/service-history")
TIMEOUT = 60
_MAX_QUERY = 512
_MAX_PATH = 200
_SKIP_HEADERS = frozenset({"date", "server", "connection", "transfer-encoding"})

# KEYS[1]: the stored answer; KEYS[2] (bearer only): the caller's cached identity.
_LOOKUP = """
local found = redis.call('HMGET', KEYS[1], 'd', 'a')
if not found[1] then return false end
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 0 then return false end
for key, expected in string.gmatch(found[1], '(%S+)=(%S+)') do
  if (redis.call('GET', key) or '0') ~= expected then return false end
end
return found[2]
"""


def offer() -> None:
    """Let the middleware store this request's answer (call from a view that built it from `cache.cached`).

    The answer may depend only on the request's path, query string and caller, and on the
    versions that `cache.cached` recorded while the view ran. Bearer callers are tied to their
    cached identity, and the answer ends when that identity would be checked again.
    """
    deps = g.get("cache_deps")
    if not deps or _KEY not in request.environ:
        return
    who = g.get("auth")
    if request.environ[_KEY][1] is not None:
        if who is None or getattr(g, "auth_via", None) != "bearer":
            return
        limit = min(current_app.config["SESSION_IDLE_MINUTES"] * 60, tokens.TOUCH_EVERY.total_seconds())
        expires_at: float | None = min(who.expires_at, who.last_used_at + limit)
    else:
        expires_at = None
    request.environ[OFFER] = {
        "d": " ".join(f"{k}={v}" for k, v in sorted(deps.items())),
        "x": "" if expires_at is None else repr(expires_at),
        "u": str(who.id) if who is not None else "-",
    }


class FastPath:
    """WSGI middleware in front of the Flask app (see the module's docstring)."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.wsgi_app = wsgi_app
        self.prefix = app.config["CACHE_KEY_PREFIX"]
        self.cookie = app.config["SESSION_COOKIE_NAME"]
        self.client: redis.Redis = app.extensions["household_redis"]
        self.lookup = self.client.register_script(_LOOKUP)
        self.log_requests = log.isEnabledFor(logging.INFO)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        keys = self._keys(environ)
        if keys is None:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        if cache.usable():
            try:
                found = self.lookup(keys=[k for k in keys if k is not None])
            except (redis.RedisError, OSError) as exc:
                cache.trip(exc)
                found = None
            if found:
                ends, user, headers, body = found.split(b"\n", 3)
                if not ends or float(ends) > time.time():
                    return self._serve(environ, start_response, user, headers, body, started)
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
        self._store(keys[0], stored, captured[1], data)
        return [data]

    def _keys(self, environ: dict) -> tuple[str, str | None] | None:
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIXES) or len(path) > _MAX_PATH:
            return None
        query = environ.get("QUERY_STRING", "")
        if len(query) > _MAX_QUERY:
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
        where = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}{path}?{query}"
        return f"{self.prefix}fa:{who}:{where}", identity_key

    def _serve(self, environ: dict, start_response: Callable, user: bytes, headers: bytes, body: bytes,
               started: float) -> Iterable[bytes]:
        start_response("200 OK", [tuple(pair) for pair in json.loads(headers)])
        if self.log_requests:
            log.info(
                "GET %s 200 %.1fms user=%s (stored answer)",
                environ.get("PATH_INFO", ""),
                (time.perf_counter() - started) * 1000,
                user.decode(),
            )
        return [body]

    def _store(self, key: str, stored: dict, headers: list, body: bytes) -> None:
        kept = [[name, value] for name, value in headers if name.lower() not in _SKIP_HEADERS]

        if not cache.usable():
            return
        # "a": when it ends, who asked, the headers and the body, in one value (one reply to parse).
        answer = b"\n".join([stored["x"].encode(), stored["u"].encode(), json.dumps(kept).encode(), body])
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.hset(key, mapping={"d": stored["d"], "a": answer})
            pipe.expire(key, TIMEOUT)
            pipe.execute()
        except (redis.RedisError, OSError) as exc:
            cache.trip(exc)


def install(app: Flask) -> None:
    if app.config.get("FAST_PATH", True):
        app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
