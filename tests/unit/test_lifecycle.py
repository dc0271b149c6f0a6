"""The lifecycle table, read directly: who may do what from which status (and when), and nothing else."""

from __future__ import annotations

import itertools

import pytest

from household.domain import lifecycle
from household.models.service_request import STATUSES

# The contract's table: action -> (who, from at any time, from only once the start has passed, to).
EXPECTED = {
    "accept": (lifecycle.PROFESSIONAL, {"requested"}, set(), "assigned"),
    "reject": (lifecycle.PROFESSIONAL, {"requested"}, set(), "rejected"),
    "complete": (lifecycle.PROFESSIONAL, set(), {"assigned"}, "completed"),
    "withdraw": (lifecycle.PROFESSIONAL, {"assigned"}, set(), "cancelled"),
    "close": (lifecycle.CUSTOMER, {"completed"}, {"assigned"}, "closed"),
    "cancel": (lifecycle.CUSTOMER, {"requested", "assigned"}, set(), "cancelled"),
}


def test_seven_statuses():
    assert set(STATUSES) == {"requested", "assigned", "completed", "closed", "rejected", "cancelled", "expired"}


def test_the_table_is_the_contracts():
    assert set(lifecycle.TRANSITIONS) == set(EXPECTED)
    for action, (actor, sources, after_start, target) in EXPECTED.items():
        t = lifecycle.transition_for(action)
        assert (t.actor, set(t.sources), set(t.after_start), t.target) == (actor, sources, after_start, target)
        assert target in STATUSES and (sources | after_start) <= set(STATUSES)


def test_the_system_expires_requested_and_closes_completed():
    expire, auto_close = lifecycle.SYSTEM_TRANSITIONS["expire"], lifecycle.SYSTEM_TRANSITIONS["auto_close"]
    assert (set(expire.sources), expire.target) == ({"requested"}, "expired")
    assert (set(auto_close.sources), auto_close.target) == ({"completed"}, "closed")
    assert not set(lifecycle.SYSTEM_TRANSITIONS) & set(lifecycle.TRANSITIONS)


@pytest.mark.parametrize(
    ("status", "action", "actor", "started"),
    list(
        itertools.product(
            STATUSES,
            [*EXPECTED, "delete", "expire", ""],
            [lifecycle.CUSTOMER, lifecycle.PROFESSIONAL, "admin"],
            [False, True],
        )
    ),
)
def test_allowed_only_where_the_table_says(status, action, actor, started):
    expected = (
        action in EXPECTED
        and EXPECTED[action][0] == actor
        and (status in EXPECTED[action][1] or (started and status in EXPECTED[action][2]))
    )
    assert lifecycle.allowed(status, action, actor, started=started) is expected


def test_only_reject_and_withdraw_take_a_reason():
    assert {a for a, t in lifecycle.TRANSITIONS.items() if t.takes_reason} == {"reject", "withdraw"}


def test_unknown_actions_have_no_transition():
    assert lifecycle.transition_for("approve") is None
    assert lifecycle.transition_for("ACCEPT") is None
    assert lifecycle.transition_for("expire") is None  # the system's, not offered to anyone


def test_finished_requests_cannot_be_edited_or_moved():
    finished = {"rejected", "closed", "cancelled", "expired"}
    assert not (finished & lifecycle.EDITABLE)
    for status in finished:
        assert not any(status in t.all_sources for t in lifecycle.TRANSITIONS.values())
        assert not any(status in t.sources for t in lifecycle.SYSTEM_TRANSITIONS.values())


def test_only_accepting_needs_the_service_still_offered():
    assert {a for a, t in lifecycle.TRANSITIONS.items() if t.needs_live_service} == {"accept"}
