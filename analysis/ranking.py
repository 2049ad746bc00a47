"""Ranking of agencies within their group and PAR points from the overall index.

How a province turns the satisfaction index into points of its public
administration reform (PAR) index is set by its own decision, which was not
found; one published provincial table fits points = index × 8 / 100. Both rules
below are therefore settings: a linear rule with a configurable maximum
(default 8 points) and a banded rule mapping index ranges to points.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from analysis.indices import NO_DATA, Estimate

DEFAULT_MAX_POINTS = 8


@dataclass(frozen=True)
class LinearPoints:
    """points = index × max_points / 100."""

    max_points: Fraction | int = DEFAULT_MAX_POINTS

    def __post_init__(self) -> None:
        if not self.max_points > 0:
            raise ValueError(
                f"max_points={self.max_points!r} is invalid: use a positive number"
            )

    def points(self, index: Fraction) -> Fraction:
        return Fraction(index) * Fraction(self.max_points) / 100


@dataclass(frozen=True)
class BandedPoints:
    """Points by index band: ``bands`` lists (lowest index, points) pairs.

    An index gets the points of the highest band whose lower bound it reaches;
    an index below every band gets 0. Example: ((90, 8), (80, 6), (70, 4), (0, 2)).
    """

    bands: tuple[tuple[Fraction | int, Fraction | int], ...]

    def __post_init__(self) -> None:
        if not self.bands:
            raise ValueError("bands is empty: give at least one (lowest index, points)")
        lows = [Fraction(low) for low, _ in self.bands]
        if len(set(lows)) != len(lows):
            raise ValueError(f"bands={self.bands!r} is invalid: lower bounds repeat")
        for low, points in self.bands:
            if not 0 <= low <= 100 or points < 0:
                raise ValueError(
                    f"band ({low}, {points}) is invalid: use 0 <= lowest index <= 100 "
                    "and points >= 0"
                )

    def points(self, index: Fraction) -> Fraction:
        for low, points in sorted(self.bands, key=lambda band: -Fraction(band[0])):
            if index >= low:
                return Fraction(points)
        return Fraction(0)


PointsRule = LinearPoints | BandedPoints


@dataclass(frozen=True)
class RankEntry:
    unit: Hashable
    group: str
    estimate: Estimate


@dataclass(frozen=True)
class RankedUnit:
    unit: Hashable
    group: str
    estimate: Estimate
    # 1-based competition rank within the group; None when unranked.
    rank: int | None
    points: Fraction | None
    # Why the unit is unranked.
    reason: str | None = None


def rank_within_groups(
    entries: Iterable[RankEntry],
    rule: PointsRule | None = None,
    min_sample: int = 1,
) -> list[RankedUnit]:
    """Rank units by index within each group and give them points.

    Ties share a rank and the next rank skips ("1224" competition ranking).
    Indices are exact fractions, so only truly equal indices tie. A unit with
    no data or with fewer than ``min_sample`` respondents is unranked and gets
    no points. Returns the units of each group, best first, unranked ones last.
    """
    rule = rule or LinearPoints()
    groups: dict[str, list[RankEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.group, []).append(entry)
    ranked: list[RankedUnit] = []
    for group in sorted(groups):
        ranked.extend(_rank_group(groups[group], rule, min_sample))
    return ranked


def _rank_group(
    entries: Sequence[RankEntry], rule: PointsRule, min_sample: int
) -> list[RankedUnit]:
    eligible = []
    unranked = []
    for entry in entries:
        reason = _unranked_reason(entry.estimate, min_sample)
        if reason is None:
            eligible.append(entry)
        else:
            unranked.append(
                RankedUnit(entry.unit, entry.group, entry.estimate, None, None, reason)
            )
    eligible.sort(key=lambda entry: -_value(entry.estimate))
    result = []
    rank = 0
    previous: Fraction | None = None
    for position, entry in enumerate(eligible, start=1):
        value = _value(entry.estimate)
        if value != previous:
            rank = position
            previous = value
        result.append(
            RankedUnit(
                entry.unit, entry.group, entry.estimate, rank, rule.points(value)
            )
        )
    return result + unranked


def _value(estimate: Estimate) -> Fraction:
    if estimate.value is None:
        raise ValueError("an estimate without a value cannot be ranked")
    return estimate.value


def _unranked_reason(estimate: Estimate, min_sample: int) -> str | None:
    if estimate.value is None or estimate.status == NO_DATA:
        return f"no data (n = {estimate.n})"
    if estimate.n < min_sample:
        return f"below the minimum sample (n = {estimate.n} < {min_sample})"
    return None
