"""The daily reminder: each approved, active professional with work waiting hears about it once a day.

Waiting work is a request still waiting for their answer (`requested`) or accepted work due by the
end of the day in the platform's time zone (`assigned`, `date_of_request` before local midnight),
overdue included. One email, plus one Google Chat message when a webhook is configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from household.domain.requests import CustomerUser, local_day_bounds, request_rows
from household.jobs import claims
from household.models import Customer, Professional, ReminderLog, ServiceRequest, User, utcnow
from household.models.service_request import STATUS_ASSIGNED, STATUS_REQUESTED
from household.models.user import APPROVAL_APPROVED
from household.notify.chat import chat_configured, post_chat_message
from household.notify.email import send_email
from household.notify.formatting import local_time, plural
from household.notify.templates import render_email

SENT = "sent"
ALREADY_SENT = "already sent"
NOTHING_DUE = "nothing due"


@dataclass
class ReminderItem:
    """One request in a reminder, with what the professional needs to get there."""

    request_id: int
    service_name: str
    customer_name: str
    customer_phone: str
    address: str
    pin_code: str
    when: str
    remarks: str | None


@dataclass
class Reminder:
    """What one professional is told on one day."""

    professional_id: int
    name: str
    email: str
    day: date
    link: str
    waiting: list[ReminderItem] = field(default_factory=list)
    due_today: list[ReminderItem] = field(default_factory=list)
    overdue: list[ReminderItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many requests the reminder lists."""
        return len(self.waiting) + len(self.due_today) + len(self.overdue)

    @property
    def summary(self) -> str:
        """The groups in one line: '2 requests waiting for your answer, 1 job due today'."""
        parts = []
        if self.waiting:
            parts.append(f"{plural(len(self.waiting), 'request')} waiting for your answer")
        if self.due_today:
            parts.append(f"{plural(len(self.due_today), 'job')} due today")
        if self.overdue:
            parts.append(f"{plural(len(self.overdue), 'job')} overdue")
        return ", ".join(parts)

    @property
    def subject(self) -> str:
        """The email's subject: the day and the summary."""
        return f"Your service requests for {self.day:%a %d %b}: {self.summary}"

    def sections(self) -> list[tuple[str, list[ReminderItem]]]:
        """The non-empty groups, in the order they are shown."""
        groups = (
            ("Waiting for your answer", self.waiting),
            ("Due today", self.due_today),
            ("Overdue", self.overdue),
        )
        return [(title, items) for title, items in groups if items]

    def chat_text(self) -> str:
        """The reminder as one Google Chat message (plain text, one line per request)."""
        header = f"*Household Services reminder for {self.name}* ({self.day:%a %d %b %Y})"
        lines = [header, f"{self.summary}."]
        for title, items in self.sections():
            for i in items:
                lines.append(f"• {title}: #{i.request_id} {i.service_name}, {i.customer_name}, {i.when}")
        lines.append(f"Open your requests: {self.link}")
        return "\n".join(lines)


def _waiting_or_due(end_of_day):
    return or_(
        ServiceRequest.status == STATUS_REQUESTED,
        and_(ServiceRequest.status == STATUS_ASSIGNED, ServiceRequest.date_of_request < end_of_day),
    )


def due_professional_ids(s: Session, day: date, tz_name: str) -> list[int]:
    """Approved, active professionals with requests waiting for an answer or work due by the end of `day`."""
    _, end = local_day_bounds(day, tz_name)
    stmt = (
        select(ServiceRequest.professional_id)
        .join(Professional, Professional.id == ServiceRequest.professional_id)
        .join(User, User.id == Professional.user_id)
        .where(Professional.approval == APPROVAL_APPROVED, User.active.is_(True), _waiting_or_due(end))
        .distinct()
        .order_by(ServiceRequest.professional_id)
    )
    return list(s.execute(stmt).scalars())


def build_reminder(s: Session, professional_id: int, day: date) -> Reminder | None:
    """The reminder for one professional on `day`, or None when they are not due one."""
    config = current_app.config
    tz_name = config["APP_TIMEZONE"]
    pro = s.execute(
        select(Professional.id, Professional.approval, User.name, User.email, User.active)
        .join(User, User.id == Professional.user_id)
        .where(Professional.id == professional_id)
    ).one_or_none()
    if pro is None or pro.approval != APPROVAL_APPROVED or not pro.active:
        return None
    start, end = local_day_bounds(day, tz_name)
    rows = s.execute(
        request_rows()
        .add_columns(Customer.address, Customer.pin_code, CustomerUser.phone.label("customer_phone"))
        .where(ServiceRequest.professional_id == professional_id, _waiting_or_due(end))
        .order_by(ServiceRequest.date_of_request, ServiceRequest.id)
    ).mappings()
    reminder = Reminder(
        professional_id=pro.id,
        name=pro.name,
        email=pro.email,
        day=day,
        link=config["PUBLIC_URL"].rstrip("/") + "/professional/requests",
    )
    for row in rows:
        item = ReminderItem(
            request_id=row["id"],
            service_name=row["service_name"],
            customer_name=row["customer_name"],
            customer_phone=row["customer_phone"],
            address=row["address"],
            pin_code=row["pin_code"],
            when=local_time(row["date_of_request"], tz_name),
            remarks=row["remarks"],
        )
        if row["status"] == STATUS_REQUESTED:
            reminder.waiting.append(item)
        elif row["date_of_request"] < start:
            reminder.overdue.append(item)
        else:
            reminder.due_today.append(item)
    return reminder if reminder.total else None


def send_reminder(s: Session, professional_id: int, day: date) -> str:
    """Send one professional's reminder for `day` unless it went out already.

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
