"""Create a round and keep each unit's sample target in line with its size rule."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from analysis.sampling import METHODS, SizeRule
from survey.db import utcnow
from survey.models import (
    Agency,
    FrameRow,
    Period,
    QuestionnaireVersion,
    RoundUnit,
    SurveyRound,
)

log = logging.getLogger(__name__)

# Days the frame is kept after fieldwork ends unless the plan says otherwise.
FRAME_KEEP_DAYS = 90


class RoundError(ValueError):
    """Raised when a round request is invalid; the message is shown to the user."""


@dataclass(frozen=True)
class RoundPlan:
    """What an administrator decides when planning a round."""

    code: str
    name: str
    period: Period
    version: QuestionnaireVersion
    agencies: Sequence[Agency]
    fieldwork_starts_on: date
    fieldwork_ends_on: date
    method: str = "slovin"
    margin: Decimal = Decimal("0.05")
    confidence: Decimal = Decimal("0.95")
    expected_index: Decimal = Decimal("0.5")
    reserve_share: Decimal = Decimal("0.2")
    stratify_by_field: bool = True
    frame_delete_after: date | None = None


def size_rule(survey_round: SurveyRound) -> SizeRule:
    return SizeRule(
        method=survey_round.method,
        margin=Decimal(survey_round.margin),
        level=float(survey_round.confidence),
        proportion=Decimal(survey_round.expected_index),
    )


def check_plan(plan: RoundPlan) -> None:
    """Raise RoundError naming the first invalid setting of ``plan``."""
    if not plan.code.strip():
        raise RoundError("Mã đợt khảo sát không được để trống.")
    if plan.method not in METHODS:
        raise RoundError(
            f"Phương pháp cỡ mẫu '{plan.method}' không hợp lệ: dùng "
            + " hoặc ".join(METHODS)
            + "."
        )
    if not Decimal(0) < plan.margin < Decimal(1):
        raise RoundError(
            f"Sai số {plan.margin} không hợp lệ: nhập số trong khoảng 0 đến 1, "
            "ví dụ 0.05."
        )
    if not Decimal(0) < plan.confidence < Decimal(1):
        raise RoundError(
            f"Độ tin cậy {plan.confidence} không hợp lệ: nhập số trong khoảng "
            "0 đến 1, ví dụ 0.95."
        )
    if not Decimal(0) <= plan.expected_index <= Decimal(1):
        raise RoundError(
            f"Chỉ số dự kiến {plan.expected_index} không hợp lệ: nhập số từ 0 đến 1."
        )
    if not Decimal(0) <= plan.reserve_share <= Decimal(1):
        raise RoundError(
            f"Tỷ lệ dự phòng {plan.reserve_share} không hợp lệ: nhập số từ 0 đến 1."
        )
    if plan.fieldwork_ends_on < plan.fieldwork_starts_on:
        raise RoundError("Ngày kết thúc khảo sát phải sau ngày bắt đầu.")
    if not plan.agencies:
        raise RoundError("Đợt khảo sát cần ít nhất một đơn vị.")


def create_round(session: Session, plan: RoundPlan) -> SurveyRound:
    """Store a new round in planning status with a target for each unit."""
    check_plan(plan)
    if session.scalar(select(SurveyRound.id).where(SurveyRound.code == plan.code)):
        raise RoundError(f"Đã có đợt khảo sát mã '{plan.code}'.")
    delete_after = plan.frame_delete_after or plan.fieldwork_ends_on + timedelta(
        days=FRAME_KEEP_DAYS
    )
    survey_round = SurveyRound(
        code=plan.code,
        name=plan.name,
        period_id=plan.period.id,
        questionnaire_version_id=plan.version.id,
        method=plan.method,
        margin=plan.margin,
        confidence=plan.confidence,
        expected_index=plan.expected_index,
        reserve_share=plan.reserve_share,
        stratify_by_field=plan.stratify_by_field,
        fieldwork_starts_on=plan.fieldwork_starts_on,
        fieldwork_ends_on=plan.fieldwork_ends_on,
        frame_delete_after=delete_after,
        units=[RoundUnit(agency_id=agency.id) for agency in plan.agencies],
    )
    session.add(survey_round)
    session.flush()
    update_targets(survey_round)
    session.commit()
    log.info(
        "round created: round=%s units=%s method=%s",
        survey_round.code,
        len(plan.agencies),
        plan.method,
    )
    return survey_round


def update_targets(survey_round: SurveyRound) -> None:
    """Recompute the target of every unit not set by hand from its population.

    A unit without a known population gets the size for an unlimited
    population (400 at a 5 % margin with Slovin's formula).
    """
    rule = size_rule(survey_round)
    for unit in survey_round.units:
        if not unit.target_set_by_hand:
            unit.target = rule.size(unit.population)


def set_target(session: Session, unit: RoundUnit, target: int | None) -> None:
    """Fix a unit's target by hand, or give it back to the rule with ``None``."""
    if target is not None and target < 0:
        raise RoundError(f"Cỡ mẫu {target} không hợp lệ: nhập số nguyên từ 0 trở lên.")
    if unit.round.drawn_at is not None:
        raise RoundError("Đã rút mẫu: không thể sửa cỡ mẫu của đợt này.")
    if target is None:
        unit.target_set_by_hand = False
        unit.target = size_rule(unit.round).size(unit.population)
    else:
        unit.target_set_by_hand = True
        unit.target = target
    session.commit()
    log.info(
        "round target set: round=%s agency=%s target=%s by_hand=%s",
        unit.round.code,
        unit.agency_id,
        unit.target,
        unit.target_set_by_hand,
    )


def update_rule(
    session: Session,
    survey_round: SurveyRound,
    *,
    method: str,
    margin: Decimal,
    confidence: Decimal,
    expected_index: Decimal,
    reserve_share: Decimal,
) -> None:
    """Change the size rule of a round not yet drawn and recompute its targets."""
    if survey_round.drawn_at is not None:
        raise RoundError("Đã rút mẫu: không thể sửa cách tính cỡ mẫu của đợt này.")
    check_plan(
        RoundPlan(
            code=survey_round.code,
            name=survey_round.name,
            period=survey_round.period,
            version=survey_round.questionnaire_version,
            agencies=[unit.agency for unit in survey_round.units],
            fieldwork_starts_on=survey_round.fieldwork_starts_on,
            fieldwork_ends_on=survey_round.fieldwork_ends_on,
            method=method,
            margin=margin,
            confidence=confidence,
            expected_index=expected_index,
            reserve_share=reserve_share,
        )
    )
    survey_round.method = method
    survey_round.margin = margin
    survey_round.confidence = confidence
    survey_round.expected_index = expected_index
    survey_round.reserve_share = reserve_share
    update_targets(survey_round)
    session.commit()
    log.info("round rule changed: round=%s method=%s", survey_round.code, method)


def set_status(session: Session, survey_round: SurveyRound, status: str) -> None:
    """Open fieldwork (needs a draw) or close the round."""
    if status not in ("planning", "fieldwork", "closed"):
        raise RoundError(f"Trạng thái '{status}' không hợp lệ.")
    if status == "fieldwork" and survey_round.drawn_at is None:
        raise RoundError("Chưa rút mẫu: hãy rút mẫu trước khi mở đợt khảo sát.")
    survey_round.status = status
    session.commit()
    log.info("round status set: round=%s status=%s", survey_round.code, status)


def find_round(session: Session, code: str) -> SurveyRound:
    found = session.scalar(select(SurveyRound).where(SurveyRound.code == code))
    if found is None:
        raise RoundError(f"Không tìm thấy đợt khảo sát mã '{code}'.")
    return found


def agencies_in_scope(
    session: Session, period: Period, codes: Sequence[str] = (), groups=()
) -> list[Agency]:
    """Return the agencies of ``codes`` or ``groups`` that existed in ``period``.

    With neither, every ranked agency of the period is in scope.
    """
    query = select(Agency).where(
        Agency.kind != "province",
        Agency.valid_from <= period.ends_on,
        or_(Agency.valid_to.is_(None), Agency.valid_to >= period.starts_on),
    )
    if codes:
        query = query.where(Agency.code.in_(codes))
    elif groups:
        query = query.where(Agency.ranking_group.in_(groups))
    else:
        query = query.where(Agency.ranking_group.is_not(None))
    found = list(session.scalars(query.order_by(Agency.ranking_group, Agency.code)))
    missing = sorted(set(codes) - {agency.code for agency in found})
    if missing:
        raise RoundError(
            "Không có đơn vị mã " + ", ".join(missing) + f" trong kỳ {period.code}."
        )
    return found


def purge_frame(session: Session, survey_round: SurveyRound) -> None:
    """Delete the round's frame rows; invitations, strata and responses stay."""
    session.execute(delete(FrameRow).where(FrameRow.round_id == survey_round.id))
    survey_round.frame_purged_at = utcnow()
    session.commit()
    log.info("round frame purged: round=%s", survey_round.code)


def purge_expired(session: Session, today: date) -> list[str]:
    """Purge the frame of every round whose delete-after day has passed."""
    due = session.scalars(
        select(SurveyRound).where(
            SurveyRound.frame_delete_after < today,
            SurveyRound.frame_purged_at.is_(None),
        )
    ).all()
    for survey_round in due:
        purge_frame(session, survey_round)
    return [survey_round.code for survey_round in due]
