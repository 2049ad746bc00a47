"""The random draw of the dossiers to invite, and the release of reserves.

The draw is stratified by unit and, when the round is set so, by procedure
field. Each stratum draws with its own generator, seeded from the round's
seed, the unit code and the field, from the stratum's rows sorted by dossier
code. The same seed and frame therefore give the same invitations whatever
the order of the imported file, and adding a unit leaves the others unchanged.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from analysis.sampling import allocate, reserve_size
from survey.db import utcnow
from survey.models import (
    FrameRow,
    Invitation,
    RoundResponse,
    RoundStratum,
    RoundUnit,
    SurveyRound,
)
from survey.rounds.codes import code_hash, derive_code
from survey.rounds.planning import RoundError

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
# Largest seed accepted: it is stored in a signed 64-bit column.
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Drawn:
    """One drawn dossier before its code is made."""

    agency_id: int
    field: str
    frame_row_id: int
    kind: str
    rank: int


@dataclass
class DrawSummary:
    seed: int
    main: int = 0
    reserves: int = 0
    by_unit: dict[str, tuple[int, int]] = field(default_factory=dict)


def stratum_generator(seed: int, agency_code: str, field_name: str) -> random.Random:
    # A string seed goes through SHA-512 in random.Random, so the stream does
    # not depend on PYTHONHASHSEED or on the platform.
    return random.Random(f"{seed}:{agency_code}:{field_name}")


def draw_unit(
    rows: Sequence[tuple[int, str, str]],
    target: int,
    reserve_share: Any,
    seed: int,
    agency_code: str,
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Draw the main sample and the reserves of one unit from its frame rows.

    ``rows`` are (frame row id, stratum, dossier code). The sample is
    min(target, rows) and is split across strata in proportion to their sizes
    (largest remainder); the reserves are the reserve share of the sample,
    split in proportion to what each stratum has left. Returns, per stratum,
    the frame row ids of the main sample and of the reserves in draw order.
    """
    strata: dict[str, list[tuple[str, int]]] = {}
    for row_id, stratum, code in rows:
        strata.setdefault(stratum, []).append((code, row_id))
    for members in strata.values():
        members.sort()
    sample = min(target, len(rows))
    reserves = min(reserve_size(sample, reserve_share), len(rows) - sample)
    main_parts = allocate(sample, {h: len(m) for h, m in strata.items()})
    left = {h: len(m) - main_parts[h] for h, m in strata.items()}
    reserve_parts = allocate(reserves, left)
    main: dict[str, list[int]] = {}
    extra: dict[str, list[int]] = {}
    for stratum in sorted(strata):
        generator = stratum_generator(seed, agency_code, stratum)
        size = main_parts[stratum] + reserve_parts[stratum]
        picked = [row_id for _, row_id in generator.sample(strata[stratum], size)]
        main[stratum] = picked[: main_parts[stratum]]
        extra[stratum] = picked[main_parts[stratum] :]
    return main, extra


def release_order(reserves: dict[str, list[int]]) -> list[tuple[str, int]]:
    """Interleave the reserves of the strata so that any prefix is near proportional.

    The j-th of r_h reserves of stratum h is placed at (j + ½) / r_h.
    """
    keyed = [
        (Fraction(2 * j + 1, 2 * len(ids)), stratum, row_id)
        for stratum, ids in reserves.items()
        for j, row_id in enumerate(ids)
    ]
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [(stratum, row_id) for _, stratum, row_id in keyed]


def _check_can_draw(session: Session, survey_round: SurveyRound, redraw: bool) -> None:
    if survey_round.frame_purged_at is not None:
        raise RoundError("Danh sách hồ sơ của đợt này đã bị xoá: không thể rút mẫu.")
    if survey_round.drawn_at is not None:
        if not redraw:
            raise RoundError(
                "Đợt này đã rút mẫu. Dùng tuỳ chọn rút lại nếu chưa gửi thư mời."
            )
        answered = session.scalar(
            select(func.count())
            .select_from(RoundResponse)
            .where(RoundResponse.round_id == survey_round.id)
        )
        if answered or survey_round.status != "planning":
            raise RoundError(
                "Không thể rút lại mẫu: đợt khảo sát đã mở hoặc đã có phiếu trả lời."
            )
    has_frame = session.scalar(
        select(FrameRow.id).where(FrameRow.round_id == survey_round.id).limit(1)
    )
    if has_frame is None:
        raise RoundError(
            "Chưa có danh sách hồ sơ: hãy nhập danh sách trước khi rút mẫu."
        )


def draw(
    session: Session,
    survey_round: SurveyRound,
    key: bytes,
    seed: int | None = None,
    redraw: bool = False,
) -> DrawSummary:
    """Draw the invitations of every unit of the round and store their code hashes."""
    _check_can_draw(session, survey_round, redraw)
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    if not 0 <= seed <= MAX_SEED:
        raise RoundError(f"Hạt giống {seed} không hợp lệ: dùng số từ 0 đến {MAX_SEED}.")
    session.execute(delete(Invitation).where(Invitation.round_id == survey_round.id))
    session.execute(
        delete(RoundStratum).where(RoundStratum.round_id == survey_round.id)
    )

    summary = DrawSummary(seed)
    drawn: list[Drawn] = []
    for unit in sorted(survey_round.units, key=lambda u: u.agency.code):
        drawn.extend(_draw_one(session, survey_round, unit, seed, summary))
    _store_invitations(session, survey_round, key, drawn)

    survey_round.seed = seed
    survey_round.drawn_at = utcnow()
    session.commit()
    log.info(
        "round drawn: round=%s seed=%s main=%s reserves=%s",
        survey_round.code,
        seed,
        summary.main,
        summary.reserves,
    )
    return summary


def _draw_one(
    session: Session,
    survey_round: SurveyRound,
    unit: RoundUnit,
    seed: int,
    summary: DrawSummary,
) -> list[Drawn]:
    by_field = survey_round.stratify_by_field
    rows = [
        (row_id, field_name if by_field else "", code)
        for row_id, field_name, code in session.execute(
            select(FrameRow.id, FrameRow.field, FrameRow.dossier_code).where(
                FrameRow.round_id == survey_round.id,
                FrameRow.agency_id == unit.agency_id,
            )
        )
    ]
    main, reserves = draw_unit(
        rows, unit.target, survey_round.reserve_share, seed, unit.agency.code
    )
    sizes: dict[str, int] = {}
    for _, stratum, _ in rows:
        sizes[stratum] = sizes.get(stratum, 0) + 1
    for stratum in sorted(sizes):
        session.add(
            RoundStratum(
                round_id=survey_round.id,
                agency_id=unit.agency_id,
                field=stratum,
                population=sizes[stratum],
                sample=len(main.get(stratum, [])),
                reserves=len(reserves.get(stratum, [])),
            )
        )
    found = [
        Drawn(unit.agency_id, stratum, row_id, "main", rank)
        for rank, (stratum, row_id) in enumerate(
            ((h, r) for h in sorted(main) for r in main[h]), start=1
        )
    ]
    found.extend(
        Drawn(unit.agency_id, stratum, row_id, "reserve", rank)
        for rank, (stratum, row_id) in enumerate(release_order(reserves), start=1)
    )
    main_count = sum(len(ids) for ids in main.values())
    summary.main += main_count
    summary.reserves += len(found) - main_count
    summary.by_unit[unit.agency.code] = (main_count, len(found) - main_count)
    return found


def _store_invitations(
    session: Session, survey_round: SurveyRound, key: bytes, drawn: list[Drawn]
) -> None:
    records = []
    hashes: set[str] = set()
    for item in drawn:
        salt = 0
        while True:
            code = derive_code(
                key, survey_round.id, item.agency_id, item.kind, item.rank, salt
            )
            digest = code_hash(key, code)
            if digest not in hashes:
                break
            salt += 1
        hashes.add(digest)
        records.append(
            {
                "round_id": survey_round.id,
                "agency_id": item.agency_id,
                "field": item.field,
                "frame_row_id": item.frame_row_id,
                "code_hash": digest,
                "code_salt": salt,
                "kind": item.kind,
                "rank": item.rank,
                "released": item.kind == "main",
                "released_at": utcnow() if item.kind == "main" else None,
                "used": False,
            }
        )
    _avoid_stored_codes(session, survey_round, key, records, hashes)
    for start in range(0, len(records), BATCH_SIZE):
        session.execute(insert(Invitation), records[start : start + BATCH_SIZE])


def _avoid_stored_codes(
    session: Session,
    survey_round: SurveyRound,
    key: bytes,
    records: list[dict[str, Any]],
    hashes: set[str],
) -> None:
    """Give a new salt to any code whose hash another round already stores."""
    by_hash = {record["code_hash"]: record for record in records}
    taken = set()
    digests = list(by_hash)
    for start in range(0, len(digests), 500):
        taken.update(
            session.scalars(
                select(Invitation.code_hash).where(
                    Invitation.code_hash.in_(digests[start : start + 500])
                )
            )
        )
    for digest in taken:
        record = by_hash[digest]
        while record["code_hash"] in taken or record["code_hash"] in hashes:
            record["code_salt"] += 1
            code = derive_code(
                key,
                survey_round.id,
                record["agency_id"],
                record["kind"],
                record["rank"],
                record["code_salt"],
            )
            record["code_hash"] = code_hash(key, code)
        hashes.add(record["code_hash"])


def release_reserves(
    session: Session, survey_round: SurveyRound, agency_id: int, count: int
) -> int:
    """Release a unit's next ``count`` reserves in release order; return the number."""
    if count <= 0:
        raise RoundError(f"Số thư dự phòng {count} không hợp lệ: nhập số lớn hơn 0.")
    ids = list(
        session.scalars(
            select(Invitation.id)
            .where(
                Invitation.round_id == survey_round.id,
                Invitation.agency_id == agency_id,
                Invitation.kind == "reserve",
                Invitation.released.is_(False),
            )
            .order_by(Invitation.rank)
            .limit(count)
        )
    )
    if ids:
        session.execute(
            update(Invitation)
            .where(Invitation.id.in_(ids))
            .values(released=True, released_at=utcnow())
        )
    session.commit()
    log.info(
        "round reserves released: round=%s agency=%s count=%s",
        survey_round.code,
        agency_id,
        len(ids),
    )
    return len(ids)


def invitation_rows(
    session: Session,
    survey_round: SurveyRound,
    kinds: Iterable[str] = ("main", "reserve"),
    released_only: bool = True,
) -> Any:
    """Return the invitations to print with their frame rows, in unit and rank order."""
    query = (
        select(Invitation, FrameRow)
        .outerjoin(FrameRow, Invitation.frame_row_id == FrameRow.id)
        .where(Invitation.round_id == survey_round.id, Invitation.kind.in_(list(kinds)))
        .order_by(Invitation.agency_id, Invitation.kind, Invitation.rank)
    )
    if released_only:
        query = query.where(Invitation.released.is_(True))
    return session.execute(query.execution_options(yield_per=1000))
