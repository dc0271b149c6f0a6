"""What the domain says a write changed, and the cache namespaces that follow from it."""

from __future__ import annotations

import pytest

from household.cache import namespaces_for
from household.domain import changes


class FakeSession:
    def __init__(self):
        self.info = {}


def test_each_fact_maps_to_the_lists_that_show_it():
    assert namespaces_for({changes.CATALOGUE}) == {"catalogue"}
    assert namespaces_for({changes.RATINGS}) == {"ratings"}
    # People's names, phones, addresses and places are in every request list and in service packages.
    assert namespaces_for({changes.PEOPLE}) == {"req", "catalogue"}
    assert namespaces_for({("request", 7, 9)}) == {"req:c7", "req:p9", "req:admin"}
    assert namespaces_for({("request", 7, 9), ("request", 8, 9), changes.RATINGS}) == {
        "req:c7", "req:c8", "req:p9", "req:admin", "ratings"}


def test_an_unknown_fact_is_refused_before_the_commit():
    with pytest.raises(ValueError):
        changes.record(FakeSession(), "prices")
    with pytest.raises(ValueError):
        namespaces_for({"prices"})


def test_facts_are_kept_until_taken_once():
    s = FakeSession()
    changes.record(s, changes.CATALOGUE)
    changes.request(s, 1, 2)
    changes.record(s, changes.CATALOGUE)
    assert changes.take(s) == {changes.CATALOGUE, ("request", 1, 2)}
    assert changes.take(s) == set()
