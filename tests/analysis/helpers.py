"""Small data sets for the analysis tests, built respondent by respondent."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from analysis.counts import UnitCounts
from analysis.structure import IndexStructure, structure_from_questionnaire
from analysis.summary import AnswerValue, criteria_values
from survey.config import PROJECT_ROOT
from survey.models import Answer, QuestionnaireVersion, Response
from survey.questionnaire.store import from_stored, read_file

# One respondent: item code -> option value, or "na" for "Không áp dụng".
Row = Mapping[str, int | str]


def sipas_2017() -> IndexStructure:
    path = Path(PROJECT_ROOT) / "questionnaires" / "sipas-2017" / "v1.yaml"
    return structure_from_questionnaire(read_file(path))


def counts_from_rows(rows: Sequence[Row], unit: object = 1) -> UnitCounts:
    """Count answers in Python, the way the SQL in analysis.aggregate does."""
    counts = UnitCounts(unit)
    counts.respondents = len(rows)
    for row in rows:
        for code, value in row.items():
            if value == "na":
                counts.add_answers(code, None, True, 1)
            else:
                counts.add_answers(code, int(value), False, 1)
    return counts


def rows_from_distribution(
    code: str, by_value: Mapping[int, int], not_applicable: int = 0
) -> list[Row]:
    rows: list[Row] = []
    for value, count in by_value.items():
        rows.extend({code: value} for _ in range(count))
    rows.extend({code: "na"} for _ in range(not_applicable))
    return rows


def insert_rows(
    session: Session,
    rows: Sequence[Row],
    *,
    agency_id: int,
    period_id: int,
    version_id: int,
    flagged: bool = False,
    channel: str = "kiosk",
    synthetic: bool = False,
) -> None:
    """Store each row as one response with its answers and criteria summary."""
    questionnaire = from_stored(session.get_one(QuestionnaireVersion, version_id))
    for row in rows:
        answers = [
            AnswerValue(code, None if value == "na" else int(value), value == "na")
            for code, value in row.items()
        ]
        response_id = session.execute(
            insert(Response).returning(Response.id),
            {
                "submission_id": uuid.uuid4(),
                "questionnaire_version_id": version_id,
                "agency_id": agency_id,
                "period_id": period_id,
                "channel": channel,
                "received_at": datetime(2021, 6, 1, tzinfo=UTC),
                "answers_digest": hashlib.sha256(
                    repr(sorted(row.items())).encode()
                ).hexdigest(),
                "is_synthetic": synthetic,
                "flagged": flagged,
                "flag_reason": "test" if flagged else None,
                "criteria_values": criteria_values(questionnaire, answers),
            },
        ).scalar_one()
        if answers:
            session.execute(
                insert(Answer),
                [
                    {"response_id": response_id, **answer._asdict(), "text": None}
                    for answer in answers
                ],
            )
    session.commit()


def summary_mismatches(session: Session) -> list[int]:
    """Return the ids of stored responses whose criteria_values differ from their
    answers, as analysis.summary.criteria_values encodes them."""
    wrong = []
    for response in session.scalars(select(Response).order_by(Response.id)):
        questionnaire = from_stored(response.questionnaire_version)
        if response.criteria_values != criteria_values(questionnaire, response.answers):
            wrong.append(response.id)
    return wrong
