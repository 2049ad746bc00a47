"""Paper questionnaires: the printed form, its QR code and the staff entry page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import segno
from flask import Flask
from flask.testing import FlaskClient
from reportlab.graphics.shapes import Rect
from sqlalchemy import select

from analysis.report import PaperForm, build_paper_form
from analysis.report.paper import qr_drawing
from survey.db import new_session
from survey.models import Response
from tests.factories import form_fields, full_answers, questionnaire
from tests.reports.helpers import fonts, plain_text

RESPONSE_ID = uuid.UUID("0f6d3c2e-8a41-4b7c-9d0e-2a5b6c7d8e9f")
URL = f"https://khaosat.example.vn/s/STP?q=sipas-2017&submission={RESPONSE_ID}"


def test_paper_form_prints_every_item() -> None:
    form = questionnaire("sipas-2017")
    pdf = build_paper_form(form, PaperForm("Sở Tư pháp", RESPONSE_ID, URL, "Sở Nội vụ"))
    text = plain_text(pdf)
    flat = " ".join(text.split())
    assert f"Mã phiếu: {RESPONSE_ID}" in text
    assert "Cơ quan được đánh giá: Sở Tư pháp" in text
    for item in form.items():
        assert re.search(rf"(^|\s){re.escape(item.code)}\.?(\s|$)", text, re.M), (
            item.code
        )
        # Scale labels wrap inside the narrow column headers.
        for option in item.options:
            assert option.label in flat, (item.code, option.label)
    assert "Không áp dụng" in text
    # The response id is printed on every page.
    pages = re.findall(r"Trang (\d+)/(\d+)", text)
    assert text.count(f"Mã phiếu: {RESPONSE_ID}") == 1 + len(pages)
    assert all(fonts(pdf).values())


def test_qr_drawing_matches_segno() -> None:
    size = 100.0
    drawing = qr_drawing(URL, size)
    matrix = [list(row) for row in segno.make(URL, error="m").matrix_iter(border=2)]
    module = size / len(matrix)
    dark = set()
    for shape in drawing.contents:
        assert isinstance(shape, Rect)
        row = round((size - shape.y) / module) - 1
        first = round(shape.x / module)
        for column in range(first, first + round(shape.width / module)):
            dark.add((row, column))
    expected = {
        (y, x) for y, line in enumerate(matrix) for x, bit in enumerate(line) if bit
    }
    assert dark == expected


def test_paper_form_cli(app: Flask, tmp_path: Path) -> None:
    output = tmp_path / "form.pdf"
    app.config["PUBLIC_BASE_URL"] = "https://khaosat.example.vn"
    result = app.test_cli_runner().invoke(
        args=[
            "paper-form",
            "--questionnaire",
            "sipas-2017",
            "--version",
            "1",
            "--agency",
            "STP",
            "-o",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    text = plain_text(output.read_bytes())
    printed = re.search(r"Mã phiếu: ([0-9a-f-]{36})", text)
    assert printed
    assert printed.group(1) in result.output
    missing = app.test_cli_runner().invoke(
        args=["paper-form", "--agency", "NOPE", "-o", str(output)]
    )
    assert missing.exit_code != 0
    assert "agency 'NOPE' not found" in missing.output


def test_paper_form_download(staff_client) -> None:
    client: FlaskClient = staff_client("agency", "STP")
    response = client.get(
        "/staff/reports/paper-form.pdf?agency=STP&questionnaire=sipas-2017"
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    text = plain_text(response.get_data())
    assert "Sở Tư pháp" in text
    other = client.get(
        "/staff/reports/paper-form.pdf?agency=SNV&questionnaire=sipas-2017"
    )
    assert other.status_code == 404


def _entry_data(client: FlaskClient, url: str, submission_id: str) -> dict:
    page = client.get(url)
    assert page.status_code == 200
    data: dict = form_fields(page.get_data(as_text=True))
    for code, value in full_answers("sipas-2017").items():
        data[code] = [str(v) for v in value] if isinstance(value, list) else str(value)
    data["submission_id"] = submission_id
    data["captured_on"] = "2021-11-05"
    return data


def test_paper_entry_stores_paper_channel(app: Flask, staff_client) -> None:
    client: FlaskClient = staff_client("agency", "STP")
    url = "/staff/reports/paper/STP"
    data = _entry_data(client, url, str(RESPONSE_ID))
    first = client.post(url, data=data)
    assert first.status_code == 303
    again = client.post(url, data=data, follow_redirects=True)
    assert "đã được nhập trước đó" in again.get_data(as_text=True)
    with new_session(app) as session:
        stored = session.scalars(
            select(Response).where(Response.submission_id == RESPONSE_ID)
        ).all()
        assert len(stored) == 1
        assert stored[0].channel == "paper"
        assert stored[0].period_id is not None
    changed = dict(data, HL="1")
    conflict = client.post(url, data=changed)
    assert conflict.status_code == 409
    assert "nội dung khác" in conflict.get_data(as_text=True)


def test_paper_entry_rejects_bad_input(staff_client) -> None:
    client: FlaskClient = staff_client("admin")
    url = "/staff/reports/paper/STP"
    bad_id = client.post(url, data=_entry_data(client, url, "not-a-code"))
    assert bad_id.status_code == 422
    assert "Mã phiếu không hợp lệ" in bad_id.get_data(as_text=True)
    data = _entry_data(client, url, str(uuid.uuid4()))
    data["TC1"] = "9"
    invalid = client.post(url, data=data)
    assert invalid.status_code == 422
    assert 'href="#q-TC1"' in invalid.get_data(as_text=True)


def test_paper_entry_other_agency_denied(staff_client) -> None:
    client: FlaskClient = staff_client("agency", "STP")
    assert client.get("/staff/reports/paper/SNV").status_code == 404
    viewer = staff_client("viewer")
    assert viewer.get("/staff/reports/paper/STP").status_code == 403


def test_survey_url_carries_response_id(app: Flask) -> None:
    from survey.models import Agency
    from survey.reports.documents import survey_url

    with new_session(app) as session:
        agency = session.scalar(select(Agency).where(Agency.code == "STP"))
        url = survey_url(
            "https://khaosat.example.vn/", agency, "sipas-2017", RESPONSE_ID
        )
    parts = urlsplit(url)
    assert parts.path == "/s/STP"
    assert parse_qs(parts.query) == {
        "q": ["sipas-2017"],
        "submission": [str(RESPONSE_ID)],
    }
