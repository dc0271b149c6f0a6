"""Free time slots, computed from a professional's week, time off and held bookings.

Pure functions of their inputs (no database, no Flask), so every edge can be unit tested. All
intervals are half-open, [start, end). Days, times of day and the grid are the platform's local
time; instants are timezone-aware and compared as such.

A slot is a start time t on the grid (minutes from local midnight divisible by the step) whose
work [t, t + duration) lies entirely in working time, where contiguous intervals are one stretch
of work (09:00-13:00 and 13:00-18:00 hold a 6-hour job; Monday 20:00-24:00 and Tuesday
00:00-02:00 hold one across midnight); overlaps no time off; starts no sooner than `lead` after
now and no later than `horizon` after now; and keeps the travel buffer clear of every held
booking: the new booking's hold [t, t + duration + buffer) must not overlap another's hold
[start, held_until), which is exactly what the database's exclusion constraint checks.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60

# Why a start time is not a free slot; the API maps each to a status and a message.
OFF_GRID = "grid"
TOO_SOON = "lead"
TOO_FAR = "horizon"
OUTSIDE_HOURS = "hours"
TIME_OFF = "time_off"
TAKEN = "taken"


@dataclass(frozen=True)
class Rules:
    """The platform's scheduling settings."""

    tz: ZoneInfo
    step_minutes: int = 30
    lead: timedelta = timedelta(minutes=120)
    horizon: timedelta = timedelta(days=30)
    buffer: timedelta = timedelta(minutes=30)

    @classmethod
    def from_config(cls, config) -> Rules:
        """The rules named by the settings (APP_TIMEZONE, SLOT_STEP_MINUTES, BOOKING_*, TRAVEL_BUFFER_MINUTES)."""
        return cls(
            tz=ZoneInfo(config["APP_TIMEZONE"]),
            step_minutes=int(config["SLOT_STEP_MINUTES"]),
            lead=timedelta(minutes=int(config["BOOKING_LEAD_MINUTES"])),
            horizon=timedelta(days=int(config["BOOKING_HORIZON_DAYS"])),
            buffer=timedelta(minutes=int(config["TRAVEL_BUFFER_MINUTES"])),
        )


@dataclass(frozen=True)
class Calendar:
    """What one professional's free time is computed from.

    `weekly`: (weekday 0 = Monday, start minute, end minute) intervals in local time;
    `time_off`: (start, end) instants; `holds`: (start, held_until) of their held bookings.
    """

    weekly: tuple[tuple[int, int, int], ...]
    time_off: tuple[tuple[datetime, datetime], ...] = ()
    holds: tuple[tuple[datetime, datetime], ...] = ()


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local day begins."""
    return datetime.combine(day, time.min, tzinfo=tz)


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    # Minute 1440 is the next day's midnight ("24:00").
    return local_midnight(day + timedelta(days=minute // MINUTES_PER_DAY), tz) + timedelta(
        minutes=minute % MINUTES_PER_DAY
    )


def working_stretches(
    weekly: Iterable[tuple[int, int, int]], first: date, last: date, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """Continuous working time on the local days first..last, contiguous intervals merged."""
    return list(iter_stretches(weekly, first, last, tz))


def iter_stretches(
    weekly: Iterable[tuple[int, int, int]], first: date, last: date, tz: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """As `working_stretches`, one at a time: a caller after the first free slot reads only a few days."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in weekly:
        by_day.setdefault(weekday, []).append((start, end))
    for intervals in by_day.values():
        intervals.sort()
    pending: tuple[datetime, datetime] | None = None
    day = first
    while day <= last:
        intervals = by_day.get(day.weekday())
        if intervals:
            midnight = local_midnight(day, tz)
            for start, end in intervals:
                a = midnight + timedelta(minutes=start) if start < MINUTES_PER_DAY else _at(day, start, tz)
                b = midnight + timedelta(minutes=end) if end < MINUTES_PER_DAY else _at(day, end, tz)
                if pending is not None and pending[1] >= a:
                    pending = (pending[0], max(pending[1], b))
                else:
                    if pending is not None:
                        yield pending
                    pending = (a, b)
        day += timedelta(days=1)
    if pending is not None:
        yield pending


def _blocked(calendar: Calendar, buffer: timedelta) -> tuple[list[datetime], list[datetime]]:
    """Where work may not lie, merged and sorted: time off, and each hold widened by the buffer before it."""
    spans = sorted(
        [(a, b) for a, b in calendar.time_off if b > a]
        + [(start - buffer, until) for start, until in calendar.holds if until > start - buffer]
    )
    starts: list[datetime] = []
    ends: list[datetime] = []
    for a, b in spans:
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def _overlaps(starts: list[datetime], ends: list[datetime], a: datetime, b: datetime) -> bool:
    # The merged spans are disjoint and sorted; only the first one ending after `a` can overlap [a, b).
    i = bisect_right(ends, a)
    return i < len(starts) and starts[i] < b


def _on_grid(t: datetime, rules: Rules) -> bool:
    local = t.astimezone(rules.tz)
    if local.second or local.microsecond:
        return False
    return (local.hour * 60 + local.minute) % rules.step_minutes == 0


def _next_grid_point(t: datetime, rules: Rules) -> datetime:
    """The first start on the grid at or after `t` (the grid counts from local midnight)."""
    local = t.astimezone(rules.tz)
    midnight = local_midnight(local.date(), rules.tz)
    step = timedelta(minutes=rules.step_minutes)
    return midnight + step * -(-(local - midnight) // step)


def iter_free(
    calendar: Calendar, duration: timedelta, first: date, last: date, now: datetime, rules: Rules
) -> Iterator[tuple[datetime, datetime]]:
    """The free slots (start, end) whose start falls on the local days first..last, in order."""
    earliest = now + rules.lead
    latest = now + rules.horizon
    if local_midnight(first, rules.tz) > latest or local_midnight(last + timedelta(days=1), rules.tz) <= earliest:
        return
    first = max(first, earliest.astimezone(rules.tz).date())
    last = min(last, latest.astimezone(rules.tz).date())
    # Work started on `last` may run on for the length of the job; a stretch may have begun the day before.
    reach = last + timedelta(days=duration.days + 2)
    stretches = iter_stretches(calendar.weekly, first - timedelta(days=1), reach, rules.tz)
    starts, ends = _blocked(calendar, rules.buffer)
    step = timedelta(minutes=rules.step_minutes)
    day_end = local_midnight(last + timedelta(days=1), rules.tz)
    day_start = local_midnight(first, rules.tz)
    for a, b in stretches:
        if a >= day_end:
            break
        # The first grid point in the stretch that can matter (hours saved under a finer step may
        # not begin on the grid).
        t = _next_grid_point(max(a, day_start, earliest), rules)
        while t < day_end and t <= latest and t + duration <= b:
            if not _overlaps(starts, ends, t, t + duration):
                yield t, t + duration
            t += step


def free_slots(
    calendar: Calendar, duration: timedelta, first: date, days: int, now: datetime, rules: Rules
) -> list[tuple[datetime, datetime]]:
    """Every free slot starting on the `days` local days from `first`."""
    return list(iter_free(calendar, duration, first, first + timedelta(days=days - 1), now, rules))


def first_free(calendar: Calendar, duration: timedelta, now: datetime, rules: Rules) -> datetime | None:
    """The start of the first free slot within the horizon, or None."""
    today = now.astimezone(rules.tz).date()
    last = (now + rules.horizon).astimezone(rules.tz).date()
    for start, _end in iter_free(calendar, duration, today, last, now, rules):
        return start
    return None


def why_not(calendar: Calendar, duration: timedelta, start: datetime, now: datetime, rules: Rules) -> str | None:
    """None when `start` begins a free slot; else the first reason it does not (OFF_GRID ... TAKEN)."""
    if not _on_grid(start, rules):
        return OFF_GRID
    if start < now + rules.lead:
        return TOO_SOON
    if start > now + rules.horizon:
        return TOO_FAR
    day = start.astimezone(rules.tz).date()
    stretches = working_stretches(
        calendar.weekly, day - timedelta(days=1), day + timedelta(days=duration.days + 2), rules.tz
    )
    if not any(a <= start and start + duration <= b for a, b in stretches):
        return OUTSIDE_HOURS
    off_starts, off_ends = _blocked(Calendar(weekly=(), time_off=calendar.time_off), timedelta(0))
    if _overlaps(off_starts, off_ends, start, start + duration):
        return TIME_OFF
    hold_starts, hold_ends = _blocked(Calendar(weekly=(), holds=calendar.holds), rules.buffer)
    if _overlaps(hold_starts, hold_ends, start, start + duration):
        return TAKEN
    return None


def nearest(
    calendar: Calendar, duration: timedelta, around: datetime, now: datetime, rules: Rules, count: int = 5
) -> list[tuple[datetime, datetime]]:
    """Up to `count` free slots closest in time to `around` (the day before to two days after), by distance."""
    day = around.astimezone(rules.tz).date()
    found = list(iter_free(calendar, duration, day - timedelta(days=1), day + timedelta(days=2), now, rules))
    found.sort(key=lambda slot: (abs(slot[0] - around), slot[0]))
    return sorted(found[:count])
