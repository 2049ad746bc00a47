"""A printable paper questionnaire for any questionnaire version.

Each form carries a response id, printed as text on every page and encoded with
the online survey address in a QR code. Staff enter the paper answers under that
id, so a form answered both on paper and online is stored only once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import segno
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from analysis.report.document import (
    ACCENT,
    MARGIN,
    RULE,
    SHADE,
    PageDecor,
    Styles,
    body_pages,
    make_styles,
    render,
    text,
)
from analysis.report.fonts import REGULAR

log = logging.getLogger(__name__)

WIDTH = 210 * mm - 2 * MARGIN
BOX = 3.6 * mm
NOT_APPLICABLE = "Không áp dụng"


@dataclass(frozen=True)
class PaperForm:
    """The parts of one printed form besides the questionnaire itself.

    ``survey_url`` is the online form of the agency with the response id in it;
    the QR code encodes it exactly as given.
    """

    agency_name: str
    response_id: uuid.UUID
    survey_url: str
    issuer: str = ""


class CheckBox(Flowable):
    """An empty square to tick with a pen."""

    def __init__(self, size: float = BOX) -> None:
        super().__init__()
        self.size = size

    def wrap(
        self, available_width: float, available_height: float
    ) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.size, self.size, stroke=1, fill=0)


def qr_drawing(data: str, size: float) -> Drawing:
    """Draw the QR code of ``data`` (error correction M) as a ``size`` square."""
    code = segno.make(data, error="m")
    rows = [list(row) for row in code.matrix_iter(scale=1, border=2)]
    module = size / len(rows)
    drawing = Drawing(size, size, initialFontName=REGULAR)
    for y, row in enumerate(rows):
        # One rectangle per run of dark modules keeps the drawing small.
        x = 0
        for dark, run in groupby(row):
            length = len(list(run))
            if dark:
                drawing.add(
                    Rect(
                        x * module,
                        size - (y + 1) * module,
                        length * module,
                        module,
                        fillColor=colors.black,
                        strokeColor=None,
                    )
                )
            x += length
    return drawing


def _header(questionnaire: Any, form: PaperForm, styles: Styles) -> list[Flowable]:
    left = [
        Paragraph(f"<b>{text(form.issuer)}</b>", styles.small)
        if form.issuer
        else Spacer(1, 1),
        Paragraph(text(f"Cơ quan được đánh giá: {form.agency_name}"), styles.body),
        Paragraph(text(f"Mã phiếu: {form.response_id}"), styles.small),
        Paragraph(
            text(f"Mẫu phiếu: {questionnaire.key} phiên bản {questionnaire.version}"),
            styles.small,
        ),
    ]
    right = [
        qr_drawing(form.survey_url, 30 * mm),
        Paragraph(text("Quét mã để trả lời trực tuyến"), styles.note),
    ]
    table = Table([[left, right]], colWidths=[WIDTH - 36 * mm, 36 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ]
        )
    )
    story: list[Flowable] = [
        table,
        Spacer(1, 3 * mm),
        Paragraph(text(questionnaire.title), styles.title),
    ]
    if questionnaire.description:
        story.append(Paragraph(text(questionnaire.description), styles.body))
    story.append(
        Paragraph(
            text(
                "Cách trả lời: đánh dấu X vào một ô cho mỗi câu; câu có ghi “chọn tối "
                "đa” được đánh nhiều ô. Phiếu trả lời trên giấy hoặc qua mã QR, không "
                "cần cả hai."
            ),
            styles.note,
        )
    )
    return [*story, body_pages()]


def _scale_grid(items: Sequence[Any], styles: Styles) -> Table:
    """Lay out items that share one scale as rows, one column of boxes per option."""
    options = items[0].options
    with_na = any(item.not_applicable for item in items)
    option_width = 14 * mm
    code_width = 18 * mm
    columns = len(options) + (1 if with_na else 0)
    text_width = WIDTH - code_width - columns * option_width
    option_head = ParagraphStyle(
        "option_head", parent=styles.cell_head, fontSize=6.5, leading=8, alignment=1
    )
    head = [
        Paragraph(text("Mã"), styles.cell_head),
        Paragraph(text("Nội dung"), styles.cell_head),
    ]
    for option in options:
        head.append(
            Paragraph(f"<b>{option.value}</b><br/>{text(option.label)}", option_head)
        )
    if with_na:
        head.append(Paragraph(text(NOT_APPLICABLE), option_head))
    rows: list[list[Any]] = [head]
    for item in items:
        row: list[Any] = [
            Paragraph(f"<b>{text(item.code)}</b>", styles.cell),
            Paragraph(text(item.text), styles.cell),
        ]
        row += [CheckBox() for _ in options]
        if with_na:
            row.append(CheckBox() if item.not_applicable else "")
        rows.append(row)
    table = Table(
        rows,
        colWidths=[code_width, text_width] + [option_width] * columns,
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (2, 1), (-1, -1), "CENTER"),
                ("LEFTPADDING", (2, 0), (-1, -1), 2),
                ("RIGHTPADDING", (2, 0), (-1, -1), 2),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, SHADE]),
            ]
        )
    )
    return table


def _choice_item(item: Any, styles: Styles) -> Flowable:
    question = f"<b>{text(item.code)}.</b> {text(item.text)}"
    cells = [
        [CheckBox(), Paragraph(f"{option.value}. {text(option.label)}", styles.cell)]
        for option in item.options
    ]
    if item.not_applicable:
        cells.append([CheckBox(), Paragraph(text(NOT_APPLICABLE), styles.cell)])
    half = (len(cells) + 1) // 2
    rows = []
    for position in range(half):
        left = cells[position]
        right = cells[position + half] if position + half < len(cells) else ["", ""]
        rows.append([*left, *right])
    column = WIDTH / 2
    table = Table(rows, colWidths=[7 * mm, column - 7 * mm, 7 * mm, column - 7 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ]
        )
    )
    return KeepTogether([Paragraph(question, styles.body), table, Spacer(1, 2 * mm)])


def _text_item(item: Any, styles: Styles) -> Flowable:
    question = f"<b>{text(item.code)}.</b> {text(item.text)}"
    lines = Table([[""]] * 5, colWidths=[WIDTH], rowHeights=[8 * mm] * 5)
    lines.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.grey),
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ]
        )
    )
    return KeepTogether([Paragraph(question, styles.body), lines, Spacer(1, 2 * mm)])


def _section(section: Any, styles: Styles) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(text(section.title), styles.heading2)]
    if section.intro:
        story.append(Paragraph(text(section.intro), styles.note))
    # Consecutive scale items with the same options share one grid.
    for _, run in groupby(
        section.items,
        key=lambda item: (
            (item.type, item.options) if item.type == "scale" else id(item)
        ),
    ):
        items = list(run)
        if items[0].type == "scale":
            story += [_scale_grid(items, styles), Spacer(1, 2 * mm)]
        elif items[0].type in ("choice", "multichoice"):
            story += [_choice_item(item, styles) for item in items]
        else:
            story += [_text_item(item, styles) for item in items]
    return story


def build_paper_form(questionnaire: Any, form: PaperForm) -> bytes:
    """Draw the paper form of a parsed questionnaire version and return the PDF.

    ``questionnaire`` is read by duck typing (``key``, ``version``, ``title``,
    ``description``, ``sections`` with their items and options), so this package
    does not import the web application.
    """
    styles = make_styles()
    story = _header(questionnaire, form, styles)
    for section in questionnaire.sections:
        story += _section(section, styles)
    story += [
        Spacer(1, 6 * mm),
        Paragraph(text("Xin trân trọng cảm ơn ông/bà đã trả lời phiếu."), styles.body),
    ]
    decor = PageDecor(
        header=f"{questionnaire.title} – {form.agency_name}",
        footer=f"Mã phiếu: {form.response_id}",
    )
    pdf = render(
        story,
        decor,
        title=questionnaire.title,
        author=form.issuer or form.agency_name,
        subject=f"{questionnaire.key} v{questionnaire.version}",
    )
    log.info(
        "paper form drawn: questionnaire %s v%s",
        questionnaire.key,
        questionnaire.version,
    )
    return pdf
