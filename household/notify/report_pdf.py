"""The monthly activity report as a PDF (fpdf2, the chart drawn with rectangles).

Every name prints in its own script: Noto Sans for Latin text and the rupee sign, Noto Sans Devanagari and
Noto Sans Tamil as fallbacks for the characters it lacks, so one line may mix scripts. The fonts ship in
`fonts/` (SIL OFL, see its README) and nothing is downloaded. Text that needs it is shaped with HarfBuzz
(uharfbuzz), so conjuncts and vowel signs come out as they are written, not as a row of separate letters.

Speed matters when ten thousand reports go out on the 1st: text the main font draws as it is (Latin, digits,
₹) is placed with `FPDF.text`, several times faster than a cell; only the rest goes through a shaped cell
with font fallback. A fallback font is added to a document only when its text needs it, since fpdf2 parses
and subsets every font it was given.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from fontTools.ttLib import TTFont
from fpdf import FPDF

from household.notify.formatting import rupees

if TYPE_CHECKING:
    from household.domain.reports import MonthlyReport

INK = (31, 41, 51)
MUTED = (107, 114, 128)
BRAND = (13, 110, 253)
TRACK = (229, 231, 235)
STAT_FILL = (243, 246, 251)
MARGIN = 18.0
PAGE_BOTTOM = 280.0

FONT_DIR = Path(__file__).with_name("fonts")
FAMILY = "NotoSans"  # regular and bold
# Regular only, tried in this order for the characters the main family lacks (bold text falls back to them too:
# the report's bold text is its own labels and figures).
FALLBACKS = ("NotoSansDevanagari", "NotoSansTamil")
ELLIPSIS = "\u2026"


@cache
def _covers(family: str) -> frozenset[str]:
    """The characters a family's regular font has."""
    font = TTFont(FONT_DIR / f"{family}-Regular.ttf", lazy=True)
    try:
        return frozenset(map(chr, font.getBestCmap()))
    finally:
        font.close()


@cache
def _plain() -> frozenset[str]:
    """What the main font draws one glyph per character, without shaping: everything it has but combining marks."""
    return frozenset(char for char in _covers(FAMILY) if not unicodedata.category(char).startswith("M"))


def _fallbacks_for(texts: Iterable[str]) -> list[str]:
    """The fallback families that some character of `texts` needs."""
    missing = set().union(*map(set, texts)) - _covers(FAMILY)
    return [family for family in FALLBACKS if missing & _covers(family)]


def _clusters(value: str) -> list[str]:
    """`value` split where it may be cut: never before a combining mark or a joiner, nor after a virama."""
    parts: list[str] = []
    for char in value:
        if parts and (
            unicodedata.category(char).startswith("M")
            or char in "\u200c\u200d"
            or parts[-1][-1] == "\u200d"
            or unicodedata.combining(parts[-1][-1]) == 9  # a virama joins the next consonant into a conjunct
        ):
            parts[-1] += char
        else:
            parts.append(char)
    return parts


class _Page:
    """A cursor over an A4 page: writes text and shapes top to bottom, adding pages as needed."""

    def __init__(self, title: str, texts: Iterable[str] = ()) -> None:
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_title(title)
        self.pdf.set_author("Household Services")
        self.pdf.set_creator("Household Services")
        self.pdf.set_auto_page_break(auto=False)
        self.pdf.add_font(FAMILY, "", FONT_DIR / f"{FAMILY}-Regular.ttf")
        self.pdf.add_font(FAMILY, "B", FONT_DIR / f"{FAMILY}-Bold.ttf")
        fallbacks = _fallbacks_for([title, *texts])
        for family in fallbacks:
            self.pdf.add_font(family, "", FONT_DIR / f"{family}-Regular.ttf")
        self.pdf.set_fallback_fonts(fallbacks, exact_match=False)
        self.pdf.c_margin = 0
        self.shaping = False
        self.width = self.pdf.w - 2 * MARGIN
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        self.pdf.add_page()
        self.fill(0, 0, self.pdf.w, 6, BRAND)
        self.y = 22.0

    def room(self, height: float) -> None:
        if self.y + height > PAGE_BOTTOM:
            self.new_page()

    def text(self, x: float, y: float, value: str, size: float = 10, style: str = "", color=INK,
             right: float | None = None, max_width: float | None = None) -> None:
        pdf = self.pdf
        pdf.set_font(FAMILY, style, size)
        pdf.set_text_color(*color)
        value = value or ""
        plain = _plain().issuperset(value)
        if self.shaping == plain:
            self.shaping = not plain
            pdf.set_text_shaping(self.shaping)
        if max_width is not None and pdf.get_string_width(value) > max_width:
            parts = _clusters(value)
            while parts and pdf.get_string_width("".join(parts) + ELLIPSIS) > max_width:
                parts.pop()
            value = "".join(parts).rstrip() + ELLIPSIS
        if right is not None:
            x = right - pdf.get_string_width(value)
        if plain:
            pdf.text(x, y, value)
        else:
            # A cell's baseline sits 0.5 h + 0.3 font size below its top: with h = font size, `y` is the baseline.
            pdf.set_xy(x, y - 0.8 * pdf.font_size)
            pdf.cell(None, pdf.font_size, value)
            # A fallback font may be the page's font now, while fpdf2 still takes its own for set: make the next
            # `text` select it again.
            pdf.current_font_is_set_on_page = False

    def fill(self, x: float, y: float, w: float, h: float, color) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.rect(x, y, w, h, style="F")

    def heading(self, value: str) -> None:
        self.room(16)
        self.y += 10
        self.text(MARGIN, self.y, value, 12, "B")
        self.y += 4


def monthly_report_pdf(report: MonthlyReport) -> bytes:
    """Render `report` as a PDF document and return its bytes."""
    texts = [report.name, report.link]
    texts += [use.name for use in report.services]
    texts += [text for item in report.ratings for text in (item.professional_name, item.service_name, item.closed_on)]
    page = _Page(report.subject, texts)
    width = page.width
    page.text(MARGIN, page.y, f"Your month on Household Services: {report.title}", 18, "B")
    page.y += 7
    page.text(MARGIN, page.y, f"Prepared for {report.name}", 10, color=MUTED)
    page.y += 6

    gap = 4.0
    box = (width - 3 * gap) / 4
    stats = (
        ("REQUESTS MADE", str(report.made)),
        ("CLOSED", str(report.closed)),
        ("CANCELLED", str(report.cancelled)),
        ("SPENT", rupees(report.spent)),
    )
    for i, (label, value) in enumerate(stats):
        x = MARGIN + i * (box + gap)
        page.fill(x, page.y, box, 20, STAT_FILL)
        page.text(x + 3, page.y + 6, label, 8, color=MUTED)
        size = 14
        page.pdf.set_font(FAMILY, "B", size)
        while size > 7 and page.pdf.get_string_width(value) > box - 6:  # large amounts still fit the box
            size -= 1
            page.pdf.set_font(FAMILY, "B", size)
        page.text(x + 3, page.y + 15, value, size, "B")
    page.y += 22

    page.heading("Your most used services")
    if report.services:
        label_w, count_w = 60.0, 14.0
        track_w = width - label_w - count_w
        for use in report.services:
            page.room(8)
            page.y += 7
            page.text(MARGIN, page.y, use.name, max_width=label_w - 3)
            page.fill(MARGIN + label_w, page.y - 3.5, track_w, 4, TRACK)
            page.fill(MARGIN + label_w, page.y - 3.5, track_w * use.percent / 100, 4, BRAND)
            page.text(0, page.y, str(use.count), style="B", right=MARGIN + width)
    else:
        page.y += 7
        page.text(MARGIN, page.y, "No new requests this month.", color=MUTED)

    page.heading("Professionals you rated")
    if report.ratings:
        cols = (0.0, width * 0.36, width * 0.68, width * 0.82)
        page.y += 6
        for x, title in zip(cols, ("Professional", "Service", "Rating", "Closed on"), strict=True):
            page.text(MARGIN + x, page.y, title, 9, "B", MUTED)
        page.pdf.set_draw_color(*TRACK)
        page.pdf.line(MARGIN, page.y + 1.8, MARGIN + width, page.y + 1.8)
        for item in report.ratings:
            page.room(8)
            page.y += 7
            values = (item.professional_name, item.service_name, f"{item.rating} / 5", item.closed_on)
            limits = (cols[1] - 3, cols[2] - cols[1] - 3, None, None)
            for x, value, limit in zip(cols, values, limits, strict=True):
                page.text(MARGIN + x, page.y, value, max_width=limit)
    else:
        page.y += 7
        page.text(MARGIN, page.y, "You did not rate anyone this month.", color=MUTED)

    page.room(14)
    page.y += 12
    page.text(MARGIN, page.y, _amounts_note(report), 8,
              color=MUTED)
    page.y += 4
    page.text(MARGIN, page.y, f"Your full history: {report.link}", 8, color=MUTED)
    return bytes(page.pdf.output())


def _amounts_note(report) -> str:
    """What "spent" is made of, in a sentence under the figures."""
    note = f"Amounts are the prices booked of the work closed in {report.title}"
    if report.fees:
        note += f", and {rupees(report.fees)} of late cancellation fees"
    return note + "."
