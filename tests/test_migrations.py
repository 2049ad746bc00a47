"""The migrations build exactly the schema the models describe, and fill it in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from analysis.summary import criteria_values
from survey.cli import load_agencies, load_questionnaires, upgrade_database
from survey.db import Base, get_engine, new_session
from survey.migrations import alembic_config
from survey.models import Agency, Answer, QuestionnaireVersion, Response
from survey.questionnaire.store import from_stored
from tests.conftest import BACKENDS, POSTGRES_URL, make_app


def test_migrated_schema_matches_models(app):
    with get_engine(app).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_history_has_one_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


BEFORE_CRITERIA_VALUES = "1b4dcd2bae96"


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each backend with no tables, dropped after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# The responses table as it was before criteria_values existed.
old_responses = sa.table(
    "responses",
    sa.column("id", sa.Integer),
    sa.column("submission_id", sa.Uuid),
    sa.column("questionnaire_version_id", sa.Integer),
    sa.column("agency_id", sa.Integer),
    sa.column("period_id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("received_at", sa.DateTime),
    sa.column("answers_digest", sa.String),
    sa.column("is_synthetic", sa.Boolean),
    sa.column("flagged", sa.Boolean),
)

# Answers by questionnaire key: N/A, blank criteria, a value that is not an
# option, one outside 0-35, a multiple choice and a text, and no answers at all.
STORED = [
    ("sipas-2017", {"TC1": 5, "TC2": 2, "GY1": "na", "HL": 4, "MD1": [1, 3]}),
    ("sipas-2017", {"TC1": 7, "TC3": 40, "KQ3": 0, "YK": "Tốt"}),
    ("sipas-2017", {}),
    ("sipas-2022", {"TC1": 4, "GY3": "na"}),
    ("counter-rating", {"DG": 3, "CS1": 2}),
]


def test_backfill_matches_writer(empty_database_url: str, tmp_path: Path) -> None:
    app = make_app(empty_database_url, tmp_path)
    upgrade_database(app, BEFORE_CRITERIA_VALUES)
    with app.app_context():
        load_questionnaires(app)
        load_agencies(app)
    with new_session(app) as session:
        _store_without_summary(session)
    upgrade_database(app)

    with new_session(app) as session:
        stored = session.scalars(select(Response).order_by(Response.id)).all()
        assert len(stored) == len(STORED)
        for response in stored:
            questionnaire = from_stored(response.questionnaire_version)
            expected = criteria_values(questionnaire, response.answers)
            assert response.criteria_values == expected, questionnaire.label
        summaries = [response.criteria_values for response in stored]
    assert summaries[0] is not None and summaries[0][:3] == "52."
    assert summaries[1] is not None and summaries[1][:3] == "7.?"
    assert summaries[2] == "." * 22
    assert summaries[4] is None


def _store_without_summary(session: Session) -> None:
    versions = {v.key: v.id for v in session.scalars(select(QuestionnaireVersion))}
    agency_id = session.scalar(select(Agency.id).where(Agency.code == "STP"))
    for number, (key, answers) in enumerate(STORED):
        response_id = session.execute(
            sa.insert(old_responses).returning(old_responses.c.id),
            {
                "submission_id": uuid.uuid4(),
                "questionnaire_version_id": versions[key],
                "agency_id": agency_id,
                "period_id": None,
                "channel": "kiosk",
                "received_at": datetime(2021, 6, 1, 8, number),
                "answers_digest": "0" * 64,
                "is_synthetic": False,
                "flagged": False,
            },
        ).scalar_one()
        for code, value in answers.items():
            for entry in value if isinstance(value, list) else [value]:
                session.add(
                    Answer(
                        response_id=response_id,
                        item_code=code,
                        value=entry if isinstance(entry, int) else None,
                        not_applicable=entry == "na",
                        text=entry
                        if isinstance(entry, str) and entry != "na"
                        else None,
                    )
                )
    session.commit()
