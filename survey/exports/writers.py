"""Write an export of responses as CSV, XLSX or SPSS ``.sav``.

CSV and XLSX are written row by row as the rows are read, so their memory does
not grow with the number of responses. The ``.sav`` writer (pyreadstat) needs
the whole table as one DataFrame, so it holds every row and refuses exports
above a configured row count.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from survey.exports.layout import (
    FLAG_COLUMNS,
    META,
    NOT_APPLICABLE_CELL,
    NOT_APPLICABLE_LABEL,
    NUMERIC_META,
    OPTION,
    SAV_NOT_APPLICABLE,
    TEXT,
    TIME_COLUMNS,
    VALUE,
    Layout,
    header,
    zone_offset,
)
from survey.exports.source import (
    NOT_APPLICABLE,
    ResponseFilter,
    Snapshot,
)

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "sav")
MEDIA_TYPES = {
    # Werkzeug adds "; charset=utf-8" to a text type itself.
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}
BOM = "\ufeff"
# A spreadsheet runs a cell that starts with one of these as a formula, so text
# that starts with one gets a leading apostrophe. Text that already starts with
# an apostrophe gets one more, so that the import can remove exactly one.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
# Excel's limits: characters in one cell, rows in one sheet (with the heading).
XLSX_MAX_CELL = 32767
XLSX_MAX_ROWS = 1_048_576
NOTES_SHEET = "Ghi chú"
DATA_SHEET = "Dữ liệu"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


class ExportTooLarge(ValueError):
    """Raised when a format cannot hold the requested number of rows."""


@dataclass
class ResponseExport:
    """An export ready to be written: its columns, its snapshot and its rows."""

    response_filter: ResponseFilter
    layout: Layout
    snapshot: Snapshot
    rows: Iterator[list[Any]]
    zone: str


def protect_text(text: str) -> str:
    """Return ``text`` with a leading apostrophe if a spreadsheet would run it."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def unprotect_text(text: str) -> str:
    """Remove the apostrophe that ``protect_text`` added, and only that one."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        return text[1:]
    return text


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is NOT_APPLICABLE:
        return NOT_APPLICABLE_CELL
    if isinstance(value, str):
        return protect_text(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def csv_chunks(export: ResponseExport, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """Yield the CSV file in UTF-8 pieces: a BOM and the heading, then the rows.

    Every field is quoted when it contains a separator, quote or line break.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([header(column, export.zone) for column in export.layout.columns])
    pending = 0
    written = 0
    for row in export.rows:
        writer.writerow([_csv_cell(value) for value in row])
        pending += 1
        if pending == rows_per_chunk:
            written += pending
            pending = 0
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    written += pending
    yield buffer.getvalue().encode("utf-8")
    _log_written("csv", export, written)


def write_csv(export: ResponseExport, target: IO[bytes]) -> None:
    for piece in csv_chunks(export):
        target.write(piece)


def _log_written(kind: str, export: ResponseExport, written: int) -> None:
    flt = export.response_filter
    log.info(
        "export written: format=%s questionnaire=%s period=%s agency=%s rows=%s",
        kind,
        flt.questionnaire,
        flt.period_code,
        flt.agency_code,
        written,
    )
    if written != export.snapshot.count:
        log.warning(
            "export row count differs from the count taken at its start: "
            "rows=%s counted=%s",
            written,
            export.snapshot.count,
        )


@dataclass
class XlsxSummary:
    rows: int = 0
    sheets: list[tuple[str, int, int]] = field(default_factory=list)
    # Cells whose text was cut to Excel's limit, as "sheet!column row".
    truncated: list[str] = field(default_factory=list)
    # Cells that contained characters an XLSX file cannot hold.
    replaced: list[str] = field(default_factory=list)


class _XlsxTextCells:
    """Makes string cells that openpyxl must not read as a formula or error code."""

    def __init__(self, summary: XlsxSummary) -> None:
        self.summary = summary

    def cell(self, sheet: WriteOnlyWorksheet, text: str, where: tuple[str, int]) -> Any:
        if ILLEGAL_CHARACTERS_RE.search(text):
            text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
            self.summary.replaced.append(f"{sheet.title}!{where[0]} {where[1]}")
        if len(text) > XLSX_MAX_CELL:
            marker = _("… [đã cắt, bản gốc dài %(length)s ký tự]", length=len(text))
            text = text[: XLSX_MAX_CELL - len(marker)] + marker
            self.summary.truncated.append(f"{sheet.title}!{where[0]} {where[1]}")
        cell = WriteOnlyCell(sheet, value=text)
        if cell.data_type != "s":
            # A string starting with "=" would become a formula, and "#N/A"
            # an error value; both stay text.
            cell.data_type = "s"
            cell.quotePrefix = True
        elif text.startswith(FORMULA_TRIGGERS):
            # Excel keeps the cell as text if someone edits it later.
            cell.quotePrefix = True
        return cell


def _xlsx_row(
    values: list[Any],
    sheet: WriteOnlyWorksheet,
    line: int,
    names: list[str],
    cells: _XlsxTextCells,
) -> list[Any]:
    out: list[Any] = []
    for name, value in zip(names, values, strict=True):
        if value is NOT_APPLICABLE:
            out.append(NOT_APPLICABLE_CELL)
        elif isinstance(value, str):
            out.append(cells.cell(sheet, value, (name, line)))
        elif isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
            cell.number_format = XLSX_DATETIME_FORMAT
            out.append(cell)
        else:
            out.append(value)
    return out


def write_xlsx(
    export: ResponseExport,
    target: IO[bytes] | Path,
    sheet_rows: int = XLSX_MAX_ROWS - 1,
) -> XlsxSummary:
    """Write the rows to sheets of at most ``sheet_rows`` data rows each.

    The first sheet, "Ghi chú", lists the filter, the row count, which rows each
    data sheet holds, and every cell that had to be changed.
    """
    if not 1 <= sheet_rows <= XLSX_MAX_ROWS - 1:
        raise ValueError(f"sheet_rows={sheet_rows}: use 1 to {XLSX_MAX_ROWS - 1}")
    book = Workbook(write_only=True)
    notes = book.create_sheet(NOTES_SHEET)
    summary = XlsxSummary()
    cells = _XlsxTextCells(summary)
    headings = [header(column, export.zone) for column in export.layout.columns]
    names = export.layout.names
    sheet: WriteOnlyWorksheet | None = None
    in_sheet = 0
    for row in export.rows:
        if sheet is None or in_sheet == sheet_rows:
            sheet = book.create_sheet(f"{DATA_SHEET} {len(summary.sheets) + 1}")
            sheet.append([cells.cell(sheet, text, (text, 1)) for text in headings])
            summary.sheets.append((sheet.title, summary.rows + 1, summary.rows))
            in_sheet = 0
        sheet.append(_xlsx_row(row, sheet, in_sheet + 2, names, cells))
        in_sheet += 1
        summary.rows += 1
        title, first, _last = summary.sheets[-1]
        summary.sheets[-1] = (title, first, summary.rows)
    if sheet is None:
        sheet = book.create_sheet(f"{DATA_SHEET} 1")
        sheet.append([cells.cell(sheet, text, (text, 1)) for text in headings])
        summary.sheets.append((sheet.title, 1, 0))
    for line in _xlsx_notes(export, summary):
        notes.append([cells.cell(notes, str(text), ("A", 0)) for text in line])
    book.save(target)
    _log_written("xlsx", export, summary.rows)
    return summary


def _xlsx_notes(export: ResponseExport, summary: XlsxSummary) -> list[list[str]]:
    flt = export.response_filter
    lines = [
        [_("Phiếu khảo sát"), flt.questionnaire],
        [_("Phiên bản"), ", ".join(str(v) for v in export.layout.versions)],
        [_("Kỳ khảo sát"), flt.period_code or _("tất cả")],
        [_("Cơ quan"), flt.agency_code or _("tất cả")],
        [_("Số phiếu"), str(summary.rows)],
        [_("Múi giờ"), f"{export.zone} ({zone_offset(export.zone)})"],
        [
            _("Không áp dụng"),
            _("ô ghi %(cell)s", cell=NOT_APPLICABLE_CELL),
        ],
    ]
    if summary.rows != export.snapshot.count:
        lines.append(
            [
                _("Cảnh báo"),
                _(
                    "Số phiếu đã ghi (%(rows)s) khác số đếm lúc bắt đầu (%(count)s).",
                    rows=summary.rows,
                    count=export.snapshot.count,
                ),
            ]
        )
    if len(summary.sheets) > 1:
        lines.append(
            [
                _("Chia trang tính"),
                _(
                    "Dữ liệu quá giới hạn dòng của một trang tính nên được chia "
                    "thành %(count)s trang tính.",
                    count=len(summary.sheets),
                ),
            ]
        )
    for title, first, last in summary.sheets:
        lines.append(
            [title, _("phiếu thứ %(first)s đến %(last)s", first=first, last=last)]
        )
    for where in summary.truncated:
        lines.append([_("Ô bị cắt bớt"), where])
    for where in summary.replaced:
        lines.append([_("Ô có ký tự không hợp lệ đã thay bằng �"), where])
    return lines


def write_sav(export: ResponseExport, target: Path, max_rows: int) -> int:
    """Write an SPSS file with variable labels, value labels and user-missing codes.

    Raises ExportTooLarge before reading any row when the export has more than
    ``max_rows`` rows, because the whole table is held in memory.
    """
    import pandas as pd
    import pyreadstat

    if export.snapshot.count > max_rows:
        raise ExportTooLarge(
            _(
                "Tệp SPSS chứa tối đa %(max)s phiếu vì được tạo trong bộ nhớ; bộ lọc "
                "này có %(count)s phiếu. Hãy lọc theo cơ quan, hoặc xuất CSV.",
                max=max_rows,
                count=export.snapshot.count,
            )
        )
    columns = export.layout.columns
    data: list[list[Any]] = [[] for _column in columns]
    for row in export.rows:
        for position, value in enumerate(row):
            data[position].append(value)
    frame = pd.DataFrame(
        {
            column.name: _sav_series(column.kind, column.name, values)
            for column, values in zip(columns, data, strict=True)
        }
    )
    labels: list[str | None] = [
        _sav_label(column.name, column.label, export.zone) for column in columns
    ]
    value_labels: dict[str, dict[int | float, str]] = {}
    missing: dict[str, list[Any]] = {}
    for column in columns:
        if column.value_labels:
            value_labels[column.name] = {k: v for k, v in column.value_labels.items()}
        if column.not_applicable:
            value_labels[column.name][SAV_NOT_APPLICABLE] = NOT_APPLICABLE_LABEL
            missing[column.name] = [SAV_NOT_APPLICABLE]
    for name in FLAG_COLUMNS:
        value_labels[name] = {1: "Có", 0: "Không"}
    pyreadstat.write_sav(
        frame,
        str(target),
        file_label=f"{export.layout.key} {export.response_filter.period_code or ''}",
        column_labels=labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
        note=_sav_note(export),
    )
    _log_written("sav", export, len(frame))
    return len(frame)


def _sav_label(name: str, label: str, zone: str) -> str:
    if name in TIME_COLUMNS:
        return f"{label} ({zone})"
    return label


def _sav_note(export: ResponseExport) -> list[str]:
    """Return the file's notes as lines; an SPSS document line holds 80 bytes."""
    lines = [
        _(
            "Phiếu %(key)s, phiên bản %(versions)s.",
            key=export.layout.key,
            versions=", ".join(str(v) for v in export.layout.versions),
        ),
        _("Giờ theo %(zone)s.", zone=export.zone),
        _("Mã %(na)s: Không áp dụng (user-missing).", na=SAV_NOT_APPLICABLE),
    ]
    return [_fit_bytes(line, 80) for line in lines]


def _fit_bytes(text: str, limit: int) -> str:
    while len(text.encode("utf-8")) > limit:
        text = text[:-1]
    return text


def _sav_series(kind: str, name: str, values: list[Any]) -> Any:
    import pandas as pd

    if name in TIME_COLUMNS:
        return pd.to_datetime(
            [None if v is None else v.replace(tzinfo=None) for v in values]
        )
    if kind in (VALUE, OPTION) or (kind == META and name in NUMERIC_META):
        return pd.Series(
            [SAV_NOT_APPLICABLE if v is NOT_APPLICABLE else v for v in values],
            dtype="float64",
        )
    if kind in (TEXT, META):
        return pd.Series(["" if v is None else str(v) for v in values], dtype=object)
    raise ValueError(f"column {name} has an unknown kind {kind!r}")
