"""Store a validated response in one transaction, exactly once per submission id."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, Select, bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement

from analysis.summary import criteria_values
from survey.db import utcnow
from survey.models import (
    Agency,
    Answer,
    Counter,
    Period,
    QuestionnaireVersion,
    Response,
)
from survey.questionnaire.store import from_stored
from survey.responses.validation import CleanAnswer, clean_answers

log = logging.getLogger(__name__)

# A client clock this far ahead of the server is not trusted for the capture time.
CLOCK_SKEW = timedelta(minutes=5)


class SubmissionConflict(Exception):
    """Raised when a submission id already stored arrives with different content."""

    def __init__(self, submission_id: uuid.UUID, response_id: int) -> None:
        self.submission_id = submission_id
        self.response_id = response_id
        super().__init__(f"submission {submission_id} was stored with other answers")


@dataclass(frozen=True)
class SubmitResult:
    response_id: int
    submission_id: uuid.UUID
    # False when the submission id was already stored with the same content.
    created: bool
    received_at: datetime


@dataclass(frozen=True)
class Submission:
    """The input a channel hands over after parsing its own format."""

    submission_id: uuid.UUID
    version: QuestionnaireVersion
    agency: Agency
    channel: str
    answers: Mapping[str, Any]
    counter: Counter | None = None
    captured_at: datetime | None = None
    # How long before its arrival a response may have been captured; an older
    # capture time is replaced by the arrival time. None sets no bound, for
    # staff who type in paper forms.
    capture_window: timedelta | None = None
    # Runs before the response row is inserted, with the row as a transient
    # Response and the cleaned answers: checks that set ``flagged`` and
    # ``flag_reason``.
    before_insert: Callable[[Session, Response, list[CleanAnswer]], None] | None = None
    # Runs in the same transaction once the row and its answers are inserted and
    # ``id`` is set: rows that refer to the response.
    after_insert: Callable[[Session, Response], None] | None = None


def digest(submission: Submission, answers: list[CleanAnswer]) -> str:
    """Return the SHA-256 of everything a retry must repeat unchanged."""
    content = {
        "questionnaire_version": submission.version.id,
        "agency": submission.agency.id,
        "counter": submission.counter.id if submission.counter else None,
        "channel": submission.channel,
        "answers": sorted(answer.key() for answer in answers),
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _DaysBetween(FunctionElement[int]):
    """The number of days from the first date argument to the second."""

    type = Integer()
    inherit_cache = True


@compiles(_DaysBetween)
def _days_between(element: _DaysBetween, compiler: Any, **kw: Any) -> str:
    first, last = list(element.clauses)
    return f"({compiler.process(last, **kw)} - {compiler.process(first, **kw)})"


@compiles(_DaysBetween, "sqlite")
def _days_between_sqlite(element: _DaysBetween, compiler: Any, **kw: Any) -> str:
    # SQLite stores dates as ISO text, which does not subtract.
    first, last = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({last}) - julianday({first}))"


def period_query(day: date | BindParameter[date]) -> Select[tuple[int]]:
    """Select the id of the shortest period that contains ``day``, if any."""
    return (
        select(Period.id)
        .where(Period.starts_on <= day, Period.ends_on >= day)
        .order_by(_DaysBetween(Period.starts_on, Period.ends_on), Period.id)
        .limit(1)
    )


def period_for(session: Session, day: date) -> Period | None:
    """Return the shortest period that contains ``day``, if any."""
    return session.scalar(
        select(Period).where(Period.id == period_query(day).scalar_subquery())
    )


def capture_time(
    captured_at: datetime | None,
    received_at: datetime,
    window: timedelta | None = None,
) -> datetime:
    """Return the client's capture time, or the receipt time if it is not credible.

    A capture time ahead of the server's clock, or older than ``window`` before
    the receipt time, is not credible.
    """
    if captured_at is None or captured_at.tzinfo is None:
        return received_at
    if captured_at > received_at + CLOCK_SKEW:
        return received_at
    if window is not None and captured_at < received_at - window:
        return received_at
    return captured_at


def submit(
    session: Session, submission: Submission, *, text_limit: int, timezone: str
) -> SubmitResult:
    """Validate and store ``submission``; a repeated submission id stores nothing new.

    Raises SubmissionRejected when an answer is invalid and SubmissionConflict when
    the submission id is already stored with different content.
    """
    questionnaire = from_stored(submission.version)
    answers = clean_answers(questionnaire, submission.answers, text_limit)
    fingerprint = digest(submission, answers)

    received_at = utcnow()
    captured_at = capture_time(
        submission.captured_at, received_at, submission.capture_window
    )
    if submission.captured_at is not None and captured_at is received_at:
        log.info(
            "capture time not credible, receipt time used: submission=%s",
            submission.submission_id,
        )
    # Never added to the session: it carries the row's values to the checks,
    # and the row itself goes in through one Core INSERT.
    response = Response(
        submission_id=submission.submission_id,
        questionnaire_version_id=submission.version.id,
        agency_id=submission.agency.id,
        counter_id=submission.counter.id if submission.counter else None,
        channel=submission.channel,
        received_at=received_at,
        captured_at=captured_at,
        answers_digest=fingerprint,
        is_synthetic=False,
        flagged=False,
        flag_reason=None,
        criteria_values=criteria_values(questionnaire, answers),
    )
    try:
        if submission.before_insert is not None:
            with session.no_autoflush:
                submission.before_insert(session, response, answers)
        # Raises IntegrityError when this submission id is already stored: a
        # retry, or another request that committed first.
        response.id = insert_response(
            session, response, captured_at.astimezone(ZoneInfo(timezone)).date()
        )
        store_answers(session, response.id, answers)
        if submission.after_insert is not None:
            submission.after_insert(session, response)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _find(session, submission.submission_id)
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    except BaseException:
        session.rollback()
        raise
    log.info(
        "response stored: id=%s agency=%s channel=%s questionnaire=%s",
        response.id,
        submission.agency.code,
        submission.channel,
        questionnaire.label,
    )
    return SubmitResult(response.id, submission.submission_id, True, received_at)


_RESPONSE_COLUMNS = (
    "submission_id",
    "questionnaire_version_id",
    "agency_id",
    "counter_id",
    "channel",
    "received_at",
    "captured_at",
    "answers_digest",
    "is_synthetic",
    "flagged",
    "flag_reason",
    "criteria_values",
)
# Built once: the INSERT finds the period of the capture day itself, which
# saves a round trip.
_INSERT_RESPONSE = insert(Response.__table__).values(
    period_id=period_query(bindparam("capture_day", type_=Date)).scalar_subquery()
)


def insert_response(session: Session, response: Response, capture_day: date) -> int:
    """Insert the row that ``response`` describes; return its id."""
    values = {name: getattr(response, name) for name in _RESPONSE_COLUMNS}
    result = session.execute(_INSERT_RESPONSE, {**values, "capture_day": capture_day})
    return int(result.inserted_primary_key[0])


# PostgreSQL inserts every answer row of a response from one JSON parameter in
# one short statement, which the driver parses once and prepares.
_JSON_ANSWERS = text(
    "INSERT INTO answers (response_id, item_code, value, not_applicable, text) "
    "SELECT :response_id, a.c, a.v, a.n, a.t "
    "FROM json_to_recordset(CAST(:answers AS json)) "
    "AS a(c varchar, v integer, n boolean, t text)"
)


def store_answers(
    session: Session, response_id: int, answers: list[CleanAnswer]
) -> None:
    """Insert the answer rows of a flushed response in one statement.

    A Core insert, because the ORM would build an object per answer and read
    back every generated id, which nothing needs.
    """
    if not answers:
        return
    if session.get_bind().dialect.name == "postgresql":
        rows = [
            {"c": a.item_code, "v": a.value, "n": a.not_applicable, "t": a.text}
            for a in answers
        ]
        session.execute(
            _JSON_ANSWERS,
            {"response_id": response_id, "answers": json.dumps(rows)},
        )
        return
    session.execute(
        insert(Answer),
        [
            {
                "response_id": response_id,
                "item_code": answer.item_code,
                "value": answer.value,
                "not_applicable": answer.not_applicable,
                "text": answer.text,
            }
            for answer in answers
        ],
    )


def _find(session: Session, submission_id: uuid.UUID) -> Response | None:
    return session.scalar(
        select(Response).where(Response.submission_id == submission_id)
    )


def _replay(existing: Response, fingerprint: str) -> SubmitResult:
    if existing.answers_digest != fingerprint:
        log.warning(
            "submission id reused with different content: submission=%s response=%s",
            existing.submission_id,
            existing.id,
        )
        raise SubmissionConflict(existing.submission_id, existing.id)
    log.info(
        "repeated submission returned from store: submission=%s response=%s",
        existing.submission_id,
        existing.id,
    )
    return SubmitResult(
        existing.id, existing.submission_id, False, existing.received_at
    )
