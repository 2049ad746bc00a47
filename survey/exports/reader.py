"""Read a spreadsheet in the export layout (CSV or XLSX) into rows of raw cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook

from survey.exports.layout import column_name_of_header
from survey.exports.writers import NOTES_SHEET, unprotect_text


@dataclass(frozen=True)
class RowProblem:
    """One invalid cell or row of an imported file; line 1 is the heading."""

    line: int
    column: str | None
    message: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(_("trang tính %(sheet)s", sheet=self.sheet))
        where.append(_("dòng %(line)s", line=self.line))
        if self.column:
            where.append(_("cột %(column)s", column=self.column))
        text = ", ".join(where)
        return f"{text[:1].upper()}{text[1:]}: {self.message}"


@dataclass(frozen=True)
class SheetRow:
    sheet: str | None
    line: int
    # Column name -> cell value; blank cells are None.
    cells: dict[str, Any]


@dataclass
class Table:
    """The headings and rows of every sheet of a file."""

    headings: list[tuple[str | None, list[str]]] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _add_sheet(table: Table, sheet: str | None, heading: list[Any]) -> list[str]:
    names = [column_name_of_header(str(text or "")) for text in heading]
    while names and not names[-1]:
        names.pop()
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            table.problems.append(
                RowProblem(
                    1,
                    None,
                    _("Cột thứ %(position)s không có tiêu đề.", position=position),
                    sheet,
                )
            )
        elif name in seen:
            table.problems.append(
                RowProblem(1, name, _("Tiêu đề cột bị lặp lại."), sheet)
            )
        seen.add(name)
    table.headings.append((sheet, names))
    return names


def _cells(names: list[str], values: list[Any]) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for name, value in zip(names, values, strict=False):
        if name:
            cells[name] = None if _blank(value) else value
    return cells


def read_csv(data: bytes) -> Table:
    """Read CSV in UTF-8, with or without a BOM, separated by ',' or ';'.

    Text cells lose the apostrophe that the export adds against formulas.
    """
    table = Table()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        table.problems.append(
            RowProblem(
                1,
                None,
                _(
                    "Tệp không phải văn bản UTF-8 (byte %(position)s). Trong Excel, "
                    "hãy lưu bằng “CSV UTF-8 (Comma delimited)”.",
                    position=error.start,
                ),
            )
        )
        return table
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names: list[str] | None = None
    # Rows are numbered as a spreadsheet shows them: a quoted line break inside
    # a cell does not start a new row.
    for start, record in enumerate(reader, start=1):
        if names is None:
            names = _add_sheet(table, None, record)
        elif any(not _blank(value) for value in record):
            if len(record) > len(names) and any(record[len(names) :]):
                table.problems.append(
                    RowProblem(start, None, _("Dòng có nhiều ô hơn số cột tiêu đề."))
                )
            values = [unprotect_text(value) for value in record]
            table.rows.append(SheetRow(None, start, _cells(names, values)))
    if names is None:
        table.problems.append(RowProblem(1, None, _("Tệp trống: thiếu dòng tiêu đề.")))
    return table


def read_xlsx(data: bytes) -> Table:
    """Read every sheet but the notes sheet; the first row of each is its heading."""
    table = Table()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on bad zips
        table.problems.append(
            RowProblem(
                1,
                None,
                _("Không đọc được tệp XLSX: %(error)s", error=str(error)[:200]),
            )
        )
        return table
    try:
        for sheet in book.worksheets:
            if sheet.title == NOTES_SHEET:
                continue
            for row in _sheet_rows(table, sheet):
                table.rows.append(row)
    finally:
        book.close()
    if not table.headings:
        table.problems.append(
            RowProblem(1, None, _("Tệp không có trang tính dữ liệu nào."))
        )
    return table


def _sheet_rows(table: Table, sheet: Any) -> Iterator[SheetRow]:
    names: list[str] | None = None
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if names is None:
            if all(_blank(value) for value in values):
                continue
            names = _add_sheet(table, sheet.title, list(values))
        elif any(not _blank(value) for value in values):
            yield SheetRow(sheet.title, line, _cells(names, list(values)))


def read_table(filename: str, data: bytes) -> Table:
    """Read ``data`` as XLSX when ``filename`` ends in .xlsx, else as CSV."""
    if filename.lower().endswith(".xlsx"):
        return read_xlsx(data)
    return read_csv(data)
