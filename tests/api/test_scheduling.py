"""The contract's "Scheduling" section through the API: working hours, time off, free slots, bookings
only into free slots (422 / 409 with the nearest free times), reschedules, and next_available.

now() is frozen to next Monday 08:00 Kolkata (the earliest bookable start is then 10:00) before
anyone registers, so tokens and sessions live on the same clock. Plumbing takes 45 minutes, deep
cleaning 240 (tests/api/conftest.py); the travel buffer is 30 minutes.
"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from household import clock
from tests.api.scheduling_support import (
    IST,
    MONDAY,
    at,
    day,
    grid,
    held_rows,
    iso,
    local,
    local_day,
    monday_8am,  # noqa: F401 - fixture
    parse,
)

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DEFAULT_WEEK = [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(6)]
PLUMBING_MONDAY = grid("10:00", "17:00")  # 45 minutes, from now + 120 min to 18:00


@pytest.fixture(autouse=True)
def _monday(monday_8am):  # noqa: F811 - the imported fixture
    """Frozen before `market` registers anyone."""
    yield


def slots_of(api, pro, date=None, days=None, token=None):
    query = []
    if date is not None:
        query.append(f"date={date}")
    if days is not None:
        query.append(f"days={days}")
    path = f"/api/professionals/{pro['professional_id']}/slots" + ("?" + "&".join(query) if query else "")
    return api.get(path, token)


def starts(resp) -> list[str]:
    assert resp.status_code == 200, resp.get_json()
    return [local(s["start"]) for s in resp.get_json()]


def book(market, when=None, token=None, professional=None):
    professional = professional or market.pro
    body = {"service_id": professional["service_id"], "professional_id": professional["professional_id"]}
    if when is not None:
        body["date_of_request"] = iso(when)
    return market.api.post("/api/service-requests", token or market.alice_token, json=body)


def booked(market, when=None, token=None, professional=None) -> dict:
    resp = book(market, when, token, professional)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def move(market, request_id, when, token=None):
    return market.api.patch(
        f"/api/service-requests/{request_id}", token or market.alice_token, json={"date_of_request": iso(when)}
    )


def put_week(market, weekly, token=None):
    return market.api.put("/api/availability", token or market.pro_token, json={"weekly": weekly})


def next_available(market, service_id=None, professional=None):
    professional = professional or market.pro
    rows = market.api.get(f"/api/service-packages/{service_id or professional['service_id']}").get_json()
    [row] = [r for r in rows if r["professional_id"] == professional["professional_id"]]
    return row["next_available"]


def assert_error(resp, status):
    assert resp.status_code == status, (resp.status_code, resp.get_json())
    body = resp.get_json()
    assert body["error"]["status"] == status and body["error"]["message"]
    return body["error"]


# --- working hours ------------------------------------------------------------------------------------


def test_a_new_professional_works_monday_to_saturday_nine_to_six(market):
    resp = market.api.get("/api/availability", market.pro_token)
    assert resp.status_code == 200
    assert resp.get_json() == {"weekly": DEFAULT_WEEK, "time_off": []}
    # A professional registered today, still pending, has the same week.
    assert market.api.get("/api/availability", market.pending_token).get_json()["weekly"] == DEFAULT_WEEK


def test_put_replaces_the_whole_week_with_several_intervals_a_day(market):
    weekly = [
        {"weekday": 0, "start": "20:00", "end": "24:00"},
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "12:00", "end": "13:00"},  # touching is not overlapping
        {"weekday": 1, "start": "00:00", "end": "02:00"},
        {"weekday": 6, "start": "10:00", "end": "11:30"},
    ]
    resp = put_week(market, weekly)
    assert resp.status_code == 200, resp.get_json()
    expected = sorted(weekly, key=lambda w: (w["weekday"], w["start"]))
    assert resp.get_json()["weekly"] == expected
    assert market.api.get("/api/availability", market.pro_token).get_json()["weekly"] == expected
    # The slots follow at once: Monday 10:00-13:00 and 20:00 into Tuesday 02:00; Sunday 10:00-11:30.
    assert starts(slots_of(market.api, market.pro)) == grid("10:00", "12:00") + grid("20:00", "23:30")
    tue = slots_of(market.api, market.pro, date=day(1)).get_json()
    assert [local(s["start"]) for s in tue] == ["00:00", "00:30", "01:00"]
    assert starts(slots_of(market.api, market.pro, date=day(6))) == ["10:00", "10:30"]
    # A 45-minute job at 23:30 ends Tuesday 00:15, inside Tuesday's early hours.
    assert booked(market, at("23:30"))["end_time"]
    # Wednesday is no longer a working day.
    assert starts(slots_of(market.api, market.pro, date=day(2))) == []


def test_an_empty_week_has_no_slots_and_no_next_available(market):
    resp = put_week(market, [])
    assert resp.status_code == 200
    assert resp.get_json()["weekly"] == []
    assert slots_of(market.api, market.pro, days=14).get_json() == []
    assert next_available(market) is None
    assert_error(book(market), 409)


INVALID_WEEKS = [
    ([{"weekday": 0, "start": "09:00", "end": "13:00"}, {"weekday": 0, "start": "12:30", "end": "18:00"}], "overlap"),
    ([{"weekday": 2, "start": "09:00", "end": "18:00"}, {"weekday": 2, "start": "10:00", "end": "11:00"}], "inside"),
    ([{"weekday": 0, "start": "10:00", "end": "10:00"}], "empty"),
    ([{"weekday": 0, "start": "18:00", "end": "09:00"}], "backwards"),
    ([{"weekday": 0, "start": "09:15", "end": "18:00"}], "start off the grid"),
    ([{"weekday": 0, "start": "09:00", "end": "17:45"}], "end off the grid"),
    ([{"weekday": 0, "start": "09:00", "end": "24:30"}], "24:30"),
    ([{"weekday": 0, "start": "09:00", "end": "25:00"}], "25:00"),
    ([{"weekday": 0, "start": "24:00", "end": "24:00"}], "starts at 24:00"),
    ([{"weekday": 0, "start": "9:00", "end": "18:00"}], "not HH:MM"),
    ([{"weekday": 0, "start": "09:60", "end": "18:00"}], "minute 60"),
    ([{"weekday": 7, "start": "09:00", "end": "18:00"}], "weekday 7"),
    ([{"weekday": -1, "start": "09:00", "end": "18:00"}], "weekday -1"),
    ([{"weekday": 0, "start": "09:00"}], "no end"),
    ([{"weekday": "Monday", "start": "09:00", "end": "18:00"}], "weekday by name"),
    # A valid interval beside an invalid one: nothing is written.
    ([{"weekday": 1, "start": "09:00", "end": "12:00"}, {"weekday": 2, "start": "12:00", "end": "11:00"}], "one bad"),
]


def test_put_refuses_an_invalid_week_and_keeps_the_old_one(market):
    for weekly, why in INVALID_WEEKS:
        resp = put_week(market, weekly)
        assert resp.status_code == 422, (why, resp.get_json())
        assert resp.get_json()["error"].get("fields"), why
    assert market.api.get("/api/availability", market.pro_token).get_json()["weekly"] == DEFAULT_WEEK
    assert starts(slots_of(market.api, market.pro)) == PLUMBING_MONDAY


def test_put_refuses_a_body_without_weekly(market):
    assert_error(market.api.put("/api/availability", market.pro_token, json={}), 422)


def test_a_day_may_end_at_24_00(market):
    resp = put_week(market, [{"weekday": 0, "start": "22:00", "end": "24:00"}])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["weekly"] == [{"weekday": 0, "start": "22:00", "end": "24:00"}]
    assert starts(slots_of(market.api, market.pro)) == ["22:00", "22:30", "23:00"]


def test_only_professionals_have_availability(market):
    api = market.api
    for token in (market.alice_token, market.admin):
        assert_error(api.get("/api/availability", token), 403)
        assert_error(api.put("/api/availability", token, json={"weekly": DEFAULT_WEEK}), 403)
        assert_error(
            api.post(
                "/api/availability/time-off", token, json={"start": iso(at("09:00", 1)), "end": iso(at("18:00", 1))}
            ),
            403,
        )
        assert_error(api.delete("/api/availability/time-off/1", token), 403)
    assert_error(api.get("/api/availability"), 401)
    assert_error(api.put("/api/availability", json={"weekly": DEFAULT_WEEK}), 401)
    assert_error(
        api.post("/api/availability/time-off", json={"start": iso(at("09:00", 1)), "end": iso(at("18:00", 1))}), 401
    )
    assert_error(api.delete("/api/availability/time-off/1"), 401)


def test_someones_availability_for_the_admin_and_themselves_only(market):
    api = market.api
    put_week(market, [{"weekday": 3, "start": "08:00", "end": "12:00"}])
    path = f"/api/professionals/{market.pro['professional_id']}/availability"
    for token in (market.admin, market.pro_token):
        resp = api.get(path, token)
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json() == {"weekly": [{"weekday": 3, "start": "08:00", "end": "12:00"}], "time_off": []}
    for token in (market.pro2_token, market.cleaner_token, market.alice_token):
        assert_error(api.get(path, token), 404)
    assert_error(api.get(path), 401)
    assert_error(api.get("/api/professionals/999999/availability", market.admin), 404)
    # The admin reads a pending professional's too.
    pending = api.get(f"/api/professionals/{market.pending['professional_id']}/availability", market.admin)
    assert pending.status_code == 200 and pending.get_json()["weekly"] == DEFAULT_WEEK


# --- time off -----------------------------------------------------------------------------------------


def add_off(market, start, end, token=None, **extra):
    return market.api.post(
        "/api/availability/time-off", token or market.pro_token, json={"start": iso(start), "end": iso(end), **extra}
    )


def test_time_off_is_added_listed_and_removed(market):
    api = market.api
    resp = add_off(market, at("12:00"), at("14:00"), reason="Dentist")
    assert resp.status_code == 201, resp.get_json()
    off = resp.get_json()
    assert set(off) >= {"id", "start", "end", "reason"}
    assert parse(off["start"]) == at("12:00") and parse(off["end"]) == at("14:00") and off["reason"] == "Dentist"
    listed = api.get("/api/availability", market.pro_token).get_json()["time_off"]
    assert [(t["id"], parse(t["start"]), parse(t["end"]), t["reason"]) for t in listed] == [
        (off["id"], at("12:00"), at("14:00"), "Dentist")
    ]
    # The admin sees it too.
    seen = api.get(f"/api/professionals/{market.pro['professional_id']}/availability", market.admin).get_json()
    assert [t["id"] for t in seen["time_off"]] == [off["id"]]
    # A 45-minute job must end by 12:00 and may start at 14:00.
    assert starts(slots_of(api, market.pro)) == grid("10:00", "11:00") + grid("14:00", "17:00")
    resp = add_off(market, at("09:00", 1), at("18:00", 1))
    assert resp.status_code == 201 and resp.get_json()["reason"] is None
    assert starts(slots_of(api, market.pro, date=day(1))) == []

    assert api.delete(f"/api/availability/time-off/{off['id']}", market.pro_token).status_code == 204
    assert starts(slots_of(api, market.pro)) == PLUMBING_MONDAY
    assert_error(api.delete(f"/api/availability/time-off/{off['id']}", market.pro_token), 404)
    assert len(api.get("/api/availability", market.pro_token).get_json()["time_off"]) == 1


def test_someone_elses_time_off_cannot_be_removed(market):
    off = add_off(market, at("12:00"), at("14:00")).get_json()
    assert_error(market.api.delete(f"/api/availability/time-off/{off['id']}", market.pro2_token), 404)
    assert_error(market.api.delete("/api/availability/time-off/999999", market.pro_token), 404)
    assert len(market.api.get("/api/availability", market.pro_token).get_json()["time_off"]) == 1


@pytest.mark.parametrize(
    "start, end",
    [(at("14:00"), at("12:00")), (at("12:00"), at("12:00"))],
    ids=["end before start", "end equals start"],
)
def test_time_off_must_end_after_it_starts(market, start, end):
    error = assert_error(add_off(market, start, end), 422)
    assert "end" in error["fields"]
    assert market.api.get("/api/availability", market.pro_token).get_json()["time_off"] == []


def test_time_off_needs_times_with_an_offset(market):
    resp = market.api.post(
        "/api/availability/time-off",
        market.pro_token,
        json={"start": "2030-01-01T10:00:00", "end": "2030-01-01T12:00:00"},
    )
    assert_error(resp, 422)


def test_time_off_over_an_accepted_booking_is_refused_with_the_bookings_listed(market):
    req = booked(market, at("12:00"))
    assert market.act(req["id"], market.pro_token, action="accept").status_code == 200
    other = booked(market, at("15:00"), token=market.bob_token)
    assert market.act(other["id"], market.pro_token, action="accept").status_code == 200
    error = assert_error(add_off(market, at("11:00"), at("16:00")), 409)
    bookings = error["bookings"]
    assert [b["id"] for b in bookings] == [req["id"], other["id"]]
    assert parse(bookings[0]["date_of_request"]) == at("12:00")
    assert market.api.get("/api/availability", market.pro_token).get_json()["time_off"] == []
    # Half-open: time off ending as the booking starts, or starting as it ends, is fine.
    assert add_off(market, at("11:00"), at("12:00")).status_code == 201
    assert add_off(market, at("12:45"), at("13:00")).status_code == 201


def test_time_off_over_a_requested_booking_is_allowed(market):
    req = booked(market, at("12:00"))
    resp = add_off(market, at("11:00"), at("16:00"))
    assert resp.status_code == 201, resp.get_json()
    # The request still holds its time; nothing else can be booked inside the time off.
    assert starts(slots_of(market.api, market.pro)) == ["10:00"] + grid("16:00", "17:00")
    assert_error(book(market, at("15:00"), token=market.bob_token), 422)
    # Nor can the request be accepted while it lies in the time off.
    assert market.act(req["id"], market.pro_token, action="accept").status_code == 409


# --- free slots ---------------------------------------------------------------------------------------


def test_anyone_reads_the_slots_which_cover_working_hours_from_now_plus_lead(market, monday_8am):  # noqa: F811
    resp = slots_of(market.api, market.pro)  # anonymous, today by default
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.get_json()
    assert [local(s["start"]) for s in body] == PLUMBING_MONDAY
    for s in body:
        start, end = parse(s["start"]), parse(s["end"])
        assert s["start"].endswith("+05:30")
        assert end - start == timedelta(minutes=45)
        assert start >= monday_8am + timedelta(minutes=120)
        local_start = start.astimezone(IST)
        assert local_start.minute % 30 == 0 and local_start.second == 0
        assert at("09:00") <= start and end <= at("18:00")
    # The same for a logged-in customer and with the date given.
    assert slots_of(market.api, market.pro, date=MONDAY, token=market.alice_token).get_json() == body


def test_slot_lengths_follow_the_service_and_its_changes(market):
    cleaning = slots_of(market.api, market.cleaner, date=day(1)).get_json()
    assert [local(s["start"]) for s in cleaning] == grid("09:00", "14:00")
    assert all(parse(s["end"]) - parse(s["start"]) == timedelta(minutes=240) for s in cleaning)
    # The admin makes plumbing a two-hour job: the next answer has two-hour slots.
    assert starts(slots_of(market.api, market.pro)) == PLUMBING_MONDAY
    resp = market.api.put(f"/api/services/{market.plumbing}", market.admin, json={"time_required": 120})
    assert resp.status_code == 200, resp.get_json()
    body = slots_of(market.api, market.pro).get_json()
    assert [local(s["start"]) for s in body] == grid("10:00", "16:00")
    assert all(parse(s["end"]) - parse(s["start"]) == timedelta(minutes=120) for s in body)


def test_several_days_skip_sunday_and_days_past_the_horizon(market):
    week = slots_of(market.api, market.pro, date=MONDAY, days=7).get_json()
    by_day: dict[str, list[str]] = {}
    for s in week:
        by_day.setdefault(local_day(s["start"])[:3], []).append(local(s["start"]))
    assert list(by_day) == DAYS[:6]
    assert by_day["Mon"] == PLUMBING_MONDAY
    assert all(by_day[d] == grid("09:00", "17:00") for d in DAYS[1:6])
    assert slots_of(market.api, market.pro, date=day(6)).get_json() == []  # Sunday: none, 200
    assert len(slots_of(market.api, market.pro, date=MONDAY, days=14).get_json()) == 15 + 11 * 17
    # The horizon is now + 30 days = 08:00 on day 30: that day has nothing left, the day before is whole.
    assert starts(slots_of(market.api, market.pro, date=day(29))) == grid("09:00", "17:00")
    assert slots_of(market.api, market.pro, date=day(30)).get_json() == []
    assert [local(s["start"]) for s in slots_of(market.api, market.pro, date=day(29), days=3).get_json()] == grid(
        "09:00", "17:00"
    )
    # Days already past have none.
    assert slots_of(market.api, market.pro, date=day(-1)).get_json() == []


def test_a_malformed_date_or_days_out_of_range_is_422(market):
    path = f"/api/professionals/{market.pro['professional_id']}/slots"
    for query in (
        "date=2026-13-01",
        "date=tomorrow",
        "date=07-12-2026",
        "date=",
        "days=0",
        "days=15",
        "days=-1",
        "days=two",
    ):
        resp = market.api.get(f"{path}?{query}")
        assert resp.status_code == 422, (query, resp.get_json())
        assert resp.get_json()["error"]["status"] == 422
    assert market.api.get(f"{path}?days=14").status_code == 200
    assert market.api.get(f"{path}?days=1&date={MONDAY}").status_code == 200


def test_slots_of_a_professional_not_approved_and_active_are_404(market):
    api = market.api
    assert_error(api.get(f"/api/professionals/{market.pending['professional_id']}/slots"), 404)
    assert_error(api.get("/api/professionals/999999/slots"), 404)
    # Blocked after their slots were read (and cached): 404 at once, and back after unblocking.
    assert slots_of(api, market.pro2).status_code == 200
    assert api.put(f"/api/users/{market.pro2['id']}/block", market.admin).status_code == 200
    assert_error(slots_of(api, market.pro2), 404)
    assert api.put(f"/api/users/{market.pro2['id']}/unblock", market.admin).status_code == 200
    assert starts(slots_of(api, market.pro2)) == PLUMBING_MONDAY


def test_the_buffer_is_kept_around_held_bookings(market):
    booked(market, at("12:00"))  # 12:00-12:45, held to 13:15
    # A new 45-minute job must end by 11:30 and start at 13:15 or later (13:30 on the grid).
    assert starts(slots_of(market.api, market.pro)) == ["10:00", "10:30"] + grid("13:30", "17:00")
    # Another professional's slots are untouched.
    assert starts(slots_of(market.api, market.pro2)) == PLUMBING_MONDAY
    req = booked(market, at("15:00"), token=market.bob_token)
    assert market.act(req["id"], market.pro_token, action="accept").status_code == 200
    assert starts(slots_of(market.api, market.pro)) == ["10:00", "10:30", "13:30", "16:30", "17:00"]


@pytest.mark.parametrize("how", ["reject", "cancel"])
def test_a_rejected_or_cancelled_booking_frees_its_slot(market, how):
    req = booked(market, at("12:00"))
    assert starts(slots_of(market.api, market.pro)) != PLUMBING_MONDAY
    token = market.pro_token if how == "reject" else market.alice_token
    resp = market.act(req["id"], token, action=how)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["cancelled_by"] == ("customer" if how == "cancel" else None)
    assert starts(slots_of(market.api, market.pro)) == PLUMBING_MONDAY
    # ... and the time can be booked again.
    assert parse(booked(market, at("12:00"), token=market.bob_token)["date_of_request"]) == at("12:00")


def test_slots_move_with_the_clock(market):
    assert starts(slots_of(market.api, market.pro))[0] == "10:00"
    clock.set_now(at("09:00") + timedelta(seconds=30))  # now + lead is 11:00:30
    assert starts(slots_of(market.api, market.pro))[0] == "11:30"
    clock.set_now(at("09:29"))
    assert starts(slots_of(market.api, market.pro))[0] == "11:30"
    clock.set_now(at("09:30") + timedelta(seconds=1))
    assert starts(slots_of(market.api, market.pro))[0] == "12:00"
    # Tomorrow (no date given: "today" moves too).
    clock.set_now(at("08:00", 1) + timedelta(seconds=1))
    assert starts(slots_of(market.api, market.pro)) == grid("10:30", "17:00")


def test_a_slot_that_just_became_too_soon_is_not_offered_from_the_cache(market):
    assert starts(slots_of(market.api, market.pro))[0] == "10:00"  # now + lead is exactly 10:00
    clock.set_now(at("08:00") + timedelta(seconds=1))
    assert starts(slots_of(market.api, market.pro))[0] == "10:30"


# --- booking into free slots --------------------------------------------------------------------------


def test_a_free_slot_start_is_booked(market):
    resp = book(market, at("10:00"))
    assert resp.status_code == 201, resp.get_json()
    req = resp.get_json()
    assert req["status"] == "requested"
    assert parse(req["date_of_request"]) == at("10:00")
    assert parse(req["end_time"]) == at("10:45")
    assert req["price"] == 299.0
    assert req["cancelled_by"] is None and req["cancellation_fee"] is None
    got = market.api.get(f"/api/service-requests/{req['id']}", market.alice_token).get_json()
    assert parse(got["end_time"]) == at("10:45") and got["price"] == 299.0
    # The price is the one when booked: a later change of the service's price does not touch it.
    market.api.put(f"/api/services/{market.plumbing}", market.admin, json={"price": 350})
    assert market.api.get(f"/api/service-requests/{req['id']}", market.alice_token).get_json()["price"] == 299.0


def test_the_last_slot_of_the_day_and_a_slot_given_in_utc(market):
    assert parse(booked(market, at("17:00"))["end_time"]) == at("17:45")
    utc = at("14:00").astimezone(UTC)
    resp = market.api.post(
        "/api/service-requests",
        market.bob_token,
        json={
            "service_id": market.plumbing,
            "professional_id": market.pro["professional_id"],
            "date_of_request": utc.isoformat(),
        },
    )
    assert resp.status_code == 201, resp.get_json()
    assert parse(resp.get_json()["date_of_request"]) == at("14:00")


IMPOSSIBLE_TIMES = [
    (at("10:15"), "off the grid"),
    (at("10:00") + timedelta(seconds=30), "seconds off the grid"),
    (at("09:30"), "too soon (before now + 120 min)"),
    (at("09:00"), "too soon and in hours"),
    (at("17:30"), "ends after working hours"),
    (at("07:00", 1), "before working hours"),
    (at("10:00", 6), "Sunday"),
    (at("10:00", 31), "past the horizon"),
    (at("10:00", -1), "in the past"),
]


def test_a_time_no_booking_could_have_is_422(market):
    for when, why in IMPOSSIBLE_TIMES:
        resp = book(market, when)
        assert resp.status_code == 422, (why, resp.get_json())
        assert "date_of_request" in resp.get_json()["error"].get("fields", {}), why
    assert held_rows(market.api.app, market.pro["professional_id"]) == []


def test_a_time_in_time_off_is_422(market):
    assert add_off(market, at("12:00"), at("13:00")).status_code == 201
    for when in (at("11:30"), at("12:00"), at("12:30")):
        assert_error(book(market, when), 422)
    assert book(market, at("11:00")).status_code == 201
    assert book(market, at("13:30"), token=market.bob_token).status_code == 201


def test_exactly_now_plus_lead_and_exactly_the_horizon_are_bookable(market):
    assert parse(booked(market, at("10:00"))["date_of_request"]) == at("10:00")
    # The horizon is 30 days: with hours around the clock its last start is day 30 at 08:00.
    assert put_week(market, [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]).status_code == 200
    assert parse(booked(market, at("08:00", 30), token=market.bob_token)["date_of_request"]) == at("08:00", 30)
    assert_error(book(market, at("08:30", 30), token=market.bob_token), 422)


def test_a_taken_time_is_409_with_the_nearest_free_times(market):
    booked(market, at("12:00"))  # held 12:00-13:15
    error = assert_error(book(market, at("12:00"), token=market.bob_token), 409)
    nearest = error["nearest"]
    # Around 12:00: 10:30 and 13:30 are 90 minutes away, 10:00 and 14:00 120, 14:30 150.
    assert [local(n["start"]) for n in nearest] == ["10:00", "10:30", "13:30", "14:00", "14:30"]
    assert all(parse(n["end"]) - parse(n["start"]) == timedelta(minutes=45) for n in nearest)
    # Overlapping but not equal times are taken too, and so is the buffer on either side.
    for when in (at("11:30"), at("12:30"), at("13:00")):
        assert "nearest" in assert_error(book(market, when, token=market.bob_token), 409)
    assert book(market, at("10:30"), token=market.bob_token).status_code == 201  # held 10:30-11:45, clear of 12:00


def test_without_a_date_the_first_free_slot_is_booked(market):
    first = booked(market)
    assert parse(first["date_of_request"]) == at("10:00") and parse(first["end_time"]) == at("10:45")
    # The next one starts after 10:45 and the 30-minute buffer: 11:30.
    second = booked(market, token=market.bob_token)
    assert parse(second["date_of_request"]) == at("11:30")
    # A free slot taken ahead: the first free one is still the earliest.
    market.act(first["id"], market.alice_token, action="cancel")
    assert parse(booked(market)["date_of_request"]) == at("10:00")
    # An explicit null is the same as no date.
    resp = market.api.post(
        "/api/service-requests",
        market.bob_token,
        json={"service_id": market.plumbing, "professional_id": market.pro["professional_id"], "date_of_request": None},
    )
    assert resp.status_code == 201, resp.get_json()
    assert parse(resp.get_json()["date_of_request"]) == at("13:00")  # 11:30 is held to 12:45
    # After hours today, the first free slot is tomorrow's first.
    clock.set_now(at("16:30"))
    bob = market.api.login(market.bob["email"])  # the clock jumped past the session's idle limit
    assert parse(booked(market, token=bob, professional=market.pro2)["date_of_request"]) == at("09:00", 1)


# --- rescheduling -------------------------------------------------------------------------------------


def test_moving_a_requested_booking_to_a_free_slot(market):
    req = booked(market, at("12:00"))
    resp = move(market, req["id"], at("14:30"))
    assert resp.status_code == 200, resp.get_json()
    moved = resp.get_json()
    assert moved["status"] == "requested"
    assert parse(moved["date_of_request"]) == at("14:30") and parse(moved["end_time"]) == at("15:15")
    # The body form of PATCH moves it too.
    resp = market.api.patch(
        "/api/service-requests", market.alice_token, json={"id": req["id"], "date_of_request": iso(at("15:00"))}
    )
    assert resp.status_code == 200 and parse(resp.get_json()["date_of_request"]) == at("15:00")
    # The old time is free again, the new one held.
    assert starts(slots_of(market.api, market.pro)) == grid("10:00", "13:30") + ["16:30", "17:00"]
    assert book(market, at("12:00"), token=market.bob_token).status_code == 201


def test_moving_an_accepted_booking_sends_it_back_to_requested(market):
    req = booked(market, at("12:00"))
    assert market.act(req["id"], market.pro_token, action="accept").get_json()["status"] == "assigned"
    # Remarks alone, or the same time again, leave it accepted.
    resp = market.api.patch(f"/api/service-requests/{req['id']}", market.alice_token, json={"remarks": "Gate code 42"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "assigned"
    resp = move(market, req["id"], at("12:00"))
    assert resp.status_code == 200 and resp.get_json()["status"] == "assigned"
    resp = move(market, req["id"], at("10:00", 1))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "requested"
    assert parse(resp.get_json()["date_of_request"]) == at("10:00", 1)
    # The professional accepts the new time.
    assert market.act(req["id"], market.pro_token, action="accept").get_json()["status"] == "assigned"


def test_moving_onto_a_taken_time_is_409_and_changes_nothing(market):
    mine = booked(market, at("12:00"))
    market.act(mine["id"], market.pro_token, action="accept")
    booked(market, at("15:00"), token=market.bob_token)
    for when in (at("15:00"), at("14:30"), at("15:30")):
        error = assert_error(move(market, mine["id"], when), 409)
        assert error["nearest"]
    got = market.api.get(f"/api/service-requests/{mine['id']}", market.alice_token).get_json()
    assert got["status"] == "assigned" and parse(got["date_of_request"]) == at("12:00")
    for when, why in ((at("12:15"), "grid"), (at("09:30"), "lead"), (at("10:00", 6), "Sunday")):
        assert "date_of_request" in assert_error(move(market, mine["id"], when), 422)["fields"], why


def test_moving_a_booking_over_its_own_time(market):
    req = booked(market, at("12:00"))  # holds 12:00-13:15
    # 30 minutes later overlaps its own old time, and nobody else's: allowed.
    resp = move(market, req["id"], at("12:30"))
    assert resp.status_code == 200, resp.get_json()
    assert parse(resp.get_json()["date_of_request"]) == at("12:30")
    assert parse(resp.get_json()["end_time"]) == at("13:15")
    resp = move(market, req["id"], at("12:00"))
    assert resp.status_code == 200, resp.get_json()
    [(_, start, until, _status)] = held_rows(market.api.app, market.pro["professional_id"])
    assert start == at("12:00") and until == at("13:15")


def test_a_moved_booking_keeps_the_length_it_was_booked_with(market):
    req = booked(market, at("12:00"))
    market.api.put(f"/api/services/{market.plumbing}", market.admin, json={"time_required": 90})
    resp = move(market, req["id"], at("15:00"))
    assert resp.status_code == 200, resp.get_json()
    assert parse(resp.get_json()["end_time"]) == at("15:45")


# --- next_available -----------------------------------------------------------------------------------


def test_next_available_is_the_first_slot_and_never_stale(market):
    assert parse(next_available(market)) == at("10:00")
    assert next_available(market) == slots_of(market.api, market.pro).get_json()[0]["start"]
    assert parse(next_available(market, professional=market.cleaner)) == at("10:00")
    # A booking takes it (read before and after: the answer is cached).
    req = booked(market, at("10:00"))
    assert parse(next_available(market)) == at("11:30")
    assert parse(next_available(market, professional=market.pro2)) == at("10:00")
    # A cancellation frees it.
    assert market.act(req["id"], market.alice_token, action="cancel").status_code == 200
    assert parse(next_available(market)) == at("10:00")
    # New hours move it.
    assert put_week(market, [{"weekday": 0, "start": "13:00", "end": "18:00"}]).status_code == 200
    assert parse(next_available(market)) == at("13:00")
    # Time off moves it; removing the time off moves it back.
    off = add_off(market, at("13:00"), at("15:00")).get_json()
    assert parse(next_available(market)) == at("15:00")
    market.api.delete(f"/api/availability/time-off/{off['id']}", market.pro_token)
    assert parse(next_available(market)) == at("13:00")
    # No hours at all: null.
    put_week(market, [])
    assert next_available(market) is None


def test_next_available_for_a_logged_in_caller_is_never_stale_either(market):
    path = f"/api/service-packages/{market.plumbing}"

    def mine(token):
        rows = market.api.get(path, token).get_json()
        return parse([r for r in rows if r["professional_id"] == market.pro["professional_id"]][0]["next_available"])

    assert mine(market.alice_token) == at("10:00")
    booked(market, at("10:00"), token=market.bob_token)
    assert mine(market.alice_token) == at("11:30")


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_next_available_moves_with_the_clock(market, who):
    path = f"/api/service-packages/{market.plumbing}"

    def first():
        # A fresh login at each time: the clock jumps past the sessions' idle limit.
        token = None if who == "anonymous" else market.api.login(market.alice["email"])
        rows = market.api.get(path, token).get_json()
        return parse([r for r in rows if r["professional_id"] == market.pro["professional_id"]][0]["next_available"])

    assert first() == at("10:00")
    clock.set_now(at("09:00") + timedelta(seconds=30))  # 10:00 and 10:30 are too soon now
    assert first() == at("11:30")
    clock.set_now(at("17:00"))
    assert first() == at("09:00", 1)


def test_packages_with_next_available_take_the_same_queries_for_2_or_10_professionals(app, market, count_queries):
    api = market.api
    booked(market, at("10:00"))
    add_off(market, at("12:00"), at("13:00"))
    app.extensions["household_redis"].flushdb()
    with count_queries() as few:
        rows = api.get(f"/api/service-packages/{market.plumbing}").get_json()
    assert len(rows) == 2 and all(r["next_available"] for r in rows)
    for i in range(8):
        _, token = api.register_professional(market.plumbing)
        api.put("/api/availability", token, json={"weekly": [{"weekday": i % 6, "start": "10:00", "end": "12:00"}]})
        api.post(
            "/api/service-requests",
            market.bob_token,
            json={
                "service_id": market.plumbing,
                "professional_id": api.get("/api/auth/me", token).get_json()["user"]["professional_id"],
            },
        )
    app.extensions["household_redis"].flushdb()
    with count_queries() as many:
        rows = api.get(f"/api/service-packages/{market.plumbing}").get_json()
    assert len(rows) == 10
    assert all("next_available" in r for r in rows)
    assert many.count == few.count, many.statements


def test_the_openapi_document_describes_the_scheduling_endpoints(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    expected = {
        "/api/availability": {"get", "put"},
        "/api/availability/time-off": {"post"},
        "/api/availability/time-off/{time_off_id}": {"delete"},
        "/api/professionals/{professional_id}/availability": {"get"},
        "/api/professionals/{professional_id}/slots": {"get"},
    }
    for path, verbs in expected.items():
        assert path in paths, path
        assert verbs <= set(paths[path]), (path, set(paths[path]))
    slot_params = {p["name"] for p in paths["/api/professionals/{professional_id}/slots"]["get"].get("parameters", [])}
    assert {"date", "days"} <= slot_params


def test_today_is_the_platforms_day_not_utcs(market):
    # Tuesday 01:00 in Kolkata is still Monday in UTC: "today" (no date) is Tuesday.
    clock.set_now(at("01:00", 1))
    body = slots_of(market.api, market.pro).get_json()
    assert [local_day(s["start"]) for s in body] == [f"Tue {t}" for t in grid("09:00", "17:00")]


def test_time_off_that_has_ended_is_no_longer_listed(market):
    assert add_off(market, at("10:00"), at("11:00")).status_code == 201
    assert add_off(market, at("10:00", 1), at("11:00", 1)).status_code == 201
    clock.set_now(at("11:30"))
    token = market.api.login(market.pro["email"])  # the clock jumped past the session's idle limit
    listed = market.api.get("/api/availability", token).get_json()["time_off"]
    assert [parse(t["start"]) for t in listed] == [at("10:00", 1)]
    # Time off already over cannot be added.
    assert_error(add_off(market, at("09:00"), at("11:00"), token=token), 422)
