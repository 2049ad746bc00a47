"""Competition ranking within groups and PAR points."""

from __future__ import annotations

from fractions import Fraction

import pytest

from analysis.indices import INSUFFICIENT, NO_DATA, OK, Estimate
from analysis.ranking import BandedPoints, LinearPoints, RankEntry, rank_within_groups


def entry(
    unit: str, group: str, value: Fraction | int | None, n: int = 100
) -> RankEntry:
    if value is None:
        return RankEntry(unit, group, Estimate(None, 0, NO_DATA))
    status = OK if n >= 30 else INSUFFICIENT
    return RankEntry(unit, group, Estimate(Fraction(value), n, status))


def test_ties_share_a_rank_1224() -> None:
    ranked = rank_within_groups(
        [
            entry("A", "d", 90),
            entry("B", "d", 85),
            entry("C", "d", 85),
            entry("D", "d", 80),
        ],
        min_sample=30,
    )
    assert [(r.unit, r.rank) for r in ranked] == [
        ("A", 1),
        ("B", 2),
        ("C", 2),
        ("D", 4),
    ]


def test_groups_are_ranked_separately() -> None:
    ranked = rank_within_groups(
        [
            entry("A", "departments", 70),
            entry("Q", "districts", 60),
            entry("B", "departments", 75),
        ],
        min_sample=30,
    )
    ranks = {r.unit: r.rank for r in ranked}
    assert ranks == {"B": 1, "A": 2, "Q": 1}


def test_linear_points_default_max_8() -> None:
    ranked = rank_within_groups([entry("A", "d", Fraction(8345, 100))], min_sample=30)
    # 83.45 × 8 / 100 = 6.676
    assert ranked[0].points == Fraction(6676, 1000)
    ranked = rank_within_groups(
        [entry("A", "d", 50)], LinearPoints(max_points=10), min_sample=30
    )
    assert ranked[0].points == 5


def test_banded_points() -> None:
    rule = BandedPoints(((90, 8), (80, 6), (70, 4), (0, 2)))
    assert rule.points(Fraction(95)) == 8
    assert rule.points(Fraction(90)) == 8
    assert rule.points(Fraction(8999, 100)) == 6
    assert rule.points(Fraction(10)) == 2
    assert BandedPoints(((50, 3),)).points(Fraction(49)) == 0


def test_small_and_empty_units_unranked() -> None:
    ranked = rank_within_groups(
        [entry("A", "d", None), entry("B", "d", 100, n=1), entry("C", "d", 70)],
        min_sample=30,
    )
    by_unit = {r.unit: r for r in ranked}
    assert by_unit["C"].rank == 1
    assert by_unit["A"].rank is None and by_unit["A"].points is None
    assert by_unit["A"].reason == "no data (n = 0)"
    assert by_unit["B"].rank is None and by_unit["B"].points is None
    assert by_unit["B"].reason == "below the minimum sample (n = 1 < 30)"
    assert [r.unit for r in ranked][-2:] == ["A", "B"]


@pytest.mark.parametrize("bands", [(), ((101, 1),), ((50, -1),), ((50, 1), (50, 2))])
def test_banded_rejects_invalid_bands(bands: tuple) -> None:
    with pytest.raises(ValueError):
        BandedPoints(bands)


def test_linear_rejects_zero_max() -> None:
    with pytest.raises(ValueError):
        LinearPoints(0)
