"""The booking's .ics invitation, parsed back with the icalendar library: zone, UID, SEQUENCE, METHOD, STATUS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from household.domain.errors import NotFound
from household.extensions import db
from household.notify import calendar as ics
from tests.api.conftest import future
from tests.factories import make_service

IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def booked(app, api):
    """Alice's 45-minute plumbing job with Ravi at 10:00 Kolkata time, accepted by Ravi."""
    plumbing = make_service(app, "Plumbing Repair", "299.00", 45, "Leaks, taps and blocked drains.")
    pro, pro_token = api.register_professional(plumbing, name="Ravi Kumar", pin_code="560034")
    alice, alice_token = api.register_customer(name="Alice Customer")
    when = future(2, hour=10)
    body = {"service_id": plumbing, "professional_id": pro["professional_id"], "date_of_request": when}
    resp = api.post("/api/service-requests", alice_token, json=body)
    assert resp.status_code == 201, resp.get_json()
    request_id = resp.get_json()["id"]
    resp = api.patch(f"/api/service-requests/{request_id}", pro_token, json={"action": "accept"})
    assert resp.status_code == 200, resp.get_json()
    return {"id": request_id, "when": when, "alice": alice, "alice_token": alice_token, "pro": pro}


def invitation(app, request_id: int, method: str = "REQUEST") -> Calendar:
    with app.app_context():
        raw = ics.invitation(db.session, request_id, method)
        db.session.remove()
    assert isinstance(raw, bytes)
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n")
    return Calendar.from_ical(raw)


def the_event(cal: Calendar):
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_accepted_booking_invitation(app, booked):
    cal = invitation(app, booked["id"])
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "REQUEST"
    assert "Household Services" in str(cal["PRODID"])
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Asia/Kolkata"]
    event = the_event(cal)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    # Written in the platform's zone with its TZID, read back as the booked instant.
    assert event["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert event["DTEND"].params["TZID"] == "Asia/Kolkata"
    assert start.utcoffset() == timedelta(hours=5, minutes=30)
    assert (start.hour, start.minute) == (10, 0)
    assert start == datetime.fromisoformat(booked["when"])
    assert end - start == timedelta(minutes=45)
    assert str(event["UID"]) == f"request-{booked['id']}@127.0.0.1"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("SEQUENCE") == 2  # booked, accepted
    assert "Plumbing Repair" in str(event["SUMMARY"]) and "Ravi Kumar" in str(event["SUMMARY"])
    assert "/customer/requests" in str(event["DESCRIPTION"])
    assert str(event["DESCRIPTION"]).count("http://127.0.0.1") == 1
    assert str(event["ORGANIZER"]).startswith("mailto:")
    attendees = [str(a) for a in event.get("ATTENDEE")]
    assert f"mailto:{booked['alice']['email']}" in attendees
    assert event.decoded("DTSTAMP").tzinfo is not None


def test_location_is_the_customers_address(app, booked):
    with app.app_context():
        from household.models import Customer

        address = db.session.get(Customer, booked["alice"]["customer_id"]).address
        db.session.remove()
    assert address in str(the_event(invitation(app, booked["id"]))["LOCATION"])


def test_reschedule_keeps_the_uid_and_raises_the_sequence(app, api, booked):
    first = the_event(invitation(app, booked["id"]))
    moved_to = future(3, hour=15)
    resp = api.patch(f"/api/service-requests/{booked['id']}", booked["alice_token"], json={"date_of_request": moved_to})
    assert resp.status_code == 200, resp.get_json()
    second = the_event(invitation(app, booked["id"]))
    assert str(second["UID"]) == str(first["UID"])
    assert second.decoded("SEQUENCE") > first.decoded("SEQUENCE")
    start = second.decoded("DTSTART")
    assert start == datetime.fromisoformat(moved_to)
    assert (start.hour, start.minute) == (15, 0) and start.utcoffset() == timedelta(hours=5, minutes=30)
    assert second.decoded("DTEND") - start == timedelta(minutes=45)
    # Moved back to requested: it waits for the professional's answer again.
    assert str(second["STATUS"]) == "TENTATIVE"


def test_cancellation_is_a_cancel_of_the_same_event(app, api, booked):
    before = the_event(invitation(app, booked["id"]))
    resp = api.patch(f"/api/service-requests/{booked['id']}", booked["alice_token"], json={"action": "cancel"})
    assert resp.status_code == 200, resp.get_json()
    cal = invitation(app, booked["id"], "CANCEL")
    assert str(cal["METHOD"]) == "CANCEL"
    event = the_event(cal)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(before["UID"])
    assert event.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert event["DTSTART"].params["TZID"] == "Asia/Kolkata"


def test_unknown_method_or_request(app, booked):
    with app.app_context():
        with pytest.raises(ValueError):
            ics.invitation(db.session, booked["id"], "PUBLISH")
        with pytest.raises(NotFound):
            ics.invitation(db.session, booked["id"] + 1000, "REQUEST")
        db.session.remove()


def test_utc_instants_land_on_the_local_clock(app, booked):
    event = the_event(invitation(app, booked["id"]))
    start = event.decoded("DTSTART")
    assert start.astimezone(UTC) == datetime.fromisoformat(booked["when"]).astimezone(UTC)
    assert start.astimezone(IST).date() == datetime.fromisoformat(booked["when"]).astimezone(IST).date()
