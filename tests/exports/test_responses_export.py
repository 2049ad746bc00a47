"""Exports of responses: CSV, XLSX and SPSS layout, safety and row counts."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.exports.reader import read_csv
from survey.exports.service import export_to_file
from survey.exports.source import count_responses, make_filter
from survey.exports.writers import ExportTooLarge
from survey.models import Agency, Period, QuestionnaireVersion, Response
from tests.exports.helpers import ZONE, add_response, export_csv, export_xlsx
from tests.factories import full_answers

COMMENT = "Cán bộ tận tình, hướng dẫn rõ ràng"
INJECTIONS = [
    '=HYPERLINK("http://127.0.0.1/x","bấm vào đây")',
    "+1",
    "-2",
    "@SUM(A1:A2)",
]


@pytest.fixture
def ctx(app: Flask):
    with app.test_request_context():
        yield


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_starts_with_bom(app: Flask, session: Session, ctx: None) -> None:
    add_response(session, "STP", {**full_answers(), "YK": COMMENT})
    data = export_csv(session)
    assert data[:3] == b"\xef\xbb\xbf"
    text = data.decode("utf-8")
    assert "Sở Tư pháp" in text
    assert COMMENT in text


def test_csv_read_back_without_stray_bom(
    app: Flask, session: Session, ctx: None
) -> None:
    add_response(session, "STP", {**full_answers(), "YK": COMMENT})
    table = read_csv(export_csv(session))
    assert table.problems == []
    assert table.headings[0][1][0] == "submission_id"
    assert table.rows[0].cells["agency_name"] == "Sở Tư pháp"
    assert table.rows[0].cells["YK"] == COMMENT


def test_csv_heading_names_zone(app: Flask, session: Session, ctx: None) -> None:
    add_response(session, captured_at=datetime(2021, 11, 5, 2, 30, tzinfo=UTC))
    data = export_csv(session)
    heading = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert "received_at (Asia/Ho_Chi_Minh, UTC+07:00)" in heading
    row = _rows(data)[0]
    # 02:30 UTC is 09:30 in Vietnam (UTC+07:00, no daylight saving).
    assert row["captured_at (Asia/Ho_Chi_Minh, UTC+07:00)"] == (
        "2021-11-05 09:30:00+07:00"
    )


def test_csv_formula_text_inert(app: Flask, session: Session, ctx: None) -> None:
    for text in INJECTIONS:
        add_response(session, "STP", {**full_answers(), "YK": text})
    rows = _rows(export_csv(session))
    comments = sorted(row["YK"] for row in rows)
    assert comments == sorted("'" + text for text in INJECTIONS)
    for row in rows:
        assert row["TC1"].isdigit()
        assert row["version"] == "1"


def test_csv_quotes_newlines_and_quotes(
    app: Flask, session: Session, ctx: None
) -> None:
    text = 'Dòng một, "trích dẫn"\nDòng hai'
    add_response(session, "STP", {**full_answers(), "YK": text})
    rows = _rows(export_csv(session))
    assert rows[0]["YK"] == text


def test_xlsx_formula_text_stays_text(app: Flask, session: Session, ctx: None) -> None:
    for text in [*INJECTIONS, "#N/A"]:
        add_response(session, "STP", {**full_answers(), "YK": text})
    data = export_xlsx(session)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Dữ liệu 1"]
    heading = [cell.value for cell in sheet[1]]
    yk = heading.index("YK")
    tc1 = heading.index("TC1")
    comments = []
    for line in sheet.iter_rows(min_row=2):
        assert line[yk].data_type == "s"
        comments.append(line[yk].value)
        assert line[tc1].data_type == "n"
        assert isinstance(line[tc1].value, int)
    assert sorted(comments) == sorted([*INJECTIONS, "#N/A"])


def test_xlsx_times_are_dates(app: Flask, session: Session, ctx: None) -> None:
    add_response(session, captured_at=datetime(2021, 11, 5, 2, 30, tzinfo=UTC))
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx(session)))
    sheet = book["Dữ liệu 1"]
    heading = [cell.value for cell in sheet[1]]
    column = heading.index("captured_at (Asia/Ho_Chi_Minh, UTC+07:00)")
    assert sheet.cell(2, column + 1).value == datetime(2021, 11, 5, 9, 30)


def test_xlsx_splits_sheets_visibly(app: Flask, session: Session, ctx: None) -> None:
    for _number in range(8):
        add_response(session)
    book = openpyxl.load_workbook(
        io.BytesIO(export_xlsx(session, sheet_rows=3, chunk=2))
    )
    assert book.sheetnames == ["Ghi chú", "Dữ liệu 1", "Dữ liệu 2", "Dữ liệu 3"]
    data_rows = [book[name].max_row - 1 for name in book.sheetnames[1:]]
    assert data_rows == [3, 3, 2]
    notes = {row[0]: row[1] for row in book["Ghi chú"].iter_rows(values_only=True)}
    assert notes["Số phiếu"] == "8"
    assert "3 trang tính" in notes["Chia trang tính"]
    assert notes["Dữ liệu 3"] == "phiếu thứ 7 đến 8"


def test_sav_has_labels(
    app: Flask, session: Session, ctx: None, tmp_path: Path
) -> None:
    answers = {**full_answers(), "GY1": "na", "TC1": 4}
    add_response(session, "STP", answers)
    add_response(session, "SNV")
    response_filter = make_filter(session, "sipas-2017", "2021")
    target = tmp_path / "out.sav"
    export_to_file(
        session,
        response_filter,
        "sav",
        target,
        zone=ZONE,
        chunk_rows=1,
        sheet_rows=10,
        sav_max_rows=10,
    )
    frame, meta = pyreadstat.read_sav(str(target), user_missing=True)
    assert len(frame) == 2
    labels = meta.column_names_to_labels
    assert labels["TC1"] == "Nơi ngồi chờ có đủ chỗ ngồi"
    assert labels["received_at"].endswith("(Asia/Ho_Chi_Minh)")
    assert meta.variable_value_labels["TC1"][4] == "Hài lòng"
    assert meta.variable_value_labels["GY1"][-1] == "Không áp dụng"
    assert meta.variable_value_labels["MD1_3"] == {1: "Có chọn", 0: "Không chọn"}
    assert meta.missing_ranges["GY1"] == [{"lo": -1.0, "hi": -1.0}]
    stp = frame[frame["agency_code"] == "STP"].iloc[0]
    assert stp["GY1"] == -1
    assert stp["TC1"] == 4
    assert stp["agency_name"] == "Sở Tư pháp"
    # Read as SPSS users do by default, the user-missing code becomes missing.
    plain, _meta = pyreadstat.read_sav(str(target))
    assert plain[plain["agency_code"] == "STP"]["GY1"].isna().all()


def test_sav_refuses_above_cap(
    app: Flask, session: Session, ctx: None, tmp_path: Path
) -> None:
    for _number in range(3):
        add_response(session)
    response_filter = make_filter(session, "sipas-2017", "2021")
    with pytest.raises(ExportTooLarge, match="tối đa 2 phiếu"):
        export_to_file(
            session,
            response_filter,
            "sav",
            tmp_path / "out.sav",
            zone=ZONE,
            chunk_rows=10,
            sheet_rows=10,
            sav_max_rows=2,
        )
    assert not (tmp_path / "out.sav").exists()


def _direct_count(session: Session, period: str, agency: str | None) -> int:
    query = (
        select(func.count())
        .select_from(Response)
        .join(Period, Period.id == Response.period_id)
        .join(Agency, Agency.id == Response.agency_id)
        .join(
            QuestionnaireVersion,
            QuestionnaireVersion.id == Response.questionnaire_version_id,
        )
        .where(Period.code == period, QuestionnaireVersion.key == "sipas-2017")
    )
    if agency:
        query = query.where(Agency.code == agency)
    return session.scalar(query)


@pytest.mark.parametrize("agency", [None, "STP", "SNV", "SYT"])
def test_row_count_equals_database(
    app: Flask, session: Session, ctx: None, agency: str | None
) -> None:
    in_2021 = datetime(2021, 6, 1, tzinfo=UTC)
    in_2022 = datetime(2022, 6, 1, tzinfo=UTC)
    for code, when, copies in [
        ("STP", in_2021, 5),
        ("SNV", in_2021, 3),
        ("STP", in_2022, 2),
    ]:
        for _number in range(copies):
            add_response(session, code, captured_at=when)
    add_response(
        session,
        "STP",
        full_answers("counter-rating"),
        key="counter-rating",
        captured_at=in_2021,
    )
    expected = _direct_count(session, "2021", agency)
    assert expected == {None: 8, "STP": 5, "SNV": 3, "SYT": 0}[agency]
    rows = _rows(export_csv(session, "2021", agency=agency, chunk=2))
    assert len(rows) == expected
    assert count_responses(
        session, make_filter(session, "sipas-2017", "2021", agency)
    ) == (expected)
    assert len({row["submission_id"] for row in rows}) == expected
    assert all(row["period"] == "2021" for row in rows)


def test_empty_export_keeps_heading(app: Flask, session: Session, ctx: None) -> None:
    data = export_csv(session)
    lines = data.decode("utf-8-sig").splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("submission_id,agency_code")
    assert lines[0].endswith(",YK")
