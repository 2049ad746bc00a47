"""Invitation letters (PDF, one per page) and the invitation list for mail merge (CSV).

Both need the frame's dossier codes and the invitation codes, which are
derived again from the key here; neither is ever logged.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.config import PROJECT_ROOT
from survey.models import Agency, SurveyRound
from survey.rounds.codes import derive_code, display
from survey.rounds.draw import invitation_rows
from survey.rounds.planning import RoundError

log = logging.getLogger(__name__)

FONT_DIR = PROJECT_ROOT / "analysis" / "report" / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
CSV_COLUMNS = (
    "ma_ho_so",
    "ma_don_vi",
    "ten_don_vi",
    "linh_vuc",
    "dia_chi",
    "loai_thu",
    "thu_tu",
    "ma_moi",
    "duong_dan",
    "han_tra_loi",
)


@dataclass(frozen=True)
class Letter:
    """What one letter or CSV row shows."""

    dossier_code: str
    agency_code: str
    agency_name: str
    field: str
    address: str | None
    kind: str
    rank: int
    code: str
    url: str


def register_fonts() -> None:
    """Register the DejaVu fonts shipped with the report package (full Vietnamese)."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name, filename in ((REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))


def letters(
    session: Session,
    survey_round: SurveyRound,
    key: bytes,
    base_url: str,
    kinds: Iterable[str] = ("main", "reserve"),
    agency_codes: Iterable[str] = (),
) -> Iterator[Letter]:
    """Yield the released invitations of the round with their codes, unit by unit."""
    if survey_round.drawn_at is None:
        raise RoundError("Chưa rút mẫu: chưa có thư mời để in.")
    if survey_round.frame_purged_at is not None:
        raise RoundError("Danh sách hồ sơ đã bị xoá: không thể in thư mời nữa.")
    agencies = {
        agency.id: agency
        for agency in session.scalars(
            select(Agency).where(
                Agency.id.in_([unit.agency_id for unit in survey_round.units])
            )
        )
    }
    wanted = set(agency_codes)
    for invitation, frame_row in invitation_rows(session, survey_round, kinds):
        agency = agencies[invitation.agency_id]
        if wanted and agency.code not in wanted:
            continue
        code = display(
            derive_code(
                key,
                survey_round.id,
                invitation.agency_id,
                invitation.kind,
                invitation.rank,
                invitation.code_salt,
            )
        )
        yield Letter(
            dossier_code=frame_row.dossier_code if frame_row else "",
            agency_code=agency.code,
            agency_name=agency.name,
            field=invitation.field,
            address=frame_row.address if frame_row else None,
            kind=invitation.kind,
            rank=invitation.rank,
            code=code,
            url=f"{base_url.rstrip('/')}/moi/{code}",
        )


def write_csv(rows: Iterable[Letter], handle: IO[str], answer_by: date) -> int:
    """Write one CSV row per letter, UTF-8 with byte-order mark; return the count."""
    handle.write("\ufeff")
    writer = csv.writer(handle)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(
            (
                row.dossier_code,
                row.agency_code,
                row.agency_name,
                row.field,
                row.address or "",
                "chính" if row.kind == "main" else "dự phòng",
                row.rank,
                row.code,
                row.url,
                f"{answer_by:%d/%m/%Y}",
            )
        )
        count += 1
    return count


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    qr = segno.make(url, error="m")
    matrix = [list(row) for row in qr.matrix]
    border = 2
    modules = len(matrix) + 2 * border
    cell = size / modules
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                path.rect(
                    x + (c + border) * cell,
                    y + size - (r + border + 1) * cell,
                    cell,
                    cell,
                )
    canvas.drawPath(path, stroke=0, fill=1)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(trial, font, size) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _paragraph(canvas: Canvas, text: str, y: float, size: float = 11) -> float:
    left, width = 25 * mm, A4[0] - 50 * mm
    for line in _wrap(text, REGULAR, size, width):
        canvas.setFont(REGULAR, size)
        canvas.drawString(left, y, line)
        y -= size * 1.45
    return y - 3 * mm


def _draw_letter(
    canvas: Canvas, letter: Letter, survey_round: SurveyRound, sender: str, base: str
) -> None:
    width, height = A4
    canvas.setFont(BOLD, 11)
    canvas.drawString(25 * mm, height - 20 * mm, sender.upper())
    canvas.setFont(REGULAR, 9)
    canvas.drawString(25 * mm, height - 25 * mm, survey_round.name)

    # Address block where a DL window envelope shows it (right-hand window).
    canvas.setFont(BOLD, 11)
    y = height - 50 * mm
    canvas.drawString(110 * mm, y, "Kính gửi: Người dân có hồ sơ số")
    canvas.drawString(110 * mm, y - 6 * mm, letter.dossier_code)
    canvas.setFont(REGULAR, 10)
    y -= 12 * mm
    for line in _wrap(f"Nơi giải quyết: {letter.agency_name}", REGULAR, 10, 75 * mm):
        canvas.drawString(110 * mm, y, line)
        y -= 5 * mm
    for line in _wrap(letter.address or "", REGULAR, 10, 75 * mm):
        canvas.drawString(110 * mm, y, line)
        y -= 5 * mm

    canvas.setFont(BOLD, 14)
    title = "THƯ MỜI THAM GIA KHẢO SÁT SỰ HÀI LÒNG"
    canvas.drawCentredString(width / 2, height - 100 * mm, title)
    y = height - 112 * mm
    y = _paragraph(
        canvas,
        "Ông/bà đã giải quyết thủ tục hành chính lĩnh vực "
        f"{letter.field or 'hành chính'} "
        f"tại {letter.agency_name}. {sender} trân trọng mời ông/bà cho biết mức độ "
        "hài lòng về sự phục vụ của cơ quan để cơ quan cải thiện chất lượng phục vụ.",
        y,
    )
    y = _paragraph(
        canvas,
        "Phiếu khảo sát không ghi họ tên. Mã thư mời chỉ dùng được một lần và "
        "câu trả lời không được gắn với hồ sơ hay thông tin cá nhân của ông/bà.",
        y,
    )
    y = _paragraph(
        canvas,
        "Cách trả lời: quét mã QR bên dưới bằng điện thoại, hoặc vào trang "
        f"{base.rstrip('/')}/moi và nhập mã thư mời. "
        f"Vui lòng trả lời trước ngày {survey_round.fieldwork_ends_on:%d/%m/%Y}.",
        y,
    )
    _qr(canvas, letter.url, 25 * mm, y - 50 * mm, 48 * mm)
    canvas.setFont(REGULAR, 11)
    canvas.drawString(80 * mm, y - 15 * mm, "Mã thư mời:")
    canvas.setFont(BOLD, 20)
    canvas.drawString(80 * mm, y - 25 * mm, letter.code)
    canvas.setFont(REGULAR, 8)
    kind = "chính" if letter.kind == "main" else "dự phòng"
    canvas.drawString(
        25 * mm, 15 * mm, f"{letter.agency_code} · {kind} · {letter.rank}"
    )


def write_pdf(
    rows: Iterable[Letter],
    target: Path | IO[bytes],
    survey_round: SurveyRound,
    sender: str,
    base_url: str,
) -> int:
    """Draw one A4 letter per invitation into ``target``; return the page count."""
    register_fonts()
    output = str(target) if isinstance(target, Path) else target
    canvas = Canvas(output, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Thư mời khảo sát – {survey_round.name}")
    canvas.setAuthor(sender)
    count = 0
    for letter in rows:
        _draw_letter(canvas, letter, survey_round, sender, base_url)
        canvas.showPage()
        count += 1
    canvas.save()
    log.info("round letters written: round=%s pages=%s", survey_round.code, count)
    return count
