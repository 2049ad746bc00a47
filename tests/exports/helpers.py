"""Builders shared by the export tests: stored responses and files in memory."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey.exports.service import open_export
from survey.exports.source import make_filter
from survey.exports.writers import csv_chunks, write_xlsx
from survey.models import Agency, Answer, Counter, Response
from survey.questionnaire import get_version
from survey.responses.service import Submission, submit
from tests.factories import full_answers

ZONE = "Asia/Ho_Chi_Minh"


def add_response(
    session: Session,
    agency_code: str = "STP",
    answers: dict[str, Any] | None = None,
    *,
    key: str = "sipas-2017",
    version: int = 1,
    captured_at: datetime | None = None,
    channel: str = "online",
    counter_code: str | None = None,
    flag_reason: str | None = None,
) -> Response:
    """Store a response through the submission service, as a channel would."""
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    counter = None
    if counter_code is not None:
        counter = session.scalar(
            select(Counter).where(
                Counter.agency_id == agency.id, Counter.code == counter_code
            )
        )
    result = submit(
        session,
        Submission(
            submission_id=uuid.uuid4(),
            version=get_version(session, key, version),
            agency=agency,
            channel=channel,
            answers=answers if answers is not None else full_answers(key),
            counter=counter,
            captured_at=captured_at or datetime(2021, 11, 5, 2, 30, tzinfo=UTC),
        ),
        text_limit=2000,
        timezone=ZONE,
    )
    response = session.get_one(Response, result.response_id)
    if flag_reason is not None:
        response.flagged = True
        response.flag_reason = flag_reason
        session.commit()
    return response


def export_csv(session: Session, period: str | None = "2021", **filters: Any) -> bytes:
    response_filter = make_filter(
        session, filters.pop("key", "sipas-2017"), period, filters.pop("agency", None)
    )
    export = open_export(session, response_filter, ZONE, filters.pop("chunk", 2000))
    data = b"".join(csv_chunks(export))
    session.rollback()
    return data


def export_xlsx(
    session: Session,
    period: str | None = "2021",
    sheet_rows: int = 1_048_575,
    **kw: Any,
) -> bytes:
    response_filter = make_filter(
        session, kw.pop("key", "sipas-2017"), period, kw.pop("agency", None)
    )
    export = open_export(session, response_filter, ZONE, kw.pop("chunk", 2000))
    buffer = io.BytesIO()
    write_xlsx(export, buffer, sheet_rows)
    session.rollback()
    return buffer.getvalue()


def delete_responses(app: Flask, session: Session) -> None:
    session.execute(delete(Answer))
    session.execute(delete(Response))
    session.commit()


def snapshot_of(session: Session) -> dict[str, tuple[Any, ...]]:
    """Return every stored response as comparable values, by submission id."""
    found: dict[str, tuple[Any, ...]] = {}
    for response in session.scalars(select(Response)):
        agency = session.get_one(Agency, response.agency_id)
        counter = (
            session.get(Counter, response.counter_id) if response.counter_id else None
        )
        found[str(response.submission_id)] = (
            agency.code,
            counter.code if counter else None,
            response.channel,
            response.questionnaire_version.key,
            response.questionnaire_version.version,
            response.captured_at,
            response.period_id,
            response.flagged,
            response.flag_reason,
            response.is_synthetic,
            sorted(
                (a.item_code, a.value, a.not_applicable, a.text)
                for a in response.answers
            ),
        )
    return found
