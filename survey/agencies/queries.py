"""Look-ups of agencies and counters shared by the pages and the API."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from survey.models import Agency, Counter

# Built once: every submission looks its agency up, and a prebuilt statement
# keeps its cache key instead of computing it per request.
_AGENCY_BY_CODE = select(Agency).where(Agency.code == bindparam("code"))


def agency_by_code(session: Session, code: str) -> Agency | None:
    return session.scalar(_AGENCY_BY_CODE, {"code": code})


def open_agency(session: Session, code: str, day: date) -> Agency | None:
    """Return the agency ``code`` if it exists on ``day`` and is not the province."""
    agency = agency_by_code(session, code)
    if agency is None or agency.kind == "province" or not agency.is_valid_on(day):
        return None
    return agency


def open_agencies(session: Session, day: date) -> list[Agency]:
    """Return the agencies that serve citizens on ``day``, in group and name order."""
    return list(
        session.scalars(
            select(Agency)
            .where(
                Agency.kind != "province",
                Agency.valid_from <= day,
                or_(Agency.valid_to.is_(None), Agency.valid_to >= day),
            )
            .order_by(Agency.ranking_group, Agency.name)
        )
    )


def counter_by_code(session: Session, agency: Agency, code: str) -> Counter | None:
    return session.scalar(
        select(Counter).where(
            Counter.agency_id == agency.id, Counter.code == code, Counter.active
        )
    )
