"""The contact form: a message to the admin from anyone, also from people who cannot log in (blocked
users, rejected professionals), told to the admin in the app and by email (event `contact_message`)."""

from __future__ import annotations

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from household import clock
from household.domain import changes
from household.domain.errors import NotFound
from household.domain.names import clean_name, normalise_email
from household.models import ContactMessage, User

RECEIVED_MESSAGE = "Thank you. Your message has reached the admin, who will answer by email."
NO_MESSAGE = "No such message."


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


def messages(handled: bool | None = None) -> Select:
    """Every contact message, newest first; `handled` True or False keeps only the handled or the open ones."""
    stmt = select(ContactMessage)
    if handled is not None:
        column = ContactMessage.handled_at
        stmt = stmt.where(column.is_not(None) if handled else column.is_(None))
    return stmt.order_by(ContactMessage.created_at.desc(), ContactMessage.id.desc())


def message(s: Session, message_id: int) -> ContactMessage:
    """One contact message; 404 for an unknown one."""
    row = s.get(ContactMessage, message_id)
    if row is None:
        raise NotFound(NO_MESSAGE)
    return row


def mark_handled(s: Session, message_id: int) -> ContactMessage:
    """Mark a message as handled (the admin answered it); committed. A handled message keeps the
    time it was first handled. 404 for an unknown message."""
    return _set_handled(s, message_id, handled=True)


def reopen(s: Session, message_id: int) -> ContactMessage:
    """Mark a handled message as open again; committed. An open message is left as it is. 404 for an
    unknown message."""
    return _set_handled(s, message_id, handled=False)


def _set_handled(s: Session, message_id: int, handled: bool) -> ContactMessage:
    column = ContactMessage.handled_at
    # Conditional on the state it changes: a repeat (or two admins at once) keeps the first time.
    s.execute(
        update(ContactMessage)
        .where(ContactMessage.id == message_id, column.is_(None) if handled else column.is_not(None))
        .values(handled_at=clock.now() if handled else None)
        .execution_options(synchronize_session=False)
    )
    row = s.get(ContactMessage, message_id, populate_existing=True)
    if row is None:
        raise NotFound(NO_MESSAGE)
    s.commit()
    return row
