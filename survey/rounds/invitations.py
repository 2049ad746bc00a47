"""Answering a round's questionnaire with an invitation code.

The code is claimed with ``UPDATE ... WHERE used IS FALSE`` in the same
transaction that stores the response and its link to the round, so of two
concurrent uses exactly one succeeds, and a response rejected by validation
leaves the code unused. The invitation is only marked used: nothing stored
says which response used it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.models import Agency, Invitation, Response, RoundResponse, SurveyRound
from survey.responses.service import Submission, SubmitResult, submit
from survey.rounds.codes import code_hash, normalise

log = logging.getLogger(__name__)


class InvitationUnavailable(Exception):
    """Raised when a code is unknown, already used, or its round is not open.

    ``reason`` is one of "invalid", "used", "closed".
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invitation unavailable: {reason}")


@dataclass(frozen=True)
class Found:
    invitation: Invitation
    round: SurveyRound
    agency: Agency


def find(session: Session, key: bytes, raw_code: str) -> Found:
    """Return the released invitation of ``raw_code`` with its round and unit.

    Raises InvitationUnavailable("invalid") for an unknown or unreleased code,
    ("closed") when its round is not in fieldwork, ("used") when already used.
    """
    code = normalise(raw_code)
    if code is None:
        raise InvitationUnavailable("invalid")
    invitation = session.scalar(
        select(Invitation).where(Invitation.code_hash == code_hash(key, code))
    )
    if invitation is None or not invitation.released:
        raise InvitationUnavailable("invalid")
    survey_round = session.get(SurveyRound, invitation.round_id)
    if survey_round is None or survey_round.status != "fieldwork":
        raise InvitationUnavailable("closed")
    if invitation.used:
        raise InvitationUnavailable("used")
    agency = session.get(Agency, invitation.agency_id)
    assert agency is not None  # the foreign key guarantees it
    return Found(invitation, survey_round, agency)


def linked_round(session: Session, submission_id: uuid.UUID) -> int | None:
    """Return the round id of an already stored submission, if it came by invitation."""
    return session.scalar(
        select(RoundResponse.round_id)
        .join(Response, Response.id == RoundResponse.response_id)
        .where(Response.submission_id == submission_id)
    )


def answer(
    session: Session,
    found: Found,
    submission_id: uuid.UUID,
    answers: Mapping[str, Any],
    *,
    channel: str = "online",
    text_limit: int,
    timezone: str,
) -> SubmitResult:
    """Store a response for the invitation's round and unit, using up the code.

    Raises InvitationUnavailable("used") when another request used the code
    first, and whatever ``submit`` raises (SubmissionRejected,
    SubmissionConflict); in every error case the code stays as it was.
    """
    invitation = found.invitation
    claimed = session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.released.is_(True),
            Invitation.used.is_(False),
        )
        .values(used=True)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.rollback()
        raise InvitationUnavailable("used")

    def link(linking: Session, response: Response) -> None:
        # In the transaction of the claim, so that all three commit together.
        linking.add(
            RoundResponse(
                response_id=response.id,
                round_id=found.round.id,
                agency_id=invitation.agency_id,
                field=invitation.field,
            )
        )

    try:
        result = submit(
            session,
            Submission(
                submission_id=submission_id,
                version=found.round.questionnaire_version,
                agency=found.agency,
                channel=channel,
                answers=answers,
                after_insert=link,
            ),
            text_limit=text_limit,
            timezone=timezone,
        )
    except BaseException:
        session.rollback()
        raise
    if not result.created:
        # The submission id was stored before, so nothing was committed here.
        session.rollback()
        raise InvitationUnavailable("used")
    log.info(
        "round response stored: round=%s agency=%s response=%s",
        found.round.code,
        found.agency.code,
        result.response_id,
    )
    return result
