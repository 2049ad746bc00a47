"""Page layout shared by every printed output: styles, page frame, header and footer.

A report is built in one pass; the canvas keeps each finished page until the end,
so that the footer can print "Trang 3/12" with the total page count.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
)

from analysis.report.fonts import BOLD, ITALIC, REGULAR, printable, register_fonts

MARGIN = 18 * mm
ACCENT = colors.HexColor("#1f4e79")
RULE = colors.HexColor("#9aa7b4")
SHADE = colors.HexColor("#e8eef4")


def text(value: object) -> str:
    """Return ``value`` as Paragraph markup that prints literally.

    Paragraph reads its text as XML-like markup, so a comment containing
    ``<b>`` or ``&amp;`` would otherwise change the layout or vanish. The text is
    NFC-normalised, characters outside the font are replaced, ``&``, ``<`` and
    ``>`` become entities and line breaks become ``<br/>``.
    """
    escaped = escape(printable(str(value)))
    return escaped.replace("\r\n", "\n").replace("\n", "<br/>")


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    cell_head: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading1: ParagraphStyle
    heading2: ParagraphStyle
    warning: ParagraphStyle


def make_styles() -> Styles:
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=REGULAR, fontSize=10, leading=14, spaceAfter=1.5 * mm
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0)
    return Styles(
        body=body,
        small=ParagraphStyle(
            "small", parent=body, fontSize=8.5, leading=11, spaceAfter=0.5 * mm
        ),
        note=ParagraphStyle(
            "note", parent=body, fontName=ITALIC, fontSize=8.5, leading=11
        ),
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=2),
        cell_head=ParagraphStyle(
            "cell_head", parent=cell, fontName=BOLD, textColor=colors.white
        ),
        title=ParagraphStyle(
            "title",
            parent=body,
            fontName=BOLD,
            fontSize=18,
            leading=24,
            alignment=TA_CENTER,
            textColor=ACCENT,
            spaceAfter=6 * mm,
        ),
        subtitle=ParagraphStyle(
            "subtitle", parent=body, fontSize=12, leading=17, alignment=TA_CENTER
        ),
        heading1=ParagraphStyle(
            "heading1",
            parent=body,
            fontName=BOLD,
            fontSize=14,
            leading=18,
            textColor=ACCENT,
            spaceBefore=4 * mm,
            spaceAfter=3 * mm,
        ),
        heading2=ParagraphStyle(
            "heading2",
            parent=body,
            fontName=BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=3 * mm,
            spaceAfter=2 * mm,
        ),
        warning=ParagraphStyle(
            "warning",
            parent=body,
            fontName=BOLD,
            textColor=colors.HexColor("#9c0006"),
            backColor=colors.HexColor("#ffc7ce"),
            borderPadding=4,
            alignment=TA_CENTER,
        ),
    )


@dataclass(frozen=True)
class PageDecor:
    """What the header and footer of every page after the cover print."""

    header: str
    footer: str = ""
    # "Trang 3/12" is printed with this word in front of the numbers.
    page_word: str = "Trang"


class _NumberedCanvas(Canvas):
    """A canvas that holds finished pages back until the total count is known."""

    def __init__(self, *args: Any, decor: PageDecor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._decor = decor
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's method name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            _decorate(self, self._decor, total)
            super().showPage()
        super().save()


def _decorate(canvas: Canvas, decor: PageDecor, total: int) -> None:
    number = canvas.getPageNumber()
    width, height = canvas._pagesize
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    if number > 1:
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, height - MARGIN + 6 * mm, printable(decor.header))
        canvas.line(
            MARGIN,
            height - MARGIN + 4.5 * mm,
            width - MARGIN,
            height - MARGIN + 4.5 * mm,
        )
    canvas.line(MARGIN, MARGIN - 5 * mm, width - MARGIN, MARGIN - 5 * mm)
    canvas.setFillColor(colors.black)
    if decor.footer:
        canvas.setFont(ITALIC, 8)
        canvas.drawString(MARGIN, MARGIN - 9 * mm, printable(decor.footer))
    canvas.setFont(REGULAR, 8)
    canvas.drawRightString(
        width - MARGIN, MARGIN - 9 * mm, f"{decor.page_word} {number}/{total}"
    )
    canvas.restoreState()


def render(
    story: Sequence[Flowable],
    decor: PageDecor,
    *,
    title: str,
    author: str,
    subject: str = "",
) -> bytes:
    """Lay ``story`` out on A4 pages and return the PDF.

    The first page uses the "cover" template and every later page "body"; the
    story switches with ``NextPageTemplate("body")`` before its first page break.
    Timestamps and document ids are fixed (reportlab's invariant mode), so the
    same input gives the same bytes.
    """
    register_fonts()
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=printable(title),
        author=printable(author),
        subject=printable(subject),
        creator="sipas-survey",
        lang="vi-VN",
        invariant=True,
        initialFontName=REGULAR,
    )
    frame = Frame(
        MARGIN,
        MARGIN,
        A4[0] - 2 * MARGIN,
        A4[1] - 2 * MARGIN,
        id="main",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    document.addPageTemplates(
        [PageTemplate("cover", [frame]), PageTemplate("body", [frame])]
    )
    document.build(list(story), canvasmaker=partial(_NumberedCanvas, decor=decor))
    return buffer.getvalue()


def paragraph(markup: str, style: ParagraphStyle) -> Paragraph:
    """Wrap markup written by this package; citizen text must go through ``text``."""
    return Paragraph(markup, style)


def body_pages() -> NextPageTemplate:
    return NextPageTemplate("body")
