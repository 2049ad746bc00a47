"""The API and the command line show the hand-computed summaries of the data set.

Expected numbers are worked out in tests/analysis/test_counter_ratings.py from
the table in tests/counter/dataset.py.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from survey.db import new_session
from tests.counter import dataset


@pytest.fixture
def loaded_app(app):
    with new_session(app) as session:
        dataset.load(session)
    return app


def _unit(document, code):
    return next(u for u in document["units"] if u["agency"]["code"] == code)


def test_api_quarter_summary(loaded_app):
    response = loaded_app.test_client().get("/api/v1/counter-ratings?period=2021-Q4")
    assert response.status_code == 200
    document = response.get_json()
    assert document["period"]["first_day"] == "2021-10-01"
    assert document["config"]["bands_unconfirmed"] is True
    stp = _unit(document, "STP")
    # 46/3 = 15.333…; satisfaction (3 - 1) / 3 = 66.67 %.
    assert stp["dossiers"] == 3
    assert stp["total_score_display"] == "15.33"
    assert stp["maximum"] == 18
    assert stp["satisfaction_ratio_display"] == "66.7"
    assert stp["band"] == "Chưa đạt"
    assert [c["counter"]["code"] for c in stp["counters"]] == ["1", "2"]
    assert [c["dossiers"] for c in stp["counters"]] == [2, 1]
    assert [w["code"] for w in stp["weak_indicators"]] == ["CS1", "CS8", "CS2", "CS4"]
    province = document["province"]
    # 221/15 = 14.7333…; 4 of 5 dossiers without a negative rating.
    assert province["dossiers"] == 5
    assert province["total_score_display"] == "14.73"
    assert province["satisfaction_ratio"] == 80
    assert province["rating"]["shares"]["not_satisfied"] == "20.0"
    empty = _unit(document, "SKHDT")
    assert empty["status"] == "no_data"
    assert empty["total_score"] is None
    assert empty["satisfaction_ratio"] is None
    assert json.dumps(document).count("NaN") == 0


@pytest.mark.parametrize(
    ("period", "dossiers"),
    [("2021-Q4", 3), ("2022-Q1", 1), ("2021-Q3", 1), ("2021-12", 1), ("2022-01", 1)],
)
def test_api_boundary_rating_in_its_quarter(loaded_app, period, dossiers):
    response = loaded_app.test_client().get(
        f"/api/v1/counter-ratings?period={period}&agency=STP"
    )
    assert response.status_code == 200
    document = response.get_json()
    assert [u["agency"]["code"] for u in document["units"]] == ["STP"]
    assert document["units"][0]["dossiers"] == dossiers


def test_api_trends_of_one_agency(loaded_app):
    document = (
        loaded_app.test_client()
        .get("/api/v1/counter-ratings?period=2021-Q4&agency=STP")
        .get_json()
    )
    months = document["trends"]["month"]
    assert document["trends"]["scope"] == "STP"
    assert [m["dossiers"] for m in months] == [1, 1, 1]
    weeks = {w["label"]: w for w in document["trends"]["week"]}
    assert weeks["2021-W52"]["dossiers"] == 1
    assert weeks["2021-W52"]["partial"] is True
    assert weeks["2021-W45"]["dossiers"] == 1


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 400),
        ("?period=2021", 400),
        ("?period=2021-Q5", 400),
        ("?period=2021-Q4&agency=NOPE", 404),
        ("?period=2021-Q4&agency=BDI", 404),
    ],
)
def test_api_rejects_bad_requests(loaded_app, query, status):
    response = loaded_app.test_client().get(f"/api/v1/counter-ratings{query}")
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_cli_json_matches_api(loaded_app):
    runner = loaded_app.test_cli_runner()
    result = runner.invoke(
        args=["counter-ratings", "--quarter", "2021-Q4", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    api = (
        loaded_app.test_client()
        .get("/api/v1/counter-ratings?period=2021-Q4")
        .get_json()
    )
    assert document == api


def test_cli_csv_rows(loaded_app):
    runner = loaded_app.test_cli_runner()
    result = runner.invoke(
        args=[
            "counter-ratings",
            "--quarter",
            "2021-Q4",
            "--agency",
            "STP",
            "--format",
            "csv",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result.output.removeprefix("\ufeff"))))
    by_level = {(row["level"], row["counter"]): row for row in rows}
    assert by_level[("province", "")]["satisfaction_ratio"] == "80.0"
    unit = by_level[("unit", "")]
    assert unit["name"] == "Sở Tư pháp"
    assert unit["total_score"] == "15.33"
    assert unit["very_satisfied_pct"] == "33.4"
    assert unit["CS8"] == "1.00"
    # Counter 2 holds r3 alone, rated at 23:59 on 31 December.
    assert by_level[("counter", "2")]["dossiers"] == "1"
    assert by_level[("counter", "2")]["total_score"] == "13.00"


@pytest.mark.parametrize(
    ("period", "dossiers"), [("2021-Q4", "3"), ("2022-Q1", "1"), ("2021-Q3", "1")]
)
def test_cli_boundary_rating_in_its_quarter(loaded_app, period, dossiers):
    runner = loaded_app.test_cli_runner()
    result = runner.invoke(
        args=[
            "counter-ratings",
            "--quarter",
            period,
            "--agency",
            "STP",
            "--format",
            "csv",
        ]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output.removeprefix("\ufeff"))))
    unit = next(row for row in rows if row["level"] == "unit")
    assert unit["dossiers"] == dossiers


def test_cli_table_and_errors(loaded_app):
    runner = loaded_app.test_cli_runner()
    result = runner.invoke(args=["counter-ratings", "--month", "2021-12"])
    assert result.exit_code == 0, result.output
    assert "Counter ratings 2021-12" in result.output
    assert "not official" not in result.output
    assert "COUNTER_RATING_BANDS" in result.output
    both = runner.invoke(
        args=["counter-ratings", "--quarter", "2021-Q4", "--month", "2021-10"]
    )
    assert both.exit_code == 2
    wrong = runner.invoke(args=["counter-ratings", "--quarter", "2021-10"])
    assert wrong.exit_code == 2
    assert "--quarter" in wrong.output
    unknown = runner.invoke(
        args=["counter-ratings", "--quarter", "2021-Q4", "--agency", "NOPE"]
    )
    assert unknown.exit_code == 2
    assert "agency 'NOPE' not found" in unknown.output
