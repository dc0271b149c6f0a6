"""What the events of a review say, and to whom: the reviewer hears of a reply, and of the admin hiding or
showing their review (with the reason given)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from household.models import ServiceRequest
from household.notify.messages import Message, Recipient, local, request_with_people


def about_review(s: Session, event: dict) -> list[Message]:
    """The messages of a review_replied, review_hidden or review_shown event: one, to the reviewer."""
    kind = event["kind"]
    row = request_with_people(s, event["request_id"])
    if row is None:
        return []
    req: ServiceRequest = row.ServiceRequest
    customer = Recipient(row.cu_id, row.cu_name, row.cu_mail)
    pro, service, when = row.pu_name, row.service, local(req.date_of_request)
    path = f"/customer/requests?request={req.id}"
    details = [("Service", service), ("When", when), ("Professional", pro), ("Your rating", f"{req.rating}/5")]
    extra: dict = {"service": service, "when": when, "professional": pro, "rating": req.rating, "review": req.review}
    if kind == "review_replied":
        title = f"{pro} replied to your review"
        body = f"{pro} replied to your review of {service} ({when}): “{req.reply}”"
        details.append(("Reply", req.reply or ""))
        extra["reply"] = req.reply
    elif kind == "review_hidden":
        reason = event.get("reason") or req.review_hidden_reason or ""
        title = f"Your review of {service} was hidden"
        body = f"The admin hid your review of {pro}'s {service} ({when}). Reason: {reason}"
        details.append(("Reason", reason))
        extra["reason"] = reason
    else:  # review_shown
        title = f"Your review of {service} is shown again"
        body = f"The admin made your review of {pro}'s {service} ({when}) public again; it counts in their rating."
    return [Message(customer, kind, title, body, path, req.id, details, extra)]
