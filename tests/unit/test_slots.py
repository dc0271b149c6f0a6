"""Free slots computed from a week, time off and held bookings (household.domain.slots), edge by edge.

Every test fixes `now` and the platform's zone (Asia/Kolkata) and asserts the exact starts, so a
change of any rule (half-open intervals, the buffer on both sides, the lead, the horizon, the grid,
merged stretches across midnight) shows up as a different list.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from household.domain import slots
from household.domain.slots import Calendar, Rules

IST = ZoneInfo("Asia/Kolkata")
MON = date(2026, 12, 7)  # a Monday
TUE, WED, SAT, SUN = (MON + timedelta(days=n) for n in (1, 2, 5, 6))
RULES = Rules(tz=IST)  # step 30, lead 120 min, horizon 30 days, buffer 30 min
NOW = datetime.combine(MON, time(6, 0), IST)  # earliest start 08:00, before the day's work begins
WORKDAY = tuple((d, 9 * 60, 18 * 60) for d in range(6))  # Monday to Saturday, 09:00-18:00


def at(day: date, hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(h, m), IST)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def hhmm(found, with_day: bool = False) -> list[str]:
    """The starts as local "HH:MM" ("Mon HH:MM" with_day); each end checked against its start first."""
    out = []
    for item in found:
        start = item[0] if isinstance(item, tuple) else item
        out.append(start.astimezone(IST).strftime("%a %H:%M" if with_day else "%H:%M"))
    return out


def grid(first: str, last: str, step: int = 30) -> list[str]:
    """Every "HH:MM" from first to last inclusive, `step` minutes apart."""
    a = datetime.combine(MON, time(*map(int, first.split(":"))))
    b = datetime.combine(MON, time(*map(int, last.split(":"))))
    out = []
    while a <= b:
        out.append(a.strftime("%H:%M"))
        a += minutes(step)
    return out


def free(calendar, length, day=MON, days=1, now=NOW, rules=RULES):
    found = slots.free_slots(calendar, minutes(length), day, days, now, rules)
    for start, end in found:
        assert end - start == minutes(length)
        assert start.tzinfo is not None
    return found


def week(*intervals) -> Calendar:
    """("Mon", "09:00", "18:00"), ... → a Calendar."""
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    def m(s):
        h, mm = (int(x) for x in s.split(":"))
        return h * 60 + mm

    return Calendar(weekly=tuple((names.index(d), m(a), m(b)) for d, a, b in intervals))


def with_(calendar: Calendar, time_off=(), holds=()) -> Calendar:
    return Calendar(weekly=calendar.weekly, time_off=tuple(time_off), holds=tuple(holds))


# --- the edges of working hours -------------------------------------------------------------------


def test_a_slot_ending_exactly_at_the_end_of_work_is_in_and_one_minute_more_is_out():
    cal = Calendar(weekly=WORKDAY)
    assert hhmm(free(cal, 60)) == grid("09:00", "17:00")
    assert hhmm(free(cal, 61)) == grid("09:00", "16:30")
    assert hhmm(free(cal, 540)) == ["09:00"]  # the whole day, exactly
    assert free(cal, 541) == []
    assert slots.why_not(cal, minutes(60), at(MON, "17:00"), NOW, RULES) is None
    assert slots.why_not(cal, minutes(61), at(MON, "17:00"), NOW, RULES) == slots.OUTSIDE_HOURS
    assert slots.why_not(cal, minutes(30), at(MON, "18:00"), NOW, RULES) == slots.OUTSIDE_HOURS
    assert slots.why_not(cal, minutes(30), at(MON, "08:30"), NOW, RULES) == slots.OUTSIDE_HOURS


def test_intervals_are_half_open_for_time_off():
    # Time off 12:00-13:00: a job may end at 12:00 and start at 13:00.
    cal = with_(Calendar(weekly=WORKDAY), time_off=[(at(MON, "12:00"), at(MON, "13:00"))])
    assert hhmm(free(cal, 60)) == grid("09:00", "11:00") + grid("13:00", "17:00")
    assert slots.why_not(cal, minutes(60), at(MON, "11:00"), NOW, RULES) is None
    assert slots.why_not(cal, minutes(60), at(MON, "11:30"), NOW, RULES) == slots.TIME_OFF
    assert slots.why_not(cal, minutes(60), at(MON, "12:30"), NOW, RULES) == slots.TIME_OFF
    assert slots.why_not(cal, minutes(60), at(MON, "13:00"), NOW, RULES) is None


def test_several_intervals_a_day():
    cal = week(("Mon", "09:00", "12:00"), ("Mon", "14:00", "18:00"), ("Mon", "19:00", "20:00"))
    assert hhmm(free(cal, 120)) == grid("09:00", "10:00") + grid("14:00", "16:00")
    assert hhmm(free(cal, 60)) == grid("09:00", "11:00") + grid("14:00", "17:00") + ["19:00"]
    assert slots.why_not(cal, minutes(60), at(MON, "12:30"), NOW, RULES) == slots.OUTSIDE_HOURS


def test_contiguous_intervals_hold_a_job_longer_than_either():
    cal = week(("Mon", "09:00", "13:00"), ("Mon", "13:00", "18:00"))
    assert hhmm(free(cal, 360)) == grid("09:00", "12:00")
    assert slots.why_not(cal, minutes(360), at(MON, "12:00"), NOW, RULES) is None


def test_intervals_with_a_gap_do_not_merge():
    cal = week(("Mon", "09:00", "13:00"), ("Mon", "13:30", "18:00"))
    assert free(cal, 360) == []
    assert hhmm(free(cal, 240)) == ["09:00", "13:30", "14:00"]
    assert slots.why_not(cal, minutes(240), at(MON, "09:30"), NOW, RULES) == slots.OUTSIDE_HOURS


def test_a_job_runs_across_midnight_when_the_next_day_starts_at_midnight():
    cal = week(("Mon", "20:00", "24:00"), ("Tue", "00:00", "02:00"))
    # 3 hours from 23:00 ends Tuesday 02:00: in. Tuesday alone holds no 3-hour job.
    assert hhmm(free(cal, 180)) == grid("20:00", "23:00")
    assert hhmm(free(cal, 180, days=2)) == grid("20:00", "23:00")
    assert free(cal, 180, day=TUE) == []
    assert hhmm(free(cal, 60, day=TUE)) == ["00:00", "00:30", "01:00"]
    assert slots.why_not(cal, minutes(180), at(MON, "23:00"), NOW, RULES) is None
    assert slots.why_not(cal, minutes(180), at(MON, "23:30"), NOW, RULES) == slots.OUTSIDE_HOURS
    # Without Tuesday's early hours the last 3-hour start is 21:00.
    alone = week(("Mon", "20:00", "24:00"))
    assert hhmm(free(alone, 180)) == grid("20:00", "21:00")
    assert slots.why_not(alone, minutes(180), at(MON, "23:00"), NOW, RULES) == slots.OUTSIDE_HOURS


def test_the_week_wraps_from_sunday_to_monday():
    cal = week(("Sun", "22:00", "24:00"), ("Mon", "00:00", "01:00"))
    assert hhmm(free(cal, 180, day=SUN), with_day=True) == ["Sun 22:00"]
    assert hhmm(free(cal, 150, day=SUN), with_day=True) == ["Sun 22:00", "Sun 22:30"]


def test_a_day_off_has_no_slots():
    cal = Calendar(weekly=WORKDAY)
    assert free(cal, 30, day=SUN) == []
    # A week from Monday: six working days, none on Sunday.
    found = free(cal, 60, days=7)
    assert sorted({s.astimezone(IST).strftime("%a") for s, _ in found}) == sorted(
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    )
    assert len(found) == 6 * 17
    assert free(Calendar(weekly=()), 30, days=14) == []


# --- the travel buffer ------------------------------------------------------------------------------


def test_the_buffer_is_kept_before_and_after_a_hold():
    # A one-hour booking at 12:00 holds 12:00-13:30 (its end plus the 30-minute buffer).
    cal = with_(Calendar(weekly=WORKDAY), holds=[(at(MON, "12:00"), at(MON, "13:30"))])
    # A new hour must end by 11:30 (its own buffer before 12:00) and start at 13:30 or later.
    assert hhmm(free(cal, 60)) == grid("09:00", "10:30") + grid("13:30", "17:00")
    assert slots.why_not(cal, minutes(60), at(MON, "10:30"), NOW, RULES) is None
    assert slots.why_not(cal, minutes(60), at(MON, "11:00"), NOW, RULES) == slots.TAKEN
    assert slots.why_not(cal, minutes(60), at(MON, "13:00"), NOW, RULES) == slots.TAKEN
    assert slots.why_not(cal, minutes(60), at(MON, "13:30"), NOW, RULES) is None


def test_the_buffer_follows_the_rules():
    cal = with_(Calendar(weekly=WORKDAY), holds=[(at(MON, "12:00"), at(MON, "13:00"))])
    none = Rules(tz=IST, buffer=timedelta(0))
    hour = Rules(tz=IST, buffer=minutes(60))
    assert hhmm(free(cal, 60, rules=none)) == grid("09:00", "11:00") + grid("13:00", "17:00")
    assert hhmm(free(cal, 60, rules=hour)) == grid("09:00", "10:00") + grid("13:00", "17:00")


def test_two_holds_leave_only_the_gap_that_fits_job_and_buffers():
    holds = [(at(MON, "10:00"), at(MON, "11:30")), (at(MON, "14:00"), at(MON, "15:30"))]
    cal = with_(Calendar(weekly=WORKDAY), holds=holds)
    # Between them: start >= 11:30 and end <= 13:30.
    assert hhmm(free(cal, 60)) == ["11:30", "12:00", "12:30"] + grid("15:30", "17:00")
    assert hhmm(free(cal, 120)) == ["11:30"] + grid("15:30", "16:00")
    assert hhmm(free(cal, 150)) == ["15:30"]


def test_holds_and_time_off_that_touch_or_overlap_block_together():
    cal = with_(
        Calendar(weekly=WORKDAY),
        time_off=[(at(MON, "09:00"), at(MON, "11:00"))],
        holds=[(at(MON, "11:30"), at(MON, "12:30")), (at(MON, "12:00"), at(MON, "14:00"))],
    )
    # Before the first hold: 11:00 + 30 min ends at 11:30, but the buffer needs the end by 11:00.
    assert hhmm(free(cal, 30)) == grid("14:00", "17:30")
    assert slots.why_not(cal, minutes(30), at(MON, "10:30"), NOW, RULES) == slots.TIME_OFF
    assert slots.why_not(cal, minutes(30), at(MON, "11:00"), NOW, RULES) == slots.TAKEN
    assert slots.why_not(cal, minutes(30), at(MON, "13:30"), NOW, RULES) == slots.TAKEN


# --- lead and horizon -------------------------------------------------------------------------------


def test_exactly_now_plus_lead_is_allowed_and_a_moment_less_is_not():
    cal = Calendar(weekly=WORKDAY)
    seven = at(MON, "07:00")
    assert hhmm(free(cal, 60, now=seven))[:2] == ["09:00", "09:30"]
    assert slots.why_not(cal, minutes(60), at(MON, "09:00"), seven, RULES) is None
    # One second later, 09:00 is too soon; the next grid point is the first slot.
    later = seven + timedelta(seconds=1)
    assert hhmm(free(cal, 60, now=later))[:2] == ["09:30", "10:00"]
    assert slots.why_not(cal, minutes(60), at(MON, "09:00"), later, RULES) == slots.TOO_SOON
    # One step less than the lead is refused.
    assert slots.why_not(cal, minutes(60), seven + RULES.lead - minutes(30), seven, RULES) == slots.TOO_SOON


def test_the_lead_rounds_up_to_the_grid_from_an_odd_now():
    cal = Calendar(weekly=WORKDAY)
    now = at(MON, "08:10")  # earliest 10:10
    assert hhmm(free(cal, 60, now=now)) == grid("10:30", "17:00")
    assert slots.first_free(cal, minutes(60), now, RULES) == at(MON, "10:30")
    assert slots.why_not(cal, minutes(60), at(MON, "10:00"), now, RULES) == slots.TOO_SOON


def test_the_lead_reaches_into_the_next_day():
    cal = Calendar(weekly=WORKDAY)
    now = at(MON, "17:00")  # earliest 19:00: nothing left on Monday
    assert free(cal, 60, now=now) == []
    assert hhmm(free(cal, 60, days=2, now=now), with_day=True) == [f"Tue {t}" for t in grid("09:00", "17:00")]
    assert slots.first_free(cal, minutes(60), now, RULES) == at(TUE, "09:00")


def test_a_day_before_today_has_no_slots():
    cal = Calendar(weekly=WORKDAY)
    assert free(cal, 60, day=MON - timedelta(days=1), now=at(TUE, "06:00")) == []
    assert hhmm(free(cal, 60, day=MON, days=2, now=at(TUE, "06:00")), with_day=True)[0] == "Tue 09:00"


def test_the_horizon_ends_exactly_at_now_plus_horizon():
    always = Calendar(weekly=tuple((d, 0, 1440) for d in range(7)))
    last_day = (NOW + RULES.horizon).date()  # 2027-01-06, the horizon is 06:00 that day
    assert last_day == date(2027, 1, 6)
    assert hhmm(free(always, 30, day=last_day)) == grid("00:00", "06:00")
    assert free(always, 30, day=last_day + timedelta(days=1)) == []
    assert slots.why_not(always, minutes(30), at(last_day, "06:00"), NOW, RULES) is None
    assert slots.why_not(always, minutes(30), at(last_day, "06:30"), NOW, RULES) == slots.TOO_FAR
    # A short horizon: two days.
    short = Rules(tz=IST, horizon=timedelta(days=2))
    found = free(Calendar(weekly=WORKDAY), 60, days=14, rules=short)
    assert hhmm(found, with_day=True) == [f"{d} {t}" for d in ("Mon", "Tue") for t in grid("09:00", "17:00")]
    assert slots.why_not(Calendar(weekly=WORKDAY), minutes(60), at(WED, "09:00"), NOW, short) == slots.TOO_FAR


# --- the grid ---------------------------------------------------------------------------------------


def test_starts_step_by_thirty_minutes_and_off_grid_times_are_refused():
    cal = Calendar(weekly=WORKDAY)
    assert hhmm(free(cal, 45)) == grid("09:00", "17:00")
    for odd in ("09:15", "09:01", "10:45"):
        assert slots.why_not(cal, minutes(45), at(MON, odd), NOW, RULES) == slots.OFF_GRID
    assert slots.why_not(cal, minutes(45), at(MON, "10:00") + timedelta(seconds=1), NOW, RULES) == slots.OFF_GRID
    # The grid is in local time: 04:30 UTC is 10:00 in Kolkata.
    from datetime import UTC

    assert slots.why_not(cal, minutes(45), datetime(2026, 12, 7, 4, 30, tzinfo=UTC), NOW, RULES) is None


def test_a_sixty_minute_grid():
    hourly = Rules(tz=IST, step_minutes=60)
    cal = Calendar(weekly=WORKDAY)
    assert hhmm(free(cal, 60, rules=hourly)) == grid("09:00", "17:00", step=60)
    assert hhmm(free(cal, 90, rules=hourly)) == grid("09:00", "16:00", step=60)
    assert slots.why_not(cal, minutes(60), at(MON, "09:30"), NOW, hourly) == slots.OFF_GRID
    # The lead rounds up to the hour: from 07:10 the earliest is 09:10, so 10:00.
    assert hhmm(free(cal, 60, now=at(MON, "07:10"), rules=hourly))[0] == "10:00"


def test_a_fifteen_minute_grid():
    quarter = Rules(tz=IST, step_minutes=15)
    cal = week(("Mon", "09:00", "10:30"))
    assert hhmm(free(cal, 60, rules=quarter)) == ["09:00", "09:15", "09:30"]


def test_hours_off_a_coarser_grid_still_give_the_grid_starts_inside_them():
    hourly = Rules(tz=IST, step_minutes=60)
    cal = week(("Mon", "09:30", "12:00"))
    assert slots.why_not(cal, minutes(60), at(MON, "10:00"), NOW, hourly) is None
    assert hhmm(free(cal, 60, rules=hourly)) == ["10:00", "11:00"]


# --- time off ---------------------------------------------------------------------------------------


def test_time_off_across_days_removes_every_start_it_touches():
    cal = with_(Calendar(weekly=WORKDAY), time_off=[(at(MON, "16:00"), at(WED, "10:00"))])
    found = free(cal, 60, days=3)
    assert hhmm(found, with_day=True) == (
        [f"Mon {t}" for t in grid("09:00", "15:00")] + [f"Wed {t}" for t in grid("10:00", "17:00")]
    )
    assert slots.why_not(cal, minutes(60), at(TUE, "12:00"), NOW, RULES) == slots.TIME_OFF
    assert slots.first_free(cal, minutes(60), at(MON, "15:00"), RULES) == at(WED, "10:00")


def test_time_off_outside_working_hours_changes_nothing():
    cal = with_(Calendar(weekly=WORKDAY), time_off=[(at(MON, "18:00"), at(TUE, "09:00"))])
    assert hhmm(free(cal, 60, days=2)) == grid("09:00", "17:00") * 2


# --- why_not: the first reason, in order --------------------------------------------------------------


def test_why_not_names_the_first_reason_in_a_fixed_order():
    cal = with_(
        Calendar(weekly=WORKDAY),
        time_off=[(at(TUE, "09:00"), at(TUE, "12:00"))],
        holds=[(at(WED, "12:00"), at(WED, "13:30"))],
    )
    d = minutes(60)
    # Off the grid wins over everything, even a time that is also too soon.
    assert slots.why_not(cal, d, at(MON, "06:15"), NOW, RULES) == slots.OFF_GRID
    # Too soon comes before outside hours (07:30 is both).
    assert slots.why_not(cal, d, at(MON, "07:30"), NOW, RULES) == slots.TOO_SOON
    assert slots.why_not(cal, d, NOW + timedelta(days=31), NOW, RULES) == slots.TOO_FAR
    assert slots.why_not(cal, d, at(SUN, "10:00"), NOW, RULES) == slots.OUTSIDE_HOURS
    assert slots.why_not(cal, d, at(TUE, "10:00"), NOW, RULES) == slots.TIME_OFF
    assert slots.why_not(cal, d, at(WED, "12:30"), NOW, RULES) == slots.TAKEN
    assert slots.why_not(cal, d, at(WED, "14:00"), NOW, RULES) is None
    # Time off comes before taken when both apply.
    both = with_(cal, time_off=[(at(WED, "12:00"), at(WED, "12:30"))], holds=cal.holds)
    assert slots.why_not(both, d, at(WED, "12:00"), NOW, RULES) == slots.TIME_OFF


def test_why_not_agrees_with_the_free_slots_at_every_grid_point():
    cal = with_(
        week(
            ("Mon", "09:00", "12:00"), ("Mon", "12:00", "14:00"), ("Mon", "15:00", "24:00"), ("Tue", "00:00", "03:00")
        ),
        time_off=[(at(MON, "16:00"), at(MON, "17:00"))],
        holds=[(at(MON, "19:00"), at(MON, "20:30"))],
    )
    d = minutes(90)
    free_starts = {s for s, _ in free(cal, 90, days=2)}
    t = at(MON, "00:00")
    while t < at(WED, "00:00"):
        assert (slots.why_not(cal, d, t, NOW, RULES) is None) == (t in free_starts), t
        t += minutes(30)
    assert hhmm(sorted(free_starts), with_day=True) == (
        [f"Mon {x}" for x in grid("09:00", "12:30")]
        + ["Mon 17:00"]
        + [f"Mon {x}" for x in grid("20:30", "23:30")]
        + ["Tue 00:00", "Tue 00:30", "Tue 01:00", "Tue 01:30"]
    )


# --- first_free and nearest ---------------------------------------------------------------------------


def test_first_free_skips_holds_time_off_and_days_off():
    cal = with_(
        Calendar(weekly=WORKDAY),
        time_off=[(at(MON, "09:00"), at(MON, "12:00"))],
        holds=[(at(MON, "12:00"), at(MON, "18:00"))],
    )
    assert slots.first_free(cal, minutes(60), NOW, RULES) == at(TUE, "09:00")
    assert slots.first_free(cal, minutes(60), at(SAT, "17:00"), RULES) == at(MON + timedelta(days=7), "09:00")
    assert slots.first_free(Calendar(weekly=()), minutes(60), NOW, RULES) is None
    # Longer than any working day: never.
    assert slots.first_free(Calendar(weekly=WORKDAY), minutes(600), NOW, RULES) is None


def test_first_free_is_the_first_of_the_free_slots():
    cal = with_(Calendar(weekly=WORKDAY), holds=[(at(MON, "09:00"), at(MON, "10:15"))])
    assert slots.first_free(cal, minutes(45), NOW, RULES) == at(MON, "10:30")
    assert free(cal, 45)[0][0] == at(MON, "10:30")


def test_nearest_takes_the_closest_free_slots_and_gives_them_in_order():
    # A one-hour booking at 14:00 (held to 15:30); around 14:00 the free starts are
    # ... 11:30 (150 min away), 12:00 (120), 12:30 (90) | 15:30 (90), 16:00 (120), 16:30 (150) ...
    cal = with_(Calendar(weekly=WORKDAY), holds=[(at(MON, "14:00"), at(MON, "15:30"))])
    around = at(MON, "14:00")
    d = minutes(60)
    assert hhmm(slots.nearest(cal, d, around, NOW, RULES)) == ["11:30", "12:00", "12:30", "15:30", "16:00"]
    # Ties are broken by the earlier start.
    assert hhmm(slots.nearest(cal, d, around, NOW, RULES, count=3)) == ["12:00", "12:30", "15:30"]
    assert hhmm(slots.nearest(cal, d, around, NOW, RULES, count=1)) == ["12:30"]
    for start, end in slots.nearest(cal, d, around, NOW, RULES):
        assert end - start == d


def test_nearest_looks_into_the_next_days_and_never_before_the_lead():
    cal = with_(Calendar(weekly=WORKDAY), holds=[(at(MON, "09:00"), at(MON, "18:00"))])
    now = at(MON, "07:00")
    found = slots.nearest(cal, minutes(60), at(MON, "17:00"), now, RULES, count=3)
    assert hhmm(found, with_day=True) == ["Tue 09:00", "Tue 09:30", "Tue 10:00"]
    # Late on Monday: nothing before 19:00 Monday (the lead) can be offered.
    late = slots.nearest(Calendar(weekly=WORKDAY), minutes(60), at(MON, "17:00"), at(MON, "16:00"), RULES, count=2)
    assert hhmm(late, with_day=True) == ["Tue 09:00", "Tue 09:30"]
    assert slots.nearest(Calendar(weekly=()), minutes(60), at(MON, "17:00"), now, RULES) == []


def test_rules_from_config():
    r = Rules.from_config(
        {
            "APP_TIMEZONE": "Asia/Kolkata",
            "SLOT_STEP_MINUTES": 15,
            "BOOKING_LEAD_MINUTES": 60,
            "BOOKING_HORIZON_DAYS": 7,
            "TRAVEL_BUFFER_MINUTES": 10,
        }
    )
    assert r == Rules(tz=IST, step_minutes=15, lead=minutes(60), horizon=timedelta(days=7), buffer=minutes(10))
