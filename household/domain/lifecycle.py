"""The service-request lifecycle: one table of allowed transitions, free of Flask and the database.

Seven statuses: requested → assigned → completed → closed, and the ends rejected, cancelled and
expired. Who may do what, from which statuses, is below; the time rules ride along: `complete`
and `close` of assigned work only once its booked start has passed (`after_start`), a
customer's cancellation of assigned work within FREE_CANCEL_HOURS of its start costs a fee
(household.domain.requests), and the system expires unanswered bookings and closes completed
work nobody closed (household.domain.housekeeping).

A service taken out of the catalogue makes no new commitments: its requests cannot be booked or
accepted (409, "This service is no longer offered"). What was already agreed runs its course.
"""

from __future__ import annotations

from dataclasses import dataclass

from household.models.service_request import (
    STATUS_ASSIGNED,
    STATUS_CANCELLED,
    STATUS_CLOSED,
    STATUS_COMPLETED,
    STATUS_EXPIRED,
    STATUS_REJECTED,
    STATUS_REQUESTED,
)

CUSTOMER = "customer"
PROFESSIONAL = "professional"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    actor: str
    # From these statuses at any time...
    sources: frozenset[str]
    target: str
    # ...and from these only once the booked start has passed.
    after_start: frozenset[str] = frozenset()
    # Only while the service is still in the catalogue (checked in the same conditional write).
    needs_live_service: bool = False
    # Takes an optional `reason` the other party sees.
    takes_reason: bool = False

    @property
    def all_sources(self) -> frozenset[str]:
        return self.sources | self.after_start


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("accept", PROFESSIONAL, frozenset({STATUS_REQUESTED}), STATUS_ASSIGNED, needs_live_service=True),
        Transition("reject", PROFESSIONAL, frozenset({STATUS_REQUESTED}), STATUS_REJECTED, takes_reason=True),
        Transition("complete", PROFESSIONAL, frozenset(), STATUS_COMPLETED, after_start=frozenset({STATUS_ASSIGNED})),
        Transition("withdraw", PROFESSIONAL, frozenset({STATUS_ASSIGNED}), STATUS_CANCELLED, takes_reason=True),
        Transition(
            "close", CUSTOMER, frozenset({STATUS_COMPLETED}), STATUS_CLOSED, after_start=frozenset({STATUS_ASSIGNED})
        ),
        Transition("cancel", CUSTOMER, frozenset({STATUS_REQUESTED, STATUS_ASSIGNED}), STATUS_CANCELLED),
    )
}

# What the system does on its own (household.domain.housekeeping), not offered through the API.
SYSTEM_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("expire", SYSTEM, frozenset({STATUS_REQUESTED}), STATUS_EXPIRED),
        Transition("auto_close", SYSTEM, frozenset({STATUS_COMPLETED}), STATUS_CLOSED),
    )
}

# A customer may change remarks and the time while the request is still open; moving an assigned
# booking sends it back to requested.
EDITABLE = frozenset({STATUS_REQUESTED, STATUS_ASSIGNED})


def transition_for(action: str) -> Transition | None:
    """The transition named `action`, or None for an unknown action."""
    return TRANSITIONS.get(action)


def allowed(status: str, action: str, actor: str, started: bool = True) -> bool:
    """True when `actor` may apply `action` to a request in `status` (`started`: its start has passed)."""
    t = TRANSITIONS.get(action)
    if t is None or t.actor != actor:
        return False
    return status in t.sources or (started and status in t.after_start)
