"""SQL that turns stored answers and response summaries into counts and sums.

This is the only module of the package that reads the database.

Every query groups inside the database and returns a number of rows bounded by
agencies × items × option values, never one row per response, so memory does not
grow with the number of responses. The queries use SQLAlchemy Core over
lightweight table descriptions and run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
import logging
import operator
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    Float,
    Integer,
    String,
    Text,
    and_,
    case,
    cast,
    column,
    func,
    literal_column,
    not_,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Subquery

from analysis.counts import InfluenceSums, UnitCounts
from analysis.structure import IndexStructure
from analysis.summary import ALPHABET, MAX_VALUE

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
    column("criteria_values", Text),
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


class _IndexedSummary(FunctionElement[Any]):
    """``responses.criteria_values`` as ``_CharacterCode`` reads it.

    PostgreSQL gets bytea, any other database the text itself.
    """

    inherit_cache = True
    name = "indexed_summary"


@compiles(_IndexedSummary)
def _compile_summary_text(element: _IndexedSummary, compiler: Any, **kw: Any) -> str:
    (summary,) = element.clauses.clauses
    return str(compiler.process(summary, **kw))


@compiles(_IndexedSummary, "postgresql")
def _compile_summary_bytes(element: _IndexedSummary, compiler: Any, **kw: Any) -> str:
    # substr() on UTF-8 text counts characters from the start on every call,
    # while get_byte() on bytea reads one byte; the summary is plain ASCII.
    (summary,) = element.clauses.clauses
    return f"convert_to({compiler.process(summary, **kw)}, 'UTF8')"


class _CharacterCode(FunctionElement[int]):
    """The code of the summary character at a 0-based offset.

    NULL for a NULL summary. Past the end of the summary SQLite returns NULL and
    PostgreSQL raises an error. A summary has one character per criterion of its
    questionnaire version, so the offsets of that version stay inside it.
    """

    type = Integer()
    inherit_cache = True
    name = "character_code"

    def __init__(self, summary: ColumnElement[Any], offset: int) -> None:
        self.offset = offset
        # The offset is also a clause, so that it is part of the cache key.
        super().__init__(summary, literal_column(str(offset)))


@compiles(_CharacterCode)
def _compile_code_sqlite(element: _CharacterCode, compiler: Any, **kw: Any) -> str:
    summary = compiler.process(element.clauses.clauses[0], **kw)
    return f"unicode(substr({summary}, {element.offset + 1}, 1))"


@compiles(_CharacterCode, "postgresql")
def _compile_code_postgresql(element: _CharacterCode, compiler: Any, **kw: Any) -> str:
    summary = compiler.process(element.clauses.clauses[0], **kw)
    return f"get_byte({summary}, {element.offset})"


def _character_code(value: int, criterion: str) -> int:
    """Return the code of the summary character of a criterion's option value."""
    if not 0 <= value <= MAX_VALUE:
        raise ValueError(
            f"option value {value} of criterion {criterion!r} is outside "
            f"0-{MAX_VALUE}: criteria_values cannot store it"
        )
    return ord(ALPHABET[value])


def _require_version(selection: Selection) -> None:
    if selection.questionnaire_version_id is None:
        raise ValueError(
            "selection.questionnaire_version_id is None: criteria_values has one "
            "character per criterion of its own version, so select one version"
        )


def _summaries(selection: Selection, agency_ids: Collection[int]) -> Subquery:
    """Select the agency and summary of every unflagged selected response.

    OFFSET 0 keeps the database from merging this subquery into the one reading
    it; merged, PostgreSQL would convert the summary to bytea once per criterion.
    """
    return (
        select(
            responses.c.agency_id,
            _IndexedSummary(responses.c.criteria_values).label("summary"),
        )
        .where(*selection.conditions(agency_ids), not_(responses.c.flagged))
        .offset(0)
        .subquery("summaries")
    )


def influence_sums(
    db: Database,
    selection: Selection,
    units: Mapping[UnitKey, Collection[int]],
    coefficients: Mapping[UnitKey, Sequence[CoefficientRow]],
    structure: IndexStructure,
) -> dict[UnitKey, InfluenceSums]:
    """Sum the products of per-respondent influence values, by unit.

    ``units`` maps each unit to its agency ids (one agency, or several pooled),
    ``coefficients`` gives each unit's rows from
    ``analysis.indices.influence_coefficients`` for ``structure``. The database
    reads each response's ``criteria_values`` once, adds up the contributions of
    its criterion answers into the influence value u_e of every element, and
    sums u_e · u_f per unit for every pair of elements. The answers table is not
    read, and nothing per respondent leaves the database.

    Raises ValueError when the selection has no questionnaire version, or when
    a selected response has no ``criteria_values``.
    """
    _require_version(selection)
    unit_keys = list(units)
    agency_unit = _unit_numbers(units)
    elements = tuple(element.code for element in structure.elements)
    result = {
        unit_key: InfluenceSums(
            elements, tuple((0.0,) * len(elements) for _ in elements)
        )
        for unit_key in unit_keys
    }
    columns = _contribution_columns(structure, coefficients)
    if not agency_unit or not columns:
        return result
    coefficient_table = _coefficient_table(
        agency_unit, unit_keys, coefficients, structure, columns
    )
    per_response = _influence_values(
        selection, agency_unit, structure, coefficient_table, columns
    )
    pairs = [
        (first, second)
        for first in range(len(elements))
        for second in range(first, len(elements))
    ]
    products = select(
        per_response.c.unit,
        func.sum(per_response.c.missing),
        *(
            func.sum(per_response.c[f"u{first}"] * per_response.c[f"u{second}"])
            for first, second in pairs
        ),
    ).group_by(per_response.c.unit)
    for row in db.execute(products):
        unit_key = unit_keys[row[0]]
        if row[1]:
            raise ValueError(
                f"{row[1]} selected responses of unit {unit_key!r} have no "
                "criteria_values: run `survey db upgrade`, which fills it in"
            )
        matrix = [[0.0] * len(elements) for _ in elements]
        for (first, second), total in zip(pairs, row[2:], strict=True):
            matrix[first][second] = matrix[second][first] = float(total or 0.0)
        result[unit_key] = InfluenceSums(
            elements, tuple(tuple(line) for line in matrix)
        )
    return result


def _unit_numbers(units: Mapping[UnitKey, Collection[int]]) -> dict[int, int]:
    """Map each agency id to the position of its unit in ``units``."""
    agency_unit: dict[int, int] = {}
    for number, unit_key in enumerate(units):
        for agency_id in units[unit_key]:
            if agency_id in agency_unit:
                raise ValueError(f"agency {agency_id} is in more than one unit")
            agency_unit[agency_id] = number
    return agency_unit


def _contribution_columns(
    structure: IndexStructure,
    coefficients: Mapping[UnitKey, Sequence[CoefficientRow]],
) -> dict[tuple[int, int], str]:
    """Name a coefficient column for each (criterion position, option value) used."""
    positions = {code: number for number, code in enumerate(structure.criterion_codes)}
    element_of = {
        criterion.code: number
        for number, element in enumerate(structure.elements)
        for criterion in element.criteria
    }
    found = set()
    for rows in coefficients.values():
        for code, value, element, _ in rows:
            if code not in positions:
                raise ValueError(
                    f"coefficient of {code!r}: not a criterion of {structure.key}"
                )
            if element != element_of[code]:
                raise ValueError(
                    f"coefficient of {code!r} names element {element}, but the "
                    f"criterion is in element {element_of[code]} of {structure.key}"
                )
            _character_code(value, code)
            found.add((positions[code], value))
    return {key: f"c{key[0]}_{key[1]}" for key in sorted(found)}


def _coefficient_table(
    agency_unit: Mapping[int, int],
    unit_keys: Sequence[UnitKey],
    coefficients: Mapping[UnitKey, Sequence[CoefficientRow]],
    structure: IndexStructure,
    columns: Mapping[tuple[int, int], str],
) -> Subquery:
    """Select one row per agency: its unit number and every contribution.

    The rows are SQL text made of numbers only: as SQLAlchemy literal
    expressions, 40 agencies × 110 contributions took 0.7 s to compile. Each
    contribution is cast to FLOAT, because PostgreSQL reads a decimal literal
    as NUMERIC and would then do the arithmetic in NUMERIC.
    """
    positions = {code: number for number, code in enumerate(structure.criterion_codes)}
    names = ["agency_id", "unit", *columns.values()]
    rows: list[str] = []
    for agency_id, number in agency_unit.items():
        contributions = {
            (positions[code], value): contribution
            for code, value, _, contribution in coefficients.get(unit_keys[number], ())
        }
        cells = [
            str(int(agency_id)),
            str(number),
            *(
                f"CAST({float(contributions.get(key, 0.0))!r} AS FLOAT)"
                for key in columns
            ),
        ]
        rows.append(f"({', '.join(cells)})")
    # Both databases name the columns of a VALUES list column1, column2, …
    labels = ", ".join(
        f"column{number} AS {name}" for number, name in enumerate(names, start=1)
    )
    query = text(
        f"SELECT {labels} FROM (VALUES {', '.join(rows)}) AS coefficient_rows"
    ).columns(
        column("agency_id", Integer),
        column("unit", Integer),
        *(column(name, Float) for name in columns.values()),
    )
    return query.subquery("coefficients")


def _influence_values(
    selection: Selection,
    agency_unit: Mapping[int, int],
    structure: IndexStructure,
    coefficient_table: Subquery,
    columns: Mapping[tuple[int, int], str],
) -> Subquery:
    """Select the unit and u_e of every element for each selected response.

    u_e = Σ over the element's criteria of the contribution of the answer, a
    CASE on the summary character; N/A, blank and invalid answers add 0.
    ``missing`` is 1 for a response without a summary. OFFSET 0 keeps the
    database from computing each u_e again for every product that uses it.
    """
    summaries = _summaries(selection, agency_unit)
    zero = cast(literal_column("0"), Float)
    values_of: dict[int, list[int]] = {}
    for position, value in columns:
        values_of.setdefault(position, []).append(value)
    positions = {code: number for number, code in enumerate(structure.criterion_codes)}
    influence = []
    for number, element in enumerate(structure.elements):
        terms = [
            case(
                {
                    _character_code(value, criterion.code): coefficient_table.c[
                        columns[(positions[criterion.code], value)]
                    ]
                    for value in values_of[positions[criterion.code]]
                },
                value=_CharacterCode(summaries.c.summary, positions[criterion.code]),
                else_=zero,
            )
            for criterion in element.criteria
            if positions[criterion.code] in values_of
        ]
        total = functools.reduce(operator.add, terms) if terms else zero
        influence.append(total.label(f"u{number}"))
    return (
        select(
            coefficient_table.c.unit,
            case((summaries.c.summary.is_(None), 1), else_=0).label("missing"),
            *influence,
        )
        .select_from(
            summaries.join(
                coefficient_table,
                coefficient_table.c.agency_id == summaries.c.agency_id,
            )
        )
        .offset(0)
        .subquery("per_response")
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
    any criterion of the element are left out of that element, and an element
    that no respondent answered completely is left out of the result. The
    scores come from ``responses.criteria_values``, in one pass over the
    responses.
    """
    ids = _check_agencies(agency_ids)
    _require_version(selection)
    if not structure.criterion_codes:
        return {}
    scores = _criterion_scores(selection, ids, structure)
    sums: list[ColumnElement[Any]] = []
    offset = 0
    for element in structure.elements:
        x = [scores.c[f"x{offset + j}"] for j in range(len(element.criteria))]
        offset += len(element.criteria)
        if x:
            sums += _moment_sums(x)
    row = db.execute(select(*sums)).one()
    found = {}
    start = 0
    for element in structure.elements:
        size = len(element.criteria)
        if not size:
            continue
        cells = [
            0 if cell is None else cell for cell in row[start : start + 3 + 2 * size]
        ]
        start += 3 + 2 * size
        if cells[0]:
            found[element.code] = ElementMoments(
                element.code,
                int(cells[0]),
                tuple(float(cell) for cell in cells[3 : 3 + size]),
                tuple(float(cell) for cell in cells[3 + size :]),
                float(cells[1]),
                float(cells[2]),
            )
    return found


def _moment_sums(x: Sequence[ColumnElement[Any]]) -> list[ColumnElement[Any]]:
    """Return n, Σ T, Σ T², Σ x_j and Σ x_j² over the rows with every x_j valid."""
    complete = and_(*(score.is_not(None) for score in x))
    total = functools.reduce(operator.add, x)
    return [
        func.sum(case((complete, 1), else_=0)),
        func.sum(case((complete, total))),
        func.sum(case((complete, total * total))),
        *(func.sum(case((complete, score))) for score in x),
        *(func.sum(case((complete, score * score))) for score in x),
    ]


def _criterion_scores(
    selection: Selection, agency_ids: Collection[int], structure: IndexStructure
) -> Subquery:
    """Select x0, x1, … per response: each criterion's valid option value or NULL."""
    summaries = _summaries(selection, agency_ids)
    scores = [
        case(
            {
                _character_code(value, criterion.code): value
                for value in sorted(criterion.values)
            },
            value=_CharacterCode(summaries.c.summary, position),
        ).label(f"x{position}")
        for position, criterion in enumerate(
            criterion
            for element in structure.elements
            for criterion in element.criteria
        )
    ]
    return select(*scores).offset(0).subquery("scores")
