"""Working hours, time off, free slots and the rule that no two held bookings of one professional overlap.

The slot arithmetic is in household.domain.slots (pure); this module reads what it needs from
the database, in a fixed number of queries whatever the number of professionals, and writes a
professional's week and time off. The booking write itself is in household.domain.requests,
which asks `check_start` here before writing and `ensure_no_overlap` inside its transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from household import clock
from household.domain import changes, slots
from household.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from household.domain.policies import Caller
from household.models import Professional, Service, ServiceRequest, TimeOff, User, WorkingHours
from household.models.service_request import HOLDING, STATUS_ASSIGNED
from household.models.user import APPROVAL_APPROVED

# A new professional's week: Monday to Saturday, 09:00-18:00.
DEFAULT_WEEK = tuple((weekday, 9 * 60, 18 * 60) for weekday in range(6))
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_TIME_OFF = timedelta(days=366)

TAKEN_MESSAGE = "That time was just taken; here are the nearest free times."
NO_FREE_TIME = "This professional has no free time in the booking window; try another professional."
REASONS = {
    slots.OFF_GRID: "Bookings start on the {step}-minute grid (for example 10:00 or 10:30).",
    slots.TOO_SOON: "That is too soon: bookings start at least {lead} minutes from now.",
    slots.TOO_FAR: "That is too far ahead: bookings can be made up to {horizon} days ahead.",
    slots.OUTSIDE_HOURS: "The professional does not work then; pick one of their free times.",
    slots.TIME_OFF: "The professional is off then; pick one of their free times.",
}


def rules() -> slots.Rules:
    """The scheduling settings of the running app."""
    return slots.Rules.from_config(current_app.config)


def minutes_to_clock(minute: int) -> str:
    """600 → "10:00"; 1440 → "24:00"."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def default_week() -> list[WorkingHours]:
    """A new professional's working week (Monday to Saturday, 09:00-18:00), to attach to their profile."""
    return [WorkingHours(weekday=d, start_minute=a, end_minute=b) for d, a, b in DEFAULT_WEEK]


# --- Reading -----------------------------------------------------------------------------------


def calendars(
    s: Session, professional_ids: list[int], since: datetime, exclude_request: int | None = None
) -> dict[int, slots.Calendar]:
    """Each professional's week, time off and holds that end after `since` (but `exclude_request`'s): three queries."""
    if not professional_ids:
        return {}
    # Plain rows through the session's connection: a hundred professionals' weeks are hundreds of rows,
    # and the ORM's per-statement work is most of what reading them would cost.
    conn = s.connection()
    weekly: dict[int, list] = {pid: [] for pid in professional_ids}
    for row in conn.execute(
        select(WorkingHours.professional_id, WorkingHours.weekday, WorkingHours.start_minute, WorkingHours.end_minute)
        .where(WorkingHours.professional_id.in_(professional_ids))
    ):
        weekly[row[0]].append((row[1], row[2], row[3]))
    off: dict[int, list] = {pid: [] for pid in professional_ids}
    for pid, a, b in conn.execute(
        select(TimeOff.professional_id, TimeOff.start_at, TimeOff.end_at).where(
            TimeOff.professional_id.in_(professional_ids), TimeOff.end_at > since
        )
    ):
        off[pid].append((a, b))
    holds: dict[int, list] = {pid: [] for pid in professional_ids}
    held = held_query(professional_ids, since)
    if exclude_request is not None:
        held = held.where(ServiceRequest.id != exclude_request)
    for pid, a, b in conn.execute(held):
        holds[pid].append((a, b))
    return {
        pid: slots.Calendar(weekly=tuple(weekly[pid]), time_off=tuple(off[pid]), holds=tuple(holds[pid]))
        for pid in professional_ids
    }


def held_query(professional_ids: list[int], since: datetime):
    """The holds (start, held_until) of these professionals' held bookings that end after `since`."""
    return select(ServiceRequest.professional_id, ServiceRequest.date_of_request, ServiceRequest.held_until).where(
        ServiceRequest.professional_id.in_(professional_ids),
        ServiceRequest.status.in_(HOLDING),
        ServiceRequest.held_until > since,
    )


def bookable(s: Session, professional_id: int) -> tuple[Professional, Service]:
    """An approved, active professional and their service; 404 for anyone else."""
    row = s.execute(
        select(Professional, Service)
        .join(User, User.id == Professional.user_id)
        .join(Service, Service.id == Professional.service_id)
        .where(Professional.id == professional_id, Professional.approval == APPROVAL_APPROVED, User.active.is_(True))
    ).first()
    if row is None:
        raise NotFound("No such professional.")
    return row[0], row[1]


def free_slots(
    s: Session, professional_id: int, first: date | None, days: int, moving: ServiceRequest | None = None
) -> list[dict]:
    """The free slots of an approved, active professional on `days` local days from `first` (today).

    With `moving` (a booking of theirs being moved), its own hold is left out and its booked length used.
    """
    _pro, service = bookable(s, professional_id)
    r = rules()
    now = clock.now()
    first = first or now.astimezone(r.tz).date()
    duration = timedelta(minutes=service.time_required)
    if moving is not None:
        duration = moving.end_time - moving.date_of_request
    calendar = calendars(s, [professional_id], now, moving.id if moving is not None else None)[professional_id]
    found = slots.free_slots(calendar, duration, first, days, now, r)
    return [{"start": a.astimezone(r.tz), "end": b.astimezone(r.tz)} for a, b in found]


def next_available(s: Session, durations: dict[int, int]) -> dict[int, datetime | None]:
    """For professionals (id → their service's minutes), the start of each one's first free slot."""
    r = rules()
    now = clock.now()
    cals = calendars(s, list(durations), now)
    return {
        pid: _local(slots.first_free(cals[pid], timedelta(minutes=minutes), now, r), r)
        for pid, minutes in durations.items()
    }


def bookable_days() -> tuple[date, date]:
    """The first and last local days on which a booking can start now (today .. the horizon's day)."""
    r = rules()
    now = clock.now()
    return now.astimezone(r.tz).date(), (now + r.horizon).astimezone(r.tz).date()


def free_on(s: Session, durations: dict[int, int], day: date) -> set[int]:
    """Which of these professionals (id → their service's minutes) have at least one free slot on local `day`.

    Reads every one's calendar (three queries whatever their number) and walks that one day:
    the cost grows with the professionals given, so callers cache the answer.
    """
    first, last = bookable_days()
    if not first <= day <= last:
        raise InvalidInput(
            fields={"free_on": [f"Choose a day from {first.isoformat()} to {last.isoformat()} (the booking window)."]}
        )
    r = rules()
    now = clock.now()
    cals = calendars(s, list(durations), now)
    return {
        pid
        for pid, minutes in durations.items()
        if next(slots.iter_free(cals[pid], timedelta(minutes=minutes), day, day, now, r), None) is not None
    }


def _local(when: datetime | None, r: slots.Rules) -> datetime | None:
    return None if when is None else when.astimezone(r.tz)


def time_bucket() -> tuple[str, datetime]:
    """A key that changes exactly when the passing of time can change free slots, and when it next will.

    Free slots change with the clock at each grid point crossed by the earliest start (now + lead)
    or the latest (now + horizon). Cached slot answers carry the key; stored answers served
    without Flask (household.fastpath) end at the returned instant.
    """
    r = rules()
    now = clock.now()
    step = timedelta(minutes=r.step_minutes)
    origin = datetime(2000, 1, 1)

    def grid_index(t: datetime) -> tuple[int, bool]:
        # Grid points count from local midnight (the step divides a day): t's point, and whether t is on it.
        since = t.astimezone(r.tz).replace(tzinfo=None) - origin
        return since // step, since % step == timedelta(0)

    def instant(index: int) -> datetime:
        return (origin + step * index).replace(tzinfo=r.tz)

    # The first start allowed is the first grid point at or after now + lead; it moves on once now +
    # lead passes it. The last is the last point at or before now + horizon; it moves when the next one
    # is reached.
    floor, exact = grid_index(now + r.lead)
    first = floor if exact else floor + 1
    last = grid_index(now + r.horizon)[0]
    changes_at = min(instant(first) - r.lead + timedelta(microseconds=1), instant(last + 1) - r.horizon)
    return f"{first}.{last}", changes_at


def availability(s: Session, professional_id: int) -> dict:
    """A professional's weekly hours and their time off that has not ended, in order."""
    weekly = s.execute(
        select(WorkingHours.weekday, WorkingHours.start_minute, WorkingHours.end_minute)
        .where(WorkingHours.professional_id == professional_id)
        .order_by(WorkingHours.weekday, WorkingHours.start_minute)
    ).all()
    off = s.scalars(
        select(TimeOff)
        .where(TimeOff.professional_id == professional_id, TimeOff.end_at > clock.now())
        .order_by(TimeOff.start_at, TimeOff.id)
    ).all()
    tz = rules().tz
    return {
        "weekly": [{"weekday": d, "start": minutes_to_clock(a), "end": minutes_to_clock(b)} for d, a, b in weekly],
        "time_off": [_time_off_dict(t, tz) for t in off],
    }


def _time_off_dict(t: TimeOff, tz) -> dict:
    return {"id": t.id, "start": t.start_at.astimezone(tz), "end": t.end_at.astimezone(tz), "reason": t.reason}


# --- Checking a booking's time -------------------------------------------------------------------


def check_start(
    s: Session, professional_id: int, start: datetime, duration: timedelta, exclude_request: int | None = None
) -> None:
    """Raise unless `start` begins a free slot of the professional (ignoring `exclude_request`'s own hold).

    422 for a time no booking could have (off the grid, too soon, too far, outside hours, time off);
    409, with the nearest free times, for a time another booking holds.
    """
    r = rules()
    now = clock.now()
    calendar = calendars(s, [professional_id], now, exclude_request)[professional_id]
    reason = slots.why_not(calendar, duration, start, now, r)
    if reason is None:
        return
    if reason == slots.TAKEN:
        raise taken(s, professional_id, start, duration, calendar)
    message = REASONS[reason].format(
        step=r.step_minutes, lead=int(r.lead.total_seconds() // 60), horizon=r.horizon.days
    )
    raise InvalidInput(message, fields={"date_of_request": [message]})


def taken(
    s: Session,
    professional_id: int,
    around: datetime,
    duration: timedelta,
    calendar: slots.Calendar | None = None,
    exclude_request: int | None = None,
) -> Conflict:
    """The 409 for a time another booking holds, carrying the nearest free times (`nearest`)."""
    r = rules()
    now = clock.now()
    if calendar is None:
        calendar = calendars(s, [professional_id], now, exclude_request)[professional_id]
    near = slots.nearest(calendar, duration, around, now, r)
    return Conflict(
        TAKEN_MESSAGE,
        extra={
            "nearest": [
                {"start": a.astimezone(r.tz).isoformat(), "end": b.astimezone(r.tz).isoformat()} for a, b in near
            ]
        },
    )


def hold_until(end: datetime) -> datetime:
    """Until when a booking ending at `end` holds its professional's time (the travel buffer after it)."""
    return end + rules().buffer


def ensure_no_overlap(s: Session, req: ServiceRequest) -> None:
    """Inside the booking's write transaction, after its write: 409 if another held booking overlaps it.

    On SQLite the write holds the database's write lock, so every booking committed before is seen
    and none can commit before ours: this check is what serialises bookings. On PostgreSQL the
    exclusion constraint has already refused an overlap at the write (see `is_overlap`); this
    finds none there.
    """
    clash = s.execute(
        select(ServiceRequest.id).where(
            ServiceRequest.professional_id == req.professional_id,
            ServiceRequest.status.in_(HOLDING),
            ServiceRequest.held_until > req.date_of_request,
            ServiceRequest.date_of_request < req.held_until,
            ServiceRequest.id != req.id,
        ).limit(1)
    ).first()
    if clash is not None:
        duration = req.end_time - req.date_of_request
        pid, start, own = req.professional_id, req.date_of_request, req.id
        s.rollback()
        raise taken(s, pid, start, duration, exclude_request=own)


def ensure_not_off(s: Session, professional_id: int, start: datetime, end: datetime) -> None:
    """422 if the professional has time off overlapping [start, end) (read inside the write transaction)."""
    off = s.execute(
        select(TimeOff.id).where(
            TimeOff.professional_id == professional_id, TimeOff.end_at > start, TimeOff.start_at < end
        ).limit(1)
    ).first()
    if off is not None:
        s.rollback()
        message = REASONS[slots.TIME_OFF]
        raise InvalidInput(message, fields={"date_of_request": [message]})


# PostgreSQL's answers when two writes of held bookings collide: the exclusion constraint refused
# one (23P01), or, when two inserts that overlap each wait for the other's check, it broke the
# deadlock by aborting one (40P01). Either way the other booking holds the time.
_OVERLAP_STATES = frozenset({"23P01", "40P01"})


def is_overlap(exc: DBAPIError) -> bool:
    """True when PostgreSQL refused a booking's write because another held booking overlaps it."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _OVERLAP_STATES


# --- Writing the week and time off -----------------------------------------------------------------


def _own_professional(caller: Caller) -> int:
    if caller.professional_id is None:
        raise Forbidden("Only professionals have working hours.")
    return caller.professional_id


def _lock_professional(s: Session, professional_id: int) -> None:
    # Serialises this professional's changes of hours and time off with accepts and bookings,
    # which share-lock the same row (household.domain.requests).
    s.execute(select(Professional.id).where(Professional.id == professional_id).with_for_update()).first()


def replace_week(s: Session, caller: Caller, weekly: list[dict]) -> dict:
    """Replace the caller's whole working week; 422 for overlapping or empty intervals, or off the grid."""
    pid = _own_professional(caller)
    step = rules().step_minutes
    errors: list[str] = []
    by_day: dict[int, list[tuple[int, int]]] = {}
    for item in weekly:
        day, a, b = item["weekday"], item["start"], item["end"]
        name = WEEKDAYS[day]
        if a >= b:
            errors.append(f"{name} {minutes_to_clock(a)}-{minutes_to_clock(b)}: the start must be before the end.")
        if a % step or b % step:
            errors.append(
                f"{name} {minutes_to_clock(a)}-{minutes_to_clock(b)}: times must be on the {step}-minute grid."
            )
        by_day.setdefault(day, []).append((a, b))
    for day, intervals in sorted(by_day.items()):
        intervals.sort()
        for (a1, b1), (a2, b2) in zip(intervals, intervals[1:], strict=False):
            if a2 < b1:
                errors.append(
                    f"{WEEKDAYS[day]}: {minutes_to_clock(a1)}-{minutes_to_clock(b1)} overlaps "
                    f"{minutes_to_clock(a2)}-{minutes_to_clock(b2)}."
                )
    if errors:
        raise InvalidInput("The working hours are not valid.", fields={"weekly": errors})
    _lock_professional(s, pid)
    s.execute(delete(WorkingHours).where(WorkingHours.professional_id == pid))
    s.add_all(
        WorkingHours(professional_id=pid, weekday=d, start_minute=a, end_minute=b)
        for d, intervals in by_day.items()
        for a, b in intervals
    )
    _record(s, pid)
    s.commit()
    return availability(s, pid)


def add_time_off(s: Session, caller: Caller, start: datetime, end: datetime, reason: str | None) -> dict:
    """Add time off; 409 listing the accepted bookings it would cover, which must be dealt with first."""
    pid = _own_professional(caller)
    if end <= start:
        raise InvalidInput("The end must be after the start.", fields={"end": ["The end must be after the start."]})
    if end <= clock.now():
        raise InvalidInput("This time off is already over.", fields={"end": ["The end must be in the future."]})
    if end - start > MAX_TIME_OFF:
        raise InvalidInput(
            "Time off is at most a year at a time.", fields={"end": ["At most 366 days after the start."]}
        )
    _lock_professional(s, pid)
    clashes = s.execute(
        select(ServiceRequest.id, ServiceRequest.date_of_request, ServiceRequest.end_time, User.name)
        .join(ServiceRequest.customer)
        .join(User)
        .where(
            ServiceRequest.professional_id == pid,
            ServiceRequest.status == STATUS_ASSIGNED,
            ServiceRequest.date_of_request < end,
            ServiceRequest.end_time > start,
        )
        .order_by(ServiceRequest.date_of_request)
    ).all()
    if clashes:
        s.rollback()
        tz = rules().tz
        raise Conflict(
            f"This time off covers {len(clashes)} accepted booking(s); withdraw or move them first.",
            extra={
                "bookings": [
                    {
                        "id": c.id,
                        "date_of_request": c.date_of_request.astimezone(tz).isoformat(),
                        "end_time": c.end_time.astimezone(tz).isoformat(),
                        "customer_name": c.name,
                    }
                    for c in clashes
                ]
            },
        )
    off = TimeOff(professional_id=pid, start_at=start, end_at=end, reason=reason or None)
    s.add(off)
    _record(s, pid)
    s.commit()
    return _time_off_dict(off, rules().tz)


def delete_time_off(s: Session, caller: Caller, time_off_id: int) -> None:
    """Remove one of the caller's time off (404 for anyone else's)."""
    pid = _own_professional(caller)
    off = s.execute(
        select(TimeOff).where(TimeOff.id == time_off_id, TimeOff.professional_id == pid)
    ).scalar_one_or_none()
    if off is None:
        raise NotFound("No such time off.")
    s.delete(off)
    _record(s, pid)
    s.commit()


def _record(s: Session, professional_id: int) -> None:
    service_id = s.execute(select(Professional.service_id).where(Professional.id == professional_id)).scalar_one()
    changes.schedule(s, professional_id, service_id)
