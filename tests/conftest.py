"""Fixtures shared by the whole suite.

Every test that takes ``app``, ``session`` or ``client`` runs once on SQLite and
once on PostgreSQL. The PostgreSQL run uses a schema of its own in the database
``test``, so that several suites can run at the same time. Set
SURVEY_TEST_BACKENDS=sqlite to run only SQLite while developing; CI runs both.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import tempfile
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
        url = f"sqlite:///{sqlite_folder(request, tmp_path_factory) / 'test.sqlite3'}"
    app = make_app(url, tmp_path_factory.mktemp("instance"))
    upgrade_database(app)
    get_engine(app).dispose()
    return url


def sqlite_folder(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Return a folder for the SQLite test database, in memory-backed /dev/shm if any.

    The database keeps synchronous=FULL, so each commit waits for fsync; on tmpfs
    that wait is nil and the suite runs the same code much faster.
    """
    shared_memory = Path("/dev/shm")
    if not shared_memory.is_dir():
        return tmp_path_factory.mktemp("db")
    folder = Path(tempfile.mkdtemp(prefix="survey-test-", dir=shared_memory))
    request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
    return folder


def make_app(database_url: str, instance: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "REDIS_URL": "",
        # A test client answers a form in milliseconds and sends hundreds of
        # responses from one address; tests of those rules turn them back on.
        "FORM_MIN_SECONDS": 0,
        "SUBMISSION_LIMITS_ENABLED": False,
        **overrides,
    }
    app = create_app(config)
    app.instance_path = str(instance)
    _apps_to_close.append(app)
    return app


# Apps built during the current test; their engines are disposed after it, so
# that no pooled connection is left for the garbage collector to find later.
_apps_to_close: list[Flask] = []


@pytest.fixture(autouse=True)
def _close_engines() -> Iterator[None]:
    yield
    while _apps_to_close:
        get_engine(_apps_to_close.pop()).dispose()


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
    # A session a test forgot to close holds a connection that the garbage
    # collector would close later, inside another test; collecting here makes
    # the resulting warning name the test that leaked it.
    gc.collect()
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


STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff_client(app: Flask):
    """Return a factory of test clients signed in to the staff area.

    ``staff_client("admin")``, ``staff_client("viewer")`` or
    ``staff_client("agency", "STP")`` creates an account with that role (and
    agency code), signs it in through the sign-in form and returns the client;
    ``client.staff_user_id`` is the new account's id.
    """
    from sqlalchemy import select

    from survey.models import Agency
    from survey.staff import accounts
    from tests.factories import form_fields

    # Cheap Argon2id costs: the suite signs in hundreds of times.
    app.config.update(
        STAFF_ARGON2_TIME_COST=1,
        STAFF_ARGON2_MEMORY_KIB=1024,
        STAFF_ARGON2_PARALLELISM=1,
    )

    def make(role: str, agency_code: str | None = None) -> FlaskClient:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.test"
        with new_session(app) as db, app.test_request_context():
            agency_id = None
            if agency_code is not None:
                agency_id = db.scalar(
                    select(Agency.id).where(Agency.code == agency_code)
                )
                assert agency_id is not None, f"no agency {agency_code} in the fixtures"
            user = accounts.create_user(
                db, email=email, password=STAFF_PASSWORD, role=role, agency_id=agency_id
            )
        client = app.test_client()
        page = client.get("/staff/login")
        data = {**form_fields(page.get_data(as_text=True))}
        data.update(email=email, password=STAFF_PASSWORD)
        signed_in = client.post("/staff/login", data=data)
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
        client.staff_user_id = user.id  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture(scope="session", autouse=True)
def suite_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Write every log record of the run to a file; at the end, check it.

    The run fails if the file holds any receipt code or contact detail that
    the tests sent (tests.integrity.support lists them).
    """
    path = tmp_path_factory.mktemp("logs") / "suite.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    ours = logging.getLogger("survey")
    previous = ours.level
    root.addHandler(handler)
    ours.setLevel(logging.DEBUG)
    yield path
    ours.setLevel(previous)
    root.removeHandler(handler)
    handler.close()
    from tests.integrity.support import sensitive_strings

    text = path.read_text(encoding="utf-8")
    leaked = [value for value in sensitive_strings() if value in text]
    if leaked:
        pytest.fail(f"personal data in the logs of this run: {leaked}")
