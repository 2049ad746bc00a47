"""Tables of the reports: Paragraph cells, a shaded header row that repeats on
every page, and optional emphasised rows (element totals, the overall index)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TypeAlias

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle

from analysis.report.document import ACCENT, RULE, SHADE, Styles, text
from analysis.report.fonts import BOLD, ITALIC, REGULAR, printable

# A table cell: a plain string, or a Paragraph built by the caller.
Cell: TypeAlias = str | Paragraph
GREY_HEX = "#595959"
GREY = colors.HexColor(GREY_HEX)


def data_table(
    styles: Styles,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float],
    *,
    right: Collection[int] = (),
    strong: Collection[int] = (),
    muted: Collection[int] = (),
) -> Table:
    """Build a table; plain strings are printed as they are, never as markup.

    ``right`` lists the columns of numbers, aligned right. A number is drawn as a
    plain string, which is much faster than a Paragraph; any other string cell
    becomes a Paragraph of escaped text, so that it wraps. ``strong`` lists
    the row positions (0 = first data row) printed bold on a shaded background,
    and ``muted`` the rows printed in grey italics (units below the minimum
    sample).
    """
    head_right = ParagraphStyle("cell_head_right", parent=styles.cell_head, alignment=2)
    head = [
        Paragraph(
            f"<b>{text(title)}</b>",
            head_right if column in right else styles.cell_head,
        )
        for column, title in enumerate(header)
    ]
    body = []
    for position, row in enumerate(rows):
        cells: list[Cell] = []
        for column, cell in enumerate(row):
            if isinstance(cell, Paragraph):
                cells.append(cell)
            elif column in right and not any(char.isalpha() for char in cell):
                cells.append(printable(cell))
            else:
                style = styles.cell_right if column in right else styles.cell
                markup = _styled(text(cell), position, strong, muted)
                cells.append(Paragraph(markup, style))
        body.append(cells)
    table = Table([head, *body], colWidths=list(widths), repeatRows=1)
    commands: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), styles.cell.fontSize),
        ("LEADING", (0, 0), (-1, -1), styles.cell.leading),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for column in right:
        commands.append(("ALIGN", (column, 1), (column, -1), "RIGHT"))
    for position in strong:
        commands.append(("BACKGROUND", (0, position + 1), (-1, position + 1), SHADE))
        commands.append(("FONTNAME", (0, position + 1), (-1, position + 1), BOLD))
    for position in muted:
        commands.append(("FONTNAME", (0, position + 1), (-1, position + 1), ITALIC))
        commands.append(("TEXTCOLOR", (0, position + 1), (-1, position + 1), GREY))
    table.setStyle(TableStyle(commands))
    return table


def _styled(
    markup: str, position: int, strong: Collection[int], muted: Collection[int]
) -> str:
    if position in strong:
        return f"<b>{markup}</b>"
    if position in muted:
        return f'<i><font color="{GREY_HEX}">{markup}</font></i>'
    return markup


def key_values(styles: Styles, pairs: Sequence[tuple[str, str]], width: float) -> Table:
    """Build a two-column table of labels and values without a header."""
    rows = [
        [Paragraph(text(label), styles.cell), Paragraph(text(value), styles.cell)]
        for label, value in pairs
    ]
    table = Table(rows, colWidths=[width * 0.45, width * 0.55])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
