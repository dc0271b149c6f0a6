"""The lifecycle table, read directly: who may do what from which status, and nothing else."""

from __future__ import annotations

import itertools

import pytest

from household.domain import lifecycle
from household.models.service_request import STATUSES

EXPECTED = {
    # action: (who, from, to)
    "accept": (lifecycle.PROFESSIONAL, {"requested"}, "assigned"),
    "reject": (lifecycle.PROFESSIONAL, {"requested"}, "rejected"),
    "cancel": (lifecycle.CUSTOMER, {"requested", "assigned"}, "cancelled"),
    "close": (lifecycle.CUSTOMER, {"assigned"}, "closed"),
}


def test_the_table_is_the_contracts():
    assert set(lifecycle.TRANSITIONS) == set(EXPECTED)
    for action, (actor, sources, target) in EXPECTED.items():
        t = lifecycle.transition_for(action)
        assert (t.actor, set(t.sources), t.target) == (actor, sources, target)
        assert target in STATUSES and sources <= set(STATUSES)


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    list(itertools.product(STATUSES, [*EXPECTED, "delete", ""], [lifecycle.CUSTOMER, lifecycle.PROFESSIONAL, "admin"])),
)
def test_allowed_only_where_the_table_says(status, action, actor):
    expected = action in EXPECTED and EXPECTED[action][0] == actor and status in EXPECTED[action][1]
    assert lifecycle.allowed(status, action, actor) is expected


def test_unknown_actions_have_no_transition():
    assert lifecycle.transition_for("approve") is None
    assert lifecycle.transition_for("ACCEPT") is None


def test_finished_requests_cannot_be_edited_or_moved():
    finished = {"rejected", "closed", "cancelled"}
    assert not (finished & lifecycle.EDITABLE)
    for status in finished:
        assert not any(status in t.sources for t in lifecycle.TRANSITIONS.values())


def test_only_accepting_needs_the_service_still_offered():
    assert {a for a, t in lifecycle.TRANSITIONS.items() if t.needs_live_service} == {"accept"}
