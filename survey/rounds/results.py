"""Indices of a round, optionally weighted by the sizes of the strata it drew from.

Within a unit the strata are the procedure fields of the draw; each field's
population share is its count of dossiers in the frame (kept in
``RoundStratum`` after the frame is purged). The province-wide row pools every
unit, with (unit, field) strata weighted by their share of all dossiers. The
report states for each unit the margin of error its responses achieved.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.counts import UnitCounts, pool
from analysis.indices import IndexConfig, UnitResult, unit_result
from analysis.sampling import achieved_margin
from analysis.structure import structure_from_questionnaire
from analysis.weighting import weighted_result
from survey.models import (
    Agency,
    Answer,
    Response,
    RoundResponse,
    RoundStratum,
    SurveyRound,
)
from survey.questionnaire import from_stored

log = logging.getLogger(__name__)

ALL_UNITS = "ALL"


@dataclass(frozen=True)
class UnitIndices:
    code: str
    name: str
    respondents: int
    population: int | None
    result: UnitResult
    weighted: bool
    # Reason the requested weighting was not applied.
    note: str | None
    margin: float | None


def stratum_counts(
    session: Session, survey_round: SurveyRound
) -> dict[tuple[int, str], UnitCounts]:
    """Count the round's answers by (agency id, field), item and value, in SQL."""
    found: dict[tuple[int, str], UnitCounts] = {}

    def unit(key: tuple[int, str]) -> UnitCounts:
        return found.setdefault(key, UnitCounts(key))

    base = (
        select(RoundResponse.agency_id, RoundResponse.field)
        .join(Response, Response.id == RoundResponse.response_id)
        .where(RoundResponse.round_id == survey_round.id)
    )
    respondents = base.add_columns(
        Response.flagged, Response.is_synthetic, func.count()
    ).group_by(
        RoundResponse.agency_id,
        RoundResponse.field,
        Response.flagged,
        Response.is_synthetic,
    )
    for agency_id, field_name, flagged, synthetic, n in session.execute(respondents):
        counts = unit((agency_id, field_name))
        if flagged:
            counts.flagged += n
            continue
        counts.respondents += n
        if synthetic:
            counts.synthetic += n
    answers = (
        base.add_columns(
            Answer.item_code, Answer.value, Answer.not_applicable, func.count()
        )
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.flagged.is_(False))
        .group_by(
            RoundResponse.agency_id,
            RoundResponse.field,
            Answer.item_code,
            Answer.value,
            Answer.not_applicable,
        )
    )
    for agency_id, field_name, code, value, not_applicable, n in session.execute(
        answers
    ):
        unit((agency_id, field_name)).add_answers(code, value, bool(not_applicable), n)
    return found


def _shares(sizes: dict[Hashable, int]) -> dict[Hashable, Fraction]:
    total = sum(sizes.values())
    return {key: Fraction(size, total) for key, size in sizes.items() if size}


def round_indices(
    session: Session,
    survey_round: SurveyRound,
    weighted: bool,
    config: IndexConfig | None = None,
    visible: set[int] | None = None,
) -> list[UnitIndices]:
    """Compute each unit's indices and a province-wide row pooling all units."""
    config = config or IndexConfig(level=float(survey_round.confidence))
    structure = structure_from_questionnaire(
        from_stored(survey_round.questionnaire_version)
    )
    counts = stratum_counts(session, survey_round)
    sizes = {
        (row.agency_id, row.field): row.population
        for row in session.scalars(
            select(RoundStratum).where(RoundStratum.round_id == survey_round.id)
        )
    }
    agencies = {
        agency.id: agency
        for agency in session.scalars(
            select(Agency).where(
                Agency.id.in_([unit.agency_id for unit in survey_round.units])
            )
        )
    }
    rows = []
    for unit in sorted(survey_round.units, key=lambda u: agencies[u.agency_id].code):
        if visible is not None and unit.agency_id not in visible:
            continue
        agency = agencies[unit.agency_id]
        parts = {k: c for k, c in counts.items() if k[0] == unit.agency_id}
        unit_sizes = {k: n for k, n in sizes.items() if k[0] == unit.agency_id}
        rows.append(
            _row(
                agency.code,
                agency.name,
                unit.population,
                parts,
                unit_sizes,
                weighted,
                structure,
                config,
                survey_round,
            )
        )
    if visible is None:
        rows.append(
            _row(
                ALL_UNITS,
                "Toàn tỉnh (các đơn vị của đợt)",
                sum(sizes.values()) or None,
                counts,
                sizes,
                weighted,
                structure,
                config,
                survey_round,
            )
        )
    return rows


def _row(
    code: str,
    name: str,
    population: int | None,
    parts: dict[tuple[int, str], UnitCounts],
    sizes: dict[tuple[int, str], int],
    weighted: bool,
    structure,
    config: IndexConfig,
    survey_round: SurveyRound,
) -> UnitIndices:
    pooled = pool(code, parts.values())
    respondents = int(pooled.respondents)
    note = None
    result = None
    if weighted and respondents and sizes:
        try:
            result = weighted_result(
                parts, _shares(dict(sizes)), structure, config, code
            ).result
        except ValueError as error:
            note = str(error)
            log.info(
                "round weighting skipped: round=%s unit=%s", survey_round.code, code
            )
    used_weights = result is not None
    if result is None:
        result = unit_result(pooled, structure, config)
    margin = achieved_margin(
        respondents,
        float(survey_round.confidence),
        Decimal(survey_round.expected_index),
        population,
    )
    return UnitIndices(
        code, name, respondents, population, result, used_weights, note, margin
    )
