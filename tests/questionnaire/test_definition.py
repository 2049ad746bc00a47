"""Questionnaire files: the shipped ones load, invalid ones are explained."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from survey.config import PROJECT_ROOT
from survey.questionnaire.definition import QuestionnaireError, parse
from survey.questionnaire.store import read_directory, read_file

SHIPPED = PROJECT_ROOT / "questionnaires"


def shipped() -> dict[str, object]:
    return {q.key: q for q in read_directory(SHIPPED)}


def test_sipas_2017_has_22_criteria_in_five_elements():
    questionnaire = shipped()["sipas-2017"]
    counts = [len(questionnaire.criteria(e)) for e in questionnaire.elements()]
    assert counts == [4, 5, 6, 3, 4]
    assert sum(counts) == 22


def test_sipas_2022_has_19_criteria():
    questionnaire = shipped()["sipas-2022"]
    counts = [len(questionnaire.criteria(e)) for e in questionnaire.elements()]
    assert counts == [4, 4, 5, 3, 3]


def test_counter_rating_has_nine_indicators_worth_18():
    questionnaire = shipped()["counter-rating"]
    indicators = [i for i in questionnaire.items() if i.role == "indicator"]
    assert len(indicators) == 9
    assert sum(max(i.values) for i in indicators) == 18


def test_every_shipped_file_states_what_is_unconfirmed():
    for questionnaire in shipped().values():
        assert questionnaire.unconfirmed, questionnaire.key


def test_satisfied_means_four_or_five():
    questionnaire = shipped()["sipas-2017"]
    assert questionnaire.item("CC1").satisfied == {4, 5}


def minimal() -> dict[str, object]:
    return {
        "key": "demo",
        "version": 1,
        "title": "Phiếu thử",
        "scales": {"hl5": {"options": {1: "Tệ", 5: "Tốt"}, "satisfied": [5]}},
        "sections": [
            {
                "code": "A",
                "kind": "element",
                "title": "Yếu tố A",
                "items": [
                    {
                        "code": "A1",
                        "type": "scale",
                        "scale": "hl5",
                        "role": "criterion",
                        "text": "Tiêu chí",
                    }
                ],
            }
        ],
    }


def test_minimal_definition_parses():
    questionnaire = parse(minimal())
    assert questionnaire.item_codes == ("A1",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["sections"][0]["items"][0].update(scale="hl7"),
            "unknown scale 'hl7'",
        ),
        (
            lambda d: d["sections"][0]["items"][0].update(tpye="scale"),
            "did you mean 'type'",
        ),
        (
            lambda d: d["sections"][0]["items"].append(
                dict(d["sections"][0]["items"][0])
            ),
            "code 'A1' is used twice",
        ),
        (lambda d: d.update(version=0), "invalid version 0"),
        (
            lambda d: d["sections"][0]["items"][0].update(
                role="criterion", type="text"
            ),
            "role 'criterion' needs type 'scale'",
        ),
        (lambda d: d["sections"][0]["items"][0].update(code="1A"), "invalid code '1A'"),
        (lambda d: d["scales"]["hl5"].update(satisfied=[9]), "'satisfied' must list"),
        (
            lambda d: d["scales"]["hl5"].update(
                options={1: "Tệ", 36: "Tốt"}, satisfied=[36]
            ),
            "item 'A1': option values [36] of scale 'hl5' are outside 0-35",
        ),
    ],
)
def test_invalid_definition_names_item_and_fix(change, expected):
    definition = minimal()
    change(definition)
    with pytest.raises(QuestionnaireError) as raised:
        parse(definition, "demo/v1.yaml")
    message = str(raised.value)
    assert "demo/v1.yaml" in message
    assert expected in message


def test_large_option_values_allowed_outside_criteria():
    definition = minimal()
    definition["sections"][0]["items"].append(
        {"code": "B1", "type": "choice", "text": "Mã", "options": {99: "Khác"}}
    )
    assert parse(definition).item("B1").values == {99}


def test_file_name_must_match_version(tmp_path: Path):
    folder = tmp_path / "demo"
    folder.mkdir()
    path = folder / "v2.yaml"
    path.write_text(yaml.safe_dump(minimal(), allow_unicode=True), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="name it v1.yaml"):
        read_file(path)


def test_broken_yaml_is_reported_with_file(tmp_path: Path):
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "v1.yaml").write_text("key: demo\nsections: [", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="cannot be read as YAML"):
        read_directory(tmp_path)
