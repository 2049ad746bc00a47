"""Rules that flag a suspicious response at submit time, in its own transaction.

A flagged response is stored and counted on the dashboard but left out of every
index; an administrator reviews it. Nothing here rejects a response.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.integrity import audit
from survey.models import ContactDetails, ReceiptCode, Response
from survey.responses.validation import CleanAnswer

log = logging.getLogger(__name__)

TOO_FAST = "too_fast"
STRAIGHT_LINING = "straight_lining"
KIOSK_BURST = "kiosk_burst"
HONEYPOT = "honeypot"
INVALID_START = "invalid_start"
# Set by an administrator on the review page.
STAFF = "staff"
REASONS = (TOO_FAST, STRAIGHT_LINING, KIOSK_BURST, HONEYPOT, INVALID_START, STAFF)

BURST_WINDOW = timedelta(minutes=10)
BURST_BASELINE = timedelta(days=7)
_START_SALT = "survey-form-start"


def sign_start(secret: str, when: datetime) -> str:
    """Return the token the form carries for the time it was shown."""
    return URLSafeSerializer(secret, salt=_START_SALT).dumps(when.isoformat())


def read_start(secret: str, token: str | None) -> datetime | None:
    """Return the time signed into ``token``, or None when it is not ours."""
    if not token or len(token) > 200:
        return None
    try:
        value = URLSafeSerializer(secret, salt=_START_SALT).loads(token)
        return datetime.fromisoformat(value)
    except (BadData, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Evidence:
    """What a channel knows about how a response was filled in."""

    questionnaire_key: str
    # The day the receipt-code hash is recorded, in the survey's time zone.
    today: date
    receipt_hash: str | None = None
    # When the form was shown. Paired with ``completed_at`` from the same clock,
    # or with the server's receipt time when ``completed_at`` is None.
    started_at: datetime | None = None
    completed_at: datetime | None = None
    # The form was posted without a valid start token.
    start_invalid: bool = False
    honeypot: bool = False
    contact: str | None = None


@dataclass(frozen=True)
class Policy:
    min_seconds: int
    straight_lining_min_items: int
    burst_min: int
    burst_factor: float
    contact_days: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        return cls(
            min_seconds=config["FORM_MIN_SECONDS"],
            straight_lining_min_items=config["STRAIGHT_LINING_MIN_ITEMS"],
            burst_min=config["KIOSK_BURST_MIN"],
            burst_factor=config["KIOSK_BURST_FACTOR"],
            contact_days=config["CONTACT_RETENTION_DAYS"],
        )


def _too_fast(response: Response, evidence: Evidence, policy: Policy) -> bool:
    if evidence.started_at is None or policy.min_seconds <= 0:
        return False
    completed = evidence.completed_at or response.received_at
    return completed - evidence.started_at < timedelta(seconds=policy.min_seconds)


def _straight_lining(
    answers: Sequence[CleanAnswer], scale_items: frozenset[str], policy: Policy
) -> bool:
    # NOTE: a respondent who is sincerely satisfied with everything also gives
    # one value to every item, so this rule flags some honest responses; the
    # review page exists to unflag them.
    if policy.straight_lining_min_items <= 0:
        return False
    values = [
        answer.value
        for answer in answers
        if answer.item_code in scale_items and answer.value is not None
    ]
    return len(values) >= policy.straight_lining_min_items and len(set(values)) == 1


def _count_captured(
    session: Session, counter_id: int, start: datetime, end: datetime
) -> int:
    query = select(func.count(Response.id)).where(
        Response.counter_id == counter_id,
        Response.channel == "kiosk",
        Response.captured_at > start,
        Response.captured_at <= end,
    )
    return session.scalar(query) or 0


def _kiosk_burst(session: Session, response: Response, policy: Policy) -> bool:
    """Compare the last 10 minutes of a kiosk counter with its mean 10 minutes.

    Capture times, not receipt times, are counted: a kiosk that sends a queue
    of responses after a network outage has not produced a burst.
    """
    # NOTE: counted per counter, since responses record the counter and not the
    # kiosk; two kiosks at one counter share the count.
    if response.channel != "kiosk" or response.counter_id is None:
        return False
    moment = response.captured_at or response.received_at
    recent = _count_captured(
        session, response.counter_id, moment - BURST_WINDOW, moment
    )
    before = _count_captured(
        session,
        response.counter_id,
        moment - BURST_WINDOW - BURST_BASELINE,
        moment - BURST_WINDOW,
    )
    windows = BURST_BASELINE / BURST_WINDOW
    threshold = max(policy.burst_min, policy.burst_factor * before / windows)
    # The response itself is not yet flushed, so it adds one.
    return recent + 1 > threshold


def flag_reasons(
    session: Session,
    response: Response,
    answers: Sequence[CleanAnswer],
    evidence: Evidence,
    policy: Policy,
    scale_items: frozenset[str],
) -> list[str]:
    """Return the reason codes for which ``response`` is suspicious."""
    reasons = []
    if evidence.honeypot:
        reasons.append(HONEYPOT)
    if evidence.start_invalid:
        reasons.append(INVALID_START)
    if _too_fast(response, evidence, policy):
        reasons.append(TOO_FAST)
    if _straight_lining(answers, scale_items, policy):
        reasons.append(STRAIGHT_LINING)
    if _kiosk_burst(session, response, policy):
        reasons.append(KIOSK_BURST)
    return reasons


@dataclass(frozen=True)
class IntegritySteps:
    """The steps the submit service runs around the insert of a new response."""

    evidence: Evidence
    policy: Policy
    scale_items: frozenset[str]

    def flag(
        self, session: Session, response: Response, answers: list[CleanAnswer]
    ) -> None:
        """Set the flags of the response before its row is inserted."""
        reasons = flag_reasons(
            session, response, answers, self.evidence, self.policy, self.scale_items
        )
        if reasons:
            response.flagged = True
            response.flag_reason = ",".join(reasons)

    def record(self, session: Session, response: Response) -> None:
        """Store the receipt code, contact and audit entry of the inserted response."""
        evidence = self.evidence
        if evidence.receipt_hash is not None:
            session.add(
                ReceiptCode(
                    questionnaire_key=evidence.questionnaire_key,
                    code_hash=evidence.receipt_hash,
                    created_on=evidence.today,
                )
            )
            # Raises IntegrityError here when the code is taken.
            session.flush()
        if evidence.contact is not None:
            consented = response.received_at
            session.add(
                ContactDetails(
                    response_id=response.id,
                    contact=evidence.contact,
                    consented_at=consented,
                    delete_after=consented + timedelta(days=self.policy.contact_days),
                )
            )
        if response.flagged:
            audit.record(
                session,
                "system",
                "flagged",
                "response",
                response.id,
                response.flag_reason or "",
            )
