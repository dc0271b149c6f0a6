"""The ranges of ids, dates and times the app takes from outside (the API, the CLI, stored job filters).

Ids are 32-bit integers in every database: a larger number cannot name a row, and PostgreSQL
refuses to compare one with an integer column. Dates and times are kept to the years 2000 to 2100:
far enough for any booking, filter or report, and far from the ends of Python's datetime range
(years 1 and 9999), where moving to UTC or adding the day a filter needs overflows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

MAX_ID = 2**31 - 1
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
MIN_TIME = datetime(2000, 1, 1, tzinfo=UTC)
END_TIME = datetime(2101, 1, 1, tzinfo=UTC)  # the first instant past the range

DATE_RANGE_MESSAGE = f"Use a date from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}."
TIME_RANGE_MESSAGE = f"Use a time from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}."


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def date_in_range(value: date) -> bool:
    return MIN_DATE <= value <= MAX_DATE


def to_utc_in_range(value: datetime) -> datetime | None:
    """The aware `value` in UTC, or None when it is naive or lies outside the range (even in its own zone)."""
    if value.tzinfo is None or value.utcoffset() is None or not date_in_range(value.date()):
        return None
    # Within the range in its own zone, so the move to UTC (at most a day) cannot overflow.
    utc = value.astimezone(UTC)
    return utc if MIN_TIME <= utc < END_TIME else None
