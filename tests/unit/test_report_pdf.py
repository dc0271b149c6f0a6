"""The monthly report's PDF: every name in its own script, shaped, with the rupee sign and embedded fonts."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from household.domain.reports import MonthlyReport, Rating, ServiceUse
from household.notify import report_pdf
from household.notify.report_pdf import _clusters, monthly_report_pdf

PRIYA = "प्रिया शर्मा"  # Devanagari: the conjunct प्र, the vowel sign ि before its consonant, the reph of र्मा
KARTHIK = "கார்த்திக் சுப்பிரமணியம்"  # Tamil: vowel signs and pulli (்) on nearly every consonant
LONG_HINDI_SERVICE = "घर की गहरी सफ़ाई और बहुत लंबा नाम वाली सेवा, जो कॉलम में नहीं समाती"


def report(name: str, professional: str, service: str = "Plumbing Repair", **kw) -> MonthlyReport:
    values = dict(
        customer_id=1, name=name, email="c@example.com", month="2026-10", made=3, closed=2, cancelled=1,
        spent=Decimal("123456.50"),
        ratings=[Rating(professional, service, 5, "Fri 16 Oct 2026"), Rating("Ravi Kumar", "Home Deep Cleaning", 4,
                                                                             "Sat 17 Oct 2026")],
        services=[ServiceUse(service, 3, 100), ServiceUse("Home Deep Cleaning", 1, 33)],
        link="https://household.example/customer/history",
    )
    values.update(kw)
    return MonthlyReport(**values)


def read(data: bytes) -> tuple[str, dict[str, dict]]:
    """The PDF's text, and per embedded font: whether its file is embedded and its glyph → text map.

    A shaped cluster drawn with several glyphs maps its whole text to its first glyph and nothing to the others
    (fpdf2 writes no ToUnicode entry for them); pypdf reads those as their low codes, control characters here,
    which are dropped.
    """
    pdf = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    text = re.sub(r"[\x00-\x09\x0b-\x1f]", "", text)
    fonts: dict[str, dict] = {}
    for page in pdf.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            cmap = font["/ToUnicode"].get_object().get_data().decode("ascii")
            glyphs = [bytes.fromhex(hex_).decode("utf-16-be") for hex_ in re.findall(r"<[0-9A-F]+> <([0-9A-F]+)>", cmap)]
            fonts[name] = {"embedded": "/FontFile2" in descriptor, "glyphs": glyphs}
    return text, fonts


def squeeze(text: str) -> str:
    """Text without whitespace: extraction puts spaces where a vowel sign's glyph overhangs, at times."""
    return re.sub(r"\s+", "", text)


def test_names_in_devanagari_and_tamil_come_back_with_the_rupee_sign():
    data = monthly_report_pdf(report(PRIYA, KARTHIK, service="घर की सफ़ाई"))
    text, fonts = read(data)
    assert PRIYA in text and KARTHIK in text and "घर की सफ़ाई" in text
    assert "₹1,23,456.50" in text
    assert "?" not in text and "Rs." not in text and "\ufffd" not in text
    # The fonts that ship with the code, embedded (subset) in the document.
    assert set(fonts) == {"NotoSans", "NotoSansBold", "NotoSansDevanagari", "NotoSansTamil"}
    assert all(font["embedded"] for font in fonts.values())
    assert "₹" in fonts["NotoSansBold"]["glyphs"]


def test_indic_text_is_shaped_not_just_mapped_letter_by_letter():
    _, fonts = read(monthly_report_pdf(report(PRIYA, KARTHIK)))
    # Shaping turns several characters into one glyph (a conjunct, a consonant with its vowel sign or virama):
    # the PDF maps such a glyph back to all of them. Mapping character by character never does.
    devanagari = [text for text in fonts["NotoSansDevanagari"]["glyphs"] if len(text) > 1]
    assert any(text.startswith("प्र") for text in devanagari), devanagari  # the conjunct PRA is one glyph
    assert any("\u094d" in text for text in devanagari)
    tamil = [text for text in fonts["NotoSansTamil"]["glyphs"] if len(text) > 1]
    assert "க்" in tamil and "ர்" in tamil, tamil  # consonant + pulli: a glyph of its own from the font's GSUB
    assert any(text[-1] in "ாிீுூெேை" for text in tamil)


def test_a_line_may_mix_scripts():
    text, fonts = read(monthly_report_pdf(report("Alice", "रवि — Ravi — கார்த்தி")))
    assert "रवि—Ravi—கார்த்தி" in squeeze(text)
    assert {"NotoSansDevanagari", "NotoSansTamil"} <= set(fonts)


def test_latin_only_report_embeds_no_fallback_font():
    text, fonts = read(monthly_report_pdf(report("Alice Fernandes", "Ravi Kumar", service="Café Crème Polish")))
    assert "Prepared for Alice Fernandes" in text and "Café Crème Polish" in text and "₹1,23,456.50" in text
    assert set(fonts) == {"NotoSans", "NotoSansBold"}  # fpdf2 parses and subsets every font it is given


def test_long_names_are_cut_between_whole_letters():
    text, _ = read(monthly_report_pdf(report(PRIYA, KARTHIK * 3, service=LONG_HINDI_SERVICE)))
    lines = [line for line in text.splitlines() if "…" in line]
    assert len(lines) >= 2, text
    for line in lines:
        kept = line.split("…")[0]
        assert kept and not kept.endswith(("\u094d", "\u0bcd")), line  # never a dangling virama or pulli
    assert LONG_HINDI_SERVICE not in text and KARTHIK * 3 not in text


@pytest.mark.parametrize(
    ("text", "clusters"),
    [
        ("प्रिया", ["प्रि", "या"]),
        ("शर्मा", ["श", "र्मा"]),
        ("கார்த்திக்", ["கா", "ர்த்தி", "க்"]),
        ("Zoë", ["Z", "o", "ë"]),
        ("Zoe\u0308", ["Z", "o", "e\u0308"]),
    ],
)
def test_clusters(text, clusters):
    assert _clusters(text) == clusters


def test_fonts_ship_with_their_licence():
    folder = report_pdf.FONT_DIR
    for family in (report_pdf.FAMILY, *report_pdf.FALLBACKS):
        assert (folder / f"{family}-Regular.ttf").is_file()
    assert (folder / f"{report_pdf.FAMILY}-Bold.ttf").is_file()
    assert "SIL OPEN FONT LICENSE Version 1.1" in (folder / "OFL.txt").read_text()
    assert sum(path.stat().st_size for path in folder.iterdir()) < 600_000
