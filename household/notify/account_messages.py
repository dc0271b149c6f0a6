"""What the admin hears of people's accounts: a contact form message (event `contact_message`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from household.models import ContactMessage, Professional, User
from household.notify.messages import Message, _admins

# The in-app notification keeps the start of the message; the email carries all of it.
PREVIEW_CHARS = 300


def _account(s: Session, user_id: int | None) -> str | None:
    """The account a message is linked to, in words: 'Asha K. (#12, professional, rejected, blocked)'."""
    if user_id is None:
        return None
    row = s.execute(
        select(User, Professional.approval)
        .outerjoin(Professional, Professional.user_id == User.id)
        .where(User.id == user_id)
    ).one_or_none()
    if row is None:
        return None
    user, approval = row
    facts = [f"#{user.id}", *user.role_names]
    if approval and approval != "approved":
        facts.append(approval)
    if not user.active:
        facts.append("blocked")
    return f"{user.name} ({', '.join(facts)})"


def about_contact(s: Session, event: dict) -> list[Message]:
    """One message per active admin about a new contact form message."""
    contact = s.get(ContactMessage, event["contact_id"])
    if contact is None:
        return []
    account = _account(s, contact.user_id)
    preview = contact.message if len(contact.message) <= PREVIEW_CHARS else contact.message[: PREVIEW_CHARS - 1] + "…"
    title = f"Message from {contact.name}"
    body = f"{contact.name} <{contact.email}> wrote: {preview}"
    details = [("From", f"{contact.name} <{contact.email}>")]
    if account:
        details.append(("Account", account))
    extra = {
        "sender": contact.name,
        "sender_email": contact.email,
        "message": contact.message,
        "account": account,
        "contact_id": contact.id,
    }
    path = f"/admin/contact-messages?message={contact.id}"
    return [Message(admin, "contact_message", title, body, path, None, details, extra) for admin in _admins(s)]
