"""Counter-rating summaries against values computed by hand.

The data set is tests/counter/dataset.py; each expected number below is worked
out from its table in the comment beside it, exactly (Fractions, no tolerance).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction as F

import pytest
from sqlalchemy import select

from analysis import counter_ratings as cr
from analysis.counts import UnitCounts
from survey.models import Agency, Counter, QuestionnaireVersion
from survey.questionnaire import from_stored
from tests.counter import dataset

CONFIG = cr.RatingConfig()


def _indicators(session):
    version = session.scalar(
        select(QuestionnaireVersion).where(QuestionnaireVersion.key == "counter-rating")
    )
    return version, cr.indicators_from_questionnaire(from_stored(version))


def _ids(session):
    agencies = {a.code: a.id for a in session.scalars(select(Agency))}
    counters = {(c.agency.code, c.code): c.id for c in session.scalars(select(Counter))}
    return agencies, counters


def _cells(session, period_code, grain=cr.PERIOD_GRAIN, by_counter=True):
    version, indicators = _indicators(session)
    selection = cr.RatingSelection((version.id,), cr.parse_period(period_code))
    codes = [indicator.code for indicator in indicators] + ["DG"]
    cells = cr.count_ratings(session, selection, codes, grain, by_counter)
    return cells, indicators


@pytest.fixture
def loaded(session):
    dataset.load(session)
    return session


def _means(summary):
    return {score.code: score.mean for score in summary.indicators}


def test_unit_quarter_summary(loaded):
    cells, indicators = _cells(loaded, "2021-Q4")
    agencies, _ = _ids(loaded)
    stp = cr.summarise(
        cr.pool_cells(cells, "STP", [agencies["STP"]]), indicators, CONFIG
    )
    # STP in 2021-Q4: r1, r2, r3 (r4 is 2022-Q1, r5 is 2021-Q3, r6 is flagged).
    assert stp.dossiers == 3
    assert stp.flagged == 1
    means = _means(stp)
    assert means["CS1"] == F(2 + 1 + 0, 3)
    assert means["CS2"] == F(2 + 2 + 1, 3)
    assert means["CS4"] == F(2 + 1 + 2, 3)
    # CS8 is blank on r3, so it averages over r1 and r2 only.
    assert means["CS8"] == F(2 + 0, 2)
    assert means["CS3"] == means["CS9"] == 2
    # Total = 1 + 5/3 + 2 + 5/3 + 2 + 2 + 2 + 1 + 2 = 46/3 (15.33) of 18.
    assert stp.total == F(46, 3)
    assert stp.maximum == 18
    assert stp.nominal_maximum == 18
    # DG: one each of 3, 2, 1; satisfaction ratio = (3 - 1) / 3.
    assert (stp.rating.very_satisfied, stp.rating.satisfied) == (1, 1)
    assert stp.rating.not_satisfied == 1
    assert stp.negative == 1
    assert stp.satisfaction == F(200, 3)
    # 33.33… three times: the spare 0.1 goes to the first level on a full tie.
    assert stp.rating.shares == {
        "very_satisfied": "33.4",
        "satisfied": "33.3",
        "not_satisfied": "33.3",
    }
    # 66.7 % is below the default 70 % band.
    assert stp.band == "Chưa đạt"


def test_counter_summaries(loaded):
    cells, indicators = _cells(loaded, "2021-Q4")
    agencies, counters = _ids(loaded)
    first = cr.summarise(
        cr.pool_cells(cells, "1", [agencies["STP"]], counters[("STP", "1")]),
        indicators,
        CONFIG,
    )
    # r1 + r2: CS1 1.5, CS4 1.5, CS8 1, six indicators at 2: 1.5+1.5+1+12 = 16.
    assert first.dossiers == 2
    assert first.total == 16
    assert first.satisfaction == 100
    assert first.band == "Tốt"
    second = cr.summarise(
        cr.pool_cells(cells, "2", [agencies["STP"]], counters[("STP", "2")]),
        indicators,
        CONFIG,
    )
    # r3 alone: 0 + 1 + 2 × 6 = 13, CS8 without answers: maximum 8 × 2 = 16.
    assert second.total == 13
    assert second.maximum == 16
    assert second.nominal_maximum == 18
    assert second.score_percent == F(1300, 16)
    assert second.satisfaction == 0


def test_rating_without_counter_counts_for_unit(loaded):
    cells, indicators = _cells(loaded, "2021-Q4")
    agencies, counters = _ids(loaded)
    snv = cr.summarise(
        cr.pool_cells(cells, "SNV", [agencies["SNV"]]), indicators, CONFIG
    )
    # r7 (all 1, CS8 blank) and r8 (all 2, by QR without counter).
    assert snv.dossiers == 2
    # Eight indicators at (1 + 2) / 2, CS8 at 2 from r8 alone: 12 + 2 = 14.
    assert snv.total == 14
    assert snv.satisfaction == 100
    assert snv.rating.shares == {
        "very_satisfied": "50.0",
        "satisfied": "50.0",
        "not_satisfied": "0.0",
    }
    desk = cr.summarise(
        cr.pool_cells(cells, "1", [agencies["SNV"]], counters[("SNV", "1")]),
        indicators,
        CONFIG,
    )
    assert desk.dossiers == 1
    assert desk.total == 8


def test_province_quarter_summary(loaded):
    cells, indicators = _cells(loaded, "2021-Q4")
    province = cr.summarise(cr.pool_cells(cells, "province"), indicators, CONFIG)
    # r1, r2, r3, r7, r8. Indicator sums over 5 dossiers:
    # CS1 2+1+0+1+2 = 6, CS2 8, CS3 9, CS4 8, CS5-7 9 each, CS9 9;
    # CS8 over r1, r2, r8: (2+0+2)/3. Total = 67/5 + 4/3 = 221/15.
    assert province.dossiers == 5
    assert province.total == F(221, 15)
    # DG: 3 on r1, r8; 2 on r2, r7; 1 on r3: ratio 4/5.
    assert province.satisfaction == 80
    assert province.band == "Đạt"
    assert province.rating.shares == {
        "very_satisfied": "40.0",
        "satisfied": "40.0",
        "not_satisfied": "20.0",
    }


def test_unit_without_ratings_has_no_data(loaded):
    cells, indicators = _cells(loaded, "2021-Q4")
    agencies, _ = _ids(loaded)
    empty = cr.summarise(
        cr.pool_cells(cells, "SKHDT", [agencies["SKHDT"]]), indicators, CONFIG
    )
    assert empty.status == cr.NO_DATA
    assert empty.dossiers == 0
    assert empty.total is None
    assert empty.satisfaction is None
    assert empty.score_percent is None
    assert empty.band is None
    assert empty.rating.shares == {}
    assert all(score.mean is None for score in empty.indicators)
    assert cr.weak_indicators(empty) == []


@pytest.mark.parametrize(
    ("period", "dossiers", "satisfaction"),
    [
        # r3 at 23:59 on 31 December (16:59 UTC) stays in 2021-Q4.
        ("2021-Q4", 3, F(200, 3)),
        # r4 at 00:00 on 1 January is the only 2022-Q1 rating.
        ("2022-Q1", 1, F(100)),
        # r5 at 23:59 on 30 September stays in 2021-Q3; r1 at 06:00 on
        # 1 October (23:00 UTC on 30 September) does not.
        ("2021-Q3", 1, F(0)),
        ("2021-12", 1, F(0)),
        ("2021-10", 1, F(100)),
    ],
)
def test_boundaries_follow_vietnam_time(loaded, period, dossiers, satisfaction):
    cells, indicators = _cells(loaded, period)
    agencies, _ = _ids(loaded)
    stp = cr.summarise(
        cr.pool_cells(cells, "STP", [agencies["STP"]]), indicators, CONFIG
    )
    assert stp.dossiers == dossiers
    assert stp.satisfaction == satisfaction


def test_weekly_trend_uses_local_weeks(loaded):
    period = cr.parse_period("2021-Q4")
    cells, indicators = _cells(loaded, "2021-Q4", cr.WEEK, by_counter=False)
    agencies, _ = _ids(loaded)
    points = cr.trend(cells, period, cr.WEEK, indicators, CONFIG, [agencies["STP"]])
    # ISO weeks 2021-W39 (Mon 27 Sep, partial) to 2021-W52 (Mon 27 Dec, partial).
    assert [p.label for p in points][0] == "2021-W39"
    assert [p.label for p in points][-1] == "2021-W52"
    assert len(points) == 14
    assert points[0].partial
    assert points[-1].partial
    assert not points[1].partial
    by_label = {p.label: p.summary.dossiers for p in points}
    # r1 (Fri 1 Oct local) in W39; r2 (Mon 8 Nov 06:00 local, Sunday in UTC) in
    # W45, not W44; r3 (Fri 31 Dec 23:59) in W52.
    assert by_label["2021-W39"] == 1
    assert by_label["2021-W44"] == 0
    assert by_label["2021-W45"] == 1
    assert by_label["2021-W52"] == 1
    assert sum(by_label.values()) == 3
    empty = next(p for p in points if p.label == "2021-W40")
    assert empty.summary.status == cr.NO_DATA


def test_monthly_trend(loaded):
    period = cr.parse_period("2021-Q4")
    cells, indicators = _cells(loaded, "2021-Q4", cr.MONTH, by_counter=False)
    points = cr.trend(cells, period, cr.MONTH, indicators, CONFIG)
    assert [p.label for p in points] == ["2021-10", "2021-11", "2021-12"]
    # Province: October r1, r7; November r2; December r3, r8.
    assert [p.summary.dossiers for p in points] == [2, 1, 2]
    # October: r1 18, r7 8 (CS8 blank): CS8 mean 2, others 1.5: 8 × 1.5 + 2 = 14.
    assert points[0].summary.total == 14
    # December: DG 1 and 3: ratio 1/2.
    assert points[2].summary.satisfaction == 50


def test_weak_indicators_table(loaded):
    cells, indicators = _cells(loaded, "2021-Q4")
    agencies, _ = _ids(loaded)
    stp = cr.summarise(
        cr.pool_cells(cells, "STP", [agencies["STP"]]), indicators, CONFIG
    )
    weak = cr.weak_indicators(stp)
    # Shortfalls: CS1 2 - 1 = 1 (one zero), CS8 2 - 1 = 1 (one zero),
    # CS2 and CS4 2 - 5/3 = 1/3; the rest are at the maximum.
    assert [score.code for score in weak] == ["CS1", "CS8", "CS2", "CS4"]
    assert weak[0].shortfall == 1
    assert weak[0].by_points == {2: 1, 1: 1, 0: 1}
    assert weak[2].shortfall == F(1, 3)
    assert cr.weak_indicators(stp, limit=2) == weak[:2]


# --- pure functions, no database ---------------------------------------------


def _counts(rows):
    counts = UnitCounts("u")
    counts.respondents = rows.pop("respondents")
    for (code, value), n in rows.items():
        counts.add_answers(code, value, False, n)
    return counts


INDICATORS = (
    cr.Indicator("CS1", "a", frozenset({0, 1, 2})),
    cr.Indicator("CS2", "b", frozenset({0, 1, 2})),
)


def test_configured_points_and_score_bands():
    counts = _counts(
        {"respondents": 4, ("CS1", 2): 3, ("CS1", 0): 1, ("CS2", 1): 4, ("DG", 3): 4}
    )
    config = cr.RatingConfig(
        points={2: F(4), 1: F(2), 0: F(0)},
        bands=cr.parse_bands(["80:A", "0:B"]),
        band_basis="score",
    )
    summary = cr.summarise(counts, INDICATORS, config)
    # CS1 (3 × 4 + 0) / 4 = 3, CS2 2: total 5 of 8, 62.5 % -> band B.
    assert summary.total == 5
    assert summary.maximum == 8
    assert summary.score_percent == F(125, 2)
    assert summary.band == "B"


def test_out_of_scale_values_are_ignored():
    counts = _counts({"respondents": 2, ("CS1", 2): 1, ("CS1", 7): 1, ("DG", 2): 2})
    score = cr.indicator_score(INDICATORS[0], counts, CONFIG)
    assert score.answered == 1
    assert score.mean == 2


def test_shares_add_to_hundred():
    counts = _counts({"respondents": 7, ("DG", 3): 1, ("DG", 2): 3, ("DG", 1): 3})
    shares = cr.rating_shares(counts, CONFIG).shares
    # 1/7, 3/7, 3/7 in tenths of a percent: 142.857, 428.571, 428.571, cut to
    # 142 + 428 + 428 = 998. The two spare tenths go to the largest remainders:
    # .857 (very satisfied), then .571 on a tie broken by the earlier level.
    assert shares == {
        "very_satisfied": "14.3",
        "satisfied": "42.9",
        "not_satisfied": "42.8",
    }
    assert sum(F(value) for value in shares.values()) == 100


@pytest.mark.parametrize(
    ("code", "first", "last"),
    [
        ("2021-Q4", date(2021, 10, 1), date(2021, 12, 31)),
        ("2022-q1", date(2022, 1, 1), date(2022, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2021-12", date(2021, 12, 1), date(2021, 12, 31)),
    ],
)
def test_parse_period(code, first, last):
    period = cr.parse_period(code)
    assert period.first_day == first
    assert period.last_day == last


@pytest.mark.parametrize("code", ["2021", "2021-Q5", "2021-13", "21-Q1", "", "Q4-2021"])
def test_parse_period_rejects(code):
    with pytest.raises(cr.RatingError, match="is invalid"):
        cr.parse_period(code)


def test_quarter_bounds_in_utc():
    period = cr.parse_period("2021-Q4")
    start, end = period.utc_bounds(dataset.VIETNAM)
    # Local midnight is 17:00 UTC the day before.
    assert start.isoformat() == "2021-09-30T17:00:00"
    assert end.isoformat() == "2021-12-31T17:00:00"


def test_fixed_offset_of_vietnam():
    offset = cr.fixed_offset("Asia/Ho_Chi_Minh", date(2021, 1, 1), date(2021, 12, 31))
    assert offset.total_seconds() == 7 * 3600


def test_zone_with_daylight_saving_rejected():
    with pytest.raises(cr.RatingError, match="changes its UTC offset"):
        cr.fixed_offset("Europe/Berlin", date(2021, 1, 1), date(2021, 6, 30))


def test_invalid_settings_rejected():
    with pytest.raises(cr.RatingError, match="lowest band"):
        cr.RatingConfig(bands=cr.parse_bands(["90:A", "50:B"]))
    with pytest.raises(cr.RatingError, match="invalid"):
        cr.parse_points(["2=2"])
    with pytest.raises(cr.RatingError, match="band_basis"):
        cr.RatingConfig(band_basis="other")
