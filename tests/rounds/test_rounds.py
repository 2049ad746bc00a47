"""Survey rounds: frame, draw, invitation codes, progress, indices, CLI, staff."""

from __future__ import annotations

import csv
import io
import random
import threading
import uuid
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from analysis.sampling import allocate
from survey.db import new_session
from survey.models import (
    FrameRow,
    Invitation,
    Period,
    QuestionnaireVersion,
    Response,
    RoundResponse,
    RoundStratum,
)
from survey.rounds import draw, frame, invitations, letters, planning, progress, results
from survey.rounds.codes import invitation_key
from survey.rounds.planning import RoundPlan, create_round, find_round
from tests.factories import form_fields, full_answers
from tests.rounds.frames import HEADER, binh_dinh_units, frame_rows, write_csv

UNITS = ("STP", "SNV", "QNHON")


def _round(session, code="R1", units=UNITS, **overrides):
    period = session.scalar(select(Period).where(Period.code == "2021"))
    version = session.scalar(
        select(QuestionnaireVersion).where(QuestionnaireVersion.key == "sipas-2017")
    )
    agencies = planning.agencies_in_scope(session, period, units)
    plan = RoundPlan(
        code=code,
        name="Khảo sát 2021",
        period=period,
        version=version,
        agencies=agencies,
        fieldwork_starts_on=date(2021, 10, 1),
        fieldwork_ends_on=date(2021, 10, 31),
        **overrides,
    )
    return create_round(session, plan)


def _letters(app, session, survey_round, kinds=("main",)):
    return list(
        letters.letters(
            session, survey_round, invitation_key(app.config), "http://x", kinds
        )
    )


def test_frame_bad_rows_reported(session, tmp_path):
    survey_round = _round(session)
    rows = [
        ("A1", "STP", "Hộ tịch", "2021-03-01", ""),
        ("", "STP", "Hộ tịch", "2021-03-01", ""),  # line 3: no code
        ("A3", "XYZ", "Hộ tịch", "2021-03-01", ""),  # line 4: unit not in round
        ("A4", "SNV", "Đất đai", "31/02/2021", ""),  # line 5: invalid date
        ("A5", "SNV", "Đất đai", "2020-12-31", ""),  # line 6: outside the period
        ("A1", "SNV", "", "2021-05-05", ""),  # line 7: duplicate code, no field
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(frame.FrameRejected) as rejected:
        frame.import_frame(session, survey_round, path)
    found = [(p.line, p.column) for p in rejected.value.problems]
    assert found == [
        (3, "A (mã hồ sơ)"),
        (4, "B (mã đơn vị)"),
        (5, "D (ngày trả kết quả)"),
        (6, "D (ngày trả kết quả)"),
        (7, "C (lĩnh vực)"),
        (7, "A (mã hồ sơ)"),
    ]
    assert "trùng với dòng 2" in rejected.value.problems[-1].message
    assert session.scalar(select(func.count()).select_from(FrameRow)) == 0


def test_frame_missing_column(session, tmp_path):
    survey_round = _round(session)
    path = tmp_path / "f.csv"
    path.write_text("Mã hồ sơ,Mã đơn vị\nA,STP\n", encoding="utf-8")
    with pytest.raises(frame.FrameRejected) as rejected:
        frame.import_frame(session, survey_round, path)
    assert [p.line for p in rejected.value.problems] == [1, 1]


@pytest.mark.parametrize("bom", [True, False])
def test_frame_csv_with_and_without_bom(session, tmp_path, bom):
    survey_round = _round(session)
    rows = frame_rows(list(UNITS), 300)
    summary = frame.import_frame(
        session, survey_round, write_csv(tmp_path / "f.csv", rows, bom)
    )
    assert summary.rows == 300
    populations = {u.agency.code: u.population for u in survey_round.units}
    assert populations == {u: sum(1 for r in rows if r[1] == u) for u in UNITS}


def test_frame_xlsx(session, tmp_path):
    survey_round = _round(session)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(("X1", "STP", "Hộ tịch", date(2021, 4, 2), None))
    sheet.append(("X2", "SNV", "Đất đai", "02/04/2021", None))
    sheet.append(("X3", "SNV", "Đất đai", "bad", None))
    path = tmp_path / "f.xlsx"
    workbook.save(path)
    with pytest.raises(frame.FrameRejected) as rejected:
        frame.import_frame(session, survey_round, path)
    assert [(p.line, p.column) for p in rejected.value.problems] == [
        (4, "D (ngày trả kết quả)")
    ]
    sheet.delete_rows(4)
    workbook.save(path)
    assert frame.import_frame(session, survey_round, path).rows == 2


def _drawn(session, survey_round):
    return sorted(
        session.execute(
            select(FrameRow.dossier_code, Invitation.kind, Invitation.rank)
            .join(FrameRow, FrameRow.id == Invitation.frame_row_id)
            .where(Invitation.round_id == survey_round.id)
        ).all()
    )


def test_draw_same_seed_same_sample(app, session, tmp_path):
    rows = frame_rows(list(UNITS), 3000)
    first = _round(session, "R1")
    frame.import_frame(session, first, write_csv(tmp_path / "a.csv", rows))
    shuffled = list(rows)
    random.Random(1).shuffle(shuffled)
    second = _round(session, "R2")
    frame.import_frame(session, second, write_csv(tmp_path / "b.csv", shuffled))
    key = invitation_key(app.config)
    draw.draw(session, first, key, seed=42)
    draw.draw(session, second, key, seed=42)
    assert _drawn(session, first) == _drawn(session, second)
    before = _drawn(session, first)
    draw.draw(session, first, key, seed=42, redraw=True)
    assert _drawn(session, first) == before
    draw.draw(session, first, key, seed=43, redraw=True)
    assert _drawn(session, first) != before


def test_draw_covers_strata_in_proportion(app, session, tmp_path):
    rows = frame_rows(list(UNITS), 3000)
    survey_round = _round(session, reserve_share=Decimal("0.2"))
    frame.import_frame(session, survey_round, write_csv(tmp_path / "a.csv", rows))
    draw.draw(session, survey_round, invitation_key(app.config), seed=7)
    for unit in survey_round.units:
        strata = session.scalars(
            select(RoundStratum).where(RoundStratum.agency_id == unit.agency_id)
        ).all()
        sizes = {s.field: s.population for s in strata}
        assert sum(sizes.values()) == unit.population
        # Slovin with e = 5 %, rounded up, then split by largest remainder.
        assert unit.target == -(-unit.population // (1 + unit.population / 400))
        assert {s.field: s.sample for s in strata} == allocate(unit.target, sizes)
        for s in strata:
            assert abs(s.sample - unit.target * s.population / unit.population) < 1
        reserves = sum(s.reserves for s in strata)
        assert reserves == -(-unit.target * 2 // 10)
        counted = session.scalar(
            select(func.count()).where(
                Invitation.agency_id == unit.agency_id, Invitation.kind == "main"
            )
        )
        assert counted == unit.target


def test_release_order_interleaves():
    order = draw.release_order({"a": [1, 2, 3, 4], "b": [5, 6]})
    assert [s for s, _ in order] == ["a", "b", "a", "a", "b", "a"]


def _open_round(app, session, tmp_path, size=600):
    survey_round = _round(session)
    frame.import_frame(
        session,
        survey_round,
        write_csv(tmp_path / "f.csv", frame_rows(list(UNITS), size)),
    )
    draw.draw(session, survey_round, invitation_key(app.config), seed=1)
    planning.set_status(session, survey_round, "fieldwork")
    return survey_round


def _answer(client, code, expect=303):
    url = f"/moi/{code}"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = form_fields(page.get_data(as_text=True))
    for item, value in full_answers("sipas-2017").items():
        data[item] = [str(v) for v in value] if isinstance(value, list) else str(value)
    posted = client.post(url, data=data)
    assert posted.status_code == expect, posted.get_data(as_text=True)[:500]
    return data


def test_code_works_once(app, client, session, tmp_path):
    survey_round = _open_round(app, session, tmp_path)
    letter = _letters(app, session, survey_round)[0]
    data = _answer(client, letter.code.lower())
    # The same submission again shows the thank-you page, and stores nothing new.
    again = client.post(f"/moi/{letter.code}", data=data)
    assert again.status_code == 303
    assert client.get(f"/moi/{letter.code}").status_code == 410
    data["submission_id"] = str(uuid.uuid4())
    assert client.post(f"/moi/{letter.code}", data=data).status_code == 410
    links = session.scalars(select(RoundResponse)).all()
    assert len(links) == 1
    assert links[0].round_id == survey_round.id
    assert links[0].field == letter.field
    assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_code_bound_to_open_round(app, client, session, tmp_path):
    survey_round = _open_round(app, session, tmp_path)
    main = _letters(app, session, survey_round)[0]
    reserve = _letters(app, session, survey_round, ("reserve",))
    assert reserve == []  # reserves are not released yet
    assert client.get("/moi/ABCDE-FGHJK").status_code == 404
    planning.set_status(session, survey_round, "closed")
    assert client.get(f"/moi/{main.code}").status_code == 403
    # Another key (another installation) does not know the code.
    session.expire_all()
    with pytest.raises(invitations.InvitationUnavailable):
        invitations.find(session, b"other key", main.code)


def test_rejected_answer_keeps_code(app, client, session, tmp_path):
    survey_round = _open_round(app, session, tmp_path)
    letter = _letters(app, session, survey_round)[0]
    page = client.get(f"/moi/{letter.code}")
    data = form_fields(page.get_data(as_text=True))
    assert client.post(f"/moi/{letter.code}", data=data).status_code == 422
    _answer(client, letter.code)


def test_concurrent_use_one_success(app, session, tmp_path, backend):
    if backend != "postgresql":
        pytest.skip("row locks of concurrent updates are what this checks")
    survey_round = _open_round(app, session, tmp_path)
    code = _letters(app, session, survey_round)[0].code
    key = invitation_key(app.config)
    barrier = threading.Barrier(4)
    outcomes = []

    def use() -> None:
        with new_session(app) as own:
            found = invitations.find(own, key, code)
            barrier.wait()
            try:
                invitations.answer(
                    own,
                    found,
                    uuid.uuid4(),
                    full_answers("sipas-2017"),
                    text_limit=2000,
                    timezone="Asia/Ho_Chi_Minh",
                )
                outcomes.append("ok")
            except invitations.InvitationUnavailable as error:
                outcomes.append(error.reason)

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "used", "used", "used"]
    assert session.scalar(select(func.count()).select_from(RoundResponse)) == 1


def test_progress_and_release(app, client, session, tmp_path):
    survey_round = _open_round(app, session, tmp_path)
    codes = _letters(app, session, survey_round)
    stp = [c for c in codes if c.agency_code == "STP"]
    for letter in stp[:3]:
        _answer(client, letter.code)
    session.expire_all()
    report = progress.progress(session, survey_round, date(2021, 10, 16))
    unit = next(u for u in report.units if u.code == "STP")
    assert unit.responses == 3
    assert unit.by_channel == {"online": 3}
    assert unit.invited == len(stp)
    # Half of the 31 days passed (16/31): projected 3 / (16/31) = 5.8 < target.
    assert unit.projected == pytest.approx(3 * 31 / 16)
    assert unit.at_risk
    rate = 3 / len(stp)
    shortfall = unit.target - 3 * 31 / 16
    assert unit.suggested_release == min(unit.reserves_left, -int(-shortfall // rate))
    released = draw.release_reserves(session, survey_round, unit.agency_id, 5)
    assert released == 5
    assert len(_letters(app, session, survey_round, ("reserve",))) == 5


def test_weighted_indices(app, client, session, tmp_path):
    survey_round = _open_round(app, session, tmp_path)
    for letter in _letters(app, session, survey_round)[:40]:
        _answer(client, letter.code)
    session.expire_all()
    plain = results.round_indices(session, survey_round, weighted=False)
    weighted = results.round_indices(session, survey_round, weighted=True)
    total = next(r for r in plain if r.code == results.ALL_UNITS)
    assert total.respondents == 40
    assert total.result.overall.estimate.value is not None
    assert total.margin == pytest.approx(
        __import__("analysis.sampling").sampling.achieved_margin(
            40, 0.95, "0.5", total.population
        )
    )
    assert any(r.weighted or r.note for r in weighted)


def test_purge_frame(app, session, tmp_path):
    survey_round = _open_round(app, session, tmp_path)
    planning.purge_frame(session, survey_round)
    assert session.scalar(select(func.count()).select_from(FrameRow)) == 0
    assert session.scalar(select(func.count()).select_from(Invitation)) > 0
    with pytest.raises(planning.RoundError):
        _letters(app, session, survey_round)


@pytest.mark.slow
def test_end_to_end_binh_dinh(app, session, tmp_path, staff_client):
    """CLI and staff pages over every Bình Định unit with a synthetic frame."""
    runner = app.test_cli_runner()
    path = write_csv(tmp_path / "frame.csv", frame_rows(binh_dinh_units(), 20_000))

    def run(*args):
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output

    run(
        "round",
        "create",
        "BD21",
        "--name",
        "Khảo sát 2021",
        "--period",
        "2021",
        "--starts",
        "2021-10-01",
        "--ends",
        "2021-12-15",
    )
    out = run("round", "import-frame", "BD21", str(path))
    assert "imported 20000 dossiers" in out
    out = run("round", "draw", "BD21", "--seed", "2021")
    assert "seed=2021" in out
    run("round", "letters", "BD21", "-o", str(tmp_path / "l.pdf"), "--unit", "STP")
    assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF")
    run("round", "invitations-csv", "BD21", "-o", str(tmp_path / "i.csv"))
    raw = (tmp_path / "i.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    survey_round = find_round(session, "BD21")
    assert len(rows) == sum(u.target for u in survey_round.units)
    run("round", "open", "BD21")
    client = app.test_client()
    for row in rows[:: len(rows) // 30][:30]:
        _answer(client, row["ma_moi"])
    out = run("round", "progress", "BD21", "--day", "2021-11-01")
    assert "total: 30/" in out
    out = run("round", "indices", "BD21", "--weighted")
    assert "ALL" in out

    admin = staff_client("admin")
    page = admin.get("/staff/rounds/BD21")
    assert page.status_code == 200
    assert "Sở Tư pháp" in page.get_data(as_text=True)
    assert admin.get("/staff/rounds/BD21/indices?weighted=1").status_code == 200
    pdf = admin.get("/staff/rounds/BD21/letters.pdf?unit=SNV")
    assert pdf.data.startswith(b"%PDF")
    agency = staff_client("agency", "STP")
    assert agency.get("/staff/rounds/BD21/letters.pdf").status_code == 403
    text = agency.get("/staff/rounds/BD21").get_data(as_text=True)
    assert "Sở Tư pháp" in text
    assert "Sở Nội vụ</th>" not in text
