"""The app as wsgi.py serves it, but every cached answer is computed afresh: `bench.uncached_app:app`.

For the "uncached" rows of answers too few to ask each only once within a run (a service's first
100 professionals with their next free times: a few dozen pages in the whole dataset). Each read of
household.cache misses, as on a key nobody asked before: Redis is asked, the answer is computed and
written back (kept one second, so that the bench's Redis does not fill up), exactly the work of a
cache miss in production; the stored-answer middleware (household.fastpath) still looks every
request up but is offered nothing to store, so it never answers either. The caller's identity,
rate limits and everything else are as in production.
"""

from __future__ import annotations

import secrets

from household import cache, fastpath

_cached = cache.cached


def _cold(namespaces, key, compute, *_args, **kwargs):
    kwargs.pop("timeout", None)
    return _cached(namespaces, f"{key}:cold-{secrets.token_hex(8)}", compute, timeout=1, **kwargs)


def _offer_nothing(*_args, **_kwargs) -> None:
    return None


cache.cached = _cold
fastpath.offer = _offer_nothing

from wsgi import app  # noqa: E402 - after the patches, made in every worker process that imports this module

__all__ = ["app"]
