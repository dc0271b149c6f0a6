"""The monthly report email fits a phone screen: one column of at most 600px, nothing fixed wider than a
phone, long words wrap, and a viewport for mobile mail apps."""

from __future__ import annotations

import re
from decimal import Decimal

from household.domain.reports import MonthlyReport, Rating, ServiceUse
from household.notify.templates import render_email

PHONE = 320  # CSS pixels: the narrowest phone screen in use
LONG = "Venkataramanasubramaniyanarayanaswamy" * 2  # one word, wider than a phone


def report() -> MonthlyReport:
    return MonthlyReport(
        customer_id=1,
        name=LONG,
        email="alice@example.com",
        month="2026-10",
        made=1234,
        closed=1200,
        cancelled=34,
        spent=Decimal("1234567.50"),
        ratings=[Rating(LONG, "Bathroom and kitchen deep cleaning with sanitisation", 4, "31 Oct 2026")] * 3,
        services=[ServiceUse(LONG, 3, 100), ServiceUse("Plumbing Repair", 1, 33)],
        link="https://household.example/customer/history",
    )


def test_the_monthly_email_fits_a_phone(app):
    with app.app_context():
        _, html = render_email("monthly_report", report=report())

    assert re.search(r'<meta name="viewport" content="width=device-width, initial-scale=1">', html)
    # No width attribute in pixels above the 600px column, and the column itself is fluid.
    assert all(int(w) <= 600 for w in re.findall(r'\bwidth="(\d+)"', html))
    assert "width:100%;max-width:600px" in html
    # No fixed CSS width (or min-width) wider than a phone; max-widths cap at the column.
    for prop, value in re.findall(r"(?<![\w-])((?:min-)?width):\s*(\d+)px", html):
        assert int(value) <= PHONE, f"{prop}:{value}px"
    assert all(int(v) <= 600 for v in re.findall(r"max-width:\s*(\d+)px", html))
    # The four figures are blocks that wrap two to a phone's row (238px inside its margins).
    cards = re.findall(r"display:inline-block;width:100%;max-width:(\d+)px", html)
    assert len(cards) == 4 and 2 * int(cards[0]) <= 238
    # Nothing refuses to wrap, and long names break instead of widening the email.
    assert "nowrap" not in html
    for cell in re.findall(r"<(?:div|td)[^>]*>\s*" + LONG, html):
        assert "overflow-wrap:anywhere" in cell and "word-break:break-word" in cell, cell
    assert len(re.findall(r"<(?:div|td)[^>]*>\s*" + LONG, html)) == 4  # the services row and 3 ratings
    # The ratings are stacked blocks, not a table of four columns.
    assert "<th" not in html
