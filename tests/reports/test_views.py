"""Report downloads from the staff area and `survey report` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.reports.conftest import COMMENTS, Filled
from tests.reports.helpers import plain_text


@pytest.mark.slow
def test_report_downloads_by_role(app: Flask, filled: Filled, staff_client) -> None:
    admin = staff_client("admin")
    province = admin.get("/staff/reports/2022/province.pdf")
    assert province.status_code == 200
    assert province.headers["Content-Type"] == "application/pdf"
    text = plain_text(province.get_data())
    assert "Xếp hạng Sở, ban, ngành" in text
    assert COMMENTS[0] in text

    viewer = staff_client("viewer")
    for url in (
        "/staff/reports/2022/province.pdf",
        "/staff/reports/2022/agency/STNMT.pdf",
    ):
        response = viewer.get(url)
        assert response.status_code == 200, url
        viewed = plain_text(response.get_data())
        assert COMMENTS[0] not in viewed, url
        assert "Ý kiến của người dân" not in viewed, url

    agency = staff_client("agency", "STNMT")
    own = agency.get("/staff/reports/2022/agency/STNMT.pdf")
    assert own.status_code == 200
    assert COMMENTS[0] in plain_text(own.get_data())
    assert agency.get("/staff/reports/2022/agency/STP.pdf").status_code == 404
    assert agency.get("/staff/reports/2022/province.pdf").status_code == 403
    assert admin.get("/staff/reports/1999/province.pdf").status_code == 404


@pytest.mark.slow
def test_report_cli(app: Flask, filled: Filled, tmp_path: Path) -> None:
    output = tmp_path / "report.pdf"
    result = app.test_cli_runner().invoke(
        args=["report", "--period", "2022", "--agency", "STNMT", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    text = plain_text(output.read_bytes())
    assert "Sở Tài nguyên và Môi trường" in text
    assert "So sánh với Năm 2021" in text
    unknown = app.test_cli_runner().invoke(
        args=["report", "--period", "1999", "-o", str(output)]
    )
    assert unknown.exit_code != 0
    assert "period '1999' not found" in unknown.output
