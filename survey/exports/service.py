"""Open an export of responses and write it to a file in one of the formats."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from survey.exports.source import (
    ResponseFilter,
    begin_snapshot,
    layout_for,
    stream_rows,
)
from survey.exports.writers import (
    FORMATS,
    ResponseExport,
    write_csv,
    write_sav,
    write_xlsx,
)

log = logging.getLogger(__name__)


def open_export(
    session: Session, response_filter: ResponseFilter, zone: str, chunk_rows: int
) -> ResponseExport:
    """Fix the snapshot and the columns of an export; rows are read when iterated."""
    snapshot = begin_snapshot(session, response_filter)
    layout = layout_for(session, response_filter)
    rows = stream_rows(session, response_filter, layout, snapshot, zone, chunk_rows)
    return ResponseExport(response_filter, layout, snapshot, rows, zone)


def export_to_file(
    session: Session,
    response_filter: ResponseFilter,
    kind: str,
    target: Path,
    *,
    zone: str,
    chunk_rows: int,
    sheet_rows: int,
    sav_max_rows: int,
) -> ResponseExport:
    """Write the responses that ``response_filter`` selects to ``target``."""
    if kind not in FORMATS:
        raise ValueError(f"format {kind!r} is invalid: use one of {', '.join(FORMATS)}")
    export = open_export(session, response_filter, zone, chunk_rows)
    if kind == "csv":
        with target.open("wb") as handle:
            write_csv(export, handle)
    elif kind == "xlsx":
        write_xlsx(export, target, sheet_rows)
    else:
        write_sav(export, target, sav_max_rows)
    return export
