"""Hostile cells in an uploaded import file: a list of problems, never a 500."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Response
from tests.exports.helpers import add_response, delete_responses, export_csv
from tests.factories import form_fields


def _exported_rows(app: Flask, session: Session) -> list[list[str]]:
    """Store one response, export it as CSV and delete it. Return the CSV rows."""
    with app.test_request_context():
        add_response(session, "STP")
        text = export_csv(session).decode("utf-8-sig")
        delete_responses(app, session)
    return list(csv.reader(io.StringIO(text)))


def _set_cell(rows: list[list[str]], column: str, value: object) -> list[list]:
    """Return a copy of ``rows`` with ``value`` in the first data row's ``column``.

    Export headers may carry a note after the name, e.g. "captured_at (Asia/...)".
    """
    header = rows[0]
    index = next(i for i, name in enumerate(header) if name.split(" (")[0] == column)
    changed = [list(row) for row in rows]
    changed[1][index] = value
    return changed


def _as_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _as_xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(staff_client, name: str, data: bytes):
    client = staff_client("admin")
    page = client.get("/staff/exports/import")
    token = form_fields(page.get_data(as_text=True))["csrf_token"]
    return client.post(
        "/staff/exports/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("column", ["agency_code", "questionnaire", "counter"])
def test_nul_in_code_cell(
    app: Flask,
    session: Session,
    staff_client,
    column: str,
) -> None:
    rows = _set_cell(_exported_rows(app, session), column, "STP\x00")

    reply = _upload(staff_client, "phieu.csv", _as_csv(rows))

    assert reply.status_code == 422
    assert session.scalar(select(func.count(Response.id))) == 0


def test_captured_at_before_year_one_utc(
    app: Flask, session: Session, staff_client
) -> None:
    rows = _set_cell(
        _exported_rows(app, session), "captured_at", "0001-01-01T00:00:00+14:00"
    )

    reply = _upload(staff_client, "phieu.csv", _as_csv(rows))

    assert reply.status_code == 422
    assert session.scalar(select(func.count(Response.id))) == 0


def test_xlsx_version_past_integer(app: Flask, session: Session, staff_client) -> None:
    # A numeric cell arrives as an int, not the text a CSV cell would give.
    rows = _set_cell(_exported_rows(app, session), "version", 10**20)

    reply = _upload(staff_client, "phieu.xlsx", _as_xlsx(rows))

    assert reply.status_code == 422
    assert session.scalar(select(func.count(Response.id))) == 0
