"""The staff dashboard: counts, indices with intervals, trend, and who sees what."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import new_session
from survey.models import Agency, Counter, Period
from survey.questionnaire import latest_version
from survey.responses.service import Submission, submit
from survey.staff import dashboard
from tests.factories import full_answers, questionnaire


def _answers(scale_value: int) -> dict[str, Any]:
    """Every rating item answered with ``scale_value``, the rest as usual."""
    answers = full_answers()
    for item in questionnaire().items():
        if item.type == "scale":
            answers[item.code] = scale_value
    return answers


def _submit(
    db: Session, code: str, channel: str, scale_value: int, captured: datetime
) -> None:
    agency = db.scalar(select(Agency).where(Agency.code == code))
    assert agency is not None
    counter = None
    if channel == "kiosk":
        counter = db.scalar(select(Counter).where(Counter.agency_id == agency.id))
    version = latest_version(db, "sipas-2017")
    assert version is not None
    submission = Submission(
        submission_id=uuid.uuid4(),
        version=version,
        agency=agency,
        channel=channel,
        answers=_answers(scale_value),
        counter=counter,
        captured_at=captured,
    )
    submit(db, submission, text_limit=2000, timezone="Asia/Ho_Chi_Minh")


@pytest.fixture
def responses(app: Flask) -> None:
    """STP in 2025: three all-5 and one all-1 responses; SNV: two all-4.

    By hand, with the satisfied set {4, 5}: every STP criterion is 3/4 = 75 %,
    so its elements and overall index are 75.0; SNV's are 100.0. In 2024 STP
    has one all-5 response (100.0), so its change is 75.0 - 100.0 = -25.0.
    """
    morning = datetime(2025, 3, 10, 3, 0, tzinfo=UTC)  # 10:00 on 10/03 in Vietnam
    night = datetime(2025, 3, 10, 18, 0, tzinfo=UTC)  # 01:00 on 11/03 in Vietnam
    with new_session(app) as db:
        _submit(db, "STP", "kiosk", 5, morning)
        _submit(db, "STP", "kiosk", 5, morning)
        _submit(db, "STP", "online", 5, night)
        _submit(db, "STP", "online", 1, night)
        _submit(db, "SNV", "paper", 4, morning)
        _submit(db, "SNV", "paper", 4, morning)
        _submit(db, "STP", "online", 5, datetime(2024, 5, 1, 3, 0, tzinfo=UTC))


def _build(app: Flask, visible: set[int] | None) -> dashboard.Dashboard:
    with new_session(app) as db, app.test_request_context():
        period = db.scalar(select(Period).where(Period.code == "2025"))
        assert period is not None
        return dashboard.build(db, period, visible)


def _agency_id(app: Flask, code: str) -> int:
    with new_session(app) as db:
        found = db.scalar(select(Agency.id).where(Agency.code == code))
        assert found is not None
        return found


def test_counts_by_agency_channel_day(app: Flask, responses: None) -> None:
    data = _build(app, None)
    assert data.total == 6
    assert data.previous_total == 1
    assert [(row.code, row.responses) for row in data.by_agency] == [
        ("STP", 4),
        ("SNV", 2),
    ]
    assert dict(data.by_channel) == {"kiosk": 2, "online": 2, "paper": 2}
    # 18:00 UTC on 10 March is already 11 March in Vietnam.
    assert data.by_day == [(date(2025, 3, 10), 4), (date(2025, 3, 11), 2)]


def test_counts_limited_to_visible(app: Flask, responses: None) -> None:
    data = _build(app, {_agency_id(app, "STP")})
    assert data.total == 4
    assert [row.code for row in data.by_agency] == ["STP"]
    assert [row.code for row in data.index_rows] == ["STP"]


def test_indices_and_trend(app: Flask, responses: None) -> None:
    data = _build(app, None)
    assert data.index_error is None
    rows = {row.code: row for row in data.index_rows}
    assert rows["STP"].overall == pytest.approx(75.0, abs=1e-9)
    assert rows["SNV"].overall == pytest.approx(100.0, abs=1e-9)
    assert rows["STP"].previous == pytest.approx(100.0, abs=1e-9)
    assert rows["STP"].change == pytest.approx(-25.0, abs=1e-9)
    assert rows["STP"].respondents == 4
    assert rows["STP"].ci_low is not None
    assert rows["STP"].ci_low < 75.0 < rows["STP"].ci_high
    # Four respondents are below the minimum sample, so nobody is ranked.
    assert rows["STP"].rank is None


def test_page_in_vietnamese_formats(app: Flask, responses: None, staff_client) -> None:
    page = staff_client("viewer").get("/staff/?period=2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "75,0 %" in html
    assert "100,0 %" in html
    assert "-25,0" in html
    assert 'role="img"' in html
    assert re.search(r'<svg class="chart" role="img" aria-label="[^"]+"', html)
    assert "Sở Nội vụ" in html
    assert "<script" not in html


def test_agency_staff_see_own_agency_only(
    app: Flask, responses: None, staff_client
) -> None:
    client = staff_client("agency", "STP")
    html = client.get("/staff/?period=2025").get_data(as_text=True)
    assert "Sở Tư pháp" in html
    assert "Sở Nội vụ" not in html
    assert "SNV" not in html
    assert client.get("/staff/agencies/SNV?period=2025").status_code == 404


def test_agency_staff_see_sub_units(app: Flask, responses: None, staff_client) -> None:
    with new_session(app) as db:
        parent = db.scalar(select(Agency).where(Agency.code == "QNHON"))
        assert parent is not None
        db.add(
            Agency(
                code="PNGUYENVAN",
                name="Phường thử nghiệm",
                kind="commune",
                parent_id=parent.id,
                valid_from=date(2021, 1, 1),
            )
        )
        db.commit()
    client = staff_client("agency", "QNHON")
    assert client.get("/staff/agencies/PNGUYENVAN").status_code == 200
    assert client.get("/staff/agencies/STP").status_code == 404
    other = staff_client("agency", "STP")
    assert other.get("/staff/agencies/PNGUYENVAN").status_code == 404
