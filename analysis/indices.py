"""Satisfaction indices from answer counts: criteria, elements and the overall index.

Formulas (unconfirmed: the official annex of the method was not read, so the
satisfied set and the combination rule are ``IndexConfig`` settings whose
defaults are the rule below):

- criterion c: I_c = 100 · S_c / N_c, where S_c counts satisfied answers
  (4 "Hài lòng" and 5 "Rất hài lòng" by default) and N_c counts valid answers;
  N/A, blank and out-of-scale answers are left out of N_c;
- element: the mean of its criterion indices;
- overall: the mean of the element indices.

A criterion without valid answers, or an element without any such criterion, is
left out of the mean above it, and the result records how many parts it used.

Every index is an exact ``Fraction`` computed from counts; rounding happens only
in ``format_number`` when a value is displayed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from analysis.counts import Count, InfluenceSums, ItemCounts, UnitCounts
from analysis.intervals import Interval, wilson
from analysis.structure import Criterion, Element, IndexStructure

OK = "ok"
INSUFFICIENT = "insufficient"
NO_DATA = "no_data"

# Why an estimate has no interval.
INTERVAL_N_BELOW_2 = "interval undefined (n < 2)"
INTERVAL_NOT_COMPUTED = "interval not computed"

WILSON = "wilson"
# Wilson score interval on an effective sample size from the linearized variance.
WILSON_EFFECTIVE_N = "wilson-effective-n"

# Default minimum sample. At n = 30 and an index of 85 the 95 % Wilson interval
# runs from 68.4 to 93.7, already 25 points wide; smaller samples cannot tell
# agencies apart. A product choice, not an official rule.
DEFAULT_MIN_SAMPLE = 30


@dataclass(frozen=True)
class IndexConfig:
    """Settings of the index computation, with the product's defaults.

    ``satisfied`` replaces the satisfied set of every criterion's scale; None
    keeps the scale's own set, {4, 5}. ``weights`` maps criterion or element codes
    to positive weights of the mean that combines them; an unlisted code weighs 1,
    so the default is the plain mean. Both rules are unconfirmed, hence settings.
    """

    min_sample: int = DEFAULT_MIN_SAMPLE
    level: float = 0.95
    satisfied: frozenset[int] | None = None
    weights: Mapping[str, Fraction | int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.min_sample, bool) or not isinstance(self.min_sample, int):
            raise ValueError(
                f"min_sample={self.min_sample!r} is invalid: use a whole number"
            )
        if self.min_sample < 1:
            raise ValueError(f"min_sample={self.min_sample} is invalid: use 1 or more")
        if not 0 < self.level < 1:
            raise ValueError(f"level={self.level!r} is invalid: use e.g. 0.95")
        if self.satisfied is not None and not self.satisfied:
            raise ValueError("satisfied is empty: list the option values that count")
        for code, weight in self.weights.items():
            if not weight > 0:
                raise ValueError(
                    f"weight of '{code}' is {weight!r}: use a positive number"
                )

    def satisfied_set(self, criterion: Criterion) -> frozenset[int]:
        return criterion.satisfied if self.satisfied is None else self.satisfied

    def weight(self, code: str) -> Fraction:
        return Fraction(self.weights.get(code, 1))


@dataclass(frozen=True)
class Estimate:
    """One index with its sample size, interval and status.

    ``n`` is the number of valid answers for a criterion and the number of
    respondents for an element or the overall index.
    """

    value: Fraction | None
    n: Count
    status: str
    interval: Interval | None = None
    interval_note: str | None = None
    # Sample size of a simple proportion with the same variance; the interval
    # and the comparison tests use it. Equals n for a criterion.
    effective_n: float | None = None

    @property
    def ranked(self) -> bool:
        return self.status == OK

    def display(self, decimals: int = 2) -> str:
        if self.value is None:
            return f"no data (n = {format_count(self.n)})"
        return format_number(self.value, decimals)

    def notes(self, min_sample: int) -> list[str]:
        """Return the plain-text remarks a reader needs next to the value."""
        notes = []
        if self.status == NO_DATA:
            notes.append(f"no data (n = {format_count(self.n)})")
            return notes
        if self.status == INSUFFICIENT:
            notes.append(
                f"below the minimum sample (n = {format_count(self.n)} < {min_sample})"
            )
        if self.interval_note:
            notes.append(self.interval_note)
        return notes


@dataclass(frozen=True)
class CriterionResult:
    code: str
    element: str
    satisfied: Count
    valid: Count
    not_applicable: Count
    # Answers with a value outside the scale.
    invalid: Count
    # Respondents who left the criterion blank.
    missing: Count
    estimate: Estimate


@dataclass(frozen=True)
class CompositeResult:
    """An element or the overall index, with the parts its mean used."""

    code: str
    estimate: Estimate
    parts_used: int
    parts_total: int
    # Valid answers to all criteria below this index.
    answers: Count


@dataclass(frozen=True)
class Distribution:
    """Answers to one item by option value, with display shares and the mean."""

    code: str
    counts: dict[int, Count]
    valid: Count
    not_applicable: Count
    # Respondents who left the item blank; None for a multiple-choice item,
    # whose counts are of choices and not of respondents.
    missing: Count | None
    # Shares of valid answers in percent, as display strings that add to 100.
    shares: dict[int, str]
    # Mean option value over valid answers; None without valid answers or for
    # items whose values are not a scale.
    mean: Fraction | None


@dataclass(frozen=True)
class UnitResult:
    unit: Any
    respondents: Count
    flagged: int
    synthetic: int
    criteria: dict[str, CriterionResult]
    elements: dict[str, CompositeResult]
    overall: CompositeResult
    distributions: dict[str, Distribution]


def format_count(count: Count) -> str:
    if isinstance(count, int):
        return str(count)
    return format_number(Fraction(count), 1)


def format_number(value: Fraction | int, decimals: int = 2) -> str:
    """Round ``value`` half away from zero to ``decimals`` places, exactly.

    The value is a Fraction, so a half such as 82.765 is decided on the exact
    number and not on its binary float approximation.
    """
    value = Fraction(value)
    scale = 10**decimals
    magnitude = abs(value) * scale
    units = math.floor(magnitude + Fraction(1, 2))
    sign = "-" if value < 0 and units else ""
    whole, rest = divmod(units, scale)
    if decimals == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{rest:0{decimals}d}"


def largest_remainder_shares(
    counts: Mapping[int, Count], decimals: int = 2
) -> dict[int, str]:
    """Return percentage shares as strings that add to exactly 100.

    Each share is first cut down to ``decimals`` places; the units still missing
    from 100 go, one each, to the options with the largest cut-off remainders
    (ties: the larger count, then the lower option value).
    """
    total = sum(counts.values())
    if total <= 0:
        return {}
    scale = 10**decimals
    quotas = {
        value: Fraction(count) * 100 * scale / total for value, count in counts.items()
    }
    units = {value: math.floor(quota) for value, quota in quotas.items()}
    missing = 100 * scale - sum(units.values())
    order = sorted(quotas, key=lambda v: (-(quotas[v] - units[v]), -counts[v], v))
    for value in order[:missing]:
        units[value] += 1
    return {
        value: format_number(Fraction(units[value], scale), decimals)
        for value in counts
    }


def criterion_result(
    criterion: Criterion,
    element: str,
    counts: ItemCounts,
    respondents: Count,
    config: IndexConfig,
) -> CriterionResult:
    """Compute I_c = 100 · S_c / N_c with its Wilson interval."""
    satisfied_values = config.satisfied_set(criterion)
    satisfied = sum((c for v, c in counts.values.items() if v in satisfied_values), 0)
    valid = sum((c for v, c in counts.values.items() if v in criterion.values), 0)
    invalid = sum((c for v, c in counts.values.items() if v not in criterion.values), 0)
    answered = valid + invalid + counts.not_applicable
    missing = max(respondents - answered, 0)
    if valid == 0:
        estimate = Estimate(None, 0, NO_DATA)
    else:
        value = Fraction(100) * satisfied / valid
        estimate = _estimate(
            value, valid, config, _wilson_interval(satisfied, valid, config)
        )
        estimate = replace(estimate, effective_n=float(valid))
    return CriterionResult(
        criterion.code,
        element,
        satisfied,
        valid,
        counts.not_applicable,
        invalid,
        missing,
        estimate,
    )


def _wilson_interval(satisfied: Count, valid: Count, config: IndexConfig) -> Interval:
    low, high = wilson(float(satisfied), float(valid), config.level)
    return Interval(100 * low, 100 * high, config.level, WILSON)


def _estimate(
    value: Fraction, n: Count, config: IndexConfig, interval: Interval | None
) -> Estimate:
    status = OK if n >= config.min_sample else INSUFFICIENT
    if n < 2:
        return Estimate(value, n, status, None, INTERVAL_N_BELOW_2)
    note = None if interval is not None else INTERVAL_NOT_COMPUTED
    return Estimate(value, n, status, interval, note)


def weighted_mean(values: Mapping[str, Fraction], config: IndexConfig) -> Fraction:
    """Return Σ w_k · v_k / Σ w_k with the configured weights (1 by default)."""
    total_weight = sum((config.weight(code) for code in values), Fraction(0))
    weighted = sum(
        (config.weight(code) * value for code, value in values.items()), Fraction(0)
    )
    return weighted / total_weight


def _normalised_weights(codes: list[str], config: IndexConfig) -> dict[str, Fraction]:
    total = sum(config.weight(code) for code in codes)
    return {code: config.weight(code) / total for code in codes}


def _criteria_with_data(
    element: Element, counts: UnitCounts, config: IndexConfig
) -> dict[str, tuple[Count, Count]]:
    """Return (S_c, N_c) of each criterion of ``element`` that has valid answers."""
    found = {}
    for criterion in element.criteria:
        item = counts.item(criterion.code)
        satisfied_values = config.satisfied_set(criterion)
        valid = sum((c for v, c in item.values.items() if v in criterion.values), 0)
        if valid > 0:
            satisfied = sum(
                (c for v, c in item.values.items() if v in satisfied_values), 0
            )
            found[criterion.code] = (satisfied, valid)
    return found


def influence_coefficients(
    counts: UnitCounts, structure: IndexStructure, config: IndexConfig
) -> list[tuple[str, int, int, float]]:
    """Return what one answer adds to a respondent's influence value per element.

    The element index on the 0-1 scale is E = Σ_c ω_c p_c with p_c = S_c / N_c and
    ω_c the normalised weights of the criteria with data. Its linearization gives
    every respondent i the influence value
    u_i = Σ_c ω_c (y_ic - p_c m_ic) / N_c,
    where y_ic = 1 for a satisfied answer and m_ic = 1 for a valid one. An answer
    with option value v to criterion c therefore adds ω_c (y - p_c) / N_c.

    Returns rows (item code, option value, element position, contribution) for
    every valid option value; invalid and N/A answers add nothing.
    """
    rows = []
    for position, element in enumerate(structure.elements):
        with_data = _criteria_with_data(element, counts, config)
        weights = _normalised_weights(list(with_data), config)
        for criterion in element.criteria:
            if criterion.code not in with_data:
                continue
            satisfied, valid = with_data[criterion.code]
            proportion = Fraction(satisfied) / valid
            satisfied_values = config.satisfied_set(criterion)
            for value in sorted(criterion.values):
                hit = 1 if value in satisfied_values else 0
                contribution = weights[criterion.code] * (hit - proportion) / valid
                rows.append((criterion.code, value, position, float(contribution)))
    return rows


def effective_sample_size(value: Fraction, variance: float, answers: Count) -> float:
    """Return n_eff = p(1 - p) / V for a composite index p with linearized variance V.

    n_eff is the sample size at which a simple proportion p would have the same
    variance. It is capped at the number of valid answers behind the index,
    which is also returned when V = 0 or p is 0 or 1 (every respondent answered
    alike).
    """
    p = float(value / 100)
    spread = p * (1 - p)
    if variance > 0 and spread > 0:
        return min(spread / variance, float(answers))
    return float(answers)


def unit_result(
    counts: UnitCounts,
    structure: IndexStructure,
    config: IndexConfig | None = None,
    influence: InfluenceSums | None = None,
) -> UnitResult:
    """Compute every index of one unit from its counts.

    Without ``influence`` the element and overall indices have no interval.
    """
    config = config or IndexConfig()
    if counts.respondents < 0:
        raise ValueError(f"respondents={counts.respondents!r} is invalid: must be >= 0")
    criteria: dict[str, CriterionResult] = {}
    elements: dict[str, CompositeResult] = {}
    for element in structure.elements:
        for criterion in element.criteria:
            criteria[criterion.code] = criterion_result(
                criterion,
                element.code,
                counts.item(criterion.code),
                counts.respondents,
                config,
            )
        elements[element.code] = _element_result(
            element, criteria, counts, config, influence
        )
    overall = _overall_result(structure, elements, counts, config, influence)
    distributions = {
        item.code: distribution(item.code, item.values, item.type, counts)
        for item in structure.items
    }
    return UnitResult(
        counts.unit,
        counts.respondents,
        counts.flagged,
        counts.synthetic,
        criteria,
        elements,
        overall,
        distributions,
    )


def _element_result(
    element: Element,
    criteria: Mapping[str, CriterionResult],
    counts: UnitCounts,
    config: IndexConfig,
    influence: InfluenceSums | None,
) -> CompositeResult:
    parts = [criteria[c.code] for c in element.criteria]
    with_data = _values_with_data({p.code: p.estimate for p in parts})
    answers = sum((p.valid for p in parts), 0)
    if not with_data:
        estimate = Estimate(None, 0, NO_DATA)
    else:
        value = weighted_mean(with_data, config)
        variance = (
            None if influence is None else influence.product(element.code, element.code)
        )
        estimate = _composite_estimate(
            value, counts.respondents, answers, variance, config
        )
    return CompositeResult(element.code, estimate, len(with_data), len(parts), answers)


def _overall_result(
    structure: IndexStructure,
    elements: Mapping[str, CompositeResult],
    counts: UnitCounts,
    config: IndexConfig,
    influence: InfluenceSums | None,
) -> CompositeResult:
    with_data = _values_with_data({code: r.estimate for code, r in elements.items()})
    answers = sum((result.answers for result in elements.values()), 0)
    if not with_data:
        return CompositeResult(
            "overall", Estimate(None, 0, NO_DATA), 0, len(elements), answers
        )
    value = weighted_mean(with_data, config)
    variance = None
    if influence is not None:
        # u_overall = Σ_e ω_e u_e, so V = Σ_e Σ_f ω_e ω_f Σ_i u_e u_f.
        weights = _normalised_weights(list(with_data), config)
        variance = sum(
            float(weights[e] * weights[f]) * influence.product(e, f)
            for e in weights
            for f in weights
        )
    estimate = _composite_estimate(value, counts.respondents, answers, variance, config)
    return CompositeResult("overall", estimate, len(with_data), len(elements), answers)


def _values_with_data(estimates: Mapping[str, Estimate]) -> dict[str, Fraction]:
    found = {}
    for code, estimate in estimates.items():
        if estimate.value is not None:
            found[code] = estimate.value
    return found


def _composite_estimate(
    value: Fraction,
    respondents: Count,
    answers: Count,
    variance: float | None,
    config: IndexConfig,
) -> Estimate:
    """Attach the Wilson interval on the effective sample size, when V is known."""
    if variance is None or respondents < 2:
        return _estimate(value, respondents, config, None)
    effective_n = effective_sample_size(value, variance, answers)
    p = float(value / 100)
    low, high = wilson(p * effective_n, effective_n, config.level)
    interval = Interval(100 * low, 100 * high, config.level, WILSON_EFFECTIVE_N)
    estimate = _estimate(value, respondents, config, interval)
    return replace(estimate, effective_n=effective_n)


def distribution(
    code: str, values: tuple[int, ...], item_type: str, counts: UnitCounts
) -> Distribution:
    """Count the answers of one item by option value, with shares and mean.

    Shares are of valid answers; for a multiple-choice item a respondent may
    choose several options, so its shares are of all choices made.
    """
    item = counts.item(code)
    by_value = {value: item.values.get(value, 0) for value in values}
    valid = sum(by_value.values(), 0)
    missing = None
    if item_type != "multichoice":
        answered = sum(item.values.values(), 0) + item.not_applicable
        missing = max(counts.respondents - answered, 0)
    mean = None
    if item_type == "scale" and valid > 0:
        mean = Fraction(sum(value * count for value, count in by_value.items())) / valid
    return Distribution(
        code,
        by_value,
        valid,
        item.not_applicable,
        missing,
        largest_remainder_shares(by_value),
        mean,
    )
