"""The SQL of analysis.aggregate on SQLite and PostgreSQL, against Python counts."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from statsmodels.stats.proportion import proportions_ztest

from analysis import aggregate
from analysis.aggregate import Selection
from analysis.compare import compare_periods, compare_with_rest
from analysis.counts import pool
from analysis.indices import (
    INSUFFICIENT,
    NO_DATA,
    IndexConfig,
    influence_coefficients,
    unit_result,
)
from analysis.reliability import element_alphas
from analysis.table import AgencyRef, build_index_table, pooled_results
from analysis.weighting import weighted_result
from survey.models import Agency, Answer, Period, QuestionnaireVersion, Response
from tests.analysis.helpers import counts_from_rows, insert_rows, sipas_2017
from tests.analysis.test_indices import influence_by_hand

STRUCTURE = sipas_2017()
CRITERIA = STRUCTURE.criterion_codes


def ids(session: Session) -> tuple[dict[str, int], dict[str, int], int]:
    agencies = {
        code: id_ for code, id_ in session.execute(select(Agency.code, Agency.id))
    }
    periods = {
        code: id_ for code, id_ in session.execute(select(Period.code, Period.id))
    }
    version = session.scalar(
        select(QuestionnaireVersion.id).where(QuestionnaireVersion.key == "sipas-2017")
    )
    assert version is not None
    return agencies, periods, version


def random_rows(
    seed: int, count: int, level: float = 4.0
) -> list[dict[str, int | str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(count):
        mood = rng.normal()
        skip = rng.random() < 0.4
        row: dict[str, int | str] = {}
        for code in CRITERIA:
            if code.startswith("GY") and skip:
                row[code] = "na"
            elif rng.random() < 0.03:
                continue  # left blank
            else:
                value = level + 0.7 * mood + rng.normal(0, 0.8)
                row[code] = int(np.clip(np.rint(value), 1, 5))
        row["HL"] = int(np.clip(np.rint(level + mood), 1, 5))
        rows.append(row)
    return rows


def test_counts_match_python(session: Session) -> None:
    agencies, periods, version = ids(session)
    rows = random_rows(1, 60)
    common = {"period_id": periods["2021"], "version_id": version}
    insert_rows(session, rows, agency_id=agencies["STP"], **common)
    insert_rows(session, rows[:5], agency_id=agencies["STP"], flagged=True, **common)
    insert_rows(session, rows[:7], agency_id=agencies["STP"], synthetic=True, **common)
    insert_rows(
        session,
        rows[:9],
        agency_id=agencies["STP"],
        period_id=periods["2022"],
        version_id=version,
    )
    selection = Selection(periods["2021"], version)
    counts = aggregate.count_answers(
        session, selection, [agencies["STP"], agencies["SNV"]]
    )
    expected = counts_from_rows(rows + rows[:7], agencies["STP"])
    stp = counts[agencies["STP"]]
    assert stp.respondents == 67
    assert stp.flagged == 5
    assert stp.synthetic == 7
    assert stp.items == expected.items
    assert counts[agencies["SNV"]].respondents == 0
    assert counts[agencies["SNV"]].items == {}


def test_influence_sums_match_python(session: Session) -> None:
    agencies, periods, version = ids(session)
    rows = random_rows(2, 80)
    insert_rows(
        session,
        rows,
        agency_id=agencies["STP"],
        period_id=periods["2021"],
        version_id=version,
    )
    insert_rows(
        session,
        rows[:10],
        agency_id=agencies["STP"],
        period_id=periods["2021"],
        version_id=version,
        flagged=True,
    )
    selection = Selection(periods["2021"], version)
    results = pooled_results(session, selection, {"stp": [agencies["STP"]]}, STRUCTURE)
    u = influence_by_hand(rows, STRUCTURE)
    expected = u.T @ u
    counts = aggregate.count_answers(session, selection, [agencies["STP"]])
    sums = aggregate.influence_sums(
        session,
        selection,
        {"stp": [agencies["STP"]]},
        {
            "stp": influence_coefficients(
                counts[agencies["STP"]], STRUCTURE, IndexConfig()
            )
        },
        STRUCTURE,
    )["stp"]
    np.testing.assert_allclose(np.array(sums.products), expected, rtol=1e-9, atol=1e-15)
    overall = results["stp"].overall.estimate
    assert overall.interval is not None
    assert (
        0
        <= overall.interval.low
        <= float(overall.value)
        <= overall.interval.high
        <= 100
    )


def stored_answers(
    session: Session, selection: Selection, agency_ids: list[int]
) -> dict[int, dict[str, int | None]]:
    """Read the criterion answers of unflagged responses from the answers table.

    N/A answers are left out, as they contribute to neither sum.
    """
    found: dict[int, dict[str, int | None]] = {}
    query = (
        select(Response.id, Answer.item_code, Answer.value)
        .outerjoin(
            Answer,
            (Answer.response_id == Response.id) & Answer.not_applicable.is_(False),
        )
        .where(
            Response.period_id == selection.period_id,
            Response.questionnaire_version_id == selection.questionnaire_version_id,
            Response.agency_id.in_(agency_ids),
            Response.flagged.is_(False),
        )
    )
    for response_id, code, value in session.execute(query):
        answers = found.setdefault(response_id, {})
        if code is not None:
            answers[code] = value
    return found


def influence_from_answers(
    answers: dict[int, dict[str, int | None]], coefficients
) -> np.ndarray:
    """Return Σ u_e u_f with u_e summed answer by answer from the coefficient rows."""
    contribution = {
        (code, value): (element, amount)
        for code, value, element, amount in coefficients
    }
    u = np.zeros((len(answers), len(STRUCTURE.elements)))
    for row, by_code in enumerate(answers.values()):
        for code, value in by_code.items():
            element, amount = contribution.get((code, value), (0, 0.0))
            u[row, element] += amount
    return u.T @ u


def test_summary_path_matches_answers(session: Session) -> None:
    """Pooled and single units, with N/A, blanks, flagged and invalid values."""
    agencies, periods, version = ids(session)
    common = {"period_id": periods["2021"], "version_id": version}
    rows = random_rows(11, 70)
    rows[0]["TC1"] = 7  # stored, but not an option of the 1-5 scale
    rows[1]["TC2"] = 40  # outside 0-35: '?' in the summary
    stp, snv, syt = agencies["STP"], agencies["SNV"], agencies["SYT"]
    insert_rows(session, rows[:40], agency_id=stp, **common)
    insert_rows(session, rows[40:], agency_id=snv, **common)
    insert_rows(session, random_rows(12, 30, level=3.0), agency_id=syt, **common)
    insert_rows(session, random_rows(13, 8), agency_id=snv, flagged=True, **common)
    insert_rows(
        session,
        random_rows(14, 5),
        agency_id=stp,
        period_id=periods["2022"],
        version_id=version,
    )
    selection = Selection(periods["2021"], version)
    units = {"pooled": [stp, snv], "syt": [syt]}
    counts = aggregate.count_answers(session, selection, [stp, snv, syt])
    pooled = {"pooled": pool("pooled", [counts[stp], counts[snv]]), "syt": counts[syt]}
    coefficients = {
        key: influence_coefficients(unit_counts, STRUCTURE, IndexConfig())
        for key, unit_counts in pooled.items()
    }

    sums = aggregate.influence_sums(session, selection, units, coefficients, STRUCTURE)

    for key, agency_ids in units.items():
        answers = stored_answers(session, selection, agency_ids)
        expected = influence_from_answers(answers, coefficients[key])
        np.testing.assert_allclose(
            np.array(sums[key].products), expected, rtol=1e-9, atol=1e-15
        )
    assert len(stored_answers(session, selection, units["pooled"])) == 70
    # Values that are not options stay invalid in the counts, as before.
    result = unit_result(pooled["pooled"], STRUCTURE)
    assert result.criteria["TC1"].invalid == 1
    assert result.criteria["TC2"].invalid == 1


def test_moments_match_answers(session: Session) -> None:
    agencies, periods, version = ids(session)
    common = {"period_id": periods["2021"], "version_id": version}
    rows = random_rows(15, 50)
    rows[2]["TC1"] = 7
    insert_rows(session, rows[:30], agency_id=agencies["STP"], **common)
    insert_rows(session, rows[30:], agency_id=agencies["SNV"], **common)
    insert_rows(session, rows[:9], agency_id=agencies["SNV"], flagged=True, **common)
    selection = Selection(periods["2021"], version)
    pooled = [agencies["STP"], agencies["SNV"]]

    moments = aggregate.element_moments(session, selection, pooled, STRUCTURE)

    answers = stored_answers(session, selection, pooled)
    for element in STRUCTURE.elements:
        complete = np.array(
            [
                [by_code[c.code] for c in element.criteria]
                for by_code in answers.values()
                if all(by_code.get(c.code) in c.values for c in element.criteria)
            ],
            dtype=float,
        ).reshape(-1, len(element.criteria))
        if not len(complete):
            assert element.code not in moments
            continue
        found = moments[element.code]
        totals = complete.sum(axis=1)
        assert found.respondents == len(complete)
        # Sums of small whole numbers: exact in double precision.
        assert found.item_sums == tuple(complete.sum(axis=0))
        assert found.item_squares == tuple((complete**2).sum(axis=0))
        assert found.total_sum == totals.sum()
        assert found.total_squares == (totals**2).sum()


def test_influence_sums_reject_missing_summary(session: Session) -> None:
    agencies, periods, version = ids(session)
    insert_rows(
        session,
        random_rows(16, 5),
        agency_id=agencies["STP"],
        period_id=periods["2021"],
        version_id=version,
    )
    session.execute(update(Response).values(criteria_values=None))
    session.commit()
    with pytest.raises(ValueError, match="5 selected responses .* no criteria_values"):
        pooled_results(
            session,
            Selection(periods["2021"], version),
            {"stp": [agencies["STP"]]},
            STRUCTURE,
        )


def test_influence_sums_need_a_version(session: Session) -> None:
    agencies, periods, _ = ids(session)
    with pytest.raises(ValueError, match="questionnaire_version_id is None"):
        aggregate.influence_sums(
            session,
            Selection(periods["2021"]),
            {"stp": [agencies["STP"]]},
            {"stp": [("TC1", 5, 0, 0.1)]},
            STRUCTURE,
        )


def test_alpha_matches_pingouin(session: Session) -> None:
    agencies, periods, version = ids(session)
    rows = random_rows(3, 120)
    insert_rows(
        session,
        rows,
        agency_id=agencies["SNV"],
        period_id=periods["2021"],
        version_id=version,
    )
    alphas = element_alphas(
        session, Selection(periods["2021"], version), [agencies["SNV"]], STRUCTURE
    )
    for element in STRUCTURE.elements:
        codes = [c.code for c in element.criteria]
        frame = pd.DataFrame(
            [
                [
                    row.get(code) if isinstance(row.get(code), int) else np.nan
                    for code in codes
                ]
                for row in rows
            ],
            columns=codes,
        )
        expected, _ = pingouin.cronbach_alpha(frame, nan_policy="listwise")
        complete = int(frame.dropna().shape[0])
        assert alphas[element.code].respondents == complete
        # Tolerance: relative 1e-9, both are closed forms in double precision.
        assert alphas[element.code].alpha == pytest.approx(expected, rel=1e-9)


def refs(session: Session, codes: list[str]) -> list[AgencyRef]:
    agencies = session.scalars(select(Agency).where(Agency.code.in_(codes)))
    return [AgencyRef(a.id, a.code, a.name, a.ranking_group or "") for a in agencies]


def test_case_c07_in_index_table(session: Session) -> None:
    """A has no responses, B one rating of 4, C two ratings of 5."""
    agencies, periods, version = ids(session)
    common = {"period_id": periods["2021"], "version_id": version}
    insert_rows(session, [{"CC1": 4}], agency_id=agencies["STC"], **common)
    insert_rows(session, [{"CC1": 5}, {"CC1": 5}], agency_id=agencies["SCT"], **common)
    table = build_index_table(
        session,
        Selection(periods["2021"], version),
        refs(session, ["SXD", "STC", "SCT"]),
        STRUCTURE,
        IndexConfig(min_sample=2),
    )
    a, b, c = (table.results[agencies[code]] for code in ("SXD", "STC", "SCT"))
    assert a.overall.estimate.status == NO_DATA
    assert a.overall.estimate.display() == "no data (n = 0)"
    assert b.overall.estimate.value == 100
    assert b.overall.estimate.status == INSUFFICIENT
    assert b.overall.estimate.interval_note == "interval undefined (n < 2)"
    assert c.overall.estimate.value == 100
    assert c.overall.estimate.interval is not None
    ranks = {r.unit: r.rank for r in table.ranking}
    assert ranks == {agencies["SCT"]: 1, agencies["STC"]: None, agencies["SXD"]: None}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 10_000),
    flagged=st.lists(st.sampled_from([1, 2, 3, 4, 5]), min_size=1, max_size=5),
)
def test_flagged_responses_change_nothing(
    session: Session, seed: int, flagged: list[int]
) -> None:
    agencies, periods, version = ids(session)
    session.execute(delete(Response))
    session.commit()
    common = {
        "period_id": periods["2021"],
        "version_id": version,
        "agency_id": agencies["SYT"],
    }
    rows = random_rows(seed, 12)
    insert_rows(session, rows, **common)
    selection = Selection(periods["2021"], version)
    units = {"syt": [agencies["SYT"]]}
    before = pooled_results(session, selection, units, STRUCTURE)["syt"]
    insert_rows(
        session,
        [{code: value for code in CRITERIA} for value in flagged],
        flagged=True,
        **common,
    )
    after = pooled_results(session, selection, units, STRUCTURE)["syt"]
    assert after.flagged == len(flagged)
    assert after.overall == before.overall
    assert after.criteria == before.criteria
    assert after.elements == before.elements


def test_compare_with_rest_criterion_matches_statsmodels(session: Session) -> None:
    agencies, periods, version = ids(session)
    common = {"period_id": periods["2021"], "version_id": version}
    insert_rows(
        session, random_rows(4, 60, level=4.3), agency_id=agencies["SYT"], **common
    )
    insert_rows(
        session, random_rows(5, 50, level=3.6), agency_id=agencies["STP"], **common
    )
    insert_rows(
        session, random_rows(6, 40, level=3.6), agency_id=agencies["SNV"], **common
    )
    comparisons = compare_with_rest(
        session,
        Selection(periods["2021"], version),
        agencies["SYT"],
        [agencies["STP"], agencies["SNV"], agencies["SYT"]],
        STRUCTURE,
    )
    by_code = {c.code: c for c in comparisons}
    tc1 = by_code["TC1"]
    rest = counts_from_rows(
        random_rows(5, 50, level=3.6) + random_rows(6, 40, level=3.6)
    )
    mine = counts_from_rows(random_rows(4, 60, level=4.3))

    def s_n(counts):
        values = counts.item("TC1").values
        return sum(n for v, n in values.items() if v >= 4), sum(values.values())

    (x1, n1), (x2, n2) = s_n(mine), s_n(rest)
    assert tc1.difference == Fraction(100 * x1, n1) - Fraction(100 * x2, n2)
    expected_z, expected_p = proportions_ztest([x1, x2], [n1, n2])
    assert tc1.z == pytest.approx(expected_z, rel=1e-9)
    assert tc1.p_value == pytest.approx(expected_p, rel=1e-9)
    overall = by_code["overall"]
    assert overall.difference is not None and overall.difference > 0
    assert overall.p_value is not None and overall.p_value < 0.05
    assert overall.interval is not None
    assert overall.interval.low <= float(overall.difference) <= overall.interval.high


def test_compare_periods_same_data_no_difference(session: Session) -> None:
    agencies, periods, version = ids(session)
    rows = random_rows(8, 40)
    for code in ("2021", "2022"):
        insert_rows(
            session,
            rows,
            agency_id=agencies["SYT"],
            period_id=periods[code],
            version_id=version,
        )
    comparisons = compare_periods(
        session,
        agencies["SYT"],
        Selection(periods["2022"], version),
        Selection(periods["2021"], version),
        STRUCTURE,
    )
    overall = comparisons[-1]
    assert overall.code == "overall"
    assert overall.difference == 0
    assert overall.p_value == pytest.approx(1.0)


def test_weighting_by_channel(session: Session) -> None:
    agencies, periods, version = ids(session)
    common = {
        "period_id": periods["2021"],
        "version_id": version,
        "agency_id": agencies["SYT"],
    }
    insert_rows(session, [{"TC1": 5}] * 30, channel="kiosk", **common)
    insert_rows(session, [{"TC1": 2}] * 10, channel="online", **common)
    strata = aggregate.count_answers(
        session,
        Selection(periods["2021"], version),
        [agencies["SYT"]],
        stratum="channel",
    )
    by_channel = {key[1]: counts for key, counts in strata.items()}
    weighted = weighted_result(by_channel, {"kiosk": "0.5", "online": "0.5"}, STRUCTURE)
    # Unweighted 30/40 = 75 %; with equal channel shares (1·0.5 + 0·0.5) = 50 %.
    assert weighted.result.criteria["TC1"].estimate.value == 50
    assert weighted.weights == {"kiosk": Fraction(2, 3), "online": Fraction(2)}
    unweighted = unit_result(
        counts_from_rows([{"TC1": 5}] * 30 + [{"TC1": 2}] * 10), STRUCTURE
    )
    assert unweighted.criteria["TC1"].estimate.value == 75
