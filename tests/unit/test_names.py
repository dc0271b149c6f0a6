"""The one normal form of names and emails typed by people: look-alikes compare equal."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from household.domain.errors import InvalidInput
from household.domain.names import INVISIBLE, clean, clean_name, name_key, normalise_email

LOOK_ALIKES = [
    "Plumbing Repair",
    "PLUMBING REPAIR",
    "plumbing  repair",
    " Plumbing Repair ",
    "\uff30lumbing Repair",  # fullwidth P
    "\uff30\uff4c\uff55\uff4d\uff42\uff49\uff4e\uff47 Repair",
    "Plumbing\u00a0Repair",  # no-break space
    "Plumbing\u202fRepair",  # narrow no-break space
    "Plumbing\u3000Repair",  # ideographic space
    "Plumbing\tRepair\n",
    "Plumbing Repair\u200b",
    "\ufeffPlumbing\u200c \u200dRepair\u2060",
    "Plumb\u00ading Repair",  # soft hyphen
    "Plumbing Repair\x07",
    "Plumb\x9bing Repair",  # a C1 control inside a word
    "Plumbing\x85Repair",  # NEL, a C1 control that is whitespace
    "\u202ePlumbing Repair\u202c",  # bidi override
]


@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_look_alikes_share_one_key(typed):
    assert name_key(typed) == name_key("Plumbing Repair") == "plumbing repair"


@pytest.mark.parametrize("other", ["Plumbing Repairs", "Plumbing Repair 2", "PlumbingRepair", "Plumbing-Repair"])
def test_different_names_keep_different_keys(other):
    assert name_key(other) != name_key("Plumbing Repair")


def test_clean_keeps_case_and_inner_single_spaces():
    assert clean("  \uff30lumbing\u00a0 Repair\u200b ") == "Plumbing Repair"
    assert clean("Ａｃ  Service") == "Ac Service"
    assert clean("\u0938\u0941\u0930\u0947\u0936 Patil") == "\u0938\u0941\u0930\u0947\u0936 Patil"


def test_casefold_folds_more_than_lower():
    assert name_key("STRASSE Reinigung") == name_key("straße reinigung")
    assert name_key("\u01c4") == name_key("\u01c6")  # DŽ and dž


@pytest.mark.parametrize(
    "typed",
    ["priya@example.com", "Priya@Example.COM", " priya@example.com\u200b", "\ufeffpriya@example.com",
     "\uff50riya@example.com", "priya@\uff45xample.com", "priya\u00ad@example.com"],
)
def test_emails_of_one_account(typed):
    assert normalise_email(typed) == "priya@example.com"


def test_emails_are_lower_cased_not_casefolded():
    # The stored address is where mail goes: "straße" and "strasse" are different mailboxes.
    assert normalise_email("Straße@Example.com") == "straße@example.com"


def test_clean_name_refuses_what_cleaning_empties_or_stretches():
    assert clean_name(" Gas\u00a0 Stove\u200b Repair ", "name") == "Gas Stove Repair"
    with pytest.raises(InvalidInput) as empty:
        clean_name("\u200b\u200b\u200b", "name")
    assert "name" in empty.value.fields
    # U+FDFA is one character that NFKC turns into eighteen.
    with pytest.raises(InvalidInput) as long:
        clean_name("\ufdfa" * 10, "title", max_len=100)
    assert "title" in long.value.fields


@given(st.text(max_size=40))
def test_normal_forms_are_stable(text):
    cleaned = clean(text)
    assert clean(cleaned) == cleaned
    assert name_key(cleaned) == name_key(text)
    assert name_key(name_key(text)) == name_key(text)
    assert normalise_email(normalise_email(text)) == normalise_email(text)
    for out in (cleaned, name_key(text), normalise_email(text)):
        assert out == out.strip() and "  " not in out
        assert not any(ch in INVISIBLE or unicodedata.category(ch) == "Cc" for ch in out)
        assert not any(ch.isspace() and ch != " " for ch in out)
        assert unicodedata.is_normalized("NFKC", out)
