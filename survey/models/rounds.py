"""Survey rounds: plan, sampling frame, invitations and the link to responses.

Privacy: the frame holds dossier codes (and an optional postal address) only so
that invitation letters can be printed; it has no names and is deleted after
``SurveyRound.frame_delete_after``. An invitation records only whether it was
used, never when nor by which response, so a response cannot be traced back
to a dossier through the database.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, BigIntPK, UTCDateTime, utcnow
from survey.models.agency import Agency, Period
from survey.models.response import QuestionnaireVersion, Response

ROUND_STATUSES = ("planning", "fieldwork", "closed")
SIZE_METHODS = ("slovin", "wilson")


class SurveyRound(Base):
    __tablename__ = "survey_rounds"
    __table_args__ = (
        CheckConstraint("status IN ('planning', 'fieldwork', 'closed')", name="status"),
        CheckConstraint("method IN ('slovin', 'wilson')", name="method"),
        CheckConstraint("margin > 0 AND margin < 1", name="margin"),
        CheckConstraint("confidence > 0 AND confidence < 1", name="confidence"),
        CheckConstraint(
            "expected_index >= 0 AND expected_index <= 1", name="expected_index"
        ),
        CheckConstraint("reserve_share >= 0 AND reserve_share <= 1", name="reserves"),
        CheckConstraint(
            "fieldwork_ends_on >= fieldwork_starts_on", name="fieldwork_dates"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short code used on the command line and in URLs, e.g. "2021-Q4".
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Dossiers of the frame must have been returned within this period.
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id")
    )
    status: Mapped[str] = mapped_column(String(12), default="planning")
    # Sample size rule: target margin of error (0-1), confidence level (0-1),
    # and the index (0-1) expected, which the Wilson method needs.
    method: Mapped[str] = mapped_column(String(12), default="slovin")
    margin: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    confidence: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    expected_index: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    # Reserves drawn for non-response, as a share of each unit's sample.
    reserve_share: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    # Also stratify each unit's draw by procedure field.
    stratify_by_field: Mapped[bool] = mapped_column(default=True)
    # Seed of the random draw; set when the draw is made, so it can be repeated.
    seed: Mapped[int | None] = mapped_column(BigInteger)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fieldwork_starts_on: Mapped[date] = mapped_column(Date)
    fieldwork_ends_on: Mapped[date] = mapped_column(Date)
    # The frame's dossier codes and addresses are deleted on or after this day.
    frame_delete_after: Mapped[date] = mapped_column(Date)
    frame_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    period: Mapped[Period] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    units: Mapped[list[RoundUnit]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundUnit.id"
    )

    def __repr__(self) -> str:
        return f"<SurveyRound {self.code}>"


class RoundUnit(Base):
    """A unit in a round's scope with its population and sample target."""

    __tablename__ = "survey_round_units"
    __table_args__ = (
        UniqueConstraint("round_id", "agency_id"),
        CheckConstraint("target >= 0", name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE")
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    # Dossiers of the unit in the frame; None until a frame is imported.
    population: Mapped[int | None]
    # Responses the unit needs; computed from the rule unless set by hand.
    target: Mapped[int] = mapped_column(default=0)
    target_set_by_hand: Mapped[bool] = mapped_column(default=False)

    round: Mapped[SurveyRound] = relationship(back_populates="units")
    agency: Mapped[Agency] = relationship()


class RoundStratum(Base):
    """A unit's procedure field (or the whole unit) as drawn: size, sample, reserves.

    Kept after the frame is purged, so that weights stay available.
    """

    __tablename__ = "survey_round_strata"
    __table_args__ = (UniqueConstraint("round_id", "agency_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE")
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    # Procedure field; empty when the round is stratified by unit only.
    field: Mapped[str] = mapped_column(String(200))
    population: Mapped[int]
    sample: Mapped[int]
    reserves: Mapped[int]


class FrameRow(Base):
    """One dossier a unit returned in the period, from the one-stop system's export."""

    __tablename__ = "survey_frame_rows"
    __table_args__ = (
        UniqueConstraint("round_id", "dossier_code"),
        Index("ix_survey_frame_rows_round_agency", "round_id", "agency_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE")
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    dossier_code: Mapped[str] = mapped_column(String(60))
    field: Mapped[str] = mapped_column(String(200))
    returned_on: Mapped[date] = mapped_column(Date)
    # Postal address for the letter, when the one-stop export has one.
    address: Mapped[str | None] = mapped_column(String(300))


class Invitation(Base):
    """A drawn dossier's invitation: a single-use code bound to a round and stratum."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        CheckConstraint("kind IN ('main', 'reserve')", name="kind"),
        UniqueConstraint("round_id", "agency_id", "kind", "rank"),
        Index("ix_survey_invitations_round_agency", "round_id", "agency_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE")
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    field: Mapped[str] = mapped_column(String(200))
    # Emptied when the frame is purged; the invitation itself stays for progress.
    frame_row_id: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("survey_frame_rows.id", ondelete="SET NULL"),
    )
    # Keyed hash of the code; the code itself is derived again when printing.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Bumped when a derived code collides with another invitation's.
    code_salt: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(8))
    # Order within the unit: main invitations by draw, reserves by release order.
    rank: Mapped[int]
    released: Mapped[bool] = mapped_column(default=False)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used: Mapped[bool] = mapped_column(default=False)

    frame_row: Mapped[FrameRow | None] = relationship()


class RoundResponse(Base):
    """The round and stratum a response answered through an invitation code."""

    __tablename__ = "survey_round_responses"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("responses.id", ondelete="CASCADE"),
        unique=True,
    )
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    field: Mapped[str] = mapped_column(String(200))

    response: Mapped[Response] = relationship()
