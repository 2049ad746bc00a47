"""Sample sizes, allocation across strata and reserves for a satisfaction round.

Every size is rounded UP, because a sample size is a minimum: the smallest whole
number of respondents that reaches the requested margin. Slovin's formula with
N = 2,000 and e = 5 % gives 2000 / (1 + 2000 × 0.0025) = 333.33, so this module
returns 334; sources that quote 333 truncate.

Margins and shares are converted to exact fractions (0.05 becomes 1/20, not the
nearest binary float), so a size that is a whole number is not pushed up by a
rounding error.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from analysis.intervals import z_value

Number = Fraction | Decimal | float | int | str
Key = TypeVar("Key", bound=Hashable)

SLOVIN = "slovin"
WILSON = "wilson"
METHODS = (SLOVIN, WILSON)


def exact(value: Number, name: str) -> Fraction:
    """Convert ``value`` to a Fraction, a float through its shortest decimal form."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name}={value!r} is invalid: use a finite number")
        return Fraction(repr(value))
    try:
        return Fraction(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{name}={value!r} is invalid: use a number") from error


def _check_margin(margin: Number) -> Fraction:
    e = exact(margin, "margin")
    if not 0 < e < 1:
        raise ValueError(f"margin={margin!r} is invalid: use a value between 0 and 1")
    return e


def _check_population(population: int | None) -> int | None:
    if population is not None and population < 0:
        raise ValueError(f"population={population!r} is invalid: use 0 or more")
    return population


def slovin_size(population: int | None, margin: Number) -> int:
    """Return Slovin's n = N / (1 + N e²), rounded up and never above N.

    With no population (``None``) the limit for large N, 1 / e², is returned
    (400 at e = 5 %).
    """
    e = _check_margin(margin)
    population = _check_population(population)
    if population is None:
        return math.ceil(1 / (e * e))
    if population == 0:
        return 0
    n = Fraction(population) / (1 + population * e * e)
    return min(population, math.ceil(n))


def wilson_half_width(
    n: float, proportion: Number, level: float, population: int | None = None
) -> float:
    """Return the half-width of the Wilson interval observed at p̂ = ``proportion``.

    half-width = z · sqrt(p(1 − p)·n + z²/4) / (n + z²), the usual form
    z / (1 + z²/n) · sqrt(p(1 − p)/n + z²/4n²) multiplied out. With a
    ``population`` N the finite population correction replaces n by the
    effective size n' = n (N − 1) / (N − n); a census (n = N) has no error.
    """
    p = float(exact(proportion, "proportion"))
    if not 0 <= p <= 1:
        raise ValueError(f"proportion={proportion!r} is invalid: use 0 to 1")
    if n <= 0:
        raise ValueError(f"n={n!r} is invalid: a margin needs n > 0")
    if population is not None:
        if n > population:
            raise ValueError(f"n={n!r} is larger than the population {population}")
        if n == population:
            return 0.0
        if population > 1:
            n = n * (population - 1) / (population - n)
    z = z_value(level)
    return z * math.sqrt(p * (1 - p) * n + z * z / 4) / (n + z * z)


def wilson_size(
    proportion: Number,
    margin: Number,
    level: float = 0.95,
    population: int | None = None,
) -> int:
    """Return the smallest n whose Wilson half-width at p̂ = ``proportion`` is ≤ margin.

    Setting the half-width equal to e and squaring gives the quadratic
    e² n² + (2e²z² − z²p(1 − p)) n + z⁴(e² − 1/4) = 0, whose larger root is the
    size for an unlimited population. The root is rounded up, then checked
    against the half-width itself in both directions, so float error in the
    root cannot move the answer. With a ``population`` the size includes the
    finite population correction and never exceeds N.
    """
    e = float(_check_margin(margin))
    p = float(exact(proportion, "proportion"))
    if not 0 <= p <= 1:
        raise ValueError(f"proportion={proportion!r} is invalid: use 0 to 1")
    population = _check_population(population)
    if population == 0:
        return 0
    z = z_value(level)
    a = e * e
    b = 2 * e * e * z * z - z * z * p * (1 - p)
    c = z**4 * (e * e - 0.25)
    root = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    n = max(1, math.ceil(root))
    if population is not None:
        n = _fpc_size(n, population)

    def fits(size: int) -> bool:
        return wilson_half_width(size, p, level, population) <= e

    while not fits(n):
        n += 1
    while n > 1 and fits(n - 1):
        n -= 1
    return n


def _fpc_size(n: int, population: int) -> int:
    # n' = n (N − 1) / (N − n) solved for n gives n = n' N / (n' + N − 1).
    return min(population, math.ceil(n * population / (n + population - 1)))


def allocate(total: int, sizes: Mapping[Key, int]) -> dict[Key, int]:
    """Split ``total`` across strata in proportion to ``sizes`` (largest remainder).

    Each stratum first gets the whole part of total · N_h / N; the units still
    missing go one each to the largest remainders (ties: the larger stratum,
    then the first key in sorted order), so the parts add to exactly ``total``
    and no stratum gets more than its size.
    """
    if total < 0:
        raise ValueError(f"total={total!r} is invalid: use 0 or more")
    for key, size in sizes.items():
        if size < 0:
            raise ValueError(f"size of stratum {key!r} is {size}: use 0 or more")
    population = sum(sizes.values())
    if total > population:
        raise ValueError(
            f"total={total} is larger than the {population} units of all strata"
        )
    if population == 0:
        return {key: 0 for key in sizes}
    quotas = {key: Fraction(total * size, population) for key, size in sizes.items()}
    parts = {key: math.floor(quota) for key, quota in quotas.items()}
    missing = total - sum(parts.values())
    order = sorted(
        sizes, key=lambda key: (-(quotas[key] - parts[key]), -sizes[key], str(key))
    )
    for key in order[:missing]:
        parts[key] += 1
    return parts


def reserve_size(sample: int, share: Number) -> int:
    """Return the reserves for non-response: ``share`` of the sample, rounded up."""
    fraction = exact(share, "reserve share")
    if fraction < 0:
        raise ValueError(f"reserve share={share!r} is invalid: use 0 or more")
    if sample < 0:
        raise ValueError(f"sample={sample!r} is invalid: use 0 or more")
    return math.ceil(sample * fraction)


@dataclass(frozen=True)
class SizeRule:
    """How a round turns a unit's population into its sample size."""

    method: str = SLOVIN
    margin: Number = "0.05"
    level: float = 0.95
    # The index (0-1) expected in the unit; the Wilson method needs it, and the
    # achieved margin is stated at it. 0.5 gives the largest size.
    proportion: Number = "0.5"
    # Apply the finite population correction to the Wilson size.
    finite_population: bool = True

    def size(self, population: int | None) -> int:
        """Return the sample size of a unit with ``population`` dossiers."""
        if self.method == SLOVIN:
            return slovin_size(population, self.margin)
        if self.method == WILSON:
            return wilson_size(
                self.proportion,
                self.margin,
                self.level,
                population if self.finite_population else None,
            )
        raise ValueError(f"method={self.method!r} is invalid: use one of {METHODS}")


def achieved_margin(
    respondents: int,
    level: float = 0.95,
    proportion: Number = "0.5",
    population: int | None = None,
) -> float | None:
    """Return the margin reached with ``respondents`` answers; None without answers.

    This is the Wilson half-width at p̂ = ``proportion`` with the finite
    population correction when ``population`` is known.
    """
    if respondents <= 0:
        return None
    if population is not None and respondents > population:
        # More answers than dossiers in the frame: the frame was incomplete, so
        # the correction cannot be applied.
        population = None
    return wilson_half_width(respondents, proportion, level, population)
