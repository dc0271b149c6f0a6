"""One normal form for what people type as identifiers: service names, people's names, emails.

Two strings that look the same must compare the same, or a duplicate slips past every check
("Ｐlumbing Repair" with a fullwidth P, a no-break space, a zero-width space pasted from a chat).
Free of Flask and the database, so models, rules and the API's fields share it.
"""

from __future__ import annotations

import unicodedata

from household.domain.errors import InvalidInput

# Characters that render as nothing: zero-width space, non-joiner and joiner, word joiner, the
# byte order mark, the soft hyphen, and the bidirectional marks, embeddings, overrides and
# isolates (the classic way to make one string read as another).
INVISIBLE = frozenset(
    chr(c)
    for c in [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x200E, 0x200F]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)


def _visible(ch: str) -> bool:
    # Controls that are whitespace (tab, newline, NEL...) stay, to become one space below.
    return ch not in INVISIBLE and (ch.isspace() or unicodedata.category(ch) != "Cc")


def clean(value: str) -> str:
    """The display form: invisible and control characters dropped, NFKC, whitespace runs as one space, trimmed.

    Case is kept. Invisible characters go before NFKC so that what they separated can compose.
    """
    text = unicodedata.normalize("NFKC", "".join(ch for ch in value if _visible(ch)))
    # str.split() splits on every Unicode space (no-break, ideographic, NEL, ...).
    return " ".join(text.split())


def name_key(value: str) -> str:
    """The comparison key of a name: its clean form, casefolded ("STRASSE" and "straße" meet).

    NFKC again after casefolding, which can leave a decomposed sequence behind.
    """
    return unicodedata.normalize("NFKC", clean(value).casefold())


def normalise_email(value: str) -> str:
    """An email address as stored and compared: its clean form, lower-cased.

    Lower-cased rather than casefolded: the stored address is where mail goes, and casefolding
    would rewrite "straße@" into "strasse@", someone else's mailbox. Lower case also keeps the
    database's check that emails are stored lower-cased.
    """
    return unicodedata.normalize("NFKC", clean(value).lower())


def clean_name(value: str, field: str, *, min_len: int = 2, max_len: int = 100) -> str:
    """The clean form of a name typed in `field`, or 422 when cleaning empties it or NFKC stretches it.

    The API checks lengths on what was typed; cleaning can shrink a name to nothing (only
    zero-width characters) or grow it past its column (U+FDFA is one character, eighteen after NFKC).
    """
    cleaned = clean(value)
    if len(cleaned) < min_len:
        raise InvalidInput(fields={field: [f"Use at least {min_len} visible characters."]})
    if len(cleaned) > max_len:
        raise InvalidInput(fields={field: [f"Too long once normalised: at most {max_len} characters."]})
    return cleaned
