"""Fixtures shared by the whole suite.

Every test that takes ``app``, ``session`` or ``client`` runs once on SQLite and
once on PostgreSQL. The PostgreSQL run uses a schema of its own in the database
``test``, so that several suites can run at the same time. Set
SURVEY_TEST_BACKENDS=sqlite to run only SQLite while developing; CI runs both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from survey import create_app
from survey.cli import load_agencies, load_questionnaires, upgrade_database
from survey.db import Base, get_engine, new_session

POSTGRES_URL = os.environ.get(
    "SURVEY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = os.environ.get("SURVEY_TEST_BACKENDS", "sqlite,postgresql").split(",")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A URL whose connections work in a fresh schema, dropped at the end."""
    from sqlalchemy import create_engine

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated, empty database of each backend, shared by the session."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = make_app(url, tmp_path_factory.mktemp("instance"))
    upgrade_database(app)
    get_engine(app).dispose()
    return url


def make_app(database_url: str, instance: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "REDIS_URL": "",
        **overrides,
    }
    app = create_app(config)
    app.instance_path = str(instance)
    return app


def wipe(app: Flask) -> None:
    """Delete every row, children first, leaving the schema in place."""
    with get_engine(app).begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database with the questionnaires and agencies loaded."""
    app = make_app(database_url, tmp_path)
    wipe(app)
    with app.app_context():
        load_questionnaires(app)
        load_agencies(app)
    yield app
    get_engine(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with new_session(app) as session:
        yield session


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"
