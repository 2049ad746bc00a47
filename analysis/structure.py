"""What the indices are computed from: elements, their criteria and the other items.

The structure is read from a parsed questionnaire by duck typing, so this package
does not import the web application.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Item types whose answers are option values that can be counted.
COUNTED_TYPES = ("scale", "choice", "multichoice")


@dataclass(frozen=True)
class Criterion:
    code: str
    # Option values that are valid answers; anything else is counted as invalid.
    values: frozenset[int]
    # Option values that count as satisfied.
    satisfied: frozenset[int]


@dataclass(frozen=True)
class Element:
    code: str
    title: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class CountedItem:
    """An item whose answer distribution is reported."""

    code: str
    type: str
    role: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class IndexStructure:
    key: str
    elements: tuple[Element, ...]
    items: tuple[CountedItem, ...]

    def element(self, code: str) -> Element:
        for element in self.elements:
            if element.code == code:
                return element
        raise KeyError(code)

    @property
    def criterion_codes(self) -> tuple[str, ...]:
        return tuple(c.code for e in self.elements for c in e.criteria)


def structure_from_questionnaire(questionnaire: Any) -> IndexStructure:
    """Build the structure from a ``survey.questionnaire.Questionnaire``.

    Each criterion keeps the satisfied set its scale declares: {4, 5} on the
    5-point scale of the questionnaires in this repository.
    ``IndexConfig.satisfied`` can replace it when the indices are computed.
    """
    elements = []
    for section in questionnaire.elements():
        criteria = tuple(
            Criterion(
                code=item.code,
                values=frozenset(item.values),
                satisfied=frozenset(item.satisfied),
            )
            for item in questionnaire.criteria(section)
        )
        elements.append(Element(section.code, section.title, criteria))
    items = tuple(
        CountedItem(item.code, item.type, item.role, tuple(sorted(item.values)))
        for item in questionnaire.items()
        if item.type in COUNTED_TYPES
    )
    return IndexStructure(questionnaire.key, tuple(elements), items)
