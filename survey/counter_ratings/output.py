"""A counter-rating report as JSON-ready data, CSV rows or a plain-text table."""

from __future__ import annotations

import csv
import io
from typing import Any, TextIO

from analysis.counter_ratings import (
    CounterSummary,
    TrendPoint,
    as_float,
    display,
    indicator_dict,
    summary_dict,
)
from survey.counter_ratings.service import Report, UnitReport

BANDS_NOTE = (
    "Rating bands are configurable defaults (COUNTER_RATING_BANDS); "
    "no official banding was found."
)


def report_dict(report: Report) -> dict[str, Any]:
    """Return the whole report as JSON-ready data."""
    config = report.config
    return {
        "period": {
            "code": report.period.code,
            "kind": report.period.kind,
            "first_day": report.period.first_day.isoformat(),
            "last_day": report.period.last_day.isoformat(),
            "timezone": report.timezone,
        },
        "questionnaire": report.questionnaire,
        "config": {
            "points": {str(v): as_float(p) for v, p in sorted(config.points.items())},
            "bands": [
                {"minimum": as_float(band.minimum), "label": band.label}
                for band in config.bands
            ],
            "band_basis": config.band_basis,
            "bands_unconfirmed": True,
            "note": BANDS_NOTE,
        },
        "province": {"name": report.province_name, **summary_dict(report.province)},
        "units": [_unit_dict(unit) for unit in report.units],
        "trends": {
            "scope": report.scope,
            "month": [_trend_dict(point) for point in report.months],
            "week": [_trend_dict(point) for point in report.weeks],
        },
    }


def _unit_dict(unit: UnitReport) -> dict[str, Any]:
    return {
        "agency": {"code": unit.agency.code, "name": unit.agency.name},
        **summary_dict(unit.summary),
        "counters": [
            {
                "counter": {"code": item.counter.code, "name": item.counter.name},
                **summary_dict(item.summary),
            }
            for item in unit.counters
        ],
        "weak_indicators": [indicator_dict(score) for score in unit.weak],
    }


def _trend_dict(point: TrendPoint) -> dict[str, Any]:
    summary = point.summary
    return {
        "label": point.label,
        "first_day": point.first_day.isoformat(),
        "last_day": point.last_day.isoformat(),
        "partial": point.partial,
        "status": summary.status,
        "dossiers": as_float(summary.dossiers),
        "total_score": as_float(summary.total),
        "total_score_display": display(summary.total),
        "satisfaction_ratio": as_float(summary.satisfaction),
        "satisfaction_ratio_display": display(summary.satisfaction, 1),
    }


def report_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """Return a header and one row per province, unit and counter, as display text."""
    codes = [indicator.code for indicator in report.indicators]
    header = [
        "period",
        "level",
        "agency",
        "counter",
        "name",
        "dossiers",
        "total_score",
        "maximum",
        "score_percent",
        "very_satisfied_pct",
        "satisfied_pct",
        "not_satisfied_pct",
        "satisfaction_ratio",
        "band",
        *codes,
    ]
    rows = [_row(report, "province", "", "", report.province_name, report.province)]
    for unit in report.units:
        agency = unit.agency
        rows.append(_row(report, "unit", agency.code, "", agency.name, unit.summary))
        for item in unit.counters:
            rows.append(
                _row(
                    report,
                    "counter",
                    agency.code,
                    item.counter.code,
                    item.counter.name,
                    item.summary,
                )
            )
    return header, rows


def _row(
    report: Report,
    level: str,
    agency: str,
    counter: str,
    name: str,
    summary: CounterSummary,
) -> list[str]:
    shares = summary.rating.shares
    return [
        report.period.code,
        level,
        agency,
        counter,
        name,
        str(as_float(summary.dossiers)),
        display(summary.total) or "",
        display(summary.maximum, 0) or "",
        display(summary.score_percent, 1) or "",
        shares.get("very_satisfied", ""),
        shares.get("satisfied", ""),
        shares.get("not_satisfied", ""),
        display(summary.satisfaction, 1) or "",
        summary.band or "",
        *(display(score.mean) or "" for score in summary.indicators),
    ]


def write_csv(report: Report, stream: TextIO) -> None:
    # The byte-order mark lets Excel read the Vietnamese names as UTF-8.
    stream.write("\ufeff")
    header, rows = report_rows(report)
    writer = csv.writer(stream)
    writer.writerow(header)
    writer.writerows(rows)


def text_table(report: Report) -> str:
    """Return the province and unit rows as an aligned plain-text table."""
    header, rows = report_rows(report)
    chosen = [
        "level",
        "agency",
        "counter",
        "dossiers",
        "total_score",
        "maximum",
        "very_satisfied_pct",
        "satisfied_pct",
        "not_satisfied_pct",
        "satisfaction_ratio",
        "band",
    ]
    positions = [header.index(name) for name in chosen]
    cells = [chosen] + [[row[i] or "-" for i in positions] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(chosen))]
    out = io.StringIO()
    out.write(f"Counter ratings {report.period.code} ({report.questionnaire})\n")
    for line in cells:
        padded = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        out.write("  ".join(padded).rstrip() + "\n")
    out.write(
        "total_score = sum of indicator means (points); satisfaction_ratio = % of "
        "dossiers without a 'Không hài lòng' rating; '-' = no data.\n"
    )
    out.write(BANDS_NOTE + "\n")
    return out.getvalue()
