"""The evening reminder: each approved, active professional with bookings tomorrow gets tomorrow's schedule.

Run on a local day D (by default at REMINDER_HOUR in the platform's time zone, APP_TIMEZONE), it lists
the professional's bookings that start on D + 1 in that time zone and still hold their time: `assigned`
ones, and `requested` ones still waiting for their answer. They come in order of start time, each with
its start and end (`date_of_request`, `end_time`) in local time, the customer, the address and the
service. One email, plus one Google Chat message when a webhook is configured; each goes out once per
professional and day D, however often the job runs (household.jobs.claims).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from household.domain.requests import local_day_bounds, request_rows
from household.jobs import claims
from household.models import Professional, ReminderLog, ServiceRequest, User, utcnow
from household.models.service_request import HOLDING, STATUS_REQUESTED
from household.models.user import APPROVAL_APPROVED
from household.notify.chat import chat_configured, post_chat_message
from household.notify.email import send_email
from household.notify.formatting import plural
from household.notify.templates import render_email

SENT = "sent"
ALREADY_SENT = "already sent"
NOTHING_DUE = "nothing due"


def schedule_day(day: date) -> date:
    """The local day a reminder sent on `day` is about: the next one."""
    return day + timedelta(days=1)


@dataclass
class ReminderItem:
    """One booking of the schedule, with what the professional needs to get there."""

    request_id: int
    status: str
    service_name: str
    customer_name: str
    customer_phone: str
    address: str
    location: str | None
    pin_code: str
    start: datetime  # local time
    end: datetime  # local time
    remarks: str | None

    @property
    def waiting(self) -> bool:
        """Still waiting for the professional's answer (not accepted yet)."""
        return self.status == STATUS_REQUESTED

    @property
    def place(self) -> str:
        """Where the work is: '12, 5th Cross, 4th Block, Koramangala, Bengaluru, 560034'."""
        return ", ".join(part for part in (self.address, self.location, self.pin_code) if part)

    @property
    def times(self) -> str:
        """'09:00-09:45'; the end's day too when the work runs into another day ('22:00-Sat 17 Oct 01:00')."""
        end = f"{self.end:%H:%M}" if self.end.date() == self.start.date() else f"{self.end:%a %d %b %H:%M}"
        return f"{self.start:%H:%M}-{end}"


@dataclass
class Reminder:
    """What one professional is told on one day (`day`) about the next (`schedule_day`)."""

    professional_id: int
    name: str
    email: str
    day: date
    timezone: str
    link: str
    items: list[ReminderItem] = field(default_factory=list)

    @property
    def schedule_day(self) -> date:
        return schedule_day(self.day)

    @property
    def total(self) -> int:
        """How many bookings the schedule lists."""
        return len(self.items)

    @property
    def waiting(self) -> int:
        """How many of them still wait for the professional's answer."""
        return sum(item.waiting for item in self.items)

    @property
    def summary(self) -> str:
        """'3 bookings, 1 waiting for your answer'."""
        text = plural(self.total, "booking")
        if self.waiting:
            text += f", {self.waiting} waiting for your answer"
        return text

    @property
    def subject(self) -> str:
        """The email's subject: the day and the summary."""
        return f"Your schedule for tomorrow, {self.schedule_day:%a %d %b}: {self.summary}"

    def chat_text(self) -> str:
        """The reminder as one Google Chat message (plain text, one line per booking)."""
        lines = [
            f"*Household Services: tomorrow's schedule for {self.name}* ({self.schedule_day:%a %d %b %Y})",
            f"{self.summary}. Times are {self.timezone} time.",
        ]
        for i in self.items:
            line = f"• {i.times} {i.service_name} for {i.customer_name}, {i.place} (#{i.request_id})"
            lines.append(line + (": waiting for your answer" if i.waiting else ""))
        lines.append(f"Open your requests: {self.link}")
        return "\n".join(lines)


def _tomorrow(day: date, tz_name: str):
    """The condition: a held booking starting on the local day after `day`."""
    start, end = local_day_bounds(schedule_day(day), tz_name)
    return (
        ServiceRequest.status.in_(HOLDING),
        ServiceRequest.date_of_request >= start,
        ServiceRequest.date_of_request < end,
    )


def due_professional_ids(s: Session, day: date, tz_name: str) -> list[int]:
    """Approved, active professionals with bookings on the local day after `day`."""
    stmt = (
        select(ServiceRequest.professional_id)
        .join(Professional, Professional.id == ServiceRequest.professional_id)
        .join(User, User.id == Professional.user_id)
        .where(Professional.approval == APPROVAL_APPROVED, User.active.is_(True), *_tomorrow(day, tz_name))
        .distinct()
        .order_by(ServiceRequest.professional_id)
    )
    return list(s.execute(stmt).scalars())


def build_reminder(s: Session, professional_id: int, day: date) -> Reminder | None:
    """The reminder one professional is sent on `day` (tomorrow's schedule), or None when none is due."""
    config = current_app.config
    tz_name = config["APP_TIMEZONE"]
    tz = ZoneInfo(tz_name)
    pro = s.execute(
        select(Professional.id, Professional.approval, User.name, User.email, User.active)
        .join(User, User.id == Professional.user_id)
        .where(Professional.id == professional_id)
    ).one_or_none()
    if pro is None or pro.approval != APPROVAL_APPROVED or not pro.active:
        return None
    rows = s.execute(
        request_rows()
        .where(ServiceRequest.professional_id == professional_id, *_tomorrow(day, tz_name))
        .order_by(ServiceRequest.date_of_request, ServiceRequest.id)
    ).mappings()
    reminder = Reminder(
        professional_id=pro.id,
        name=pro.name,
        email=pro.email,
        day=day,
        timezone=tz_name,
        link=config["PUBLIC_URL"].rstrip("/") + "/professional/requests",
    )
    for row in rows:
        reminder.items.append(
            ReminderItem(
                request_id=row["id"],
                status=row["status"],
                service_name=row["service_name"],
                customer_name=row["customer_name"],
                customer_phone=row["customer_phone"],
                address=row["customer_address"],
                location=row["customer_location"],
                pin_code=row["customer_pin_code"],
                start=row["date_of_request"].astimezone(tz),
                end=row["end_time"].astimezone(tz),
                remarks=row["remarks"],
            )
        )
    return reminder if reminder.total else None


def send_reminder(s: Session, professional_id: int, day: date) -> str:
    """Send one professional's reminder on `day` (tomorrow's schedule) unless it went out already.

    Returns "sent", "already sent" or "nothing due". Raises claims.ClaimBusy when another worker is
    sending it right now, and DeliveryError when a channel failed (the claim is released first, so
    the retry sends only what did not go out).
    """
    reminder = build_reminder(s, professional_id, day)
    if reminder is None:
        return NOTHING_DUE
    row = claims.claim(s, ReminderLog, professional_id=professional_id, day=day)
    if row is None:
        return ALREADY_SENT
    row_id, email_done, chat_done = row.id, row.email_sent_at is not None, row.chat_sent_at is not None
    with claims.released_on_failure(s, ReminderLog, row_id):
        if not email_done:
            text, html = render_email("daily_reminder", reminder=reminder)
            send_email((reminder.name, reminder.email), reminder.subject, text=text, html=html)
            claims.record(s, ReminderLog, row_id, email_sent_at=utcnow())
        if chat_configured() and not chat_done:
            post_chat_message(reminder.chat_text())
            claims.record(s, ReminderLog, row_id, chat_sent_at=utcnow())
    claims.mark_sent(s, ReminderLog, row_id)
    return SENT
