"""Calendar days and months in the platform's time zone (APP_TIMEZONE), as UTC instants."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from household.models import utcnow

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def local_now(tz_name: str) -> datetime:
    """The current time in the platform's time zone."""
    return utcnow().astimezone(ZoneInfo(tz_name))


def local_today(tz_name: str) -> date:
    """Today's date where the platform is, not in UTC."""
    return local_now(tz_name).date()


def parse_month(value: str) -> tuple[int, int]:
    """'2026-10' → (2026, 10); ValueError for anything else."""
    match = MONTH_RE.match(value or "")
    if not match:
        raise ValueError(f"Expected a month as YYYY-MM, got {value!r}.")
    return int(match.group(1)), int(match.group(2))


def month_bounds(month: str, tz_name: str) -> tuple[datetime, datetime]:
    """Where a local calendar month starts and where the next one starts (aware datetimes)."""
    year, number = parse_month(month)
    tz = ZoneInfo(tz_name)
    start = datetime.combine(date(year, number, 1), time.min, tzinfo=tz)
    following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return start, datetime.combine(following, time.min, tzinfo=tz)


def previous_month(tz_name: str, today: date | None = None) -> str:
    """The month that ended most recently in the platform's time zone, as YYYY-MM."""
    today = today or local_today(tz_name)
    year, number = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{number:02d}"


def month_title(month: str) -> str:
    """'2026-10' → 'October 2026'."""
    year, number = parse_month(month)
    return date(year, number, 1).strftime("%B %Y")
