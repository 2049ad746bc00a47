"""Cronbach's alpha of each element, from sums computed in the database."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from analysis import aggregate
from analysis.aggregate import Database, ElementMoments, Selection
from analysis.structure import IndexStructure


@dataclass(frozen=True)
class Alpha:
    element: str
    # None when undefined; ``note`` says why.
    alpha: float | None
    # Respondents with a valid answer to every criterion of the element.
    respondents: int
    items: int
    note: str | None = None


def cronbach_alpha(moments: ElementMoments) -> Alpha:
    """Compute alpha = k/(k - 1) · (1 - Σ_j s_j² / s_T²) with listwise deletion.

    s_j² is the sample variance of criterion j and s_T² that of the total score
    T = Σ_j x_j, both over respondents who answered every criterion, from
    s² = (Σ x² - (Σ x)² / n) / (n - 1).
    """
    k = len(moments.item_sums)
    n = moments.respondents
    if k < 2:
        return Alpha(moments.element, None, n, k, "alpha needs 2 or more criteria")
    if n < 2:
        return Alpha(moments.element, None, n, k, f"alpha undefined (n = {n} < 2)")
    item_variances = [
        _variance(total, squares, n)
        for total, squares in zip(moments.item_sums, moments.item_squares, strict=True)
    ]
    total_variance = _variance(moments.total_sum, moments.total_squares, n)
    if total_variance <= 0:
        note = "alpha undefined: every respondent has the same total score"
        return Alpha(moments.element, None, n, k, note)
    alpha = k / (k - 1) * (1 - sum(item_variances) / total_variance)
    return Alpha(moments.element, alpha, n, k)


def _variance(total: float, squares: float, n: int) -> float:
    # Clipped at 0: for constant answers the subtraction may leave -1e-16.
    return max((squares - total * total / n) / (n - 1), 0.0)


def element_alphas(
    db: Database,
    selection: Selection,
    agency_ids: Collection[int],
    structure: IndexStructure,
) -> dict[str, Alpha]:
    """Return Cronbach's alpha of every element over the pooled ``agency_ids``."""
    moments = aggregate.element_moments(db, selection, agency_ids, structure)
    found = {}
    for element in structure.elements:
        element_moments = moments.get(element.code)
        if element_moments is None:
            size = len(element.criteria)
            element_moments = ElementMoments(
                element.code, 0, (0.0,) * size, (0.0,) * size, 0.0, 0.0
            )
        found[element.code] = cronbach_alpha(element_moments)
    return found
