"""Apply the retention rules: delete what is kept only for a limited time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from survey.integrity import audit
from survey.models import ContactDetails, ReceiptCode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeResult:
    receipt_codes: int
    contact_details: int


def purge(
    session: Session, *, now: datetime, today: date, receipt_days: int, actor: str
) -> PurgeResult:
    """Delete receipt-code hashes older than ``receipt_days`` and expired contacts."""
    cutoff = today - timedelta(days=receipt_days)
    codes = session.execute(
        delete(ReceiptCode).where(ReceiptCode.created_on < cutoff)
    ).rowcount
    contacts = session.execute(
        delete(ContactDetails).where(ContactDetails.delete_after <= now)
    ).rowcount
    audit.record(
        session,
        actor,
        "purged",
        "retention",
        today.isoformat(),
        f"receipt_codes={codes} contact_details={contacts}",
    )
    session.commit()
    log.info("retention purge: receipt_codes=%s contact_details=%s", codes, contacts)
    return PurgeResult(codes, contacts)
