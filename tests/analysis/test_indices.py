"""Index arithmetic against the worked example and hand-computed values.

The worked example: 200 questionnaires, element "civil servant" with three
criteria given as counts of answers 5/4/3/2/1; expected values computed by hand
below from I_c = 100 · (n4 + n5) / N_c.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from analysis.counts import InfluenceSums, UnitCounts
from analysis.indices import (
    INSUFFICIENT,
    INTERVAL_N_BELOW_2,
    INTERVAL_NOT_COMPUTED,
    NO_DATA,
    OK,
    IndexConfig,
    format_number,
    influence_coefficients,
    largest_remainder_shares,
    unit_result,
)
from analysis.intervals import wilson
from analysis.structure import Criterion, Element, IndexStructure
from tests.analysis.helpers import counts_from_rows, sipas_2017

SCALE = frozenset(range(1, 6))
SATISFIED = frozenset({4, 5})


def element(code: str, size: int) -> Element:
    criteria = tuple(
        Criterion(f"{code}{i}", SCALE, SATISFIED) for i in range(1, size + 1)
    )
    return Element(code, code, criteria)


# Four one-criterion elements plus the three-criterion civil servant element.
STRUCTURE = IndexStructure(
    "example",
    (
        element("TC", 1),
        element("TT", 1),
        element("CC", 3),
        element("KQ", 1),
        element("GY", 1),
    ),
    (),
)


def add(
    counts: UnitCounts, code: str, five_to_one: tuple[int, ...], na: int = 0
) -> None:
    for value, count in zip((5, 4, 3, 2, 1), five_to_one, strict=True):
        counts.add_answers(code, value, False, count)
    if na:
        counts.add_answers(code, None, True, na)


def worked_example() -> UnitCounts:
    counts = UnitCounts("example", respondents=200)
    add(counts, "CC1", (80, 90, 20, 6, 4))
    add(counts, "CC2", (60, 95, 30, 10, 3), na=2)
    add(counts, "CC3", (70, 100, 22, 5, 3))
    # Single criteria giving the other elements 88.00, 84.50, 90.00 and 72.00.
    add(counts, "TC1", (100, 76, 24, 0, 0))
    add(counts, "TT1", (100, 69, 31, 0, 0))
    add(counts, "KQ1", (100, 80, 20, 0, 0))
    add(counts, "GY1", (100, 44, 56, 0, 0))
    return counts


def test_worked_example_criteria() -> None:
    result = unit_result(worked_example(), STRUCTURE)
    assert result.criteria["CC1"].estimate.value == Fraction(100 * 170, 200)
    assert result.criteria["CC2"].estimate.value == Fraction(100 * 155, 198)
    assert result.criteria["CC3"].estimate.value == Fraction(100 * 170, 200)
    assert result.criteria["CC2"].valid == 198
    assert result.criteria["CC2"].not_applicable == 2
    assert result.criteria["CC1"].estimate.display() == "85.00"
    assert result.criteria["CC2"].estimate.display() == "78.28"
    assert result.criteria["CC3"].estimate.display() == "85.00"


def test_worked_example_element_and_overall() -> None:
    result = unit_result(worked_example(), STRUCTURE)
    civil_servant = (Fraction(85) + Fraction(15500, 198) + Fraction(85)) / 3
    assert result.elements["CC"].estimate.value == civil_servant
    assert result.elements["CC"].estimate.display() == "82.76"
    overall = (Fraction(88) + Fraction(169, 2) + civil_servant + 90 + 72) / 5
    assert result.overall.estimate.value == overall
    assert result.overall.estimate.display() == "83.45"
    assert result.overall.parts_used == 5


def test_criterion_interval_is_wilson() -> None:
    result = unit_result(worked_example(), STRUCTURE)
    interval = result.criteria["CC2"].estimate.interval
    assert interval is not None
    # Wilson by hand: centre (p + z²/2n)/(1 + z²/n), half z/(1+z²/n)·sqrt(...).
    z, n, p = 1.959963984540054, 198, 155 / 198
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert interval.low == pytest.approx(100 * (centre - half), rel=1e-12)
    assert interval.high == pytest.approx(100 * (centre + half), rel=1e-12)


def test_composites_without_influence_have_no_interval() -> None:
    result = unit_result(worked_example(), STRUCTURE)
    assert result.elements["CC"].estimate.interval is None
    assert result.elements["CC"].estimate.interval_note == INTERVAL_NOT_COMPUTED


def test_format_number_rounds_half_up_exactly() -> None:
    assert format_number(Fraction(82765, 1000)) == "82.77"
    assert format_number(Fraction(82764999, 1000000)) == "82.76"
    assert format_number(Fraction(1, 8), 2) == "0.13"
    assert format_number(Fraction(-1, 8), 2) == "-0.13"
    assert format_number(Fraction(0), 2) == "0.00"
    assert format_number(Fraction(100), 2) == "100.00"


def test_shares_add_to_100() -> None:
    shares = largest_remainder_shares({1: 1, 2: 1, 3: 1})
    assert shares == {1: "33.34", 2: "33.33", 3: "33.33"}
    shares = largest_remainder_shares({5: 80, 4: 90, 3: 20, 2: 6, 1: 4})
    assert shares == {5: "40.00", 4: "45.00", 3: "10.00", 2: "3.00", 1: "2.00"}
    odd = largest_remainder_shares({1: 2, 2: 2, 3: 3, 4: 0})
    assert sum(Fraction(share) for share in odd.values()) == 100
    assert odd[4] == "0.00"
    assert largest_remainder_shares({1: 0, 2: 0}) == {}


def test_distribution_counts_and_mean() -> None:
    structure = sipas_2017()
    counts = counts_from_rows([{"HL": 5}, {"HL": 4}, {"HL": 4}, {}])
    result = unit_result(counts, structure)
    overall_item = result.distributions["HL"]
    assert overall_item.counts == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert overall_item.valid == 3
    assert overall_item.missing == 1
    assert overall_item.mean == Fraction(13, 3)
    assert overall_item.shares == {
        1: "0.00",
        2: "0.00",
        3: "0.00",
        4: "66.67",
        5: "33.33",
    }


def test_case_c07_no_one_two_responses() -> None:
    """Agency A no responses, B one answer of 4, C two answers of 5."""
    structure = IndexStructure("c07", (element("CC", 1),), ())
    config = IndexConfig(min_sample=30)
    a = unit_result(counts_from_rows([]), structure, config)
    b = unit_result(counts_from_rows([{"CC1": 4}]), structure, config)
    c = unit_result(counts_from_rows([{"CC1": 5}, {"CC1": 5}]), structure, config)

    assert a.overall.estimate.value is None
    assert a.overall.estimate.status == NO_DATA
    assert a.overall.estimate.display() == "no data (n = 0)"
    assert a.criteria["CC1"].estimate.display() == "no data (n = 0)"

    assert b.criteria["CC1"].estimate.value == 100
    assert b.criteria["CC1"].estimate.interval is None
    assert b.criteria["CC1"].estimate.interval_note == INTERVAL_N_BELOW_2
    assert b.criteria["CC1"].estimate.status == INSUFFICIENT
    assert "interval undefined (n < 2)" in b.criteria["CC1"].estimate.notes(30)

    interval = c.criteria["CC1"].estimate.interval
    assert c.criteria["CC1"].estimate.value == 100
    assert interval is not None
    assert interval.high == 100
    assert interval.low == pytest.approx(
        100 * 2 / (2 + 1.959963984540054**2), rel=1e-12
    )


def test_every_answer_not_applicable() -> None:
    structure = sipas_2017()
    rows = [{"GY1": "na", "GY2": "na", "GY3": "na", "GY4": "na", "CC1": 4}] * 3
    result = unit_result(counts_from_rows(rows), structure)
    assert result.criteria["GY1"].estimate.status == NO_DATA
    assert result.criteria["GY1"].not_applicable == 3
    assert result.elements["GY"].estimate.display() == "no data (n = 0)"
    # The overall index uses the one element with data.
    assert result.overall.parts_used == 1
    assert result.overall.estimate.value == 100


def test_identical_answers() -> None:
    structure = IndexStructure("same", (element("CC", 3),), ())
    rows = [{"CC1": 3, "CC2": 3, "CC3": 3}] * 40
    counts = counts_from_rows(rows)
    config = IndexConfig()
    coefficients = influence_coefficients(counts, structure, config)
    # Every respondent answers alike, so every influence value is 0.
    influence = InfluenceSums(("CC",), ((0.0,),))
    result = unit_result(counts, structure, config, influence)
    estimate = result.elements["CC"].estimate
    assert estimate.value == 0
    assert estimate.status == OK
    assert estimate.interval is not None
    assert estimate.interval.low == 0
    # V = 0, so n_eff is capped at the 120 valid answers.
    assert estimate.effective_n == 120
    assert estimate.interval.high == pytest.approx(100 * wilson(0, 120)[1], rel=1e-12)
    # p = 0, so an answer of 3 (the only one given) contributes (0 - p) / N = 0.
    assert all(c == 0 for _, value, _, c in coefficients if value == 3)


def test_satisfied_set_is_configurable() -> None:
    structure = IndexStructure("x", (element("CC", 1),), ())
    counts = counts_from_rows([{"CC1": 3}, {"CC1": 4}, {"CC1": 5}, {"CC1": 1}])
    default = unit_result(counts, structure)
    wider = unit_result(counts, structure, IndexConfig(satisfied=frozenset({3, 4, 5})))
    assert default.criteria["CC1"].estimate.value == 50
    assert wider.criteria["CC1"].estimate.value == 75


def test_weights_change_the_mean() -> None:
    result = unit_result(worked_example(), STRUCTURE, IndexConfig(weights={"GY": 3}))
    # (88 + 84.5 + CC + 90 + 3 · 72) / 7
    civil_servant = (Fraction(85) + Fraction(15500, 198) + Fraction(85)) / 3
    expected = (Fraction(88) + Fraction(169, 2) + civil_servant + 90 + 3 * 72) / 7
    assert result.overall.estimate.value == expected


@pytest.mark.parametrize(
    "options",
    [
        {"min_sample": 0},
        {"level": 1.0},
        {"satisfied": frozenset()},
        {"weights": {"CC": 0}},
    ],
)
def test_config_rejects_invalid_settings(options: dict) -> None:
    with pytest.raises(ValueError):
        IndexConfig(**options)


def influence_by_hand(rows, structure) -> np.ndarray:
    """u_e for every respondent from its definition, without the SQL path."""
    counts = counts_from_rows(rows)
    matrix = np.zeros((len(rows), len(structure.elements)))
    for e, el in enumerate(structure.elements):
        stats = {}
        for criterion in el.criteria:
            item = counts.item(criterion.code)
            valid = sum(n for v, n in item.values.items() if v in criterion.values)
            satisfied = sum(n for v, n in item.values.items() if v in SATISFIED)
            if valid:
                stats[criterion.code] = (satisfied / valid, valid)
        for i, row in enumerate(rows):
            total = 0.0
            for code, (p, valid) in stats.items():
                value = row.get(code)
                if isinstance(value, int):
                    total += ((value in SATISFIED) - p) / valid
            matrix[i, e] = total / len(stats) if stats else 0.0
    return matrix


def test_composite_interval_single_criterion_equals_wilson() -> None:
    structure = IndexStructure("one", (element("CC", 1),), ())
    rows = [{"CC1": 5}] * 30 + [{"CC1": 2}] * 10
    counts = counts_from_rows(rows)
    u = influence_by_hand(rows, structure)
    influence = InfluenceSums(("CC",), ((float(u[:, 0] @ u[:, 0]),),))
    result = unit_result(counts, structure, IndexConfig(), influence)
    element_interval = result.elements["CC"].estimate.interval
    criterion_interval = result.criteria["CC1"].estimate.interval
    assert element_interval is not None and criterion_interval is not None
    assert element_interval.low == pytest.approx(criterion_interval.low, rel=1e-9)
    assert element_interval.high == pytest.approx(criterion_interval.high, rel=1e-9)


def test_linearized_variance_matches_jackknife() -> None:
    """The delete-one jackknife variance of the overall index is an independent
    estimate of the same variance; they agree to a few percent at n = 400."""
    structure = sipas_2017()
    rng = np.random.default_rng(7)
    codes = structure.criterion_codes
    rows = []
    for _ in range(400):
        mood = rng.normal()
        row: dict[str, int | str] = {}
        skip = rng.random() < 0.5
        for code in codes:
            if code.startswith("GY") and skip:
                row[code] = "na"
            else:
                row[code] = int(
                    np.clip(np.rint(4 + 0.6 * mood + rng.normal(0, 0.8)), 1, 5)
                )
        rows.append(row)
    u = influence_by_hand(rows, structure)
    weights = np.full(len(structure.elements), 1 / len(structure.elements))
    linearized = float(((u @ weights) ** 2).sum())

    def overall(subset) -> float:
        value = unit_result(counts_from_rows(subset), structure).overall.estimate.value
        return float(value) / 100

    values = np.array([overall(rows[:i] + rows[i + 1 :]) for i in range(len(rows))])
    n = len(rows)
    jackknife = (n - 1) / n * float(((values - values.mean()) ** 2).sum())
    assert linearized == pytest.approx(jackknife, rel=0.05)
