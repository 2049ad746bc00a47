"""The document machinery without a database: fonts, glyphs, escaping, numbers."""

from __future__ import annotations

import unicodedata
from fractions import Fraction
from pathlib import Path

import pytest
from reportlab.platypus import PageBreak, Paragraph

from analysis.indices import INSUFFICIENT, INTERVAL_N_BELOW_2, NO_DATA, OK, Estimate
from analysis.intervals import Interval
from analysis.report import formatting as fmt
from analysis.report.document import PageDecor, body_pages, make_styles, render, text
from analysis.report.fonts import (
    BOLD,
    BOLD_ITALIC,
    FACES,
    ITALIC,
    REGULAR,
    missing_glyphs,
    printable,
)
from analysis.report.tables import data_table
from tests.reports.helpers import fonts, layout_text, pdffonts_rows, plain_text

HEADING = "Mức độ hài lòng theo lĩnh vực"
ROW = "Đất đai"
AUTHOR = "Trần Thị Mẫu"
FOOTER = f"Người lập: {AUTHOR}"
AGENCY = "Sở Tài nguyên và Môi trường"


def vietnamese_pdf() -> bytes:
    """Draw a cover and a page with a bold heading, table rows and a footer."""
    styles = make_styles()
    story = [
        Paragraph(f"<b>{text(AGENCY)}</b>", styles.title),
        body_pages(),
        PageBreak(),
        Paragraph(text(HEADING), styles.heading1),
        data_table(
            styles,
            ["Lĩnh vực", "Chỉ số"],
            [[ROW, "85,30"], [ROW, "85,30"], [ROW, "85,30"]],
            [300, 100],
            strong={1},
            muted={2},
        ),
        Paragraph(f"{text(FOOTER)} / <b>{text(FOOTER)}</b>", styles.body),
        Paragraph(f"<i>{text(FOOTER)}</i> / <b><i>{text(FOOTER)}</i></b>", styles.body),
    ]
    return render(
        story, PageDecor(header=AGENCY, footer=FOOTER), title=HEADING, author=AUTHOR
    )


@pytest.mark.parametrize("face", FACES)
def test_faces_cover_vietnamese(face: str) -> None:
    for sample in (HEADING, ROW, FOOTER, AGENCY, "ẮẰẲẴẶ ắằẳẵặ ỨỪỬỮỰ ứừửữự ỹỷỵ Đđ –…“”"):
        assert missing_glyphs(sample, face) == set(), (face, sample)


def test_missing_glyph_reported() -> None:
    # U+1D11E MUSICAL SYMBOL G CLEF is not in DejaVu Sans 2.37.
    assert missing_glyphs("a\U0001d11e", REGULAR) == {"\U0001d11e"}
    assert printable("a\U0001d11e") == "a\N{REPLACEMENT CHARACTER}"


def test_missing_format_character_dropped() -> None:
    # DejaVu Sans 2.37 lacks U+FEFF in its oblique faces and U+2066 to U+2069 in
    # all four. These characters are invisible, so they are dropped.
    assert printable("a\ufeffb\u2066c\u2069") == "abc"
    # U+200B and U+202E have glyphs in every face, so they stay.
    assert printable("a\u200bb\u202ec") == "a\u200bb\u202ec"


def test_vietnamese_text_extracts_as_source() -> None:
    extracted = plain_text(vietnamese_pdf())
    assert unicodedata.is_normalized("NFC", extracted)
    for source in (HEADING, ROW, FOOTER, AGENCY):
        assert source in extracted, source
    # One footer on each of the two pages, plus four copies in the body
    # (regular, bold, italic, bold italic).
    assert extracted.count(FOOTER) == 4 + 2


def test_nfd_input_prints_nfc() -> None:
    styles = make_styles()
    decomposed = unicodedata.normalize("NFD", HEADING)
    assert decomposed != HEADING
    pdf = render(
        [Paragraph(text(decomposed), styles.body)],
        PageDecor("x"),
        title="t",
        author="a",
    )
    assert HEADING in plain_text(pdf)


def test_every_face_used_and_embedded(tmp_path: Path) -> None:
    pdf = vietnamese_pdf()
    used = fonts(pdf)
    names = {name.split("+", 1)[-1].lstrip("/") for name in used}
    assert {REGULAR, BOLD, ITALIC, BOLD_ITALIC} <= names
    assert all(used.values()), used
    rows = pdffonts_rows(pdf, tmp_path)
    assert rows
    for row in rows:
        # Columns from the right: emb sub uni object ID.
        assert row[-5] == "yes", row


def test_table_row_layout(tmp_path: Path) -> None:
    lines = layout_text(vietnamese_pdf(), tmp_path).splitlines()
    rows = [line.split() for line in lines if line.strip().startswith(ROW)]
    assert rows == [["Đất", "đai", "85,30"]] * 3


@pytest.mark.parametrize(
    "comment",
    [
        "<b>x</b>",
        "<font color=red>đỏ</font>",
        "&amp; &lt;",
        "a < b > c & d",
        '<para alignment="right">x</para>',
        "<img src='/etc/passwd'/>",
    ],
)
def test_markup_prints_literally(comment: str) -> None:
    styles = make_styles()
    pdf = render(
        [Paragraph(text(comment), styles.body)], PageDecor("x"), title="t", author="a"
    )
    assert comment in plain_text(pdf)


def test_line_breaks_kept() -> None:
    assert text("một\nhai\r\nba") == "một<br/>hai<br/>ba"


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        ("85.30", "85,30"),
        ("100.00", "100,00"),
        ("0.05", "0,05"),
        ("-3.45", "-3,45"),
        ("1234.5", "1.234,5"),
        ("1000000", "1.000.000"),
    ],
)
def test_localise_keeps_digits(display: str, expected: str) -> None:
    assert fmt.localise(display) == expected


def test_number_rounds_half_up_exactly() -> None:
    # 82.765 is exactly halfway; half-up gives 82.77 (a float would give 82.76).
    assert fmt.number(Fraction(82765, 1000)) == "82,77"
    assert fmt.number(Fraction(2, 3)) == "0,67"


def test_day_format() -> None:
    from datetime import date

    assert fmt.day(date(2026, 12, 4)) == "04/12/2026"


def test_notes_in_vietnamese() -> None:
    no_data = Estimate(None, 0, NO_DATA)
    assert fmt.index(no_data) == "không có dữ liệu"
    assert fmt.notes(no_data, 30) == ["Không có dữ liệu (n = 0)"]
    one = Estimate(Fraction(100), 1, INSUFFICIENT, None, INTERVAL_N_BELOW_2)
    assert fmt.index(one) == "100,00"
    assert fmt.interval(one) == fmt.DASH
    assert fmt.notes(one, 30) == [
        "Chưa đủ mẫu (n = 1 < 30)",
        "Không xác định khoảng tin cậy (n < 2)",
    ]
    fine = Estimate(Fraction(170, 2), 200, OK, Interval(79.4, 89.3, 0.95, "wilson"))
    assert fmt.interval(fine) == "79,40–89,30"
    assert fmt.notes(fine, 30) == []
