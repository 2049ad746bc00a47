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

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
    # Runs inside the transaction after the response is added, before commit:
    # integrity checks that flag the response or store rows beside it.
    before_commit: Callable[[Session, Response], None] | None = None


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


def period_for(session: Session, day: date) -> Period | None:
    """Return the shortest period that contains ``day``, if any."""
    candidates = session.scalars(
        select(Period).where(Period.starts_on <= day, Period.ends_on >= day)
    ).all()
    return min(candidates, key=lambda p: p.ends_on - p.starts_on, default=None)


def capture_time(captured_at: datetime | None, received_at: datetime) -> datetime:
    """Return the client's capture time, or the receipt time if it is not credible."""
    if captured_at is None or captured_at.tzinfo is None:
        return received_at
    if captured_at > received_at + CLOCK_SKEW:
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

    existing = _find(session, submission.submission_id)
    if existing is not None:
        return _replay(existing, fingerprint)

    received_at = utcnow()
    captured_at = capture_time(submission.captured_at, received_at)
    period = period_for(session, captured_at.astimezone(ZoneInfo(timezone)).date())
    response = Response(
        submission_id=submission.submission_id,
        questionnaire_version_id=submission.version.id,
        agency_id=submission.agency.id,
        counter_id=submission.counter.id if submission.counter else None,
        period_id=period.id if period else None,
        channel=submission.channel,
        received_at=received_at,
        captured_at=captured_at,
        answers_digest=fingerprint,
        criteria_values=criteria_values(questionnaire, answers),
        answers=[
            Answer(
                item_code=answer.item_code,
                value=answer.value,
                not_applicable=answer.not_applicable,
                text=answer.text,
            )
            for answer in answers
        ],
    )
    session.add(response)
    try:
        if submission.before_commit is not None:
            submission.before_commit(session, response)
        session.commit()
    except IntegrityError:
        # Another request with the same submission id committed first.
        session.rollback()
        existing = _find(session, submission.submission_id)
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    log.info(
        "response stored: id=%s agency=%s channel=%s questionnaire=%s",
        response.id,
        submission.agency.code,
        submission.channel,
        questionnaire.label,
    )
    return SubmitResult(response.id, response.submission_id, True, received_at)


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
