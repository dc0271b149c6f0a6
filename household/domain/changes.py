"""What a write changed, recorded on the session and told after the commit (household.cache).

The domain knows what a change touches; it does not know who keeps copies of it. So each write
records facts here, in the words of the product, and the cache (or anyone else) maps them to
what it must drop once the transaction has committed. A rollback forgets them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

# Services, and who offers them where: the catalogue, its search and each service's professionals.
CATALOGUE = "catalogue"
# Professionals' ratings.
RATINGS = "ratings"
# What request lists show about people and services: names, phones, addresses, places, PIN codes.
PEOPLE = "people"

_KEY = "household_changes"


_KINDS = frozenset({CATALOGUE, RATINGS, PEOPLE})
_SHAPED = frozenset({"request", "schedule"})
_PER_USER = frozenset({"notifications"})


def record(s: Session, *facts: str | tuple) -> None:
    """Note that the transaction on `s` changes these facts."""
    # Checked here, before the commit: a fact nobody knows must fail the write, not its aftermath.
    for fact in facts:
        if fact not in _KINDS and not (
            isinstance(fact, tuple)
            and ((fact[0] in _SHAPED and len(fact) == 3) or (fact[0] in _PER_USER and len(fact) == 2))
        ):
            raise ValueError(f"unknown change {fact!r}")
    s.info.setdefault(_KEY, set()).update(facts)


def request(s: Session, customer_id: int, professional_id: int) -> None:
    """Note that a request of this customer and professional changes (their lists and the admin's)."""
    record(s, ("request", customer_id, professional_id))


def take(s: Session) -> set:
    """The facts recorded on `s` since its last commit or rollback, forgotten here."""
    return s.info.pop(_KEY, set())


def schedule(s: Session, professional_id: int, service_id: int) -> None:
    """Note that this professional's free time changes (a booking taken, moved or freed; hours; time off)."""
    record(s, ("schedule", professional_id, service_id))


def notifications(s: Session, user_id: int) -> None:
    """Note that this user's notifications change (one added, or read): their unread count."""
    record(s, ("notifications", user_id))


_EVENTS = "household_events"

# What people hear of (household.notify): a request's events, and the accounts' ones.
EVENTS = frozenset(
    {
        "booked",
        "accepted",
        "rejected",
        "rescheduled",
        "cancelled",
        "withdrawn",
        "completed",
        "closed",
        "expired",
        "auto_closed",
        "professional_registered",
        "document_uploaded",
        "professional_approved",
        "professional_rejected",
        "review_replied",
        "review_hidden",
        "review_shown",
        "contact_message",
    }
)


def event(s: Session, kind: str, **data) -> None:
    """Note that something happened that people must hear of once the transaction commits.

    `data` names what it concerns (request_id, professional_id, actor, reason...). Whoever tells
    people (household.notify) takes the events with `take_events`; a rollback forgets them.
    """
    if kind not in EVENTS:
        raise ValueError(f"unknown event {kind!r}")
    s.info.setdefault(_EVENTS, []).append({"kind": kind, **data})


def take_events(s: Session) -> list[dict]:
    """The events recorded on `s` since they were last taken, forgotten here."""
    return s.info.pop(_EVENTS, [])
