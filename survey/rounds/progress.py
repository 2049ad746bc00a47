"""Fieldwork progress: responses against target per unit and channel.

A unit is at risk when, at its pace so far, it would end fieldwork short of
its target: projected = responses / elapsed share of the fieldwork days, and
the unit is at risk when projected < target. Before fieldwork starts no unit
is at risk. The reserves suggested for release cover the projected shortfall
at the unit's observed response rate (responses / released invitations), or,
before any response, at the rate the reserve share assumes, 1 / (1 + share).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.sampling import achieved_margin
from survey.models import Agency, Invitation, Response, RoundResponse, SurveyRound


@dataclass
class UnitProgress:
    agency_id: int
    code: str
    name: str
    target: int
    population: int | None
    invited: int = 0
    reserves_left: int = 0
    responses: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    projected: float | None = None
    at_risk: bool = False
    suggested_release: int = 0
    margin: float | None = None

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.invited if self.invited else None

    @property
    def share_of_target(self) -> float | None:
        return self.responses / self.target if self.target else None


@dataclass
class RoundProgress:
    round: SurveyRound
    day: date
    elapsed: float
    units: list[UnitProgress]

    @property
    def target(self) -> int:
        return sum(unit.target for unit in self.units)

    @property
    def responses(self) -> int:
        return sum(unit.responses for unit in self.units)

    @property
    def invited(self) -> int:
        return sum(unit.invited for unit in self.units)

    @property
    def at_risk(self) -> list[UnitProgress]:
        return [unit for unit in self.units if unit.at_risk]


def elapsed_share(survey_round: SurveyRound, day: date) -> float:
    """Return the share of fieldwork days passed by the end of ``day`` (0 to 1)."""
    total = (survey_round.fieldwork_ends_on - survey_round.fieldwork_starts_on).days + 1
    passed = (day - survey_round.fieldwork_starts_on).days + 1
    return min(1.0, max(0.0, passed / total))


def progress(
    session: Session,
    survey_round: SurveyRound,
    day: date,
    visible: set[int] | None = None,
) -> RoundProgress:
    """Count invitations and responses of every unit of the round (``visible`` only)."""
    units = {}
    names = {
        row.id: row.code for row in session.execute(select(Agency.id, Agency.code))
    }
    titles = {
        row.id: row.name for row in session.execute(select(Agency.id, Agency.name))
    }
    for unit in survey_round.units:
        if visible is not None and unit.agency_id not in visible:
            continue
        units[unit.agency_id] = UnitProgress(
            unit.agency_id,
            names[unit.agency_id],
            titles[unit.agency_id],
            unit.target,
            unit.population,
        )
    invitations = (
        select(
            Invitation.agency_id,
            Invitation.released,
            func.count(),
        )
        .where(Invitation.round_id == survey_round.id)
        .group_by(Invitation.agency_id, Invitation.released)
    )
    for agency_id, released, count in session.execute(invitations):
        if agency_id not in units:
            continue
        if released:
            units[agency_id].invited += count
        else:
            units[agency_id].reserves_left += count
    responses = (
        select(RoundResponse.agency_id, Response.channel, func.count())
        .join(Response, Response.id == RoundResponse.response_id)
        .where(RoundResponse.round_id == survey_round.id, Response.flagged.is_(False))
        .group_by(RoundResponse.agency_id, Response.channel)
    )
    for agency_id, channel, count in session.execute(responses):
        if agency_id in units:
            units[agency_id].by_channel[channel] = count
            units[agency_id].responses += count
    share = elapsed_share(survey_round, day)
    for unit in units.values():
        _assess(unit, share, survey_round)
    ordered = sorted(units.values(), key=lambda unit: unit.code)
    return RoundProgress(survey_round, day, share, ordered)


def _assess(unit: UnitProgress, share: float, survey_round: SurveyRound) -> None:
    level = float(survey_round.confidence)
    proportion = Decimal(survey_round.expected_index)
    unit.margin = achieved_margin(unit.responses, level, proportion, unit.population)
    if share <= 0:
        return
    unit.projected = unit.responses / share
    if unit.responses >= unit.target or unit.projected >= unit.target:
        return
    unit.at_risk = True
    shortfall = unit.target - unit.projected
    rate = unit.response_rate if unit.responses else None
    if not rate:
        rate = 1 / (1 + float(survey_round.reserve_share))
    unit.suggested_release = min(unit.reserves_left, math.ceil(shortfall / rate))
