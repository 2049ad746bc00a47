"""What a report is drawn from: analysis results plus the labels to print."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from analysis.counts import Count
from analysis.indices import UnitResult
from analysis.table import IndexTable

GROUP_TITLES = {
    "departments": "Sở, ban, ngành",
    "districts": "UBND cấp huyện",
    "central": "Cơ quan ngành dọc đóng trên địa bàn",
}
CHANNEL_TITLES = {
    "kiosk": "Máy khảo sát tại quầy",
    "online": "Trực tuyến",
    "paper": "Phiếu giấy",
}


@dataclass(frozen=True)
class ItemLabels:
    """The printed wording of one questionnaire item and of its options."""

    code: str
    text: str
    type: str
    role: str
    section: str
    options: Mapping[int, str] = field(default_factory=dict)


def item_labels(questionnaire: Any) -> dict[str, ItemLabels]:
    """Read the wording of every item from a parsed questionnaire (duck typing)."""
    found = {}
    for section in questionnaire.sections:
        for item in section.items:
            found[item.code] = ItemLabels(
                item.code,
                item.text,
                item.type,
                item.role,
                section.code,
                {option.value: option.label for option in item.options},
            )
    return found


@dataclass(frozen=True)
class Comment:
    """One free-text answer chosen for the report, printed as plain text."""

    agency_id: int
    received_on: date
    text: str


@dataclass(frozen=True)
class ReportMeta:
    province: str
    # The body that issues the report, e.g. "Sở Nội vụ".
    issuer: str
    period_name: str
    questionnaire_title: str
    # Questionnaire key and version, e.g. "sipas-2017 v1".
    questionnaire_label: str
    method: str
    generated_on: date
    prepared_by: str = ""
    items: Mapping[str, ItemLabels] = field(default_factory=dict)
    group_titles: Mapping[str, str] = field(default_factory=lambda: GROUP_TITLES)
    previous_period_name: str | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything one report prints.

    ``table`` is the period's index table of every ranked agency, ``province``
    the indices of all their answers pooled (needed by the province report
    only), ``previous`` and ``previous_province`` the same for the period before
    (None when there is none). ``channels`` counts the unflagged respondents by
    channel. Without ``include_comments`` the report has no comment section, for
    readers who may see aggregates only.
    """

    meta: ReportMeta
    table: IndexTable
    province: UnitResult | None = None
    previous: IndexTable | None = None
    previous_province: UnitResult | None = None
    channels: Mapping[str, Count] = field(default_factory=dict)
    comments: Sequence[Comment] = ()
    include_comments: bool = True
