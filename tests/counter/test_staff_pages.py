"""Staff pages and the one-page PDF show the hand-computed figures of the data set."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from survey.db import new_session
from tests.counter import dataset


@pytest.fixture
def loaded_app(app):
    with new_session(app) as session:
        dataset.load(session)
    return app


def test_overview_lists_units(loaded_app, staff_client):
    client = staff_client("viewer")
    response = client.get("/staff/counter-ratings/?period=2021-Q4")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # STP: total 46/3 = 15,33 of 18, satisfaction 66,7 %; province 80,0 %.
    assert "15,33 / 18" in page
    assert "66,7 %" in page
    assert "80,0 %" in page
    assert "Chưa có đánh giá (n = 0)" in page


def test_unit_page_shows_boundary_rating(loaded_app, staff_client):
    client = staff_client("agency", "STP")
    response = client.get("/staff/counter-ratings/STP?period=2021-12")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # December holds r3 alone (23:59 on 31 December): total 13 of 16.
    assert "13,00 / 16" in page
    assert "2021-W52" in page


def test_agency_staff_cannot_open_other_unit(loaded_app, staff_client):
    client = staff_client("agency", "STP")
    assert client.get("/staff/counter-ratings/SNV?period=2021-Q4").status_code == 403
    overview = client.get("/staff/counter-ratings/?period=2021-Q4")
    assert "Sở Nội vụ" not in overview.get_data(as_text=True)


def test_bad_period_is_rejected(loaded_app, staff_client):
    client = staff_client("admin")
    assert client.get("/staff/counter-ratings/?period=2021-Q9").status_code == 400


def test_unit_pdf_is_one_page(loaded_app, staff_client):
    client = staff_client("admin")
    response = client.get("/staff/counter-ratings/STP.pdf?period=2021-Q4")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    assert len(reader.pages) == 1
    # Table cells wrap, so words are compared with single spaces.
    content = " ".join(reader.pages[0].extract_text().split())
    assert "Sở Tư pháp" in content
    assert "15,33 / 18" in content
    assert "66,7 %" in content
    assert "Không hài lòng" in content
