"""Import responses entered in a spreadsheet in the export layout: all rows or none.

Every row goes through the validation of online submissions. Every problem of
every row is reported with its line and column, and nothing is stored unless
the whole file is valid. A row whose submission id is already stored with the
same content is skipped, so importing a file twice stores it once.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analysis.summary import criteria_values
from survey.db import utcnow
from survey.exports.layout import META_COLUMNS, option_column_name
from survey.exports.reader import RowProblem, SheetRow, Table
from survey.models import (
    CHANNELS,
    Agency,
    Answer,
    Counter,
    QuestionnaireVersion,
    Response,
)
from survey.questionnaire import Questionnaire, from_stored
from survey.responses.service import CLOCK_SKEW, Submission, digest, period_for
from survey.responses.validation import CleanAnswer, SubmissionRejected, clean_answers

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = (
    "submission_id",
    "agency_code",
    "questionnaire",
    "version",
    "captured_at",
)
# Paper form numbers that are not UUIDs become UUIDs in this namespace, so
# importing the same form number of the same agency again finds the same id.
PAPER_FORM_NAMESPACE = uuid.UUID("6f1f6d1e-3c55-4a8e-9a37-5b0c2f4e8d21")
FLAG_REASON_MAX = 200
_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")


class ImportRejected(ValueError):
    """Raised when a file has invalid rows; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[RowProblem], rows: int) -> None:
        self.problems = list(problems)
        self.rows = rows
        super().__init__(f"{len(self.problems)} problem(s) in {rows} row(s)")


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    # Rows whose submission id was already stored with the same content.
    skipped: list[int] = field(default_factory=list)
    stored: bool = False


@dataclass
class _Pending:
    line: int
    response: Response


@dataclass
class _Context:
    session: Session
    zone: ZoneInfo
    text_limit: int
    now: datetime
    agencies: dict[str, Agency | None] = field(default_factory=dict)
    versions: dict[tuple[str, int], QuestionnaireVersion | None] = field(
        default_factory=dict
    )
    seen: dict[uuid.UUID, int] = field(default_factory=dict)

    def agency(self, code: str) -> Agency | None:
        if code not in self.agencies:
            self.agencies[code] = self.session.scalar(
                select(Agency).where(Agency.code == code)
            )
        return self.agencies[code]

    def version(self, key: str, number: int) -> QuestionnaireVersion | None:
        if (key, number) not in self.versions:
            self.versions[(key, number)] = self.session.scalar(
                select(QuestionnaireVersion).where(
                    QuestionnaireVersion.key == key,
                    QuestionnaireVersion.version == number,
                )
            )
        return self.versions[(key, number)]


class _RowChecker:
    """Converts the cells of one row, collecting a problem per invalid cell."""

    def __init__(self, row: SheetRow) -> None:
        self.row = row
        self.problems: list[RowProblem] = []

    def add(self, column: str | None, message: str) -> None:
        self.problems.append(RowProblem(self.row.line, column, message, self.row.sheet))

    def text(self, column: str) -> str | None:
        value = self.row.cells.get(column)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if _CONTROL.search(text):
            self.add(
                column,
                _(
                    "Ô chứa ký tự điều khiển không hợp lệ, ô ghi %(value)s.",
                    value=_show(value),
                ),
            )
            return None
        return text

    def required_text(self, column: str) -> str | None:
        value = self.text(column)
        if value is None:
            self.add(column, _("Ô bắt buộc đang để trống."))
        return value

    def whole_number(self, column: str) -> int | None:
        value = self.row.cells.get(column)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        # The database columns are 32-bit integers.
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if is_int and -(2**31) <= value < 2**31:
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
            return int(value)
        self.add(column, _("Cần một số nguyên, ô ghi %(value)s.", value=_show(value)))
        return None

    def flag(self, column: str) -> bool:
        value = self.row.cells.get(column)
        if value is None:
            return False
        if value in (0, 1) or (isinstance(value, str) and value.strip() in "01"):
            return bool(int(value))
        self.add(
            column, _("Ghi 1 (có) hoặc 0 (không), ô ghi %(value)s.", value=_show(value))
        )
        return False

    def time(self, column: str, zone: ZoneInfo) -> datetime | None:
        value = self.row.cells.get(column)
        if value is None:
            return None
        moment = _parse_time(value)
        if moment is None:
            self.add(
                column,
                _(
                    "Thời điểm %(value)s không hợp lệ. Ghi theo dạng 2021-11-05 "
                    "09:30 hoặc 05/11/2021 09:30.",
                    value=_show(value),
                ),
            )
            return None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
        try:
            moment.astimezone(UTC)
        except (OverflowError, ValueError):
            self.add(
                column,
                _("Thời điểm %(value)s nằm ngoài khoảng cho phép.", value=_show(value)),
            )
            return None
        return moment


# C0 controls other than tab and line feed; PostgreSQL rejects NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _show(value: Any) -> str:
    return repr(value)[:40]


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _DAY_FIRST:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def submission_id_of(text: str, agency_code: str) -> uuid.UUID:
    """Return the UUID in ``text``, or one derived from a paper form number."""
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.uuid5(PAPER_FORM_NAMESPACE, f"{agency_code}:{text}")


def _raw_answers(
    check: _RowChecker, questionnaire: Questionnaire, columns: set[str]
) -> dict[str, Any]:
    """Collect the cells of the row's questionnaire version as a submission would."""
    raw: dict[str, Any] = {}
    used: set[str] = set()
    for item in questionnaire.items():
        if item.type == "multichoice":
            chosen = []
            for option in item.options:
                name = option_column_name(item.code, option.value)
                used.add(name)
                cell = check.row.cells.get(name)
                if cell is None:
                    continue
                marked = _zero_or_one(cell)
                if marked is None:
                    check.add(
                        name,
                        _(
                            "Ghi 1 (có chọn) hoặc 0 (không chọn), ô ghi %(value)s.",
                            value=_show(cell),
                        ),
                    )
                elif marked:
                    chosen.append(option.value)
            if chosen:
                raw[item.code] = chosen
            continue
        used.add(item.code)
        cell = check.row.cells.get(item.code)
        if item.type == "text":
            raw[item.code] = None if cell is None else _as_text(cell)
        elif isinstance(cell, float) and cell.is_integer():
            raw[item.code] = int(cell)
        elif isinstance(cell, float):
            raw[item.code] = str(cell)
        else:
            raw[item.code] = cell
    for name in sorted(columns - used - set(META_COLUMNS)):
        if check.row.cells.get(name) is not None:
            check.add(
                name,
                _(
                    "Cột này không thuộc phiếu %(form)s nên phải để trống.",
                    form=questionnaire.label,
                ),
            )
    return raw


def _zero_or_one(cell: Any) -> int | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float) and cell in (0, 1):
        return int(cell)
    if isinstance(cell, str) and cell.strip() in ("0", "1"):
        return int(cell.strip())
    return None


def _as_text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    return str(cell)


def _problem_column(questionnaire: Questionnaire, code: str | None) -> str | None:
    if code is None:
        return None
    try:
        item = questionnaire.item(code)
    except KeyError:
        return code
    if item.type == "multichoice":
        return f"{code}_*"
    return code


def _check_row(
    context: _Context, row: SheetRow, columns: set[str]
) -> tuple[_RowChecker, Response | None, Response | None]:
    """Return the row's problems, the response to store and the stored response.

    The third value is the response already stored under the same submission
    id, or None when the id is new.
    """
    check = _RowChecker(row)
    agency_code = check.required_text("agency_code")
    key = check.required_text("questionnaire")
    number = (
        check.whole_number("version") if row.cells.get("version") is not None else None
    )
    if row.cells.get("version") is None:
        check.add("version", _("Ô bắt buộc đang để trống."))
    form_number = check.required_text("submission_id")
    captured_at = check.time("captured_at", context.zone)
    if row.cells.get("captured_at") is None:
        check.add("captured_at", _("Ô bắt buộc đang để trống: ghi ngày trả lời phiếu."))
    received_at = check.time("received_at", context.zone)
    flagged = check.flag("flagged")
    synthetic = check.flag("is_synthetic")
    flag_reason = check.text("flag_reason")
    if flag_reason and len(flag_reason) > FLAG_REASON_MAX:
        check.add("flag_reason", _("Tối đa %(max)s ký tự.", max=FLAG_REASON_MAX))
    channel = check.text("channel") or "paper"
    if channel not in CHANNELS:
        check.add(
            "channel",
            _(
                "Kênh %(value)s không hợp lệ: dùng %(allowed)s.",
                value=_show(channel),
                allowed=", ".join(CHANNELS),
            ),
        )

    if captured_at is not None and captured_at > context.now + CLOCK_SKEW:
        check.add("captured_at", _("Thời điểm trả lời nằm trong tương lai."))
        captured_at = None
    day = captured_at.astimezone(context.zone).date() if captured_at else None

    agency = None
    if agency_code:
        agency = context.agency(agency_code)
        if agency is None or agency.kind == "province":
            check.add(
                "agency_code",
                _("Không tìm thấy cơ quan có mã %(code)s.", code=agency_code[:40]),
            )
            agency = None
        elif day is not None and not agency.is_valid_on(day):
            check.add(
                "agency_code",
                _(
                    "Cơ quan %(code)s không tồn tại vào ngày %(day)s.",
                    code=agency_code,
                    day=day,
                ),
            )
    counter = None
    counter_code = check.text("counter")
    if counter_code and agency is not None:
        counter = context.session.scalar(
            select(Counter).where(
                Counter.agency_id == agency.id, Counter.code == counter_code
            )
        )
        if counter is None:
            check.add(
                "counter", _("Cơ quan không có quầy %(code)s.", code=counter_code[:40])
            )

    version = None
    if key and number is not None:
        version = context.version(key, number)
        if version is None:
            check.add(
                "version",
                _(
                    "Không tìm thấy phiếu %(key)s phiên bản %(version)s.",
                    key=key[:60],
                    version=number,
                ),
            )

    period = period_for(context.session, day) if day else None
    period_text = check.text("period")
    if (
        period_text
        and day is not None
        and (period is None or period.code != period_text)
    ):
        check.add(
            "period",
            _(
                "Kỳ %(given)s không khớp ngày trả lời %(day)s (kỳ %(expected)s).",
                given=period_text[:40],
                day=day.strftime("%d/%m/%Y"),
                expected=period.code if period else _("không có"),
            ),
        )

    answers: list[CleanAnswer] = []
    if version is not None:
        questionnaire = from_stored(version)
        raw = _raw_answers(check, questionnaire, columns)
        try:
            answers = clean_answers(questionnaire, raw, context.text_limit)
        except SubmissionRejected as rejected:
            for problem in rejected.problems:
                check.add(
                    _problem_column(questionnaire, problem.item), str(problem.message)
                )

    submission_id = None
    if form_number and agency_code:
        submission_id = submission_id_of(form_number, agency_code)
        earlier = context.seen.get(submission_id)
        if earlier is not None:
            check.add(
                "submission_id",
                _("Mã phiếu trùng với dòng %(line)s của tệp.", line=earlier),
            )
        context.seen.setdefault(submission_id, row.line)

    if check.problems or agency is None or version is None or submission_id is None:
        return check, None, None
    submission = Submission(
        submission_id, version, agency, channel, {}, counter, captured_at
    )
    fingerprint = digest(submission, answers)
    existing = context.session.scalar(
        select(Response).where(Response.submission_id == submission_id)
    )
    if (
        existing is not None
        and _fingerprint_of(context.session, existing) != fingerprint
    ):
        check.add(
            "submission_id",
            _("Mã phiếu đã được lưu với nội dung khác; dòng này không được nhập."),
        )
        return check, None, existing
    response = Response(
        submission_id=submission_id,
        questionnaire_version_id=version.id,
        agency_id=agency.id,
        counter_id=counter.id if counter else None,
        period_id=period.id if period else None,
        channel=channel,
        received_at=received_at or context.now,
        captured_at=captured_at,
        answers_digest=fingerprint,
        is_synthetic=synthetic,
        flagged=flagged,
        flag_reason=flag_reason,
        criteria_values=criteria_values(from_stored(version), answers),
        answers=[
            Answer(
                item_code=a.item_code,
                value=a.value,
                not_applicable=a.not_applicable,
                text=a.text,
            )
            for a in answers
        ],
    )
    return check, response, existing


def _fingerprint_of(session: Session, response: Response) -> str:
    """Return the digest of a stored response recomputed from its stored answers.

    The stored ``answers_digest`` is not compared directly, because responses
    made by ``survey simulate`` carry a digest computed another way.
    """
    submission = Submission(
        response.submission_id,
        response.questionnaire_version,
        session.get_one(Agency, response.agency_id),
        response.channel,
        {},
        session.get(Counter, response.counter_id) if response.counter_id else None,
    )
    answers = [
        CleanAnswer(a.item_code, a.value, a.not_applicable, a.text)
        for a in response.answers
    ]
    return digest(submission, answers)


def _heading_problems(table: Table, known: set[str]) -> list[RowProblem]:
    problems = list(table.problems)
    for sheet, names in table.headings:
        for name in names:
            if name and name not in known:
                problems.append(
                    RowProblem(1, name, _("Cột không có trong mẫu nhập liệu."), sheet)
                )
        for name in REQUIRED_COLUMNS:
            if name not in names:
                problems.append(RowProblem(1, name, _("Thiếu cột bắt buộc."), sheet))
    return problems


def _known_columns(session: Session) -> set[str]:
    known = set(META_COLUMNS)
    for version in session.scalars(select(QuestionnaireVersion)):
        for item in from_stored(version).items():
            if item.type == "multichoice":
                known.update(
                    option_column_name(item.code, o.value) for o in item.options
                )
            else:
                known.add(item.code)
    return known


def import_table(
    session: Session,
    table: Table,
    *,
    zone: str,
    text_limit: int,
    dry_run: bool = False,
) -> ImportReport:
    """Validate every row of ``table`` and store them all in one transaction.

    Raises ImportRejected listing every problem; then nothing is stored. With
    ``dry_run`` the rows are checked and nothing is stored either way.
    """
    report = ImportReport(rows=len(table.rows))
    problems = _heading_problems(table, _known_columns(session))
    if problems:
        raise ImportRejected(problems, report.rows)
    if not table.rows:
        raise ImportRejected(
            [RowProblem(2, None, _("Tệp không có dòng dữ liệu nào."))], 0
        )
    context = _Context(session, ZoneInfo(zone), text_limit, utcnow())
    columns = {name for _sheet, names in table.headings for name in names}
    pending: list[_Pending] = []
    for row in table.rows:
        check, response, existing = _check_row(context, row, columns)
        problems += check.problems
        if response is not None and existing is not None:
            report.skipped.append(row.line)
        elif response is not None:
            pending.append(_Pending(row.line, response))
    if problems:
        session.rollback()
        raise ImportRejected(problems, report.rows)
    report.created = len(pending)
    if dry_run:
        session.rollback()
        return report
    _store(session, pending, report)
    return report


def _store(session: Session, pending: list[_Pending], report: ImportReport) -> None:
    session.add_all(item.response for item in pending)
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        log.warning("paper import failed at commit: %s", error.orig)
        raise ImportRejected(
            [
                RowProblem(
                    0,
                    None,
                    _(
                        "Một số mã phiếu vừa được lưu bởi một lần nhập "
                        "khác. Không dòng nào được lưu; hãy nhập lại tệp."
                    ),
                )
            ],
            report.rows,
        ) from error
    report.stored = True
    log.info(
        "paper import stored: rows=%s created=%s skipped=%s",
        report.rows,
        report.created,
        len(report.skipped),
    )


def rows_summary(report: ImportReport) -> str:
    return _(
        "%(rows)s dòng: %(created)s phiếu mới, %(skipped)s phiếu đã có (bỏ qua).",
        rows=report.rows,
        created=report.created,
        skipped=len(report.skipped),
    )


__all__ = [
    "ImportRejected",
    "ImportReport",
    "import_table",
    "rows_summary",
    "submission_id_of",
]
