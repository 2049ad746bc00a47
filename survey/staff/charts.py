"""Bar charts drawn as inline SVG on the server: no script, no third-party origin.

Each chart carries role="img" and an aria-label, and the page shows the same
numbers in a table, so a screen reader loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babel.numbers import format_decimal
from flask_babel import get_locale
from markupsafe import Markup, escape

ROW_HEIGHT = 26
LABEL_WIDTH = 230
BAR_WIDTH = 330
VALUE_WIDTH = 110
WIDTH = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    # Text written after the bar, already formatted for the locale.
    text: str
    # Confidence interval drawn as a whisker, on the same scale as value.
    low: float | None = None
    high: float | None = None


def format_count(value: int) -> str:
    """Format a whole number with the locale's grouping, e.g. "1.234" in Vietnamese."""
    return format_decimal(value, locale=str(get_locale() or "vi"))


def _x(value: float, scale_max: float) -> float:
    if scale_max <= 0:
        return float(LABEL_WIDTH)
    return LABEL_WIDTH + BAR_WIDTH * max(0.0, min(value, scale_max)) / scale_max


def bar_chart(
    bars: Sequence[Bar], label: str, scale_max: float | None = None
) -> Markup:
    """Draw one horizontal bar per entry, label on the left and value on the right.

    ``scale_max`` fixes the length of a full bar (100 for indices); by default
    the largest value fills the width.
    """
    top = max([bar.value for bar in bars] + [bar.high or 0 for bar in bars] + [0])
    scale = scale_max if scale_max is not None else top
    height = ROW_HEIGHT * max(len(bars), 1) + 6
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    for index, bar in enumerate(bars):
        parts.append(_bar(bar, index * ROW_HEIGHT + 3, scale))
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar(bar: Bar, y: float, scale: float) -> str:
    middle = y + ROW_HEIGHT / 2
    end = _x(bar.value, scale)
    label = bar.label if len(bar.label) <= 34 else bar.label[:33] + "…"
    pieces = [
        f'<text x="{LABEL_WIDTH - 6}" y="{middle:.1f}" text-anchor="end" '
        f'dominant-baseline="middle" class="chart-label">{escape(label)}</text>',
        f'<rect x="{LABEL_WIDTH}" y="{y + 4:.1f}" width="{end - LABEL_WIDTH:.1f}" '
        f'height="{ROW_HEIGHT - 8}" class="chart-bar"></rect>',
    ]
    if bar.low is not None and bar.high is not None:
        low, high = _x(bar.low, scale), _x(bar.high, scale)
        pieces.append(
            f'<path d="M{low:.1f} {middle:.1f}H{high:.1f}M{low:.1f} {y + 7:.1f}'
            f"V{y + ROW_HEIGHT - 7:.1f}M{high:.1f} {y + 7:.1f}"
            f'V{y + ROW_HEIGHT - 7:.1f}" class="chart-interval"></path>'
        )
    pieces.append(
        f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{middle:.1f}" '
        f'dominant-baseline="middle" class="chart-value">{escape(bar.text)}</text>'
    )
    return "".join(pieces)


def column_chart(
    columns: Sequence[tuple[str, int]], label: str, tick_every: int = 7
) -> Markup:
    """Draw one vertical column per entry (e.g. per day), labelling every Nth one."""
    count = max(len(columns), 1)
    plot_height = 160
    width = max(WIDTH, count * 6)
    step = (width - 60) / count
    top = max([value for _, value in columns] + [1])
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width:.0f} {plot_height + 40}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<text x="0" y="12" class="chart-value">{escape(format_count(top))}</text>',
        f'<line x1="50" y1="{plot_height + 10}" x2="{width:.0f}" '
        f'y2="{plot_height + 10}" class="chart-axis"></line>',
    ]
    for index, (name, value) in enumerate(columns):
        x = 55 + index * step
        bar_height = plot_height * value / top
        parts.append(
            f'<rect x="{x:.1f}" y="{plot_height + 10 - bar_height:.1f}" '
            f'width="{max(step - 1, 1):.1f}" height="{bar_height:.1f}" '
            f'class="chart-bar"><title>{escape(name)}: '
            f"{escape(format_count(value))}</title></rect>"
        )
        if index % tick_every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{plot_height + 28}" '
                f'class="chart-label">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def format_change(value: float | None, digits: int = 1) -> str:
    """Format a signed difference in index points, e.g. "+2,1" in Vietnamese."""
    if value is None:
        return "–"
    pattern = "+#,##0.{0};-#,##0.{0}".format("0" * digits)
    return format_decimal(
        round(value, digits), format=pattern, locale=str(get_locale() or "vi")
    )
