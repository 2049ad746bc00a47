"""`survey simulate`, `survey indices` and GET /api/v1/indices on both databases."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Agency, Answer, Response
from tests.analysis.helpers import summary_mismatches


def simulate(app: Flask, responses: int = 400, seed: int = 5) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "simulate",
            "--period",
            "2021",
            "--responses",
            str(responses),
            "--seed",
            str(seed),
            "--group",
            "departments",
        ]
    )
    assert result.exit_code == 0, result.output
    assert f"{responses} SYNTHETIC responses" in result.output


def test_simulate_marks_responses_synthetic(app: Flask, session: Session) -> None:
    simulate(app, 400)
    total = session.scalar(select(func.count()).select_from(Response))
    synthetic = session.scalar(
        select(func.count()).select_from(Response).where(Response.is_synthetic)
    )
    assert total == 400
    assert synthetic == 400
    na = session.scalar(
        select(func.count()).select_from(Answer).where(Answer.not_applicable)
    )
    assert na > 0
    # Every response went to a department.
    groups = set(
        session.scalars(
            select(Agency.ranking_group).join(Response, Response.agency_id == Agency.id)
        )
    )
    assert groups == {"departments"}
    assert summary_mismatches(session) == []


def test_simulate_is_reproducible(app: Flask, session: Session) -> None:
    simulate(app, 50, seed=9)
    first = session.execute(
        select(Answer.item_code, Answer.value).order_by(Answer.id)
    ).all()
    session.execute(Answer.__table__.delete())
    session.execute(Response.__table__.delete())
    session.commit()
    simulate(app, 50, seed=9)
    second = session.execute(
        select(Answer.item_code, Answer.value).order_by(Answer.id)
    ).all()
    assert first == second


def test_indices_formats_agree(app: Flask, tmp_path: Path, client: FlaskClient) -> None:
    simulate(app, 600)
    runner = app.test_cli_runner()
    out = tmp_path / "indices.json"
    result = runner.invoke(
        args=[
            "indices",
            "--period",
            "2021",
            "--group",
            "departments",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    table = json.loads(out.read_text(encoding="utf-8"))
    assert table["synthetic"] is True
    assert "SYNTHETIC" in table["label"]
    ranked = [row for row in table["agencies"] if row["rank"] is not None]
    assert ranked
    assert ranked[0]["rank"] == 1
    values = [row["overall"]["value"] for row in ranked]
    assert values == sorted(values, reverse=True)
    # Linear rule, 8 points at 100.
    for row in ranked:
        assert abs(row["points"] - row["overall"]["value"] * 8 / 100) < 1e-9
    for row in table["agencies"]:
        if row["respondents"] < 30:
            assert row["rank"] is None

    api = client.get("/api/v1/indices?period=2021&group=departments")
    assert api.status_code == 200
    body = api.get_json()
    assert body["agencies"] == table["agencies"]

    csv_result = runner.invoke(
        args=[
            "indices",
            "--period",
            "2021",
            "--group",
            "departments",
            "--format",
            "csv",
        ]
    )
    assert csv_result.exit_code == 0
    assert csv_result.output.startswith("\ufeffgroup,rank,agency")
    text_result = runner.invoke(
        args=["indices", "--period", "2021", "--group", "departments"]
    )
    assert text_result.exit_code == 0
    assert text_result.output.startswith("*** SYNTHETIC DATA")


def test_indices_unknown_period(app: Flask, client: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(args=["indices", "--period", "1999"])
    assert result.exit_code == 2
    assert "period '1999' not found" in result.output
    assert client.get("/api/v1/indices?period=1999").status_code == 404
    assert client.get("/api/v1/indices?period=2021&group=nope").status_code == 400


def test_indices_without_responses(app: Flask, client: FlaskClient) -> None:
    body = client.get("/api/v1/indices?period=2021&group=districts").get_json()
    assert body["synthetic"] is False
    for row in body["agencies"]:
        assert row["rank"] is None
        assert row["overall"]["display"] == "no data (n = 0)"
        assert row["overall"]["value"] is None


def test_simulate_counter_ratings_fills_indicators(
    app: Flask, session: Session
) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "simulate",
            "--period",
            "2021",
            "--responses",
            "60",
            "--questionnaire",
            "counter-rating",
        ]
    )
    assert result.exit_code == 0, result.output
    rows = session.execute(
        select(
            Answer.item_code, func.min(Answer.value), func.max(Answer.value)
        ).group_by(Answer.item_code)
    ).all()
    ranges = {code: (low, high) for code, low, high in rows}
    # The rating has options 1-3 and each indicator 0-2; nothing may fall outside.
    assert set(ranges) == {"DG", *(f"CS{n}" for n in range(1, 10))}
    assert 1 <= ranges["DG"][0] <= ranges["DG"][1] <= 3
    for code in (f"CS{n}" for n in range(1, 10)):
        assert 0 <= ranges[code][0] <= ranges[code][1] <= 2


def test_synthetic_index_csv_starts_with_heading(app: Flask, staff_client) -> None:
    simulate(app, 200)
    reply = staff_client("admin").get("/staff/exports/indices?period=2021&format=csv")
    assert reply.status_code == 200
    rows = list(csv.reader(io.StringIO(reply.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["group", "rank", "agency"]
    notes = rows[0].index("notes")
    with_data = [row for row in rows[1:] if row[rows[0].index("n")] != "0"]
    assert with_data
    for row in with_data:
        assert "synthetic" in row[notes]
