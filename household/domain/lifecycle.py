"""The service-request lifecycle: one table of allowed transitions, free of Flask and the database.

A service taken out of the catalogue makes no new commitments: its requests cannot be booked or
accepted (409, "This service is no longer offered"). What was already agreed runs its course:
the professional can still reject a requested one, the customer can edit, cancel, or close
assigned work and rate it.
"""

from __future__ import annotations

from dataclasses import dataclass

from household.models.service_request import (
    STATUS_ASSIGNED,
    STATUS_CANCELLED,
    STATUS_CLOSED,
    STATUS_REJECTED,
    STATUS_REQUESTED,
)

CUSTOMER = "customer"
PROFESSIONAL = "professional"


@dataclass(frozen=True)
class Transition:
    action: str
    actor: str
    sources: frozenset[str]
    target: str
    # Only while the service is still in the catalogue (checked in the same conditional write).
    needs_live_service: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("accept", PROFESSIONAL, frozenset({STATUS_REQUESTED}), STATUS_ASSIGNED, needs_live_service=True),
        Transition("reject", PROFESSIONAL, frozenset({STATUS_REQUESTED}), STATUS_REJECTED),
        Transition("cancel", CUSTOMER, frozenset({STATUS_REQUESTED, STATUS_ASSIGNED}), STATUS_CANCELLED),
        Transition("close", CUSTOMER, frozenset({STATUS_ASSIGNED}), STATUS_CLOSED),
    )
}

# A customer may change remarks and the date while the request is still open.
EDITABLE = frozenset({STATUS_REQUESTED, STATUS_ASSIGNED})


def transition_for(action: str) -> Transition | None:
    """The transition named `action`, or None for an unknown action."""
    return TRANSITIONS.get(action)


def allowed(status: str, action: str, actor: str) -> bool:
    """True when `actor` may apply `action` to a request in `status`."""
    t = TRANSITIONS.get(action)
    return t is not None and t.actor == actor and status in t.sources
