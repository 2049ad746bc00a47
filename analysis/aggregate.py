"""SQL that turns stored answers into counts and sums: the only module reading the DB.

Every query groups inside the database and returns a number of rows bounded by
agencies × items × option values, never one row per response, so memory does not
grow with the number of responses. The queries use SQLAlchemy Core over
lightweight table descriptions and run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import (
    Boolean,
    Float,
    Integer,
    String,
    case,
    cast,
    column,
    func,
    not_,
    select,
    table,
    text,
    values,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from analysis.counts import InfluenceSums, UnitCounts
from analysis.structure import IndexStructure

log = logging.getLogger(__name__)

# The columns this module reads; survey.models defines the full tables.
responses = table(
    "responses",
    column("id", Integer),
    column("agency_id", Integer),
    column("period_id", Integer),
    column("questionnaire_version_id", Integer),
    column("channel", String),
    column("flagged", Boolean),
    column("is_synthetic", Boolean),
)
answers = table(
    "answers",
    column("response_id", Integer),
    column("item_code", String),
    column("value", Integer),
    column("not_applicable", Boolean),
)

# Response columns that ``count_answers`` can split the counts by.
STRATA = ("channel",)

Database = Session | Connection


@dataclass(frozen=True)
class Selection:
    """The responses that are analysed together.

    Item codes mean different things in different questionnaires, so indices
    should always be computed over one questionnaire version; None takes the
    responses of every version.
    """

    period_id: int
    questionnaire_version_id: int | None = None

    def conditions(self, agency_ids: Collection[int]) -> list[ColumnElement[bool]]:
        found = [
            responses.c.period_id == self.period_id,
            responses.c.agency_id.in_(sorted(agency_ids)),
        ]
        if self.questionnaire_version_id is not None:
            found.append(
                responses.c.questionnaire_version_id == self.questionnaire_version_id
            )
        return found


def _check_agencies(agency_ids: Collection[int]) -> list[int]:
    ids = sorted(set(agency_ids))
    if not ids:
        raise ValueError("agency_ids is empty: pass at least one agency id")
    return ids


def count_answers(
    db: Database,
    selection: Selection,
    agency_ids: Collection[int],
    stratum: str | None = None,
) -> dict[Hashable, UnitCounts]:
    """Count the answers of each selected agency by item and option value.

    Flagged responses are left out of the answer counts and counted in
    ``UnitCounts.flagged``. Every requested agency gets an entry, with zero
    respondents when it has no responses. With ``stratum`` (one of ``STRATA``)
    the keys are (agency id, stratum value) pairs and only strata that occur
    are present.
    """
    ids = _check_agencies(agency_ids)
    if stratum is not None and stratum not in STRATA:
        raise ValueError(f"stratum={stratum!r} is invalid: use one of {STRATA}")
    split = [responses.c[stratum]] if stratum else []

    def key(agency_id: int, rest: Sequence[object]) -> Hashable:
        return (agency_id, rest[0]) if stratum else agency_id

    units: dict[Hashable, UnitCounts] = {}
    if stratum is None:
        units = {agency_id: UnitCounts(agency_id) for agency_id in ids}

    def unit(unit_key: Hashable) -> UnitCounts:
        return units.setdefault(unit_key, UnitCounts(unit_key))

    respondents = (
        select(
            responses.c.agency_id,
            *split,
            responses.c.flagged,
            responses.c.is_synthetic,
            func.count().label("n"),
        )
        .where(*selection.conditions(ids))
        .group_by(
            responses.c.agency_id, *split, responses.c.flagged, responses.c.is_synthetic
        )
    )
    for row in db.execute(respondents):
        agency_id, *rest = row[: 1 + len(split)]
        flagged, synthetic, n = row[-3:]
        counts = unit(key(agency_id, rest))
        if flagged:
            counts.flagged += n
            continue
        counts.respondents += n
        if synthetic:
            counts.synthetic += n

    grouped = (
        select(
            responses.c.agency_id,
            *split,
            answers.c.item_code,
            answers.c.value,
            answers.c.not_applicable,
            func.count().label("n"),
        )
        .select_from(answers.join(responses, answers.c.response_id == responses.c.id))
        .where(*selection.conditions(ids), not_(responses.c.flagged))
        .group_by(
            responses.c.agency_id,
            *split,
            answers.c.item_code,
            answers.c.value,
            answers.c.not_applicable,
        )
    )
    for row in db.execute(grouped):
        agency_id, *rest = row[: 1 + len(split)]
        item_code, value, not_applicable, n = row[-4:]
        unit(key(agency_id, rest)).add_answers(
            item_code, value, bool(not_applicable), n
        )
    log.debug(
        "counted answers of %s agencies in period %s", len(ids), selection.period_id
    )
    return units


# One row of ``analysis.indices.influence_coefficients``:
# (item code, option value, element position, contribution).
CoefficientRow = tuple[str, int, int, float]
UnitKey = TypeVar("UnitKey", bound=Hashable)


def influence_sums(
    db: Database,
    selection: Selection,
    units: Mapping[UnitKey, Collection[int]],
    coefficients: Mapping[UnitKey, Sequence[CoefficientRow]],
    elements: Sequence[str],
) -> dict[UnitKey, InfluenceSums]:
    """Sum the products of per-respondent influence values, by unit.

    ``units`` maps each unit to its agency ids (one agency, or several pooled),
    ``coefficients`` gives each unit's rows from
    ``analysis.indices.influence_coefficients``. The database computes each
    respondent's influence value u_e for every element (the sum of the
    contributions of its answers) and then, per unit, Σ u_e · u_f for every pair
    of elements. Nothing per respondent leaves the database.
    """
    unit_keys = list(units)
    agency_unit: dict[int, int] = {}
    for number, unit_key in enumerate(unit_keys):
        for agency_id in units[unit_key]:
            if agency_id in agency_unit:
                raise ValueError(f"agency {agency_id} is in more than one unit")
            agency_unit[agency_id] = number
    result = {
        unit_key: InfluenceSums(
            tuple(elements), tuple((0.0,) * len(elements) for _ in elements)
        )
        for unit_key in unit_keys
    }
    rows = [
        (agency_id, number, item_code, value, position, contribution)
        for agency_id, number in agency_unit.items()
        for item_code, value, position, contribution in coefficients.get(
            unit_keys[number], ()
        )
    ]
    if not rows:
        return result
    coef = values(
        column("agency_id", Integer),
        column("unit", Integer),
        column("item_code", String),
        column("value", Integer),
        column("element", Integer),
        column("contribution", Float),
        name="coef",
        literal_binds=True,
    ).data(rows)
    coef_cte = coef.cte("coef")
    contribution = cast(coef_cte.c.contribution, Float)
    per_response = (
        select(
            coef_cte.c.unit,
            *(
                func.sum(
                    case((coef_cte.c.element == position, contribution), else_=0.0)
                ).label(f"u{position}")
                for position in range(len(elements))
            ),
        )
        .select_from(
            answers.join(responses, answers.c.response_id == responses.c.id).join(
                coef_cte,
                (coef_cte.c.agency_id == responses.c.agency_id)
                & (coef_cte.c.item_code == answers.c.item_code)
                & (coef_cte.c.value == answers.c.value),
            )
        )
        .where(
            *selection.conditions(agency_unit),
            not_(responses.c.flagged),
            not_(answers.c.not_applicable),
        )
        .group_by(responses.c.id, coef_cte.c.unit)
        .subquery("per_response")
    )
    pairs = [
        (first, second)
        for first in range(len(elements))
        for second in range(first, len(elements))
    ]
    products = select(
        per_response.c.unit,
        *(
            func.sum(per_response.c[f"u{first}"] * per_response.c[f"u{second}"])
            for first, second in pairs
        ),
    ).group_by(per_response.c.unit)
    with _joins_in_written_order(db):
        found = db.execute(products).all()
    for row in found:
        matrix = [[0.0] * len(elements) for _ in elements]
        for (first, second), total in zip(pairs, row[1:], strict=True):
            matrix[first][second] = matrix[second][first] = float(total or 0.0)
        result[unit_keys[row[0]]] = InfluenceSums(
            tuple(elements), tuple(tuple(line) for line in matrix)
        )
    return result


@contextmanager
def _joins_in_written_order(db: Database) -> Iterator[None]:
    """Make PostgreSQL join the tables in the order the query writes them.

    The planner has no statistics for an inline VALUES list and guesses that
    joining it to the answers first is selective, when it multiplies the
    answers by the number of agencies. Joining answers to responses first, as
    written, avoids that. The setting is restored afterwards; other databases
    are left alone.
    """
    dialect = db.get_bind().dialect if isinstance(db, Session) else db.dialect
    if dialect.name != "postgresql":
        yield
        return
    previous = db.execute(
        text("SELECT current_setting('join_collapse_limit')")
    ).scalar()
    db.execute(text("SELECT set_config('join_collapse_limit', '1', true)"))
    try:
        yield
    finally:
        db.execute(
            text("SELECT set_config('join_collapse_limit', :value, true)"),
            {"value": previous},
        )


@dataclass(frozen=True)
class ElementMoments:
    """Sums over respondents who gave a valid answer to every criterion of an element.

    ``item_sums[j]`` and ``item_squares[j]`` are Σ x_j and Σ x_j² of the j-th
    criterion; ``total_sum`` and ``total_squares`` are Σ T and Σ T² of the
    respondent's total score T = Σ_j x_j.
    """

    element: str
    respondents: int
    item_sums: tuple[float, ...]
    item_squares: tuple[float, ...]
    total_sum: float
    total_squares: float


def element_moments(
    db: Database,
    selection: Selection,
    agency_ids: Collection[int],
    structure: IndexStructure,
) -> dict[str, ElementMoments]:
    """Return, per element, the sums that Cronbach's alpha needs (listwise deletion).

    The agencies are pooled. Respondents with an N/A, blank or invalid answer to
    any criterion of the element are left out of that element.
    """
    ids = _check_agencies(agency_ids)
    mapping_rows = [
        (criterion.code, value, number, position, len(element.criteria))
        for number, element in enumerate(structure.elements)
        for position, criterion in enumerate(element.criteria)
        for value in sorted(criterion.values)
    ]
    width = max((len(element.criteria) for element in structure.elements), default=0)
    if width == 0:
        return {}
    mapping = (
        values(
            column("item_code", String),
            column("value", Integer),
            column("element", Integer),
            column("position", Integer),
            column("size", Integer),
            name="criteria",
            literal_binds=True,
        )
        .data(mapping_rows)
        .cte("criteria")
    )
    score = cast(answers.c.value, Float)
    per_response = (
        select(
            mapping.c.element,
            func.max(mapping.c.size).label("size"),
            func.count().label("answered"),
            func.sum(score).label("total"),
            *(
                func.max(case((mapping.c.position == j, score))).label(f"x{j}")
                for j in range(width)
            ),
        )
        .select_from(
            answers.join(responses, answers.c.response_id == responses.c.id).join(
                mapping,
                (mapping.c.item_code == answers.c.item_code)
                & (mapping.c.value == answers.c.value),
            )
        )
        .where(
            *selection.conditions(ids),
            not_(responses.c.flagged),
            not_(answers.c.not_applicable),
        )
        .group_by(responses.c.id, mapping.c.element)
        .subquery("per_response")
    )
    x = [per_response.c[f"x{j}"] for j in range(width)]
    sums = (
        select(
            per_response.c.element,
            func.count().label("respondents"),
            func.sum(per_response.c.total),
            func.sum(per_response.c.total * per_response.c.total),
            *(func.sum(column_) for column_ in x),
            *(func.sum(column_ * column_) for column_ in x),
        )
        .where(per_response.c.answered == per_response.c.size)
        .group_by(per_response.c.element)
    )
    found = {}
    for row in db.execute(sums):
        element = structure.elements[row[0]]
        size = len(element.criteria)
        item_sums = row[4 : 4 + width][:size]
        item_squares = row[4 + width : 4 + 2 * width][:size]
        found[element.code] = ElementMoments(
            element.code,
            int(row[1]),
            tuple(float(v) for v in item_sums),
            tuple(float(v) for v in item_squares),
            float(row[2]),
            float(row[3]),
        )
    return found
