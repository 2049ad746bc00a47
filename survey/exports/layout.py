"""The wide layout of a response export: one row per response, one column per item.

The same layout is written to CSV, XLSX and SPSS and read back by the import, so
every name used by both directions lives here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from survey.questionnaire.definition import Item, Questionnaire

# Cell text for "Không áp dụng" in CSV and XLSX. The validation of submissions
# accepts it in any letter case, so an exported file imports unchanged.
NOT_APPLICABLE_CELL = "NA"
# SPSS code for "Không áp dụng", declared as a user-missing value.
SAV_NOT_APPLICABLE = -1
NOT_APPLICABLE_LABEL = "Không áp dụng"

# Column kinds: response metadata, one scale or choice item, one option of a
# multiple-choice item (1 chosen, 0 not chosen), one free-text item.
META, VALUE, OPTION, TEXT = "meta", "value", "option", "text"

META_LABELS = {
    "submission_id": "Mã phiếu (UUID)",
    "agency_code": "Mã cơ quan",
    "agency_name": "Tên cơ quan",
    "counter": "Quầy",
    "channel": "Kênh (kiosk, online, paper)",
    "questionnaire": "Mã phiếu khảo sát",
    "version": "Phiên bản phiếu",
    "received_at": "Thời điểm máy chủ nhận",
    "captured_at": "Thời điểm trả lời",
    "period": "Kỳ khảo sát",
    "flagged": "Bị đánh dấu (1 có, 0 không)",
    "flag_reason": "Lý do đánh dấu",
    "is_synthetic": "Dữ liệu mô phỏng (1 có, 0 không)",
}
META_COLUMNS = tuple(META_LABELS)
TIME_COLUMNS = ("received_at", "captured_at")
FLAG_COLUMNS = ("flagged", "is_synthetic")
# Metadata columns that hold numbers rather than text.
NUMERIC_META = ("version", *FLAG_COLUMNS)


class LayoutError(ValueError):
    """Raised when the questionnaire versions in a range cannot share one layout."""


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str
    item_code: str | None = None
    # The option value a column of a multiple-choice item stands for.
    option: int | None = None
    value_labels: dict[int, str] = field(default_factory=dict)
    not_applicable: bool = False


def option_column_name(code: str, value: int) -> str:
    """Return the column of one option, e.g. MD1_3 (MD1_m1 for the value -1)."""
    return f"{code}_{value}" if value >= 0 else f"{code}_m{-value}"


def zone_offset(zone: str) -> str:
    """Return the UTC offset of ``zone`` now, e.g. 'UTC+07:00'."""
    offset = datetime.now(UTC).astimezone(ZoneInfo(zone)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def header(column: Column, zone: str) -> str:
    """Return the column heading of CSV and XLSX; times name their zone."""
    if column.name in TIME_COLUMNS:
        return f"{column.name} ({zone}, {zone_offset(zone)})"
    return column.name


def column_name_of_header(text: str) -> str:
    """Return the column name of a heading read back, without BOM or zone note."""
    name = text.lstrip("\ufeff").strip()
    base = name.split(" (", 1)[0]
    return base if base in TIME_COLUMNS else name


@dataclass(frozen=True)
class Layout:
    """The columns of an export over one questionnaire key and its versions."""

    key: str
    versions: tuple[int, ...]
    columns: tuple[Column, ...]
    # Version -> multiple-choice item -> the option values that version offers.
    # An option a version did not offer stays empty in its rows, never 0.
    offered: dict[int, dict[str, frozenset[int]]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def item_columns(self) -> list[Column]:
        return [column for column in self.columns if column.kind != META]


def _merge_order(orders: Sequence[Sequence[str]]) -> list[str]:
    """Merge item orders of successive versions; a new code follows its predecessor."""
    merged: list[str] = []
    for order in orders:
        previous: str | None = None
        for code in order:
            if code not in merged:
                position = merged.index(previous) + 1 if previous else 0
                merged.insert(position, code)
            previous = code
    return merged


def build_layout(questionnaires: Sequence[Questionnaire]) -> Layout:
    """Return the union of the items of ``questionnaires``, oldest version first.

    Labels come from the newest version that has the item. Raises LayoutError
    when versions of different keys are mixed or an item changes its type.
    """
    if not questionnaires:
        raise LayoutError("no questionnaire version to build the columns from")
    ordered = sorted(questionnaires, key=lambda q: q.version)
    keys = {q.key for q in ordered}
    if len(keys) > 1:
        raise LayoutError(
            f"one export covers one questionnaire; got {', '.join(sorted(keys))}"
        )
    newest: dict[str, Item] = {}
    options: dict[str, dict[int, str]] = {}
    for questionnaire in ordered:
        for item in questionnaire.items():
            earlier = newest.get(item.code)
            if earlier is not None and earlier.type != item.type:
                raise LayoutError(
                    f"item {item.code} is '{earlier.type}' in an older version and "
                    f"'{item.type}' in {questionnaire.label}: export the versions "
                    "separately"
                )
            newest[item.code] = item
            labels = options.setdefault(item.code, {})
            labels.update({option.value: option.label for option in item.options})
    offered = {
        q.version: {
            item.code: item.values for item in q.items() if item.type == "multichoice"
        }
        for q in ordered
    }
    order = _merge_order([q.item_codes for q in ordered])
    columns = [Column(name, label, META) for name, label in META_LABELS.items()]
    for code in order:
        columns += _item_columns(newest[code], options[code])
    return Layout(
        ordered[0].key, tuple(q.version for q in ordered), tuple(columns), offered
    )


def _item_columns(item: Item, labels: dict[int, str]) -> list[Column]:
    if item.type == "text":
        return [Column(item.code, item.text, TEXT, item.code)]
    if item.type == "multichoice":
        return [
            Column(
                option_column_name(item.code, value),
                f"{item.text}: {label}",
                OPTION,
                item.code,
                option=value,
                value_labels={1: "Có chọn", 0: "Không chọn"},
            )
            for value, label in sorted(labels.items())
        ]
    if item.not_applicable and SAV_NOT_APPLICABLE in labels:
        raise LayoutError(
            f"item {item.code} uses the value {SAV_NOT_APPLICABLE}, which the SPSS "
            "export reserves for 'Không áp dụng'"
        )
    return [
        Column(
            item.code,
            item.text,
            VALUE,
            item.code,
            value_labels=dict(sorted(labels.items())),
            not_applicable=item.not_applicable,
        )
    ]
