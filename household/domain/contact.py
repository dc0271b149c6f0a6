"""The contact form: a message to the admin from anyone, also from people who cannot log in (blocked
users, rejected professionals), told to the admin in the app and by email (event `contact_message`)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from household import clock
from household.domain import changes
from household.domain.names import clean_name, normalise_email
from household.models import ContactMessage, User

RECEIVED_MESSAGE = "Thank you. Your message has reached the admin, who will answer by email."


def submit(s: Session, *, name: str, email: str, message: str, user_id: int | None = None) -> ContactMessage:
    """Record a contact message and tell the admins; committed.

    It is linked to the caller's account when logged in, else to the account using that email, if
    any (a blocked user writing from the login page): the admin then sees whose account it concerns.
    """
    email = normalise_email(email)
    if user_id is None:
        user_id = s.execute(select(User.id).where(User.email == email)).scalar_one_or_none()
    contact = ContactMessage(
        user_id=user_id,
        name=clean_name(name, "name"),
        email=email,
        message=message,
        created_at=clock.now(),
    )
    s.add(contact)
    s.flush()
    changes.event(s, "contact_message", contact_id=contact.id)
    s.commit()
    return contact


def messages() -> Select:
    """Every contact message, newest first."""
    return select(ContactMessage).order_by(ContactMessage.created_at.desc(), ContactMessage.id.desc())
