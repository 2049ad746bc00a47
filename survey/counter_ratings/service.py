"""Counter-rating reports: stored agencies and settings joined to the summaries.

The command line, the API, the staff page and the PDF all build their figures
with ``build_report``, so they show the same numbers for the same request.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from analysis import counter_ratings as cr
from analysis.counter_ratings import (
    CounterSummary,
    Indicator,
    RatingConfig,
    RatingError,
    ReportPeriod,
    TrendPoint,
)
from survey.models import Agency, Counter, QuestionnaireVersion
from survey.questionnaire import from_stored

log = logging.getLogger(__name__)

# Rows of the "weak indicators" table shown per unit.
WEAK_LIMIT = 5


class ReportRequestError(ValueError):
    """Raised when a requested period, agency or setting is invalid."""


class ReportNotFound(ReportRequestError):
    """Raised when the requested agency or the questionnaire is not stored."""


def config_from_settings(settings: Mapping[str, Any]) -> RatingConfig:
    """Build the rating configuration from the app's COUNTER_RATING_* settings."""
    try:
        return RatingConfig(
            points=cr.parse_points(settings["COUNTER_RATING_POINTS"]),
            bands=cr.parse_bands(settings["COUNTER_RATING_BANDS"]),
            band_basis=settings["COUNTER_RATING_BAND_BASIS"],
        )
    except RatingError as error:
        raise ReportRequestError(
            f"invalid COUNTER_RATING_* setting: {error}"
        ) from error


@dataclass(frozen=True)
class CounterReport:
    counter: Counter
    summary: CounterSummary


@dataclass(frozen=True)
class UnitReport:
    agency: Agency
    summary: CounterSummary
    counters: list[CounterReport]
    # Indicators ranked by shortfall from their maximum, largest first.
    weak: list[cr.IndicatorScore]


@dataclass(frozen=True)
class Report:
    period: ReportPeriod
    timezone: str
    questionnaire: str
    config: RatingConfig
    indicators: tuple[Indicator, ...]
    # The province as a whole: every agency's ratings pooled.
    province: CounterSummary
    province_name: str
    units: list[UnitReport]
    # Trends of the scope: the one requested agency, or the province.
    scope: str
    months: list[TrendPoint]
    weeks: list[TrendPoint]


def _versions(session: Session, key: str) -> list[QuestionnaireVersion]:
    versions = list(
        session.scalars(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.key == key)
            .order_by(QuestionnaireVersion.version)
        )
    )
    if not versions:
        raise ReportNotFound(
            f"questionnaire '{key}' not found: "
            "load it with `survey load questionnaires`"
        )
    return versions


def _units(session: Session, period: ReportPeriod, code: str | None) -> list[Agency]:
    """Return the agencies that existed on some day of the period, or the one asked."""
    query = select(Agency).where(
        Agency.kind != "province",
        Agency.valid_from <= period.last_day,
        or_(Agency.valid_to.is_(None), Agency.valid_to >= period.first_day),
    )
    if code is not None:
        agency = session.scalar(select(Agency).where(Agency.code == code))
        if agency is None or agency.kind == "province":
            raise ReportNotFound(f"agency '{code}' not found")
        query = query.where(Agency.id == agency.id)
    return list(session.scalars(query.order_by(Agency.ranking_group, Agency.code)))


def _province_name(session: Session) -> str:
    name = session.scalar(select(Agency.name).where(Agency.kind == "province"))
    return name or "Toàn tỉnh"


def build_report(
    session: Session,
    period_code: str,
    settings: Mapping[str, Any],
    agency_code: str | None = None,
    visible: Collection[int] | None = None,
) -> Report:
    """Summarise the counter ratings of a quarter or month.

    ``visible`` limits the units to these agency ids (None: all). The province
    figures always pool every agency, because they are published aggregates.
    Raises ReportRequestError for an invalid period, agency or setting.
    """
    try:
        period = cr.parse_period(period_code)
    except RatingError as error:
        raise ReportRequestError(str(error)) from error
    config = config_from_settings(settings)
    key = settings["COUNTER_RATING_QUESTIONNAIRE"]
    versions = _versions(session, key)
    latest = from_stored(versions[-1])
    # NOTE: every version of the form is read and the indicators come from the
    # newest one, which is right while versions keep the item codes and points.
    indicators = cr.indicators_from_questionnaire(latest)
    units = _units(session, period, agency_code)
    if visible is not None:
        units = [unit for unit in units if unit.id in visible]
    selection = cr.RatingSelection(
        tuple(version.id for version in versions), period, settings["TIMEZONE"]
    )
    codes = [indicator.code for indicator in indicators] + [config.rating_item]
    try:
        cells = cr.count_ratings(session, selection, codes)
        monthly = cr.count_ratings(session, selection, codes, cr.MONTH, False)
        weekly = cr.count_ratings(session, selection, codes, cr.WEEK, False)
    except RatingError as error:
        raise ReportRequestError(str(error)) from error
    province = cr.summarise(cr.pool_cells(cells, "province"), indicators, config)
    unit_reports = [_unit_report(unit, cells, indicators, config) for unit in units]
    scope_ids = None if agency_code is None else [unit.id for unit in units]
    log.info(
        "counter-rating report built: period=%s agency=%s units=%s",
        period.code,
        agency_code or "all",
        len(unit_reports),
    )
    return Report(
        period=period,
        timezone=settings["TIMEZONE"],
        questionnaire=latest.label,
        config=config,
        indicators=indicators,
        province=province,
        province_name=_province_name(session),
        units=unit_reports,
        scope=agency_code or "province",
        months=cr.trend(monthly, period, cr.MONTH, indicators, config, scope_ids),
        weeks=cr.trend(weekly, period, cr.WEEK, indicators, config, scope_ids),
    )


def _unit_report(
    agency: Agency,
    cells: Mapping[cr.CellKey, Any],
    indicators: tuple[Indicator, ...],
    config: RatingConfig,
) -> UnitReport:
    summary = cr.summarise(
        cr.pool_cells(cells, agency.code, [agency.id]), indicators, config
    )
    counters = [
        CounterReport(
            counter,
            cr.summarise(
                cr.pool_cells(cells, counter.code, [agency.id], counter.id),
                indicators,
                config,
            ),
        )
        for counter in agency.counters
    ]
    return UnitReport(
        agency, summary, counters, cr.weak_indicators(summary, WEAK_LIMIT)
    )
