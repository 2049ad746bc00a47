"""Check a submitted set of answers against its questionnaire version.

The same rules apply to every channel: the public form, the API and paper data
entry. Every problem is collected, so the respondent sees them all at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from survey.questionnaire.definition import Item, Questionnaire

NOT_APPLICABLE = "na"
# C0 and C1 control characters other than tab and line feed. PostgreSQL rejects
# NUL in text, and the others only hide or garble what a reader sees.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lone UTF-16 surrogates, which a JSON body may carry as escapes but UTF-8 cannot
# encode; each becomes U+FFFD, the replacement character.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    """One invalid answer: the item it concerns (or None) and a message."""

    item: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "code": self.code, "message": str(self.message)}


class SubmissionRejected(ValueError):
    """Raised when a submission is invalid; nothing of it is stored."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p.message) for p in self.problems))


@dataclass(frozen=True)
class CleanAnswer:
    item_code: str
    value: int | None = None
    not_applicable: bool = False
    text: str | None = None

    def key(self) -> tuple[str, int, bool, str]:
        return (
            self.item_code,
            -1 if self.value is None else self.value,
            self.not_applicable,
            self.text or "",
        )


def normalise_text(raw: str) -> str:
    """Return free text in Unicode NFC, with line ends unified and controls removed."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _SURROGATE.sub("\ufffd", text)
    return unicodedata.normalize("NFC", text).strip()


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


def _as_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d{1,6}\s*", raw):
        return int(raw)
    return None


def _option_range(item: Item) -> str:
    return ", ".join(str(option.value) for option in item.options)


def _clean_choice(item: Item, raw: Any, problems: list[Problem]) -> list[CleanAnswer]:
    if isinstance(raw, str) and raw.strip().lower() == NOT_APPLICABLE:
        if item.not_applicable:
            return [CleanAnswer(item.code, not_applicable=True)]
        problems.append(
            Problem(
                item.code,
                "not_applicable_not_allowed",
                _l(
                    "Câu %(item)s không có lựa chọn “Không áp dụng”.",
                    item=item.code,
                ),
            )
        )
        return []
    value = _as_int(raw)
    if value is None or value not in item.values:
        problems.append(
            Problem(
                item.code,
                "not_on_scale",
                _l(
                    "Câu %(item)s: giá trị %(value)s không có trong các lựa chọn "
                    "(%(allowed)s).",
                    item=item.code,
                    value=repr(raw)[:40],
                    allowed=_option_range(item),
                ),
            )
        )
        return []
    return [CleanAnswer(item.code, value=value)]


def _clean_multichoice(
    item: Item, raw: Any, problems: list[Problem]
) -> list[CleanAnswer]:
    values = raw if isinstance(raw, list) else [raw]
    chosen: list[int] = []
    for entry in values:
        value = _as_int(entry)
        if value is None or value not in item.values:
            problems.append(
                Problem(
                    item.code,
                    "not_on_scale",
                    _l(
                        "Câu %(item)s: giá trị %(value)s không có trong các lựa chọn "
                        "(%(allowed)s).",
                        item=item.code,
                        value=repr(entry)[:40],
                        allowed=_option_range(item),
                    ),
                )
            )
            return []
        if value not in chosen:
            chosen.append(value)
    if item.max_choices is not None and len(chosen) > item.max_choices:
        problems.append(
            Problem(
                item.code,
                "too_many_choices",
                _l(
                    "Câu %(item)s: chỉ được chọn tối đa %(max)s lựa chọn, "
                    "đã chọn %(count)s.",
                    item=item.code,
                    max=item.max_choices,
                    count=len(chosen),
                ),
            )
        )
        return []
    return [CleanAnswer(item.code, value=value) for value in sorted(chosen)]


def _clean_text(
    item: Item, raw: Any, limit: int, problems: list[Problem]
) -> list[CleanAnswer]:
    if not isinstance(raw, str):
        problems.append(
            Problem(
                item.code,
                "not_text",
                _l("Câu %(item)s cần một đoạn văn bản.", item=item.code),
            )
        )
        return []
    text = normalise_text(raw)
    maximum = min(limit, item.max_length or limit)
    if len(text) > maximum:
        problems.append(
            Problem(
                item.code,
                "text_too_long",
                _l(
                    "Câu %(item)s dài %(length)s ký tự, tối đa %(max)s ký tự. "
                    "Vui lòng rút ngắn.",
                    item=item.code,
                    length=len(text),
                    max=maximum,
                ),
            )
        )
        return []
    return [CleanAnswer(item.code, text=text)] if text else []


def clean_answers(
    questionnaire: Questionnaire, raw: Mapping[str, Any], text_limit: int
) -> list[CleanAnswer]:
    """Validate ``raw`` (item code -> submitted value) and return the answers to store.

    Raises SubmissionRejected listing every problem found.
    """
    problems: list[Problem] = []
    known = set(questionnaire.item_codes)
    for code in raw:
        if code not in known:
            problems.append(
                Problem(
                    str(code)[:40],
                    "unknown_item",
                    _l(
                        "Câu %(item)s không có trong phiếu %(form)s.",
                        item=str(code)[:40],
                        form=questionnaire.label,
                    ),
                )
            )
    answers: list[CleanAnswer] = []
    for item in questionnaire.items():
        value = raw.get(item.code)
        if _is_blank(value):
            if item.required:
                problems.append(
                    Problem(
                        item.code,
                        "missing",
                        _l(
                            "Câu %(item)s chưa được trả lời: %(text)s",
                            item=item.code,
                            text=item.text,
                        ),
                    )
                )
            continue
        if item.type == "text":
            answers += _clean_text(item, value, text_limit, problems)
        elif item.type == "multichoice":
            answers += _clean_multichoice(item, value, problems)
        elif isinstance(value, list):
            problems.append(
                Problem(
                    item.code,
                    "one_value_expected",
                    _l("Câu %(item)s chỉ nhận một lựa chọn.", item=item.code),
                )
            )
        else:
            answers += _clean_choice(item, value, problems)
    if problems:
        raise SubmissionRejected(problems)
    return answers


def problems_by_item(
    questionnaire: Questionnaire, problems: Iterable[Problem]
) -> tuple[dict[str, list[str]], list[str]]:
    """Split problems into messages per item code and those about no single item."""
    by_item: dict[str, list[str]] = {}
    general: list[str] = []
    codes = set(questionnaire.item_codes)
    for problem in problems:
        if problem.item in codes:
            by_item.setdefault(problem.item, []).append(str(problem.message))
        else:
            general.append(str(problem.message))
    return by_item, general
