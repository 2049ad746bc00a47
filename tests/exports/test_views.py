"""Staff pages of exports and the paper import, through the HTTP client."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Response
from tests.exports.helpers import add_response, delete_responses, export_csv
from tests.factories import form_fields


@pytest.fixture
def stored(app: Flask, session: Session) -> None:
    with app.test_request_context():
        add_response(session, "STP", channel="kiosk", counter_code="1")
        add_response(session, "STP")
        add_response(session, "SNV")


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data[:3] == b"\xef\xbb\xbf"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_admin_downloads_all(staff_client, stored: None) -> None:
    response = staff_client("admin").get("/staff/exports/responses?period=2021")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response.get_data())
    assert sorted(row["agency_code"] for row in rows) == ["SNV", "STP", "STP"]


def test_agency_staff_get_own_rows(staff_client, stored: None) -> None:
    client = staff_client("agency", "STP")
    rows = _csv_rows(client.get("/staff/exports/responses?period=2021").get_data())
    assert sorted(row["agency_code"] for row in rows) == ["STP", "STP"]
    other = client.get("/staff/exports/responses?period=2021&agency=SNV")
    assert other.status_code == 403
    assert "Sở Nội vụ" not in other.get_data(as_text=True)


def test_viewer_gets_no_raw_responses(staff_client, stored: None) -> None:
    client = staff_client("viewer")
    assert client.get("/staff/exports/responses?period=2021").status_code == 403
    page = client.get("/staff/exports/")
    assert page.status_code == 200
    assert "/staff/exports/responses" not in page.get_data(as_text=True)
    table = client.get("/staff/exports/indices?period=2021&format=xlsx")
    assert table.status_code == 200
    assert table.data[:2] == b"PK"


@pytest.mark.parametrize("kind", ["xlsx", "sav"])
def test_file_formats_download(staff_client, stored: None, kind: str) -> None:
    response = staff_client("admin").get(
        f"/staff/exports/responses?period=2021&format={kind}"
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'.{kind}"') or (
        response.headers["Content-Disposition"].endswith(f".{kind}")
    )
    assert len(response.get_data()) > 1000
    # The file is sent from a temporary file, closed with the response.
    response.close()


def test_import_preview_then_confirm(
    app: Flask, session: Session, staff_client, stored: None
) -> None:
    with app.test_request_context():
        data = export_csv(session)
        delete_responses(app, session)
    client = staff_client("admin")
    page = client.get("/staff/exports/import")
    token = form_fields(page.get_data(as_text=True))["csrf_token"]
    preview = client.post(
        "/staff/exports/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "phieu.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    assert "3 phiếu mới" in preview.get_data(as_text=True)
    assert session.scalar(select(func.count(Response.id))) == 0
    fields = dict(form_fields(preview.get_data(as_text=True)))
    confirm = client.post("/staff/exports/import", data=fields)
    assert confirm.status_code == 200
    assert "Đã lưu" in confirm.get_data(as_text=True)
    assert session.scalar(select(func.count(Response.id))) == 3


def test_import_lists_problems(
    app: Flask, session: Session, staff_client, stored: None
) -> None:
    with app.test_request_context():
        text = export_csv(session).decode("utf-8-sig")
        delete_responses(app, session)
    bad = text.replace(",STP,", ",XYZ,", 1)
    client = staff_client("admin")
    token = form_fields(client.get("/staff/exports/import").get_data(as_text=True))[
        "csrf_token"
    ]
    response = client.post(
        "/staff/exports/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "phieu.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Dòng 2, cột agency_code" in body
    assert session.scalar(select(func.count(Response.id))) == 0


def test_agency_staff_import_other_agency(
    app: Flask, session: Session, staff_client, stored: None
) -> None:
    with app.test_request_context():
        data = export_csv(session)
        delete_responses(app, session)
    client = staff_client("agency", "STP")
    token = form_fields(client.get("/staff/exports/import").get_data(as_text=True))[
        "csrf_token"
    ]
    response = client.post(
        "/staff/exports/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "phieu.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "chỉ được nhập phiếu của cơ quan mình" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Response.id))) == 0
