"""Index tables as CSV or XLSX, with the numbers the analysis module computes."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook

from analysis.table import SYNTHETIC_LABEL, IndexTable, table_rows
from survey.exports.writers import BOM, protect_text

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def index_rows(
    table: IndexTable, agency_codes: set[str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """Return the heading and rows of ``table``, keeping only ``agency_codes``."""
    heading, rows = table_rows(table)
    if agency_codes is not None:
        position = heading.index("agency")
        rows = [row for row in rows if row[position] in agency_codes]
    return heading, rows


def index_csv(heading: list[str], rows: list[list[str]]) -> bytes:
    """Return the table as UTF-8 CSV with a BOM; text cells are made inert.

    The heading is the first line, as CSV readers expect. The notes column
    of each agency with synthetic responses contains "synthetic".
    """
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(heading)
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def _csv_cell(cell: str) -> str:
    return cell if _NUMBER.fullmatch(cell) else protect_text(cell)


def _xlsx_cell(cell: str) -> Any:
    if _NUMBER.fullmatch(cell):
        return float(cell) if "." in cell else int(cell)
    return cell


def index_xlsx(
    heading: list[str],
    rows: list[list[str]],
    synthetic: bool,
    target: IO[bytes] | Path,
) -> None:
    """Write the table to one sheet; numbers become numeric cells, text stays text."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Chỉ số"
    if synthetic:
        sheet.append([SYNTHETIC_LABEL])
    sheet.append(heading)
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    for line in sheet.iter_rows():
        for cell in line:
            if cell.data_type == "f":
                # Text that starts with "=" stays text.
                cell.data_type = "s"
                cell.quotePrefix = True
    book.save(target)
