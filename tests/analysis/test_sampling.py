"""Sample sizes against hand arithmetic and against analysis.intervals.wilson."""

from __future__ import annotations

import math
import random

import pytest

from analysis.intervals import wilson
from analysis.sampling import (
    SizeRule,
    achieved_margin,
    allocate,
    reserve_size,
    slovin_size,
    wilson_size,
)

Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def test_slovin_rounds_up():
    # 2000 / (1 + 2000 × 0.05²) = 2000 / 6 = 333.33…, rounded up to 334.
    assert slovin_size(2000, 0.05) == 334
    # 100000 / (1 + 250) = 398.41 → 399.
    assert slovin_size(100_000, "0.05") == 399


def test_slovin_exact_whole_number():
    # 400 / (1 + 400 × 0.0025) = 200 exactly; a float error must not give 201.
    assert slovin_size(400, 0.05) == 200


def test_slovin_unknown_population():
    # The limit 1 / e² = 1 / 0.0025 = 400.
    assert slovin_size(None, 0.05) == 400
    assert slovin_size(0, 0.05) == 0


def test_wilson_size_at_half():
    # At p = 0.5 the half-width is z / (2 sqrt(n + z²)), so n ≥ z²/(4e²) − z²
    # = 384.146 − 3.841 = 380.30, rounded up to 381.
    bound = Z95**2 / (4 * 0.05**2) - Z95**2
    assert 380 < bound < 381
    assert wilson_size(0.5, 0.05) == 381


@pytest.mark.parametrize(
    ("p", "e"), [(0.8, 0.05), (0.85, 0.03), (0.95, 0.02), (0.5, 0.1)]
)
def test_wilson_size_is_smallest(p, e):
    # Independent check: the interval of analysis.intervals.wilson at
    # successes = p·n has half-width ≤ e at n and > e at n − 1.
    n = wilson_size(p, e)

    def half(size):
        low, high = wilson(p * size, size)
        return (high - low) / 2

    assert half(n) <= e + 1e-12
    assert half(n - 1) > e


def test_wilson_size_finite_population():
    # With N = 2000, n' = n (N − 1) / (N − n) must reach 380.30:
    # n ≥ 380.30 × 2000 / (380.30 + 1999) = 319.67, rounded up to 320.
    assert wilson_size(0.5, 0.05, population=2000) == 320
    assert wilson_size(0.5, 0.05, population=100) <= 100


def test_size_rule_methods():
    assert SizeRule("slovin", "0.05").size(2000) == 334
    assert SizeRule("wilson", "0.05", proportion="0.5").size(None) == 381
    with pytest.raises(ValueError, match="method"):
        SizeRule("guess").size(10)


def test_margin_validation():
    with pytest.raises(ValueError, match="margin"):
        slovin_size(100, 0)
    with pytest.raises(ValueError, match="margin"):
        wilson_size(0.5, 1.5)


def test_allocate_largest_remainder():
    # Quotas 7 × (5, 3, 2) / 10 = 3.5, 2.1, 1.4; floors 3, 2, 1 leave one unit,
    # which goes to the largest remainder (0.5, stratum a).
    assert allocate(7, {"a": 5, "b": 3, "c": 2}) == {"a": 4, "b": 2, "c": 1}
    assert allocate(10, {"a": 5, "b": 3, "c": 2}) == {"a": 5, "b": 3, "c": 2}


def test_allocate_sums_and_stays_proportional():
    generator = random.Random(3)
    for _ in range(200):
        sizes = {
            k: generator.randrange(0, 500) for k in range(generator.randrange(1, 8))
        }
        total = generator.randrange(0, sum(sizes.values()) + 1)
        parts = allocate(total, sizes)
        assert sum(parts.values()) == total
        population = sum(sizes.values())
        for key, size in sizes.items():
            assert parts[key] <= size
            if population:
                assert abs(parts[key] - total * size / population) < 1


def test_reserves_round_up():
    # 334 × 0.2 = 66.8 → 67.
    assert reserve_size(334, "0.2") == 67
    assert reserve_size(0, "0.2") == 0


def test_achieved_margin():
    assert achieved_margin(0) is None
    assert achieved_margin(381) <= 0.05
    assert achieved_margin(380) > 0.05
    # A census has no sampling error.
    assert achieved_margin(50, population=50) == 0.0
    assert math.isclose(achieved_margin(100), Z95 / (2 * math.sqrt(100 + Z95**2)))
