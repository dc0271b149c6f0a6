"""Today and last month in the platform's time zone (APP_TIMEZONE): when the jobs run for."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# The calendar months themselves belong to the monthly report's data; month_bounds stays importable
# here for the callers that take the jobs' calendar from this module (bench/jobs_bench.py).
from household.domain.reports import month_bounds
from household.models import utcnow

__all__ = ["local_now", "local_today", "month_bounds", "previous_month"]


def local_now(tz_name: str) -> datetime:
    """The current time in the platform's time zone."""
    return utcnow().astimezone(ZoneInfo(tz_name))


def local_today(tz_name: str) -> date:
    """Today's date where the platform is, not in UTC."""
    return local_now(tz_name).date()


def previous_month(tz_name: str, today: date | None = None) -> str:
    """The month that ended most recently in the platform's time zone, as YYYY-MM."""
    today = today or local_today(tz_name)
    year, number = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{number:02d}"
