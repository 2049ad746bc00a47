"""The per-response summary of criterion answers: ``responses.criteria_values``.

The summary has one character per criterion of the response's questionnaire
version, in the order of ``IndexStructure.criterion_codes``:

- '0'-'9' and 'a'-'z': the stored option value 0..35 in base 36;
- '-': "not applicable";
- '.': no answer;
- '?': a stored value outside 0..35. The questionnaire validator rejects
  criterion options outside 0..35, so such a value is never a valid answer.

The influence sums and Cronbach's alpha read this column instead of the answers,
so they cost one pass over the responses. Every writer of responses stores it,
and a questionnaire version without criteria stores None.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple, Protocol

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
# The largest option value a criterion may have; the alphabet ends there.
MAX_VALUE = len(ALPHABET) - 1
NOT_APPLICABLE = "-"
BLANK = "."
OUT_OF_RANGE = "?"


class HasCriteria(Protocol):
    """A questionnaire or an index structure: anything listing its criterion codes."""

    @property
    def criterion_codes(self) -> Sequence[str]: ...


class AnswerLike(Protocol):
    """A stored answer: ``survey.models.Answer``, a clean answer or ``AnswerValue``."""

    @property
    def item_code(self) -> str: ...

    @property
    def value(self) -> int | None: ...

    @property
    def not_applicable(self) -> bool: ...


class AnswerValue(NamedTuple):
    """One answer, for writers that hold answers as plain values."""

    item_code: str
    value: int | None
    not_applicable: bool = False


def value_character(value: int | None, not_applicable: bool) -> str:
    """Return the summary character of one answer."""
    if not_applicable:
        return NOT_APPLICABLE
    if value is None:
        return BLANK
    if 0 <= value <= MAX_VALUE:
        return ALPHABET[value]
    return OUT_OF_RANGE


def criteria_values(
    structure: HasCriteria, answers: Iterable[AnswerLike]
) -> str | None:
    """Encode the criterion answers of one response; None without criteria.

    Answers to items that are not criteria are skipped. Raises ValueError when
    a criterion has two answers, which the answer validation never stores.
    """
    codes = tuple(structure.criterion_codes)
    if not codes:
        return None
    positions = _positions(codes)
    characters = [BLANK] * len(codes)
    for answer in answers:
        position = positions.get(answer.item_code)
        if position is None:
            continue
        character = value_character(answer.value, answer.not_applicable)
        if character == BLANK:
            continue
        if characters[position] != BLANK:
            raise ValueError(
                f"criterion {answer.item_code!r} has more than one answer: "
                "store one answer per criterion"
            )
        characters[position] = character
    return "".join(characters)


@lru_cache(maxsize=64)
def _positions(codes: tuple[str, ...]) -> dict[str, int]:
    return {code: position for position, code in enumerate(codes)}
