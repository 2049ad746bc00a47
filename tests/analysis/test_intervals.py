"""Intervals and tests against statsmodels 0.14 as the independent reference.

Tolerance: relative 1e-9 (both compute closed forms in double precision).
"""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from analysis.intervals import newcombe, two_proportion_z, wilson, z_value

CASES = [
    (0, 1),
    (1, 1),
    (0, 2),
    (1, 2),
    (2, 2),
    (7, 30),
    (170, 200),
    (155, 198),
    (1, 1000),
]


@pytest.mark.parametrize(("successes", "n"), CASES)
def test_wilson_matches_statsmodels(successes: int, n: int) -> None:
    low, high = wilson(successes, n)
    expected_low, expected_high = proportion_confint(
        successes, n, 0.05, method="wilson"
    )
    assert low == pytest.approx(expected_low, rel=1e-9, abs=1e-12)
    assert high == pytest.approx(expected_high, rel=1e-9, abs=1e-12)


def test_wilson_at_90_percent() -> None:
    low, high = wilson(30, 40, level=0.90)
    expected_low, expected_high = proportion_confint(30, 40, 0.10, method="wilson")
    assert low == pytest.approx(expected_low, rel=1e-9)
    assert high == pytest.approx(expected_high, rel=1e-9)


@pytest.mark.parametrize(("successes", "n"), [(-1, 5), (6, 5), (0, 0)])
def test_wilson_rejects_invalid_counts(successes: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson(successes, n)


def test_z_value() -> None:
    assert z_value(0.95) == pytest.approx(1.959963984540054, rel=1e-12)
    with pytest.raises(ValueError):
        z_value(1.5)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(170, 200, 150, 210), (5, 40, 12, 35), (40, 40, 30, 40)]
)
def test_newcombe_matches_statsmodels(x1: int, n1: int, x2: int, n2: int) -> None:
    first = (x1 / n1, *wilson(x1, n1))
    second = (x2 / n2, *wilson(x2, n2))
    low, high = newcombe(first, second)
    expected_low, expected_high = confint_proportions_2indep(
        x1, n1, x2, n2, method="newcomb", compare="diff"
    )
    assert low == pytest.approx(expected_low, rel=1e-9)
    assert high == pytest.approx(expected_high, rel=1e-9)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(170, 200, 150, 210), (5, 40, 12, 35), (40, 40, 0, 40)]
)
def test_pooled_z_matches_statsmodels(x1: int, n1: int, x2: int, n2: int) -> None:
    result = two_proportion_z(x1, n1, x2, n2)
    assert result is not None
    z, p_value = result
    expected_z, expected_p = proportions_ztest([x1, x2], [n1, n2])
    assert z == pytest.approx(expected_z, rel=1e-9)
    assert p_value == pytest.approx(expected_p, rel=1e-9, abs=1e-300)


def test_pooled_z_undefined_when_all_satisfied() -> None:
    assert two_proportion_z(10, 10, 20, 20) is None
