"""Properties of the indices over generated data sets (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.counts import InfluenceSums
from analysis.indices import IndexConfig, unit_result
from tests.analysis.helpers import counts_from_rows, sipas_2017
from tests.analysis.test_indices import influence_by_hand

STRUCTURE = sipas_2017()
CODES = STRUCTURE.criterion_codes

answer = st.one_of(st.integers(1, 5), st.just("na"), st.none())
respondent = st.fixed_dictionaries({code: answer for code in CODES}).map(
    lambda row: {code: value for code, value in row.items() if value is not None}
)
data_sets = st.lists(respondent, min_size=0, max_size=25)


def result_with_intervals(rows):
    counts = counts_from_rows(rows)
    u = influence_by_hand(rows, STRUCTURE) if rows else np.zeros((0, 5))
    products = u.T @ u
    influence = InfluenceSums(
        tuple(e.code for e in STRUCTURE.elements),
        tuple(tuple(float(v) for v in line) for line in products),
    )
    return unit_result(counts, STRUCTURE, IndexConfig(min_sample=5), influence)


def estimates(result):
    yield from (c.estimate for c in result.criteria.values())
    yield from (e.estimate for e in result.elements.values())
    yield result.overall.estimate


@settings(max_examples=60, deadline=None)
@given(data_sets)
def test_indices_and_intervals_within_0_100(rows) -> None:
    for estimate in estimates(result_with_intervals(rows)):
        if estimate.value is None:
            assert estimate.n == 0
            continue
        assert 0 <= estimate.value <= 100
        if estimate.interval is not None:
            assert 0 <= estimate.interval.low <= float(estimate.value) + 1e-9
            assert float(estimate.value) - 1e-9 <= estimate.interval.high <= 100


@settings(max_examples=40, deadline=None)
@given(data_sets, st.randoms(use_true_random=False))
def test_independent_of_response_order(rows, random) -> None:
    shuffled = list(rows)
    random.shuffle(shuffled)
    first = result_with_intervals(rows)
    second = result_with_intervals(shuffled)
    for a, b in zip(estimates(first), estimates(second), strict=True):
        assert a.value == b.value
        assert a.status == b.status
        if a.interval is None:
            assert b.interval is None
        else:
            assert b.interval is not None
            assert abs(a.interval.low - b.interval.low) < 1e-9
            assert abs(a.interval.high - b.interval.high) < 1e-9
