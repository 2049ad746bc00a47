"""Figures of the staff dashboard: response counts, indices, ranking and trend.

Counts come from GROUP BY queries on ``responses``; indices, intervals and
ranks come from the ``analysis`` package through ``survey.indices.service``.
Every query is limited to the agencies the signed-in user may see.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Date, Interval, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from analysis.table import table_dict
from survey.indices import service as index_service
from survey.models import CHANNELS, RANKING_GROUPS, Agency, Period, Response
from survey.staff.access import agency_subtree

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgencyCount:
    id: int
    code: str
    name: str
    responses: int


@dataclass
class IndexRow:
    agency_id: int
    code: str
    name: str
    group: str
    rank: int | None
    respondents: int
    # Overall index on the 0-100 scale with its confidence interval; None
    # when the agency has no answers.
    overall: float | None
    ci_low: float | None
    ci_high: float | None
    ranked: bool
    notes: list[str]
    previous: float | None = None

    @property
    def change(self) -> float | None:
        if self.overall is None or self.previous is None:
            return None
        return self.overall - self.previous


@dataclass
class Dashboard:
    period: Period
    previous_period: Period | None
    total: int
    previous_total: int | None
    flagged: int
    synthetic: int
    by_agency: list[AgencyCount]
    by_channel: list[tuple[str, int]]
    by_day: list[tuple[date, int]]
    index_rows: list[IndexRow] = field(default_factory=list)
    # Why the indices are missing, for the page to show instead of the table.
    index_error: str | None = None


def periods(db: Session) -> list[Period]:
    return list(db.scalars(select(Period).order_by(Period.starts_on.desc())))


def chosen_period(db: Session, code: str | None) -> Period | None:
    """Return the period named ``code``, else today's period, else the latest one."""
    if code:
        return db.scalar(select(Period).where(Period.code == code))
    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    current = db.scalar(
        select(Period)
        .where(Period.starts_on <= today, Period.ends_on >= today)
        .order_by(Period.starts_on.desc())
    )
    return current or db.scalar(select(Period).order_by(Period.ends_on.desc()))


def previous_period(db: Session, period: Period) -> Period | None:
    return db.scalar(
        select(Period)
        .where(Period.ends_on < period.starts_on)
        .order_by(Period.ends_on.desc())
    )


def agency_by_code(db: Session, code: str) -> Agency | None:
    return db.scalar(select(Agency).where(Agency.code == code))


def subtree(db: Session, agency_id: int) -> set[int]:
    return agency_subtree(db, agency_id)


def _scope(
    period: Period, visible: Collection[int] | None
) -> list[ColumnElement[bool]]:
    conditions = [Response.period_id == period.id]
    if visible is not None:
        conditions.append(Response.agency_id.in_(sorted(visible)))
    return conditions


def count_total(db: Session, period: Period, visible: Collection[int] | None) -> int:
    query = select(func.count(Response.id)).where(
        *_scope(period, visible), Response.flagged.is_(False)
    )
    return db.scalar(query) or 0


def count_by_agency(
    db: Session, period: Period, visible: Collection[int] | None
) -> list[AgencyCount]:
    query = (
        select(Agency.id, Agency.code, Agency.name, func.count(Response.id))
        .join(Response, Response.agency_id == Agency.id)
        .where(*_scope(period, visible), Response.flagged.is_(False))
        .group_by(Agency.id, Agency.code, Agency.name)
        .order_by(func.count(Response.id).desc(), Agency.code)
    )
    return [AgencyCount(*row) for row in db.execute(query)]


def count_by_channel(
    db: Session, period: Period, visible: Collection[int] | None
) -> list[tuple[str, int]]:
    query = (
        select(Response.channel, func.count(Response.id))
        .where(*_scope(period, visible), Response.flagged.is_(False))
        .group_by(Response.channel)
    )
    found: dict[str, int] = {channel: count for channel, count in db.execute(query)}
    return [(channel, found.get(channel, 0)) for channel in CHANNELS]


def _local_day(db: Session, offset: timedelta) -> ColumnElement[Any]:
    """SQL for the local calendar day of a response's capture time."""
    moment = func.coalesce(Response.captured_at, Response.received_at)
    minutes = int(offset.total_seconds() // 60)
    if db.get_bind().dialect.name == "sqlite":
        return func.date(moment, f"{minutes:+d} minutes")
    return cast(moment + literal(timedelta(minutes=minutes), Interval()), Date)


def count_by_day(
    db: Session, period: Period, visible: Collection[int] | None
) -> list[tuple[date, int]]:
    """Count responses per local day of capture, with zero for days without any."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    # NOTE: one UTC offset for the whole period, the one at its first day. That
    # is exact for Asia/Ho_Chi_Minh (no daylight saving time since 1975) but
    # not for a zone that changes offset within the period.
    start = datetime.combine(period.starts_on, datetime.min.time(), zone)
    offset = start.utcoffset() or timedelta(0)
    day = _local_day(db, offset)
    query = (
        select(day, func.count(Response.id))
        .where(*_scope(period, visible), Response.flagged.is_(False))
        .group_by(day)
        .order_by(day)
    )
    found = {_as_date(value): count for value, count in db.execute(query)}
    if not found:
        return []
    first, last = min(found), max(found)
    days = (last - first).days + 1
    return [
        (first + timedelta(days=n), found.get(first + timedelta(days=n), 0))
        for n in range(days)
    ]


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def count_flags(
    db: Session, period: Period, visible: Collection[int] | None
) -> tuple[int, int]:
    """Return the number of flagged and of synthetic responses in scope."""
    query = select(
        func.count(Response.id).filter(Response.flagged.is_(True)),
        func.count(Response.id).filter(Response.is_synthetic.is_(True)),
    ).where(*_scope(period, visible))
    flagged, synthetic = db.execute(query).one()
    return flagged or 0, synthetic or 0


def build(db: Session, period: Period, visible: Collection[int] | None) -> Dashboard:
    """Collect every figure of the dashboard for ``period`` within ``visible``."""
    before = previous_period(db, period)
    flagged, synthetic = count_flags(db, period, visible)
    data = Dashboard(
        period=period,
        previous_period=before,
        total=count_total(db, period, visible),
        previous_total=count_total(db, before, visible) if before else None,
        flagged=flagged,
        synthetic=synthetic,
        by_agency=count_by_agency(db, period, visible),
        by_channel=count_by_channel(db, period, visible),
        by_day=count_by_day(db, period, visible),
    )
    _add_indices(db, data, visible)
    return data


def _notes(estimate: dict[str, Any], n: int, min_sample: int) -> list[str]:
    """Write the analysis remarks of an index in the reader's language."""
    if estimate["status"] == "no_data":
        return [_("không có dữ liệu (n = 0)")]
    notes = []
    if estimate["status"] == "insufficient":
        notes.append(
            _("chưa đủ mẫu (n = %(n)s < %(min)s), không xếp hạng", n=n, min=min_sample)
        )
    if estimate.get("ci_low") is None:
        notes.append(_("không tính được khoảng tin cậy (n < 2)"))
    return notes


def _index_rows(db: Session, period: Period) -> list[IndexRow]:
    """Compute the ranked index table of every group for ``period``."""
    questionnaire = current_app.config["DEFAULT_QUESTIONNAIRE"]
    request = index_service.prepare(db, period.code, RANKING_GROUPS, questionnaire)
    table = table_dict(index_service.index_table(db, request))
    rows = []
    for entry in table["agencies"]:
        overall = entry["overall"]
        rows.append(
            IndexRow(
                agency_id=entry["agency"]["id"],
                code=entry["agency"]["code"],
                name=entry["agency"]["name"],
                group=entry["group"],
                rank=entry["rank"],
                respondents=int(entry["respondents"]),
                overall=overall["value"],
                ci_low=overall["ci_low"],
                ci_high=overall["ci_high"],
                ranked=overall["status"] == "ok",
                notes=_notes(overall, int(entry["respondents"]), table["min_sample"]),
            )
        )
    return rows


def _add_indices(db: Session, data: Dashboard, visible: Collection[int] | None) -> None:
    try:
        rows = _index_rows(db, data.period)
    except index_service.IndexRequestError as error:
        log.info(
            "dashboard indices unavailable for period %s: %s", data.period.id, error
        )
        data.index_error = str(error)
        return
    if data.previous_period is not None:
        try:
            before = {
                row.agency_id: row.overall
                for row in _index_rows(db, data.previous_period)
            }
        except index_service.IndexRequestError:
            before = {}
        for row in rows:
            row.previous = before.get(row.agency_id)
    if visible is not None:
        rows = [row for row in rows if row.agency_id in visible]
    data.index_rows = rows
