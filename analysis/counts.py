"""Answer counts of one unit (an agency or a pooled set of agencies)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

# A count is an int for raw answers, or a Fraction once weights are applied.
Count = int | Fraction


@dataclass
class ItemCounts:
    """Answers to one item: how many chose each option value, and how many N/A."""

    values: dict[int, Count] = field(default_factory=dict)
    not_applicable: Count = 0

    def add(self, value: int | None, not_applicable: bool, count: Count) -> None:
        if not_applicable:
            self.not_applicable += count
        elif value is not None:
            self.values[value] = self.values.get(value, 0) + count


@dataclass
class UnitCounts:
    """Counts of one unit in one period, flagged responses left out.

    ``respondents`` counts the unflagged responses, ``flagged`` the responses left
    out of every index, and ``synthetic`` the unflagged responses that
    ``survey simulate`` generated.
    """

    unit: Hashable
    respondents: Count = 0
    flagged: int = 0
    synthetic: int = 0
    items: dict[str, ItemCounts] = field(default_factory=dict)

    def item(self, code: str) -> ItemCounts:
        """Return the counts of ``code``, empty when nobody answered it."""
        return self.items.get(code) or ItemCounts()

    def add_answers(
        self, code: str, value: int | None, not_applicable: bool, count: Count
    ) -> None:
        self.items.setdefault(code, ItemCounts()).add(value, not_applicable, count)


def pool(unit: Hashable, parts: Iterable[UnitCounts]) -> UnitCounts:
    """Add the counts of several units into one unit labelled ``unit``.

    Counts are additive, so pooled indices equal indices over the pooled answers.
    """
    pooled = UnitCounts(unit)
    for part in parts:
        pooled.respondents += part.respondents
        pooled.flagged += part.flagged
        pooled.synthetic += part.synthetic
        for code, item in part.items.items():
            for value, count in item.values.items():
                pooled.add_answers(code, value, False, count)
            if item.not_applicable:
                pooled.add_answers(code, None, True, item.not_applicable)
    return pooled


@dataclass(frozen=True)
class InfluenceSums:
    """Sums of products of per-respondent influence values of the element indices.

    ``products[e][f]`` is the sum over respondents of ``u_e * u_f``, where ``u_e``
    is a respondent's linearized contribution to element ``e`` on the 0-1 scale
    (see ``analysis.indices.influence_coefficients``).
    """

    elements: tuple[str, ...]
    products: tuple[tuple[float, ...], ...]

    def product(self, first: str, second: str) -> float:
        return self.products[self.elements.index(first)][self.elements.index(second)]
