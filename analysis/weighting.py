"""Post-stratification weights and weighted indices.

Given the population share P_h of each stratum h (for example the share of
dossiers handled at the kiosk, online and on paper), each respondent of
stratum h gets the weight w_h = P_h / (n_h / n), where n_h counts respondents
in h and n all respondents. Weighted counts Σ_h w_h · count_h then feed the same
index formulas, so a weighted criterion index is
I_c = 100 · Σ_h w_h S_ch / Σ_h w_h N_ch.

Intervals: a weighted criterion uses the Wilson interval on Kish's effective
sample size n_eff = (Σ_h w_h N_ch)² / Σ_h w_h² N_ch. Weighted element and overall
indices carry no interval.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from analysis.counts import Count, UnitCounts
from analysis.indices import (
    INTERVAL_NOT_COMPUTED,
    WILSON,
    IndexConfig,
    UnitResult,
    unit_result,
)
from analysis.intervals import Interval, wilson
from analysis.structure import IndexStructure

Share = Fraction | Decimal | int | str


@dataclass(frozen=True)
class WeightedResult:
    result: UnitResult
    # Weight of one respondent of each stratum.
    weights: dict[Hashable, Fraction]


def stratum_weights(
    respondents: Mapping[Hashable, int], shares: Mapping[Hashable, Share]
) -> dict[Hashable, Fraction]:
    """Return w_h = P_h / (n_h / n) for each stratum.

    Shares are converted exactly (give them as strings or Decimals such as
    "0.3"); they must be non-negative and add to 1. Every stratum in the
    sample needs a share, and every stratum with a positive share needs
    respondents.
    """
    exact = {stratum: Fraction(share) for stratum, share in shares.items()}
    for stratum, share in exact.items():
        if share < 0:
            raise ValueError(f"share of stratum {stratum!r} is {share}: use 0 or more")
    if sum(exact.values()) != 1:
        raise ValueError(
            f"shares add to {float(sum(exact.values()))}: they must add to exactly 1"
        )
    unknown = [stratum for stratum in respondents if stratum not in exact]
    if unknown:
        raise ValueError(f"strata {unknown!r} have respondents but no population share")
    total = sum(respondents.values())
    weights = {}
    for stratum, share in exact.items():
        count = respondents.get(stratum, 0)
        if count == 0:
            if share > 0:
                raise ValueError(
                    f"stratum {stratum!r} has a population share of {share} but no "
                    "respondents: merge it with another stratum or drop the weighting"
                )
            continue
        weights[stratum] = share / Fraction(count, total)
    return weights


def weighted_counts(
    strata: Mapping[Hashable, UnitCounts],
    weights: Mapping[Hashable, Fraction],
    unit: Hashable,
) -> UnitCounts:
    """Add the counts of every stratum multiplied by its weight."""
    combined = UnitCounts(unit)
    for stratum, counts in strata.items():
        weight = weights.get(stratum, Fraction(0))
        combined.respondents += weight * counts.respondents
        combined.flagged += counts.flagged
        combined.synthetic += counts.synthetic
        for code, item in counts.items.items():
            for value, count in item.values.items():
                combined.add_answers(code, value, False, weight * count)
            if item.not_applicable:
                combined.add_answers(code, None, True, weight * item.not_applicable)
    return combined


def weighted_result(
    strata: Mapping[Hashable, UnitCounts],
    shares: Mapping[Hashable, Share],
    structure: IndexStructure,
    config: IndexConfig | None = None,
    unit: Hashable = "weighted",
) -> WeightedResult:
    """Compute post-stratified indices of one unit from its counts per stratum.

    ``strata`` maps each stratum value to the unit's counts in it, as
    ``analysis.aggregate.count_answers(..., stratum="channel")`` returns them.
    """
    config = config or IndexConfig()
    respondents = {
        stratum: int(counts.respondents)
        for stratum, counts in strata.items()
        if counts.respondents
    }
    weights = stratum_weights(respondents, shares)
    result = unit_result(weighted_counts(strata, weights, unit), structure, config)
    criteria = {}
    for code, criterion in result.criteria.items():
        estimate = criterion.estimate
        if estimate.interval is not None:
            effective_n = _kish(strata, weights, code, structure, config)
            low, high = wilson(
                float(estimate.value or 0) / 100 * effective_n,
                effective_n,
                config.level,
            )
            estimate = replace(
                estimate,
                interval=Interval(100 * low, 100 * high, config.level, WILSON),
                effective_n=effective_n,
            )
        criteria[code] = replace(criterion, estimate=estimate)
    elements = {
        code: replace(
            element,
            estimate=replace(
                element.estimate,
                interval=None,
                interval_note=_note(element.estimate.interval_note),
            ),
        )
        for code, element in result.elements.items()
    }
    overall = replace(
        result.overall,
        estimate=replace(
            result.overall.estimate,
            interval=None,
            interval_note=_note(result.overall.estimate.interval_note),
        ),
    )
    result = replace(result, criteria=criteria, elements=elements, overall=overall)
    return WeightedResult(result, weights)


def _note(existing: str | None) -> str:
    return existing or INTERVAL_NOT_COMPUTED


def _kish(
    strata: Mapping[Hashable, UnitCounts],
    weights: Mapping[Hashable, Fraction],
    code: str,
    structure: IndexStructure,
    config: IndexConfig,
) -> float:
    """Return Kish's n_eff = (Σ_h w_h N_ch)² / Σ_h w_h² N_ch for criterion ``code``."""
    valid_values = next(
        c.values for e in structure.elements for c in e.criteria if c.code == code
    )
    first: Count = 0
    second: Count = 0
    for stratum, counts in strata.items():
        weight = weights.get(stratum, Fraction(0))
        item = counts.item(code)
        valid = sum((n for v, n in item.values.items() if v in valid_values), 0)
        first += weight * valid
        second += weight * weight * valid
    return float(Fraction(first) ** 2 / second)
