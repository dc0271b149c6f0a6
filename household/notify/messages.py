"""What each event says, and to whom: the other party of a request, the admin, the professional.

`compose(s, event)` reads what the event concerns (inside the transaction that made the change, so
it sees the change) and returns one `Message` per recipient: the in-app notification's title, body
and link, and the context of the email (household/templates/email/<kind>.txt|html), fixed now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from household.models import (
    Customer,
    Professional,
    RequestEvent,
    Role,
    Service,
    ServiceRequest,
    User,
    user_roles,
)
from household.notify.formatting import rupees

# Who hears of each event of a request: the other party.
TO_PROFESSIONAL = frozenset({"booked", "rescheduled", "cancelled", "closed", "auto_closed"})
TO_CUSTOMER = frozenset({"accepted", "rejected", "withdrawn", "completed", "expired"})
TO_ADMIN = frozenset({"professional_registered", "document_uploaded"})
ABOUT_APPROVAL = frozenset({"professional_approved", "professional_rejected"})
ABOUT_REVIEW = frozenset({"review_replied", "review_hidden", "review_shown"})

STATUS_ASSIGNED = "assigned"


@dataclass
class Recipient:
    user_id: int
    name: str
    email_notifications: bool


@dataclass
class Message:
    """One notification for one person (and the email telling them, if they want emails)."""

    recipient: Recipient
    kind: str
    title: str
    body: str
    path: str  # inside the app, e.g. /customer/requests?request=12
    request_id: int | None = None
    details: list[tuple[str, str]] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def email_context(self, base_url: str) -> dict:
        return {
            "kind": self.kind,
            "subject": self.title,
            "title": self.title,
            "body": self.body,
            "name": self.recipient.name,
            "link": base_url + self.path,
            "app_url": base_url,
            "request_id": self.request_id,
            "details": [list(pair) for pair in self.details],
            **self.extra,
        }


def local(moment: datetime | None) -> str:
    """'Fri 16 Oct 2026, 15:30 IST': a UTC instant in the platform's time zone (APP_TIMEZONE)."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(current_app.config["APP_TIMEZONE"])).strftime("%a %d %b %Y, %H:%M %Z")


def compose(s: Session, event: dict) -> list[Message]:
    kind = event["kind"]
    if kind in TO_PROFESSIONAL or kind in TO_CUSTOMER:
        return _about_request(s, event)
    if kind in TO_ADMIN or kind in ABOUT_APPROVAL:
        return _about_professional(s, event)
    if kind in ABOUT_REVIEW:
        from household.notify.review_messages import about_review

        return about_review(s, event)
    if kind == "contact_message":
        from household.notify.account_messages import about_contact

        return about_contact(s, event)
    return []


# --- a request's events ----------------------------------------------------------------------------


def request_with_people(s: Session, request_id: int):
    """A request with its service's name and both parties' ids, names and email choices (cu_*, pu_*), as
    the transaction telling of it sees it; None if it is gone."""
    cu, pu = aliased(User), aliased(User)
    return s.execute(
        select(
            ServiceRequest,
            Service.name.label("service"),
            cu.id.label("cu_id"), cu.name.label("cu_name"), cu.email_notifications.label("cu_mail"),
            pu.id.label("pu_id"), pu.name.label("pu_name"), pu.email_notifications.label("pu_mail"),
        )
        .join(Service, Service.id == ServiceRequest.service_id)
        .join(Customer, Customer.id == ServiceRequest.customer_id)
        .join(cu, cu.id == Customer.user_id)
        .join(Professional, Professional.id == ServiceRequest.professional_id)
        .join(pu, pu.id == Professional.user_id)
        .where(ServiceRequest.id == request_id)
        .execution_options(populate_existing=True)  # the state this transaction wrote, not a stale copy
    ).one_or_none()


def _about_request(s: Session, event: dict) -> list[Message]:
    kind = event["kind"]
    row = request_with_people(s, event["request_id"])
    if row is None:
        return []
    req: ServiceRequest = row.ServiceRequest
    customer = Recipient(row.cu_id, row.cu_name, row.cu_mail)
    pro = Recipient(row.pu_id, row.pu_name, row.pu_mail)
    service, when = row.service, local(req.date_of_request)
    reason = event.get("reason") or req.status_reason
    to_customer = kind in TO_CUSTOMER
    recipient = customer if to_customer else pro
    path = f"/{'customer' if to_customer else 'professional'}/requests?request={req.id}"
    details = [("Service", service), ("When", when)]
    details.append(("Professional", pro.name) if to_customer else ("Customer", customer.name))
    extra: dict = {"service": service, "when": when, "customer": customer.name, "professional": pro.name}

    if kind == "booked":
        title = f"New booking: {service} on {when}"
        body = f"{customer.name} booked {service} for {when}. Accept or reject it by {local(req.answer_by)}."
        details.append(("Answer by", local(req.answer_by)))
        extra["answer_by"] = local(req.answer_by)
    elif kind == "accepted":
        title = f"{pro.name} accepted your booking"
        body = f"{pro.name} will come for {service} on {when}."
        extra["ics_method"] = "REQUEST"
    elif kind == "rejected":
        title = f"{pro.name} cannot take your booking"
        body = f"{pro.name} declined {service} on {when}." + (f" Reason: {reason}" if reason else "")
        extra["book_again"] = f"/services/{req.service_id}"
    elif kind == "rescheduled":
        was_accepted = _previous_status(s, req.id) == STATUS_ASSIGNED
        title = f"Booking moved: {service} now on {when}"
        body = (
            f"{customer.name} moved {service} to {when}. "
            + ("Please accept it again" if was_accepted else "Accept or reject it")
            + f" by {local(req.answer_by)}."
        )
        details.append(("Answer by", local(req.answer_by)))
        extra.update(answer_by=local(req.answer_by), was_accepted=was_accepted)
        if was_accepted:
            extra["ics_method"] = "REQUEST"
    elif kind == "cancelled":
        was_accepted = _previous_status(s, req.id) == STATUS_ASSIGNED
        title = f"Booking cancelled: {service} on {when}"
        body = f"{customer.name} cancelled {service} on {when}."
        if req.cancellation_fee:
            fee = rupees(req.cancellation_fee)
            body += f" It was a late cancellation: a fee of {fee} is charged."
            details.append(("Cancellation fee", fee))
            extra["fee"] = fee
        extra["was_accepted"] = was_accepted
        if was_accepted:
            extra["ics_method"] = "CANCEL"
    elif kind == "withdrawn":
        title = f"{pro.name} withdrew from your booking"
        body = f"{pro.name} can no longer come for {service} on {when}." + (f" Reason: {reason}" if reason else "")
        extra["book_again"] = f"/services/{req.service_id}"
        extra["ics_method"] = "CANCEL"
    elif kind == "completed":
        title = f"{pro.name} marked {service} as done"
        body = f"{pro.name} finished {service} ({when}). Confirm it and rate their work."
    elif kind == "expired":
        title = f"Your booking of {service} expired"
        body = f"{pro.name} did not answer your booking for {when} in time. Book someone else."
        path = f"/services/{req.service_id}"
        extra["book_again"] = path
    elif kind == "closed":
        title = f"{customer.name} closed {service} on {when}"
        body = f"{customer.name} confirmed the work is done."
        if req.rating:
            body += f" They rated it {req.rating}/5."
            details.append(("Rating", f"{req.rating}/5"))
            extra["rating"] = req.rating
            if req.review:
                details.append(("Review", req.review))
                extra["review"] = req.review
    else:  # auto_closed
        days = current_app.config.get("AUTO_CLOSE_DAYS")
        title = f"{service} on {when} was closed"
        body = f"{customer.name} did not close the work within {days} days, so it was closed without a rating."
        extra["days"] = days
    if reason and kind in ("rejected", "withdrawn"):
        details.append(("Reason", reason))
        extra["reason"] = reason
    return [Message(recipient, kind, title, body, path, req.id, details, extra)]


def _previous_status(s: Session, request_id: int) -> str | None:
    """The status a request had before its latest change (from its status history)."""
    statuses = s.execute(
        select(RequestEvent.status)
        .where(RequestEvent.request_id == request_id)
        .order_by(RequestEvent.id.desc())
        .limit(2)
    ).scalars().all()
    return statuses[1] if len(statuses) == 2 else None


# --- a professional's account ------------------------------------------------------------------------


def _about_professional(s: Session, event: dict) -> list[Message]:
    kind = event["kind"]
    professional_id = event.get("professional_id")
    if professional_id is None and event.get("professional") is not None:
        s.flush()  # a new professional: its id is known once flushed
        professional_id = event["professional"].id
    row = s.execute(
        select(
            Professional, User.id.label("user_id"), User.name, User.email_notifications, Service.name.label("service")
        )
        .join(User, User.id == Professional.user_id)
        .join(Service, Service.id == Professional.service_id)
        .where(Professional.id == professional_id)
    ).one_or_none()
    if row is None:
        return []
    pro: Professional = row.Professional
    name, service = row.name, row.service
    details = [("Professional", name), ("Service", service)]
    extra = {"professional": name, "service": service}
    if kind in TO_ADMIN:
        path = f"/admin/professionals/{pro.id}"
        if kind == "professional_registered":
            title = f"New professional to review: {name}"
            body = (
                f"{name} registered for {service} ({pro.experience_years} years of experience)"
                " and waits for approval."
            )
            details.append(("Experience", f"{pro.experience_years} years"))
            extra["experience_years"] = pro.experience_years
        else:
            title = f"{name} uploaded a document"
            body = f"{name} ({service}) uploaded {pro.document_name or 'a document'} for you to review."
            if pro.document_name:
                details.append(("Document", pro.document_name))
            extra["document"] = pro.document_name
        return [Message(admin, kind, title, body, path, None, details, extra) for admin in _admins(s)]
    recipient = Recipient(row.user_id, name, row.email_notifications)
    if kind == "professional_approved":
        title = "Your profile is approved"
        body = f"Customers can now find and book you for {service}."
        path = "/professional"
    else:
        title = "Your profile was not approved"
        body = "The admin did not approve your profile. Check your details and document, or contact support."
        path = "/professional/profile"
    return [Message(recipient, kind, title, body, path, None, details, extra)]


def _admins(s: Session) -> list[Recipient]:
    rows = s.execute(
        select(User.id, User.name, User.email_notifications)
        .join(user_roles, user_roles.c.user_id == User.id)
        .join(Role, Role.id == user_roles.c.role_id)
        .where(Role.name == "admin", User.active.is_(True))
        .order_by(User.id)
    ).all()
    return [Recipient(r.id, r.name, r.email_notifications) for r in rows]
