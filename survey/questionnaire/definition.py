"""Questionnaire definitions: the documented file format, parsed and validated.

A definition is a YAML mapping. Its format is described in questionnaires/README.md.
Parsing never trusts the file: every problem found is reported at once, each naming
the file, the place inside it and how to fix it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from analysis.summary import MAX_VALUE as MAX_CRITERION_VALUE

ITEM_TYPES = ("scale", "choice", "multichoice", "text")
# The aspect an item measures; the analysis module reads these roles.
ITEM_ROLES = (
    "criterion",  # a criterion of a service element, counted in the indices
    "element_satisfaction",  # satisfaction with one element as a whole
    "overall_satisfaction",  # satisfaction with the service as a whole
    "indicator",  # a scored indicator of the counter rating (points per option)
    "rating",  # the overall counter rating
    "info",  # anything else: expectations, demographics, comments
)
SECTION_KINDS = (
    "element",
    "overall",
    "expectation",
    "demographics",
    "comment",
    "rating",
    "indicators",
    "other",
)
PURPOSES = ("sipas", "counter")
CODE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,59}$")
# Upper bound of an item's own max_length, so that no definition lifts the
# limit that every channel applies to free text.
TEXT_LIMIT = 2000


class QuestionnaireError(ValueError):
    """Raised when a definition is invalid; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: invalid questionnaire definition\n{lines}")


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    type: str
    role: str
    section: str
    options: tuple[Option, ...] = ()
    # Option values that count as "satisfied" in the indices.
    satisfied: frozenset[int] = frozenset()
    required: bool = False
    # Offers "Không áp dụng", which is left out of every denominator.
    not_applicable: bool = False
    max_choices: int | None = None
    max_length: int | None = None
    help: str | None = None

    @property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)

    def label_of(self, value: int) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        raise KeyError(value)


@dataclass(frozen=True)
class Section:
    code: str
    kind: str
    title: str
    items: tuple[Item, ...]
    intro: str | None = None


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: int
    title: str
    purpose: str
    sections: tuple[Section, ...]
    description: str = ""
    method: str = ""
    # Parts not yet checked against the official text, as stated by the file.
    unconfirmed: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items

    def item(self, code: str) -> Item:
        for item in self.items():
            if item.code == code:
                return item
        raise KeyError(code)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items())

    def elements(self) -> tuple[Section, ...]:
        """Return the service elements: sections whose criteria make the indices."""
        return tuple(s for s in self.sections if s.kind == "element")

    def criteria(self, element: Section) -> tuple[Item, ...]:
        return tuple(item for item in element.items if item.role == "criterion")

    @cached_property
    def criterion_codes(self) -> tuple[str, ...]:
        """Criteria of every element, in the order of IndexStructure.criterion_codes."""
        return tuple(
            item.code for section in self.elements() for item in self.criteria(section)
        )

    @property
    def checksum(self) -> str:
        return checksum(self.raw)

    @property
    def label(self) -> str:
        return f"{self.key} v{self.version}"


def checksum(raw: Mapping[str, Any]) -> str:
    """Return the SHA-256 of a definition's canonical JSON form.

    The definition first goes through JSON once, so that a file read from YAML
    (integer option keys) and the same definition read back from the database
    (string keys) give one checksum.
    """
    as_stored = json.loads(json.dumps(raw, ensure_ascii=False, default=str))
    canonical = json.dumps(
        as_stored, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Checker:
    """Collects the problems of one definition while it is parsed."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def keys(self, where: str, mapping: Mapping[str, Any], allowed: set[str]) -> None:
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.add(
                    where,
                    f"unknown field '{key}'{hint} "
                    f"(allowed: {', '.join(sorted(allowed))})",
                )

    def text(self, where: str, mapping: Mapping[str, Any], key: str) -> str:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            self.add(where, f"'{key}' is missing or empty: give it a non-empty text")
            return ""
        return value.strip()


def parse(raw: Any, source: str = "<definition>") -> Questionnaire:
    """Validate a parsed YAML document and build a Questionnaire from it.

    Raises QuestionnaireError listing every problem found.
    """
    check = _Checker(source)
    if not isinstance(raw, Mapping):
        raise QuestionnaireError(
            source, ["the file must contain one mapping at the top"]
        )
    check.keys(
        "top level",
        raw,
        {
            "key",
            "version",
            "title",
            "purpose",
            "description",
            "method",
            "unconfirmed",
            "scales",
            "sections",
            "language",
        },
    )
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        check.add("key", f"invalid key {key!r}: use lower-case letters, digits and '-'")
        key = str(key)
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        check.add("version", f"invalid version {version!r}: use a whole number from 1")
        version = 0
    title = check.text("top level", raw, "title")
    purpose = raw.get("purpose", "sipas")
    if purpose not in PURPOSES:
        check.add("purpose", f"invalid purpose {purpose!r}: use one of {PURPOSES}")
    unconfirmed = raw.get("unconfirmed", [])
    if not isinstance(unconfirmed, list) or not all(
        isinstance(note, str) for note in unconfirmed
    ):
        check.add("unconfirmed", "must be a list of texts")
        unconfirmed = []

    scales = _parse_scales(check, raw.get("scales", {}))
    sections = _parse_sections(check, raw.get("sections"), scales)

    if check.problems:
        raise QuestionnaireError(source, check.problems)
    return Questionnaire(
        key=key,
        version=version,
        title=title,
        purpose=str(purpose),
        sections=sections,
        description=str(raw.get("description", "")).strip(),
        method=str(raw.get("method", "")).strip(),
        unconfirmed=tuple(unconfirmed),
        raw=raw,
    )


def _parse_options(check: _Checker, where: str, raw: Any) -> tuple[Option, ...]:
    """Parse options written as a mapping from value to label."""
    if not isinstance(raw, Mapping) or not raw:
        check.add(where, "'options' must map each whole-number value to its label")
        return ()
    options = []
    for key, label in raw.items():
        # Keys are integers in YAML and strings once stored as JSON.
        value = (
            int(key) if isinstance(key, str) and re.fullmatch(r"-?\d+", key) else key
        )
        if not isinstance(value, int) or isinstance(value, bool):
            check.add(where, f"option value {key!r} is not a whole number")
            continue
        if not isinstance(label, str) or not label.strip():
            check.add(where, f"option {value} has no label")
            continue
        options.append(Option(value, label.strip()))
    return tuple(options)


@dataclass(frozen=True)
class _Scale:
    options: tuple[Option, ...]
    satisfied: frozenset[int]


def _parse_scales(check: _Checker, raw: Any) -> dict[str, _Scale]:
    if not isinstance(raw, Mapping):
        check.add("scales", "must map each scale name to its options")
        return {}
    scales = {}
    for name, body in raw.items():
        where = f"scale '{name}'"
        if not isinstance(body, Mapping):
            check.add(where, "must be a mapping with 'options'")
            continue
        check.keys(where, body, {"options", "satisfied"})
        options = _parse_options(check, where, body.get("options"))
        satisfied = body.get("satisfied", [])
        values = {option.value for option in options}
        if not isinstance(satisfied, list) or not set(satisfied) <= values:
            check.add(
                where,
                f"'satisfied' must list option values of the scale, got {satisfied!r}",
            )
            satisfied = []
        scales[str(name)] = _Scale(options, frozenset(satisfied))
    return scales


def _parse_sections(
    check: _Checker, raw: Any, scales: dict[str, _Scale]
) -> tuple[Section, ...]:
    if not isinstance(raw, list) or not raw:
        check.add("sections", "must be a non-empty list of sections")
        return ()
    seen_sections: set[str] = set()
    seen_items: set[str] = set()
    sections = []
    for index, body in enumerate(raw, start=1):
        where = f"section {index}"
        if not isinstance(body, Mapping):
            check.add(where, "must be a mapping")
            continue
        check.keys(where, body, {"code", "kind", "title", "intro", "items"})
        code = _code(check, where, body.get("code"), seen_sections)
        where = f"section '{code}'"
        kind = body.get("kind", "other")
        if kind not in SECTION_KINDS:
            check.add(where, f"invalid kind {kind!r}: use one of {SECTION_KINDS}")
        title = check.text(where, body, "title")
        items = _parse_items(check, code, body.get("items"), scales, seen_items)
        if kind == "element" and not any(item.role == "criterion" for item in items):
            check.add(where, "an element section needs at least one 'criterion' item")
        intro = body.get("intro")
        sections.append(
            Section(code, str(kind), title, items, intro.strip() if intro else None)
        )
    return tuple(sections)


def _code(check: _Checker, where: str, code: Any, seen: set[str]) -> str:
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        check.add(
            where,
            f"invalid code {code!r}: start with a letter, then letters, digits or '_', "
            "at most 40 characters",
        )
        return str(code)
    if code in seen:
        check.add(where, f"code '{code}' is used twice: every code must be unique")
    seen.add(code)
    return code


ITEM_FIELDS = {
    "code",
    "text",
    "type",
    "role",
    "scale",
    "options",
    "required",
    "not_applicable",
    "max_choices",
    "max_length",
    "help",
}


def _parse_items(
    check: _Checker,
    section: str,
    raw: Any,
    scales: dict[str, _Scale],
    seen: set[str],
) -> tuple[Item, ...]:
    if not isinstance(raw, list) or not raw:
        check.add(f"section '{section}'", "'items' must be a non-empty list")
        return ()
    items = []
    for index, body in enumerate(raw, start=1):
        where = f"section '{section}', item {index}"
        if not isinstance(body, Mapping):
            check.add(where, "must be a mapping")
            continue
        check.keys(where, body, ITEM_FIELDS)
        code = _code(check, where, body.get("code"), seen)
        item = _parse_item(check, f"item '{code}'", code, section, body, scales)
        if item is not None:
            items.append(item)
    return tuple(items)


def _parse_item(
    check: _Checker,
    where: str,
    code: str,
    section: str,
    body: Mapping[str, Any],
    scales: dict[str, _Scale],
) -> Item | None:
    text = check.text(where, body, "text")
    kind = body.get("type")
    if kind not in ITEM_TYPES:
        check.add(where, f"invalid type {kind!r}: use one of {ITEM_TYPES}")
        return None
    role = body.get("role", "info")
    if role not in ITEM_ROLES:
        check.add(where, f"invalid role {role!r}: use one of {ITEM_ROLES}")
        return None
    options: tuple[Option, ...] = ()
    satisfied: frozenset[int] = frozenset()
    if kind == "scale":
        scale = scales.get(body.get("scale", ""))
        if scale is None:
            check.add(
                where,
                f"unknown scale {body.get('scale')!r}: "
                f"define it under 'scales' (defined: {', '.join(scales) or 'none'})",
            )
            return None
        options, satisfied = scale.options, scale.satisfied
    elif kind in ("choice", "multichoice"):
        options = _parse_options(check, where, body.get("options"))
    satisfaction_roles = ("criterion", "element_satisfaction", "overall_satisfaction")
    if role in (*satisfaction_roles, "rating") and (kind != "scale" or not satisfied):
        check.add(
            where,
            f"role '{role}' needs type 'scale' on a scale that lists 'satisfied'",
        )
    outside = sorted(
        option.value
        for option in options
        if not 0 <= option.value <= MAX_CRITERION_VALUE
    )
    if role == "criterion" and outside:
        check.add(
            where,
            f"option values {outside} of scale {body.get('scale')!r} are outside "
            f"0-{MAX_CRITERION_VALUE}: each criterion answer is stored as one "
            f"base-36 character, so renumber the scale's options within "
            f"0-{MAX_CRITERION_VALUE}",
        )
    if role == "indicator" and kind not in ("scale", "choice"):
        check.add(where, "role 'indicator' needs type 'scale' or 'choice'")
    max_choices = body.get("max_choices")
    if max_choices is not None and (
        kind != "multichoice"
        or not isinstance(max_choices, int)
        or not 1 <= max_choices <= len(options)
    ):
        check.add(
            where,
            f"invalid max_choices {max_choices!r}: only for 'multichoice', "
            f"from 1 to the number of options ({len(options)})",
        )
    max_length = body.get("max_length")
    if kind == "text":
        max_length = TEXT_LIMIT if max_length is None else max_length
        if not isinstance(max_length, int) or not 1 <= max_length <= TEXT_LIMIT:
            check.add(
                where, f"invalid max_length {max_length!r}: use 1 to {TEXT_LIMIT}"
            )
    elif max_length is not None:
        check.add(where, "'max_length' applies only to 'text' items")
    required = body.get("required", kind == "scale")
    not_applicable = body.get("not_applicable", False)
    for flag, value in (("required", required), ("not_applicable", not_applicable)):
        if not isinstance(value, bool):
            check.add(where, f"'{flag}' must be true or false, got {value!r}")
    if not_applicable and kind != "scale":
        check.add(where, "'not_applicable' applies only to 'scale' items")
    return Item(
        code=code,
        text=text,
        type=kind,
        role=role,
        section=section,
        options=options,
        satisfied=satisfied,
        required=bool(required),
        not_applicable=bool(not_applicable),
        max_choices=max_choices,
        max_length=max_length if kind == "text" else None,
        help=body.get("help"),
    )
