""""Now", computed in one place so that tests (and a demo) can set it.

Every rule that depends on the time asks `now()`; `models.base.utcnow` is the same clock. A test
sets it with `frozen(at)` (or `set_now`), and every thread of the process sees the same instant,
as a race test's threads must.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_offset: timedelta | None = None
_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    if _frozen is not None:
        return _frozen
    real = datetime.now(UTC)
    return real + _offset if _offset is not None else real


def set_now(at: datetime | None, *, ticking: bool = False) -> None:
    """Make `now()` answer `at` (None: the real time again). With `ticking`, time moves on from `at`."""
    global _frozen, _offset
    if at is not None and at.tzinfo is None:
        raise ValueError("give the clock an aware datetime")
    if at is None:
        _frozen = _offset = None
    elif ticking:
        _frozen, _offset = None, at - datetime.now(UTC)
    else:
        _frozen, _offset = at.astimezone(UTC), None


@contextmanager
def frozen(at: datetime, *, ticking: bool = False) -> Iterator[None]:
    """`now()` is `at` inside the block."""
    set_now(at, ticking=ticking)
    try:
        yield
    finally:
        set_now(None)
