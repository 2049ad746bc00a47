"""Horizontal bar charts of indices on the 0-100 scale, drawn as reportlab shapes.

Each bar ends at the index; a thin whisker shows its confidence interval when
there is one. Rows without a value print their label and a note instead of a bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from analysis.report.fonts import ITALIC, REGULAR, printable

BAR = colors.HexColor("#2e75b6")
BAR_MUTED = colors.HexColor("#b4c7dc")
WHISKER = colors.HexColor("#203864")
GRID = colors.HexColor("#d9d9d9")


@dataclass(frozen=True)
class Bar:
    label: str
    # Index on the 0-100 scale, or None when the unit has no value.
    value: float | None
    # Printed at the end of the bar (already formatted), or as the note when
    # there is no value.
    caption: str
    low: float | None = None
    high: float | None = None
    # A muted bar marks an index below the minimum sample.
    muted: bool = False


def bar_chart(
    bars: Sequence[Bar],
    width: float,
    *,
    row_height: float = 13,
    font_size: float = 7.5,
    label_share: float = 0.42,
) -> Drawing:
    """Return a drawing of ``bars``, one row each, with a 0-100 axis below."""
    label_width = width * label_share
    caption_width = 70
    plot_width = width - label_width - caption_width
    axis_height = 14
    height = row_height * len(bars) + axis_height
    drawing = Drawing(width, height, initialFontName=REGULAR)

    def x_of(value: float) -> float:
        return label_width + plot_width * max(0.0, min(value, 100.0)) / 100

    for tick in range(0, 101, 20):
        x = x_of(tick)
        drawing.add(Line(x, axis_height, x, height, strokeColor=GRID, strokeWidth=0.4))
        drawing.add(
            String(
                x,
                axis_height - 9,
                str(tick),
                fontName=REGULAR,
                fontSize=font_size - 1,
                textAnchor="middle",
            )
        )
    for row, bar in enumerate(bars):
        _draw_row(drawing, bar, row, height, row_height, font_size, label_width, x_of)
    return drawing


def _draw_row(
    drawing: Drawing,
    bar: Bar,
    row: int,
    height: float,
    row_height: float,
    font_size: float,
    label_width: float,
    x_of: Callable[[float], float],
) -> None:
    top = height - (row + 1) * row_height
    baseline = top + (row_height - font_size) / 2 + 1
    label = _fit(printable(bar.label), label_width - 4, font_size)
    drawing.add(String(0, baseline, label, fontName=REGULAR, fontSize=font_size))
    if bar.value is None:
        drawing.add(
            String(
                label_width + 2,
                baseline,
                printable(bar.caption),
                fontName=ITALIC,
                fontSize=font_size,
            )
        )
        return
    start = x_of(0)
    end = x_of(bar.value)
    drawing.add(
        Rect(
            start,
            top + 2,
            end - start,
            row_height - 4,
            fillColor=BAR_MUTED if bar.muted else BAR,
            strokeColor=None,
        )
    )
    if bar.low is not None and bar.high is not None:
        middle = top + row_height / 2
        low, high = x_of(bar.low), x_of(bar.high)
        drawing.add(
            Line(low, middle, high, middle, strokeColor=WHISKER, strokeWidth=0.8)
        )
        for x in (low, high):
            drawing.add(
                Line(
                    x,
                    middle - 2.5,
                    x,
                    middle + 2.5,
                    strokeColor=WHISKER,
                    strokeWidth=0.8,
                )
            )
    drawing.add(
        String(
            x_of(100) + 4,
            baseline,
            printable(bar.caption),
            fontName=REGULAR,
            fontSize=font_size,
        )
    )


def _fit(label: str, width: float, font_size: float) -> str:
    """Shorten ``label`` with an ellipsis until it fits ``width`` points."""
    if stringWidth(label, REGULAR, font_size) <= width:
        return label
    while label and stringWidth(label + "…", REGULAR, font_size) > width:
        label = label[:-1]
    return label.rstrip() + "…"
