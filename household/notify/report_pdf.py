"""The monthly activity report as a PDF (fpdf2, core fonts, the chart drawn with rectangles).

Text is placed with `FPDF.text` at explicit positions: several times faster than cells, which
matters when ten thousand reports go out on the 1st.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fpdf import FPDF

from household.notify.formatting import latin1, rupees

if TYPE_CHECKING:
    from household.domain.reports import MonthlyReport

INK = (31, 41, 51)
MUTED = (107, 114, 128)
BRAND = (13, 110, 253)
TRACK = (229, 231, 235)
STAT_FILL = (243, 246, 251)
MARGIN = 18.0
PAGE_BOTTOM = 280.0


class _Page:
    """A cursor over an A4 page: writes text and shapes top to bottom, adding pages as needed."""

    def __init__(self, title: str) -> None:
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_title(title)
        self.pdf.set_author("Household Services")
        self.pdf.set_creator("Household Services")
        self.pdf.set_auto_page_break(auto=False)
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
        pdf.set_font("Helvetica", style, size)
        pdf.set_text_color(*color)
        value = latin1(value)
        if max_width is not None:
            while len(value) > 3 and pdf.get_string_width(value) > max_width:
                value = value[:-4] + "..."
        if right is not None:
            x = right - pdf.get_string_width(value)
        pdf.text(x, y, value)

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
    page = _Page(latin1(report.subject))
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
        ("SPENT", rupees(report.spent, symbol="Rs. ")),
    )
    for i, (label, value) in enumerate(stats):
        x = MARGIN + i * (box + gap)
        page.fill(x, page.y, box, 20, STAT_FILL)
        page.text(x + 3, page.y + 6, label, 8, color=MUTED)
        size = 14
        page.pdf.set_font("Helvetica", "B", size)
        while size > 7 and page.pdf.get_string_width(value) > box - 6:  # large amounts still fit the box
            size -= 1
            page.pdf.set_font("Helvetica", "B", size)
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
    page.text(MARGIN, page.y, f"Amounts are the catalogue prices of the services closed in {report.title}.", 8,
              color=MUTED)
    page.y += 4
    page.text(MARGIN, page.y, f"Your full history: {report.link}", 8, color=MUTED)
    return bytes(page.pdf.output())
