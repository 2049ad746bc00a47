"""Import the sampling frame: the dossiers each unit returned in the round's period.

The file comes from the one-stop system as CSV (UTF-8, with or without the
byte-order mark) or XLSX, with a header row naming the columns. It is read as
a stream and inserted in batches inside one transaction: any bad row rolls the
whole import back, and every bad row is reported with its line and column.
"""

from __future__ import annotations

import csv
import logging
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from survey.models import FrameRow, SurveyRound
from survey.rounds.planning import RoundError, update_targets

log = logging.getLogger(__name__)

# Rows inserted per statement.
BATCH_SIZE = 5000
# Accepted header names of each column, compared after Unicode NFC, lower case
# and collapsed spaces. The address column is optional.
HEADERS = {
    "dossier_code": ("mã hồ sơ", "ma_ho_so", "ma ho so", "số hồ sơ", "dossier_code"),
    "unit": ("mã đơn vị", "ma_don_vi", "đơn vị", "unit", "unit_code"),
    "field": ("lĩnh vực", "linh_vuc", "lĩnh vực thủ tục", "procedure_field", "field"),
    "returned_on": (
        "ngày trả kết quả",
        "ngay_tra_ket_qua",
        "ngày trả",
        "return_date",
    ),
    "address": ("địa chỉ", "dia_chi", "địa chỉ nhận thư", "address"),
}
REQUIRED = ("dossier_code", "unit", "field", "returned_on")
LABELS = {
    "dossier_code": "mã hồ sơ",
    "unit": "mã đơn vị",
    "field": "lĩnh vực",
    "returned_on": "ngày trả kết quả",
    "address": "địa chỉ",
}
MAX_LENGTH = {"dossier_code": 60, "field": 200, "address": 300, "unit": 40}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


@dataclass(frozen=True)
class FrameProblem:
    """One bad cell or row: its line in the file (1 = header) and column."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.line}"
        if self.column:
            where += f", cột {self.column}"
        return f"{where}: {self.message}"


class FrameRejected(Exception):
    """Raised with every problem found; nothing of the file was imported."""

    def __init__(self, problems: Sequence[FrameProblem]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the frame file")


@dataclass
class FrameSummary:
    rows: int = 0
    by_unit: Counter[str] = field(default_factory=Counter)


def _header_key(raw: Any) -> str | None:
    text = unicodedata.normalize("NFC", str(raw or "")).strip().lower()
    text = " ".join(text.split())
    for key, names in HEADERS.items():
        if text in names:
            return key
    return None


@dataclass(frozen=True)
class _Columns:
    positions: dict[str, int]

    def label(self, key: str) -> str:
        return f"{get_column_letter(self.positions[key] + 1)} ({LABELS[key]})"


def _read_header(cells: Sequence[Any]) -> tuple[_Columns, list[FrameProblem]]:
    positions: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        if key is None:
            continue
        if key in positions:
            problems.append(
                FrameProblem(
                    1,
                    get_column_letter(index + 1),
                    f"cột '{LABELS[key]}' xuất hiện hai lần; hãy giữ một cột.",
                )
            )
        positions.setdefault(key, index)
    for key in REQUIRED:
        if key not in positions:
            names = ", ".join(f"'{name}'" for name in HEADERS[key][:2])
            problems.append(
                FrameProblem(
                    1, None, f"thiếu cột {LABELS[key]} (tên cột chấp nhận: {names})."
                )
            )
    return _Columns(positions), problems


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    # utf-8-sig drops the byte-order mark that Excel writes, and reads files
    # without it unchanged.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            for row in reader:
                yield reader.line_num, row
        except UnicodeDecodeError as error:
            raise FrameRejected(
                [
                    FrameProblem(
                        reader.line_num + 1,
                        None,
                        "tệp không đúng mã UTF-8; hãy lưu lại dưới dạng "
                        "CSV UTF-8 hoặc XLSX.",
                    )
                ]
            ) from error
        except csv.Error as error:
            raise FrameRejected(
                [FrameProblem(reader.line_num, None, f"lỗi định dạng CSV: {error}.")]
            ) from error


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        workbook.close()


def read_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """Yield (line, cells) of a CSV or XLSX file, header included."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    raise FrameRejected(
        [
            FrameProblem(
                0, None, f"không đọc được tệp '{path.name}': chỉ nhận .csv hoặc .xlsx."
            )
        ]
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_date(value: Any) -> date | None:
    """Return the date in a cell: an Excel date, YYYY-MM-DD or DD/MM/YYYY."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class _RowChecker:
    """Validate rows one by one, remembering what later rows are compared with."""

    def __init__(self, survey_round: SurveyRound, columns: _Columns) -> None:
        self.round = survey_round
        self.columns = columns
        self.units = {unit.agency.code: unit.agency_id for unit in survey_round.units}
        self.seen: dict[str, int] = {}

    def _cell(self, cells: Sequence[Any], key: str) -> Any:
        position = self.columns.positions.get(key)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    def check(
        self, line: int, cells: Sequence[Any]
    ) -> tuple[dict[str, Any] | None, list[FrameProblem]]:
        problems: list[FrameProblem] = []

        def problem(key: str, message: str) -> None:
            problems.append(FrameProblem(line, self.columns.label(key), message))

        values = {key: _text(self._cell(cells, key)) for key in HEADERS}
        for key in REQUIRED:
            if not values[key]:
                problem(key, f"thiếu {LABELS[key]}.")
        for key, limit in MAX_LENGTH.items():
            if len(values[key]) > limit:
                problem(key, f"{LABELS[key]} dài quá {limit} ký tự.")

        code = values["dossier_code"]
        if code and code in self.seen:
            problem(
                "dossier_code", f"mã hồ sơ '{code}' trùng với dòng {self.seen[code]}."
            )
        elif code:
            self.seen[code] = line

        agency_id = self.units.get(values["unit"])
        if values["unit"] and agency_id is None:
            problem(
                "unit",
                f"đơn vị '{values['unit']}' không thuộc đợt khảo sát "
                f"{self.round.code}; kiểm tra mã đơn vị.",
            )

        returned_on = None
        if values["returned_on"]:
            returned_on = parse_date(self._cell(cells, "returned_on"))
            period = self.round.period
            if returned_on is None:
                problem(
                    "returned_on",
                    f"ngày '{values['returned_on']}' không hợp lệ; "
                    "dùng dạng YYYY-MM-DD hoặc DD/MM/YYYY.",
                )
            elif not period.starts_on <= returned_on <= period.ends_on:
                problem(
                    "returned_on",
                    f"ngày {returned_on:%d/%m/%Y} nằm ngoài kỳ {period.code} "
                    f"({period.starts_on:%d/%m/%Y}–{period.ends_on:%d/%m/%Y}).",
                )
        if problems:
            return None, problems
        return {
            "round_id": self.round.id,
            "agency_id": agency_id,
            "dossier_code": code,
            "field": values["field"],
            "returned_on": returned_on,
            "address": values["address"] or None,
        }, []


def import_frame(
    session: Session, survey_round: SurveyRound, path: Path
) -> FrameSummary:
    """Replace the round's frame with the rows of ``path``, all or nothing.

    Raises FrameRejected listing every bad row (nothing is imported), and
    RoundError when the round has already been drawn.
    """
    if survey_round.drawn_at is not None:
        raise RoundError("Đã rút mẫu: không thể nhập lại danh sách hồ sơ của đợt này.")
    rows = read_rows(path)
    first = next(rows, None)
    if first is None:
        raise FrameRejected([FrameProblem(1, None, "tệp rỗng, thiếu dòng tiêu đề.")])
    columns, problems = _read_header(first[1])
    if problems:
        raise FrameRejected(problems)

    checker = _RowChecker(survey_round, columns)
    codes = {agency_id: code for code, agency_id in checker.units.items()}
    summary = FrameSummary()
    batch: list[dict[str, Any]] = []
    try:
        session.execute(delete(FrameRow).where(FrameRow.round_id == survey_round.id))
        for line, cells in rows:
            if all(_text(cell) == "" for cell in cells):
                continue
            record, found = checker.check(line, cells)
            problems.extend(found)
            if record is None or problems:
                continue
            batch.append(record)
            summary.rows += 1
            summary.by_unit[codes[record["agency_id"]]] += 1
            if len(batch) >= BATCH_SIZE:
                session.execute(insert(FrameRow), batch)
                batch = []
        if problems:
            raise FrameRejected(problems)
        if summary.rows == 0:
            raise FrameRejected([FrameProblem(2, None, "tệp không có dòng hồ sơ nào.")])
        if batch:
            session.execute(insert(FrameRow), batch)
        for unit in survey_round.units:
            unit.population = summary.by_unit.get(unit.agency.code, 0)
        update_targets(survey_round)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info(
        "round frame imported: round=%s rows=%s units=%s",
        survey_round.code,
        summary.rows,
        len(summary.by_unit),
    )
    return summary
