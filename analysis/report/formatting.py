"""Numbers, dates and notes as a Vietnamese reader expects them in a report.

Indices are rounded once, by ``analysis.indices.format_number`` (exact, half away
from zero), exactly as the dashboard and the exports round them; Babel then only
changes the separators, so a report shows the same digits as every other output.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from babel.dates import format_date
from babel.numbers import format_decimal

from analysis.counts import Count
from analysis.indices import INSUFFICIENT, INTERVAL_N_BELOW_2, NO_DATA, Estimate
from analysis.indices import format_count as analysis_count
from analysis.indices import format_number as analysis_number

LOCALE = "vi"
# Printed where a value does not exist, e.g. an interval with n < 2.
DASH = "–"


def localise(display: str) -> str:
    """Rewrite a number already rounded by ``analysis`` with Vietnamese separators.

    "85.30" becomes "85,30" and "1234.5" becomes "1.234,5"; the digits never change.
    """
    decimals = len(display.partition(".")[2])
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(
        Decimal(display), format=pattern, locale=LOCALE, decimal_quantization=False
    )


def number(value: Fraction | int | float, decimals: int = 2) -> str:
    """Round ``value`` the way ``analysis`` does and print it in Vietnamese."""
    return localise(analysis_number(Fraction(value), decimals))


def count(value: Count) -> str:
    """Print a count: 1.000.000 for whole numbers, one decimal for weighted counts."""
    return localise(analysis_count(value))


def index(estimate: Estimate, decimals: int = 2) -> str:
    """Print an index, or "không có dữ liệu" when it has no value."""
    if estimate.value is None:
        return "không có dữ liệu"
    return localise(estimate.display(decimals))


def interval(estimate: Estimate) -> str:
    """Print the confidence interval as "80,12–88,40", or a dash without one."""
    if estimate.interval is None:
        return DASH
    low = number(Fraction(estimate.interval.low))
    high = number(Fraction(estimate.interval.high))
    return f"{low}–{high}"


def day(value: date) -> str:
    """Print a date as 04/12/2026."""
    return format_date(value, format="dd/MM/yyyy", locale=LOCALE)


def notes(estimate: Estimate, min_sample: int) -> list[str]:
    """Return the Vietnamese remarks a reader needs beside an index."""
    found = []
    if estimate.status == NO_DATA:
        return [f"Không có dữ liệu (n = {count(estimate.n)})"]
    if estimate.status == INSUFFICIENT:
        found.append(f"Chưa đủ mẫu (n = {count(estimate.n)} < {count(min_sample)})")
    if estimate.interval_note == INTERVAL_N_BELOW_2:
        found.append("Không xác định khoảng tin cậy (n < 2)")
    elif estimate.interval_note:
        found.append("Chưa tính khoảng tin cậy")
    return found
