"""Import of spreadsheets in the export layout: round trips, checks, all or none."""

from __future__ import annotations

import copy
import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.exports.importer import ImportRejected, import_table, submission_id_of
from survey.exports.reader import read_csv, read_table
from survey.models import QuestionnaireVersion, Response
from survey.questionnaire.definition import checksum
from tests.analysis.helpers import summary_mismatches
from tests.exports.helpers import (
    ZONE,
    add_response,
    delete_responses,
    export_csv,
    export_xlsx,
    snapshot_of,
)
from tests.factories import full_answers


@pytest.fixture
def ctx(app: Flask):
    with app.test_request_context():
        yield


def _import(session: Session, name: str, data: bytes, dry_run: bool = False):
    return import_table(
        session, read_table(name, data), zone=ZONE, text_limit=2000, dry_run=dry_run
    )


def _varied_responses(session: Session) -> None:
    base = full_answers()
    add_response(
        session,
        "STP",
        {**base, "YK": "Cán bộ tận tình, hướng dẫn rõ ràng"},
        counter_code="2",
        channel="kiosk",
    )
    add_response(
        session,
        "SNV",
        {
            **base,
            "GY1": "na",
            "GY2": "na",
            "MD1": [2, 5],
            "YK": '=HYPERLINK("http://127.0.0.1/x","x")',
        },
    )
    add_response(
        session,
        "STP",
        {
            **full_answers(seed=1),
            "YK": "'=trích dẫn\nhai dòng",
            "GIOI": None,
            "MD1": [],
        },
        flag_reason="trả lời quá nhanh",
    )
    add_response(
        session,
        "SYT",
        {**full_answers(seed=2), "YK": "-2"},
        captured_at=datetime(2021, 12, 31, 16, 59, 59, tzinfo=UTC),
    )


def _summaries(session: Session) -> dict[str, str | None]:
    return {
        str(response.submission_id): response.criteria_values
        for response in session.scalars(select(Response))
    }


def _count(session: Session) -> int:
    return session.scalar(select(func.count(Response.id)))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_round_trip_same_data(
    app: Flask, session: Session, ctx: None, kind: str
) -> None:
    _varied_responses(session)
    before = snapshot_of(session)
    summaries = _summaries(session)
    data = export_csv(session) if kind == "csv" else export_xlsx(session)
    delete_responses(app, session)
    assert _count(session) == 0
    report = _import(session, f"export.{kind}", data)
    assert report.created == 4
    assert report.skipped == []
    session.expire_all()
    assert snapshot_of(session) == before
    assert _summaries(session) == summaries
    assert summary_mismatches(session) == []


def test_round_trip_keeps_received_at(app: Flask, session: Session, ctx: None) -> None:
    add_response(session)
    received = session.scalar(select(Response.received_at))
    data = export_csv(session)
    delete_responses(app, session)
    _import(session, "export.csv", data)
    assert session.scalar(select(Response.received_at)) == received


def test_reimport_skips_same_rows(app: Flask, session: Session, ctx: None) -> None:
    _varied_responses(session)
    data = export_csv(session)
    report = _import(session, "export.csv", data)
    assert report.created == 0
    assert report.skipped == [2, 3, 4, 5]
    assert _count(session) == 4


def test_reimport_changed_row_rejected(app: Flask, session: Session, ctx: None) -> None:
    _varied_responses(session)
    text = export_csv(session).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    tc1 = rows[0].index("TC1")
    rows[2][tc1] = "1" if rows[2][tc1] != "1" else "2"
    data = _write(rows)
    with pytest.raises(ImportRejected) as caught:
        _import(session, "export.csv", data)
    assert [(p.line, p.column) for p in caught.value.problems] == [(3, "submission_id")]
    assert _count(session) == 4


def _write(rows: list[list[str]], bom: bool = True, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def test_bad_rows_all_reported_nothing_stored(
    app: Flask, session: Session, ctx: None
) -> None:
    _varied_responses(session)
    text = export_csv(session).decode("utf-8-sig")
    delete_responses(app, session)
    rows = list(csv.reader(io.StringIO(text)))
    heading = rows[0]

    def put(line: int, column: str, value: str) -> None:
        rows[line - 1][heading.index(column)] = value

    put(2, "TC1", "7")
    put(3, "agency_code", "XYZ")
    put(4, "MD1_1", "x")
    put(4, "TT2", "")
    put(5, "captured_at (Asia/Ho_Chi_Minh, UTC+07:00)", "")
    with pytest.raises(ImportRejected) as caught:
        _import(session, "paper.csv", _write(rows))
    where = [(p.line, p.column) for p in caught.value.problems]
    assert where == [
        (2, "TC1"),
        (3, "agency_code"),
        (4, "MD1_1"),
        (4, "TT2"),
        (5, "captured_at"),
    ]
    messages = [str(p) for p in caught.value.problems]
    assert messages[0].startswith("Dòng 2, cột TC1: Câu TC1: giá trị '7' không có")
    assert "XYZ" in messages[1]
    assert "chưa được trả lời" in messages[3]
    assert _count(session) == 0


def test_unknown_and_missing_columns(app: Flask, session: Session, ctx: None) -> None:
    rows = [
        ["agency_code", "questionnaire", "version", "captured_at", "TC99"],
        ["STP", "sipas-2017", "1", "2021-11-05", ""],
    ]
    with pytest.raises(ImportRejected) as caught:
        _import(session, "paper.csv", _write(rows))
    where = [(p.line, p.column) for p in caught.value.problems]
    assert (1, "TC99") in where
    assert (1, "submission_id") in where


def test_csv_without_bom_and_semicolons(
    app: Flask, session: Session, ctx: None
) -> None:
    add_response(session)
    text = export_csv(session).decode("utf-8-sig")
    delete_responses(app, session)
    rows = list(csv.reader(io.StringIO(text)))
    table = read_csv(_write(rows, bom=False, delimiter=";"))
    assert table.headings[0][1][0] == "submission_id"
    report = import_table(session, table, zone=ZONE, text_limit=2000)
    assert report.created == 1


def test_dry_run_stores_nothing(app: Flask, session: Session, ctx: None) -> None:
    add_response(session)
    data = export_csv(session)
    delete_responses(app, session)
    report = _import(session, "export.csv", data, dry_run=True)
    assert report.created == 1
    assert report.stored is False
    assert _count(session) == 0


def _paper_row(form: str, **cells: str) -> dict[str, str]:
    row = {
        "submission_id": form,
        "agency_code": "STP",
        "questionnaire": "sipas-2017",
        "version": "1",
        "captured_at": "05/11/2021 09:30",
    }
    for code, value in full_answers().items():
        if code == "MD1":
            for option in value:
                row[f"MD1_{option}"] = "1"
        else:
            row[code] = str(value)
    row.update(cells)
    return row


def _paper_file(rows: list[dict[str, str]]) -> bytes:
    names = list(dict.fromkeys(name for row in rows for name in row))
    return _write([names] + [[row.get(name, "") for name in names] for row in rows])


def test_paper_form_numbers_idempotent(app: Flask, session: Session, ctx: None) -> None:
    data = _paper_file([_paper_row("P-0001"), _paper_row("P-0002")])
    first = _import(session, "paper.csv", data)
    again = _import(session, "paper.csv", data)
    assert (first.created, len(first.skipped)) == (2, 0)
    assert (again.created, len(again.skipped)) == (0, 2)
    stored = session.scalars(select(Response)).all()
    assert {r.submission_id for r in stored} == {
        submission_id_of("P-0001", "STP"),
        submission_id_of("P-0002", "STP"),
    }
    assert {r.channel for r in stored} == {"paper"}
    # 05/11/2021 09:30 in Vietnam is 02:30 UTC.
    assert stored[0].captured_at == datetime(2021, 11, 5, 2, 30, tzinfo=UTC)


def test_duplicate_form_number_in_file(app: Flask, session: Session, ctx: None) -> None:
    data = _paper_file([_paper_row("P-0001"), _paper_row("P-0001")])
    with pytest.raises(ImportRejected) as caught:
        _import(session, "paper.csv", data)
    assert [(p.line, p.column) for p in caught.value.problems] == [(3, "submission_id")]
    assert "dòng 2" in str(caught.value.problems[0])


def test_wrong_period_and_future_date(app: Flask, session: Session, ctx: None) -> None:
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    data = _paper_file(
        [
            _paper_row("P-1", period="2022"),
            _paper_row("P-2", captured_at=future),
            _paper_row("P-3", captured_at="31/02/2021"),
        ]
    )
    with pytest.raises(ImportRejected) as caught:
        _import(session, "paper.csv", data)
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (2, "period"),
        (3, "captured_at"),
        (4, "captured_at"),
    ]


def _add_version_2(session: Session) -> None:
    """Store sipas-2017 v2: GY4 dropped, TC5 added after TC4, MD1 option 9 added."""
    v1 = session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == "sipas-2017", QuestionnaireVersion.version == 1
        )
    )
    definition = copy.deepcopy(v1.definition)
    definition["version"] = 2
    sections = {section["code"]: section for section in definition["sections"]}
    sections["GY"]["items"] = [i for i in sections["GY"]["items"] if i["code"] != "GY4"]
    tc = sections["TC"]["items"]
    tc.insert(4, {**tc[0], "code": "TC5", "text": "Nơi làm thủ tục sạch sẽ"})
    sections["MD"]["items"][0]["options"]["9"] = "Khác"
    session.add(
        QuestionnaireVersion(
            key="sipas-2017",
            version=2,
            title=v1.title,
            checksum=checksum(definition),
            definition=definition,
        )
    )
    session.commit()


def test_version_change_keeps_columns(app: Flask, session: Session, ctx: None) -> None:
    _add_version_2(session)
    old = add_response(session, "STP", {**full_answers(), "GY4": 2})
    new_answers = {**full_answers(), "TC5": 3, "MD1": [9]}
    new_answers.pop("GY4")
    new = add_response(session, "SNV", new_answers, version=2)
    data = export_csv(session)
    text = data.decode("utf-8-sig")
    heading = next(csv.reader(io.StringIO(text)))
    assert heading.index("TC5") == heading.index("TC4") + 1
    assert "GY4" in heading
    assert heading.index("MD1_9") == heading.index("MD1_8") + 1
    rows = {r["submission_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[str(old.submission_id)]["version"] == "1"
    assert rows[str(old.submission_id)]["GY4"] == "2"
    assert rows[str(old.submission_id)]["TC5"] == ""
    assert rows[str(old.submission_id)]["MD1_9"] == ""
    assert rows[str(old.submission_id)]["MD1_1"] == "1"
    assert rows[str(old.submission_id)]["MD1_8"] == "0"
    assert rows[str(new.submission_id)]["version"] == "2"
    assert rows[str(new.submission_id)]["GY4"] == ""
    assert rows[str(new.submission_id)]["TC5"] == "3"
    assert rows[str(new.submission_id)]["MD1_9"] == "1"

    before = snapshot_of(session)
    delete_responses(app, session)
    _import(session, "export.csv", data)
    session.expire_all()
    assert snapshot_of(session) == before


def test_cell_of_other_version_rejected(
    app: Flask, session: Session, ctx: None
) -> None:
    _add_version_2(session)
    data = _paper_file([_paper_row("P-1", TC5="4")])
    with pytest.raises(ImportRejected) as caught:
        _import(session, "paper.csv", data)
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, "TC5")]


def test_uuid_submission_ids_kept(app: Flask, session: Session, ctx: None) -> None:
    given = uuid.uuid4()
    _import(session, "paper.csv", _paper_file([_paper_row(str(given))]))
    assert session.scalar(select(Response.submission_id)) == given
