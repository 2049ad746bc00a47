"""Score intervals for proportions and for differences of proportions.

Pure Python with ``statistics.NormalDist``, so no numerical library can emit a
warning on degenerate input such as p = 0, p = 1 or n = 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Interval:
    """A two-sided confidence interval on the 0-100 index scale."""

    low: float
    high: float
    level: float
    method: str


def z_value(level: float) -> float:
    """Return the two-sided normal quantile for confidence ``level``, e.g. 1.96."""
    if not 0 < level < 1:
        raise ValueError(f"level={level!r} is invalid: use a value between 0 and 1")
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson(successes: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Return the Wilson score interval for successes / n on the 0-1 scale.

    With p = successes / n and z the normal quantile:
    centre = (p + z²/2n) / (1 + z²/n),
    half-width = z / (1 + z²/n) · sqrt(p(1 - p)/n + z²/4n²).
    ``n`` may be an effective sample size and need not be a whole number.
    """
    if n <= 0:
        raise ValueError(f"n={n!r} is invalid: a score interval needs n > 0")
    if not 0 <= successes <= n:
        raise ValueError(f"successes={successes!r} is invalid: use 0 <= successes <= n")
    z = z_value(level)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # The exact limits at p = 0 and p = 1 are 0 and 1; rounding may miss them.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def newcombe(
    first: tuple[float, float, float],
    second: tuple[float, float, float],
) -> tuple[float, float]:
    """Return Newcombe's hybrid score interval for p1 - p2 on the 0-1 scale.

    Each argument is (p, low, high) with the Wilson limits of that proportion
    (Newcombe 1998, method 10): with d = p1 - p2,
    low = d - sqrt((p1 - l1)² + (u2 - p2)²), high = d + sqrt((u1 - p1)² + (p2 - l2)²).
    """
    p1, low1, high1 = first
    p2, low2, high2 = second
    difference = p1 - p2
    low = difference - math.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = difference + math.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return max(-1.0, low), min(1.0, high)


def two_proportion_z(
    successes1: float, n1: float, successes2: float, n2: float
) -> tuple[float, float] | None:
    """Return (z, two-sided p-value) of the pooled two-proportion z-test.

    z = (p1 - p2) / sqrt(p(1 - p)(1/n1 + 1/n2)), with the pooled proportion
    p = (x1 + x2) / (n1 + n2).
    Returns None when the pooled p is 0 or 1: both samples are identical and
    all at one end, so the statistic is undefined.
    """
    if n1 <= 0 or n2 <= 0:
        raise ValueError(f"n1={n1!r}, n2={n2!r} are invalid: both must be > 0")
    pooled = (successes1 + successes2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None
    z = (successes1 / n1 - successes2 / n2) / math.sqrt(variance)
    # erfc keeps precision far in the tail, where 1 - cdf would round to 0.
    p_value = math.erfc(abs(z) / math.sqrt(2))
    return z, p_value
