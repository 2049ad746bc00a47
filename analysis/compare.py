"""Differences between two units: two periods of one agency, or an agency and the rest.

The two samples are independent (different respondents), so:

- a criterion uses the pooled two-proportion z-test and Newcombe's hybrid score
  interval for the difference, built from the two Wilson intervals;
- an element or the overall index uses the same test and interval on effective
  sample sizes: each index p with linearized variance V counts as a proportion
  over n_eff = p(1 - p) / V respondents (see ``analysis.indices``). For a single
  criterion n_eff = N_c and both reduce to the criterion's test and interval.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from analysis.aggregate import Database, Selection
from analysis.indices import Estimate, IndexConfig, UnitResult
from analysis.intervals import Interval, newcombe, two_proportion_z
from analysis.structure import IndexStructure
from analysis.table import pooled_results

NEWCOMBE = "newcombe-hybrid-score"
REST = "rest"


@dataclass(frozen=True)
class Comparison:
    """First minus second, in index points, with its interval and test."""

    code: str
    first: Estimate
    second: Estimate
    difference: Fraction | None
    interval: Interval | None
    z: float | None
    p_value: float | None
    # Why the difference, interval or test is missing.
    note: str | None = None


def compare_estimates(code: str, first: Estimate, second: Estimate) -> Comparison:
    """Compare two independent indices with their Wilson intervals.

    Both estimates must carry an interval at the same level and an effective
    sample size, as ``analysis.indices`` builds them.
    """
    if first.value is None or second.value is None:
        return Comparison(code, first, second, None, None, None, None, "no data")
    difference = first.value - second.value
    if first.interval is None or second.interval is None:
        note = first.interval_note or second.interval_note or "interval undefined"
        return Comparison(code, first, second, difference, None, None, None, note)
    if first.interval.level != second.interval.level:
        raise ValueError(
            f"levels differ ({first.interval.level} and {second.interval.level}): "
            "compute both estimates at the same level"
        )
    if first.effective_n is None or second.effective_n is None:
        raise ValueError(f"'{code}' has an interval but no effective sample size")
    p1, p2 = float(first.value) / 100, float(second.value) / 100
    low, high = newcombe(
        (p1, first.interval.low / 100, first.interval.high / 100),
        (p2, second.interval.low / 100, second.interval.high / 100),
    )
    interval = Interval(100 * low, 100 * high, first.interval.level, NEWCOMBE)
    test = two_proportion_z(
        p1 * first.effective_n,
        first.effective_n,
        p2 * second.effective_n,
        second.effective_n,
    )
    if test is None:
        note = "test undefined: both samples all satisfied or all unsatisfied"
        return Comparison(code, first, second, difference, interval, None, None, note)
    z, p_value = test
    return Comparison(code, first, second, difference, interval, z, p_value)


def compare_units(first: UnitResult, second: UnitResult) -> list[Comparison]:
    """Compare every criterion, every element and the overall index of two units."""
    found = []
    for code, criterion in first.criteria.items():
        found.append(
            compare_estimates(code, criterion.estimate, second.criteria[code].estimate)
        )
    for code, element in first.elements.items():
        found.append(
            compare_estimates(code, element.estimate, second.elements[code].estimate)
        )
    found.append(
        compare_estimates("overall", first.overall.estimate, second.overall.estimate)
    )
    return found


def compare_periods(
    db: Database,
    agency_id: int,
    first: Selection,
    second: Selection,
    structure: IndexStructure,
    config: IndexConfig | None = None,
) -> list[Comparison]:
    """Compare one agency in two selections (usually two periods): first - second."""
    units = {agency_id: [agency_id]}
    first_result = pooled_results(db, first, units, structure, config)[agency_id]
    second_result = pooled_results(db, second, units, structure, config)[agency_id]
    return compare_units(first_result, second_result)


def compare_with_rest(
    db: Database,
    selection: Selection,
    agency_id: int,
    other_ids: Collection[int],
    structure: IndexStructure,
    config: IndexConfig | None = None,
) -> list[Comparison]:
    """Compare one agency with the pooled answers of ``other_ids``: agency - rest."""
    rest = sorted(set(other_ids) - {agency_id})
    if not rest:
        raise ValueError(
            "other_ids has no agency besides agency_id: nothing to compare"
        )
    units: dict[Hashable, Sequence[int]] = {agency_id: [agency_id], REST: rest}
    results = pooled_results(db, selection, units, structure, config)
    return compare_units(results[agency_id], results[REST])
