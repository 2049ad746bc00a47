"""The criteria summary written with every response (analysis.summary)."""

from __future__ import annotations

import pytest

from analysis.structure import IndexStructure, structure_from_questionnaire
from analysis.summary import AnswerValue, criteria_values, value_character
from survey.config import PROJECT_ROOT
from survey.questionnaire.store import read_directory
from tests.analysis.helpers import sipas_2017

STRUCTURE = sipas_2017()


@pytest.mark.parametrize(
    ("value", "not_applicable", "expected"),
    [
        (0, False, "0"),
        (5, False, "5"),
        (9, False, "9"),
        (10, False, "a"),
        (35, False, "z"),
        (36, False, "?"),
        (-1, False, "?"),
        (None, True, "-"),
        (None, False, "."),
    ],
)
def test_value_character_encodes_base_36(value, not_applicable, expected) -> None:
    assert value_character(value, not_applicable) == expected


def test_summary_follows_criterion_order() -> None:
    answers = [
        AnswerValue("GY4", None, True),
        AnswerValue("TC1", 5),
        AnswerValue("HL", 4),  # overall satisfaction: not a criterion
        AnswerValue("TC3", 2),
        AnswerValue("KQ3", 7),  # stored, but not an option of the scale
    ]
    summary = criteria_values(STRUCTURE, answers)
    assert summary is not None
    assert len(summary) == 22
    codes = STRUCTURE.criterion_codes
    assert summary[codes.index("TC1")] == "5"
    assert summary[codes.index("TC2")] == "."
    assert summary[codes.index("TC3")] == "2"
    assert summary[codes.index("KQ3")] == "7"
    assert summary[codes.index("GY4")] == "-"
    assert summary.count(".") == 18


def test_summary_none_without_criteria() -> None:
    structure = IndexStructure("no-criteria", (), ())
    assert criteria_values(structure, [AnswerValue("DG", 3)]) is None


def test_summary_rejects_two_answers_to_one_criterion() -> None:
    with pytest.raises(ValueError, match="'TC1' has more than one answer"):
        criteria_values(STRUCTURE, [AnswerValue("TC1", 4), AnswerValue("TC1", 5)])


def test_summary_skips_empty_answer_rows() -> None:
    # A row without value and without N/A counts as no answer, as in the counts.
    summary = criteria_values(
        STRUCTURE, [AnswerValue("TC1", None), AnswerValue("TC1", 4)]
    )
    assert summary is not None
    assert summary[0] == "4"


def test_questionnaire_lists_criteria_like_structure() -> None:
    for questionnaire in read_directory(PROJECT_ROOT / "questionnaires"):
        structure = structure_from_questionnaire(questionnaire)
        assert questionnaire.criterion_codes == structure.criterion_codes
