"""Gather what a report prints: analysis results, labels, sample counts, comments.

Indices come from ``survey.indices.service`` and ``analysis.table``, the same
functions that serve the dashboard and the exports.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.aggregate import Selection
from analysis.counts import Count
from analysis.indices import IndexConfig
from analysis.ranking import PointsRule
from analysis.report import Comment, ReportData, ReportMeta, item_labels
from analysis.table import build_index_table, pooled_results
from survey.indices import service as indices
from survey.models import Agency, Answer, Period, Response
from survey.questionnaire import from_stored

log = logging.getLogger(__name__)

PROVINCE = "province"


class ReportRequestError(ValueError):
    """Raised when a requested period, agency or questionnaire is invalid or missing."""


@dataclass(frozen=True)
class ReportOptions:
    questionnaire: str
    config: IndexConfig
    rule: PointsRule | None = None
    issuer: str = "Sở Nội vụ"
    prepared_by: str = ""
    # Free-text comments quoted, most recent first; 0 leaves them out.
    comment_limit: int = 30
    timezone: str = "Asia/Ho_Chi_Minh"


def previous_period(session: Session, period: Period) -> Period | None:
    """Return the latest period that ends before ``period`` starts, if any."""
    return session.scalar(
        select(Period)
        .where(Period.ends_on < period.starts_on)
        .order_by(Period.ends_on.desc(), Period.starts_on.desc())
        .limit(1)
    )


def province_name(session: Session, period: Period) -> str:
    found = session.scalar(
        select(Agency.name)
        .where(Agency.kind == "province", Agency.valid_from <= period.ends_on)
        .order_by(Agency.valid_from.desc())
        .limit(1)
    )
    return found or "tỉnh"


def channel_counts(
    session: Session, selection: Selection, agency_ids: Collection[int]
) -> dict[str, Count]:
    """Count the unflagged responses of the selection by channel."""
    query = (
        select(Response.channel, func.count())
        .where(
            Response.period_id == selection.period_id,
            Response.agency_id.in_(sorted(agency_ids)),
            Response.flagged.is_(False),
        )
        .group_by(Response.channel)
        .order_by(Response.channel)
    )
    if selection.questionnaire_version_id is not None:
        query = query.where(
            Response.questionnaire_version_id == selection.questionnaire_version_id
        )
    return {channel: n for channel, n in session.execute(query)}


def recent_comments(
    session: Session,
    selection: Selection,
    agency_ids: Collection[int],
    item_codes: Collection[str],
    limit: int,
    timezone: str,
) -> list[Comment]:
    """Return up to ``limit`` free-text answers of unflagged responses, newest first."""
    if limit <= 0 or not item_codes:
        return []
    query = (
        select(Response.agency_id, Response.received_at, Answer.text)
        .join(Answer, Answer.response_id == Response.id)
        .where(
            Response.period_id == selection.period_id,
            Response.agency_id.in_(sorted(agency_ids)),
            Response.flagged.is_(False),
            Answer.item_code.in_(sorted(item_codes)),
            Answer.text.is_not(None),
            Answer.text != "",
        )
        .order_by(Response.received_at.desc(), Answer.id.desc())
        .limit(limit)
    )
    if selection.questionnaire_version_id is not None:
        query = query.where(
            Response.questionnaire_version_id == selection.questionnaire_version_id
        )
    zone = ZoneInfo(timezone)
    return [
        Comment(agency_id, received.astimezone(zone).date(), text or "")
        for agency_id, received, text in session.execute(query)
    ]


def report_data(
    session: Session,
    period_code: str,
    options: ReportOptions,
    *,
    agency_code: str | None = None,
    today: date | None = None,
) -> ReportData:
    """Compute every figure of the province report, or of one agency's report.

    The index table always covers every ranked agency of the period, because an
    agency's rank depends on the others. Comments are restricted to the agency
    when ``agency_code`` is given.
    """
    try:
        request = indices.prepare(session, period_code, (), options.questionnaire)
    except indices.IndexRequestError as error:
        raise ReportRequestError(str(error)) from error
    ids = [agency.id for agency in request.agencies]
    focus = ids
    if agency_code is not None:
        chosen = [a for a in request.agencies if a.code == agency_code]
        if not chosen:
            raise ReportRequestError(
                f"agency '{agency_code}' is not ranked in period '{period_code}': "
                "use the code of a department, district or central agency"
            )
        focus = [chosen[0].id]
    config, rule = options.config, options.rule
    table = indices.index_table(session, request, config, rule)
    selection = Selection(request.period.id, request.version.id)
    province = None
    if agency_code is None:
        province = pooled_results(
            session, selection, {PROVINCE: ids}, request.structure, config
        )[PROVINCE]
    previous = previous_period(session, request.period)
    previous_table = previous_province = None
    if previous is not None:
        earlier = Selection(previous.id, request.version.id)
        previous_table = build_index_table(
            session, earlier, request.agencies, request.structure, config, rule
        )
        if agency_code is None:
            previous_province = pooled_results(
                session, earlier, {PROVINCE: ids}, request.structure, config
            )[PROVINCE]
    questionnaire = from_stored(request.version)
    labels = item_labels(questionnaire)
    text_items = [code for code, item in labels.items() if item.type == "text"]
    meta = ReportMeta(
        province=province_name(session, request.period),
        issuer=options.issuer,
        period_name=request.period.name,
        questionnaire_title=questionnaire.title,
        questionnaire_label=questionnaire.label,
        method=questionnaire.method,
        generated_on=today or datetime.now(ZoneInfo(options.timezone)).date(),
        prepared_by=options.prepared_by,
        items=labels,
        previous_period_name=previous.name if previous else None,
    )
    data = ReportData(
        meta=meta,
        table=table,
        province=province,
        previous=previous_table,
        previous_province=previous_province,
        channels=channel_counts(session, selection, focus),
        comments=recent_comments(
            session,
            selection,
            focus,
            text_items,
            options.comment_limit,
            options.timezone,
        ),
    )
    log.info(
        "report data gathered: period %s, agency %s, %s agencies",
        period_code,
        agency_code or "all",
        len(ids),
    )
    return data
