"""iCalendar (RFC 5545) documents, built with the `icalendar` library: a booking's invitation for the
customer's email (RFC 5546 iTIP methods REQUEST and CANCEL), and a professional's subscription feed.

One booking is one event everywhere: its UID is `request-<id>@<host of PUBLIC_URL>` in the invitation,
every later invitation about it and the feed, and its SEQUENCE is the length of its status history
(household.models.RequestEvent), which grows with every accept, move or cancellation, so a calendar
that already holds the event replaces it with the newer one. Times are written in the platform's zone
(APP_TIMEZONE, TZID=Asia/Kolkata) with its VTIMEZONE, so every calendar shows the booked local time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy.orm import Session

from household import clock
from household.domain import calendar as rules
from household.models.service_request import (
    STATUS_ASSIGNED,
    STATUS_CANCELLED,
    STATUS_CLOSED,
    STATUS_COMPLETED,
    STATUS_EXPIRED,
    STATUS_REJECTED,
    STATUS_REQUESTED,
)
from household.notify.formatting import rupees

PRODID = "-//Household Services//Bookings//EN"
METHODS = ("REQUEST", "CANCEL")
# How often a subscribed calendar should fetch the feed again (clients may wait longer).
FEED_REFRESH = "PT1H"


def uid(request_id: int) -> str:
    """The one UID of a booking's event, in invitations and the feed alike."""
    host = urlparse(current_app.config["PUBLIC_URL"]).hostname or "household.local"
    return f"request-{request_id}@{host}"


def mime_type(method: str) -> str:
    """The Content-Type of an invitation sent by email (iMIP, RFC 6047)."""
    return f'text/calendar; method={method}; charset="UTF-8"'


def invitation(s: Session, request_id: int, method: str) -> bytes:
    """The customer's invitation to a booking, as the bytes of an .ics file.

    method "REQUEST": the booking was accepted or moved (STATUS:CONFIRMED, or TENTATIVE while a moved
    booking waits for the professional's answer again); "CANCEL": it was cancelled or withdrawn
    (STATUS:CANCELLED). Same UID every time, SEQUENCE = the request's number of status changes.
    The email carrying it should use `mime_type(method)` for the attachment.
    """
    method = method.upper() if isinstance(method, str) else method
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    row = rules.booking(s, request_id)
    cal = _calendar(method=method)
    event = _event(row, for_professional=False)
    if method == "CANCEL":
        event["STATUS"] = "CANCELLED"
    organizer_name, organizer_email = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    event.add(
        "ORGANIZER", _address(organizer_email or "no-reply@household.local", organizer_name or "Household Services")
    )
    pro_answered = row.status in (STATUS_ASSIGNED, STATUS_COMPLETED, STATUS_CLOSED)
    event.add("ATTENDEE", _address(row.customer_email, row.customer_name, "ACCEPTED"))
    event.add(
        "ATTENDEE",
        _address(row.professional_email, row.professional_name, "ACCEPTED" if pro_answered else "NEEDS-ACTION"),
    )
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def feed(s: Session, professional_id: int) -> bytes:
    """A professional's subscription feed (METHOD:PUBLISH): their bookings as household.domain.calendar
    chooses them, each with the UID of its invitations, and no attendees (subscribed calendars
    would otherwise treat the events as meeting requests)."""
    name = rules.professional_name(s, professional_id)
    tz_name = current_app.config["APP_TIMEZONE"]
    cal = _calendar(method="PUBLISH")
    cal.add("X-WR-CALNAME", f"Household Services: {name}")
    cal.add("X-WR-CALDESC", "Your bookings on Household Services")
    cal.add("X-WR-TIMEZONE", tz_name)
    cal.add("X-PUBLISHED-TTL", FEED_REFRESH)
    cal.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for row in rules.feed_bookings(s, professional_id):
        cal.add_component(_event(row, for_professional=True))
    # The zone is given even when there is no event yet, so the calendar opens in it.
    cal.add_missing_timezones()
    if not cal.walk("VTIMEZONE"):
        _add_zone(cal, tz_name)
    return cal.to_ical()


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", method)
    return cal


def _add_zone(cal: Calendar, tz_name: str) -> None:
    from icalendar import Timezone

    cal.add_component(Timezone.from_tzinfo(ZoneInfo(tz_name)))


def _event(row, for_professional: bool) -> Event:
    tz = ZoneInfo(current_app.config["APP_TIMEZONE"])
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    event = Event()
    event.add("UID", uid(row.id))
    event.add("SEQUENCE", int(row.sequence or 0))
    event.add("DTSTAMP", clock.now())
    event.add("CREATED", row.created_at)
    event.add("LAST-MODIFIED", row.updated_at or row.created_at)
    event.add("DTSTART", _local(row.date_of_request, tz))
    event.add("DTEND", _local(row.end_time, tz))
    event.add("LOCATION", _address_line(row))
    event.add("STATUS", _STATUS.get(row.status, "CONFIRMED"))
    event.add("TRANSP", "OPAQUE")
    event.add("CLASS", "PRIVATE")
    if for_professional:
        link = f"{base}/professional/requests"
        event.add("SUMMARY", f"{row.service_name} for {row.customer_name}")
        lines = [
            f"{row.service_name} for {row.customer_name} (phone {row.customer_phone}).",
            f"Price: {rupees(row.price)}. Status: {row.status}.",
        ]
        if row.remarks:
            lines.append(f"Remarks: {row.remarks}")
    else:
        link = f"{base}/customer/requests"
        event.add("SUMMARY", f"{row.service_name} with {row.professional_name}")
        lines = [
            f"{row.service_name} with {row.professional_name} (phone {row.professional_phone}).",
            f"Price: {rupees(row.price)}.",
        ]
    lines.append(f"See or change it: {link}")
    event.add("DESCRIPTION", "\n".join(lines))
    event.add("URL", link)
    return event


# requested: waiting for the professional's answer; the ends of a booking that did not happen.
_STATUS = {
    STATUS_REQUESTED: "TENTATIVE",
    STATUS_CANCELLED: "CANCELLED",
    STATUS_REJECTED: "CANCELLED",
    STATUS_EXPIRED: "CANCELLED",
}


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


def _address_line(row) -> str:
    parts = [row.customer_address, row.customer_location, row.customer_pin_code]
    return ", ".join(p for p in parts if p)


def _address(email: str, name: str | None, partstat: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    if partstat is not None:
        address.params["ROLE"] = vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText(partstat)
        address.params["RSVP"] = vText("FALSE")
    return address
