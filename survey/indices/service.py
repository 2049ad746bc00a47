"""Look-ups that connect stored periods, agencies and questionnaires to `analysis`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from analysis.aggregate import Selection
from analysis.indices import IndexConfig
from analysis.ranking import PointsRule
from analysis.structure import IndexStructure, structure_from_questionnaire
from analysis.table import AgencyRef, IndexTable, build_index_table
from survey.models import RANKING_GROUPS, Agency, Period, QuestionnaireVersion
from survey.questionnaire import from_stored, latest_version


class IndexRequestError(ValueError):
    """Raised when a requested period, group or questionnaire is invalid or missing."""


@dataclass(frozen=True)
class TableRequest:
    period: Period
    version: QuestionnaireVersion
    agencies: list[AgencyRef]
    structure: IndexStructure


def find_period(session: Session, code: str) -> Period:
    period = session.scalar(select(Period).where(Period.code == code))
    if period is None:
        known = ", ".join(session.scalars(select(Period.code).order_by(Period.code)))
        raise IndexRequestError(
            f"period '{code}' not found (known periods: {known or 'none'})"
        )
    return period


def find_version(session: Session, key: str) -> QuestionnaireVersion:
    version = latest_version(session, key)
    if version is None:
        raise IndexRequestError(
            f"questionnaire '{key}' not found: "
            "load it with `survey load questionnaires`"
        )
    return version


def ranked_agencies(
    session: Session, period: Period, groups: Sequence[str]
) -> list[AgencyRef]:
    """Return the agencies of ``groups`` that existed during some day of ``period``."""
    for group in groups:
        if group not in RANKING_GROUPS:
            raise IndexRequestError(
                f"group '{group}' is invalid: use one of {', '.join(RANKING_GROUPS)}"
            )
    agencies = session.scalars(
        select(Agency)
        .where(
            Agency.ranking_group.in_(groups),
            Agency.valid_from <= period.ends_on,
            or_(Agency.valid_to.is_(None), Agency.valid_to >= period.starts_on),
        )
        .order_by(Agency.ranking_group, Agency.code)
    )
    return [
        AgencyRef(agency.id, agency.code, agency.name, agency.ranking_group or "")
        for agency in agencies
    ]


def prepare(
    session: Session, period_code: str, groups: Sequence[str], questionnaire: str
) -> TableRequest:
    period = find_period(session, period_code)
    version = find_version(session, questionnaire)
    structure = structure_from_questionnaire(from_stored(version))
    agencies = ranked_agencies(session, period, groups or RANKING_GROUPS)
    if not agencies:
        raise IndexRequestError(
            f"no agency of group(s) {', '.join(groups)} "
            f"existed in period '{period.code}'"
        )
    return TableRequest(period, version, agencies, structure)


def index_table(
    session: Session,
    request: TableRequest,
    config: IndexConfig | None = None,
    rule: PointsRule | None = None,
) -> IndexTable:
    selection = Selection(request.period.id, request.version.id)
    return build_index_table(
        session, selection, request.agencies, request.structure, config, rule
    )
