"""Agencies (the units that serve citizens), their counters and survey periods."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base

AGENCY_KINDS = ("province", "department", "district", "central", "commune")
# Units are ranked only against others of the same group.
RANKING_GROUPS = ("departments", "districts", "central")


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('province', 'department', 'district', 'central', 'commune')",
            name="kind",
        ),
        CheckConstraint(
            "ranking_group IS NULL OR ranking_group IN "
            "('departments', 'districts', 'central')",
            name="ranking_group",
        ),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable short code used in URLs, exports and the command line, e.g. "STP".
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    ranking_group: Mapped[str | None] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    # First and last day (inclusive) on which the unit existed in this form.
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # Marks an entry of the source list that still needs checking.
    unconfirmed: Mapped[bool] = mapped_column(default=False)

    parent: Mapped[Agency | None] = relationship(remote_side=[id])
    counters: Mapped[list[Counter]] = relationship(
        back_populates="agency", order_by="Counter.code"
    )

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (
            self.valid_to is None or day <= self.valid_to
        )

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class Counter(Base):
    """A desk of an agency's one-stop section where a kiosk may stand."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)

    agency: Mapped[Agency] = relationship(back_populates="counters")


class Period(Base):
    """A stretch of days whose responses are analysed together, e.g. a year."""

    __tablename__ = "periods"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # First and last day, inclusive, in the survey's time zone.
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<Period {self.code}>"
