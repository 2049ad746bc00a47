"""Registered kiosks, receipt-code hashes, the audit log and opt-in contact details."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, BigIntPK, UTCDateTime, utcnow
from survey.models.agency import Agency, Counter


class Kiosk(Base):
    """A device enrolled to collect responses for one counter of one agency."""

    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"))
    label: Mapped[str] = mapped_column(String(100), default="")
    # SHA-256 of the one-time enrolment token; cleared once the kiosk enrols.
    enrolment_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolment_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the credential the kiosk browser keeps in a cookie. The token
    # has 256 random bits, so a plain digest suffices and lookups stay indexed.
    credential_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()
    counter: Mapped[Counter] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.credential_hash is not None


class ReceiptCode(Base):
    """A dossier receipt code already used for a response to one questionnaire.

    Only the keyed hash is stored, and on purpose no link to the response, so
    that the answers cannot be joined to a dossier through this table.
    """

    __tablename__ = "receipt_codes"
    __table_args__ = (UniqueConstraint("questionnaire_key", "code_hash"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    questionnaire_key: Mapped[str] = mapped_column(String(60))
    # HMAC-SHA256 of the normalised code under RECEIPT_CODE_KEY.
    code_hash: Mapped[str] = mapped_column(String(64))
    # A day, not a time, so that it cannot be matched to a response's receipt time.
    created_on: Mapped[date] = mapped_column(Date, index=True)


class AuditLog(Base):
    """One change to integrity data: a flag, an unflag, a kiosk issued or revoked."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # "system", "cli" or "staff:<id>".
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    # Reason codes or a staff note; never personal data or free-text answers.
    detail: Mapped[str] = mapped_column(String(500), default="")


class ContactDetails(Base):
    """Contact details a respondent chose to leave, kept apart from the answers."""

    __tablename__ = "contact_details"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), unique=True
    )
    # Phone number or e-mail address, as the respondent typed it (NFC).
    contact: Mapped[str] = mapped_column(String(200))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delete_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
