"""How money, times and plurals read in messages (Indian conventions: ₹1,23,456.00, 24-hour IST)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo


def rupees(amount: Decimal | int | float | None, symbol: str = "₹") -> str:
    """Format an amount with Indian digit grouping: 123456.5 → ₹1,23,456.50."""
    value = Decimal(str(amount or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _, paise = f"{abs(value):.2f}".partition(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        whole = ",".join(groups) + "," + tail
    return f"{sign}{symbol}{whole}.{paise}"


def local_time(moment: datetime | None, tz_name: str) -> str:
    """A UTC instant as people in the platform's time zone read it: 'Fri 16 Oct 2026, 18:30'."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(tz_name)).strftime("%a %d %b %Y, %H:%M")


def local_date(moment: datetime | None, tz_name: str) -> str:
    """The local calendar day of a UTC instant: 'Fri 16 Oct 2026'."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(tz_name)).strftime("%a %d %b %Y")


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 request', '3 requests'."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def latin1(text: str | None) -> str:
    """Text the PDF core fonts can draw: accents kept where Latin-1 has them, the rest approximated."""
    if not text:
        return ""
    text = text.replace("₹", "Rs. ").replace("—", "-").replace("–", "-").replace("…", "...")
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(decomposed or "?")
    return "".join(out)
