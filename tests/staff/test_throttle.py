"""Sign-in throttling shared by two app instances through Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from survey.db import get_engine, new_session
from survey.staff import accounts
from tests.conftest import STAFF_PASSWORD, make_app
from tests.factories import form_fields

REDIS_URL = "redis://127.0.0.1:6379/0"
CHEAP_HASHING = {
    "STAFF_ARGON2_TIME_COST": 1,
    "STAFF_ARGON2_MEMORY_KIB": 1024,
    "STAFF_ARGON2_PARALLELISM": 1,
}


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test alone; its keys are deleted afterwards."""
    value = f"test-throttle-{uuid.uuid4().hex}"
    yield value
    store = redis.Redis.from_url(REDIS_URL)
    keys = list(store.scan_iter(f"*{value}*"))
    if keys:
        store.delete(*keys)
    store.close()


def _pair(
    app: Flask, database_url: str, tmp_path: Path, **settings: object
) -> list[Flask]:
    apps = [
        make_app(database_url, tmp_path / name, **CHEAP_HASHING, **settings)
        for name in ("one", "two")
    ]
    with new_session(app) as db, app.test_request_context():
        app.config.update(CHEAP_HASHING)
        accounts.create_user(
            db, email="throttled@example.test", password=STAFF_PASSWORD, role="viewer"
        )
    return apps


def _attempt(client: FlaskClient, email: str, password: str) -> int:
    page = client.get("/staff/login")
    data = form_fields(page.get_data(as_text=True))
    data.update(email=email, password=password)
    return client.post("/staff/login", data=data).status_code


def _dispose(apps: list[Flask]) -> None:
    for one in apps:
        get_engine(one).dispose()


def test_account_limit_shared_through_redis(
    app: Flask, database_url: str, tmp_path: Path, prefix: str
) -> None:
    apps = _pair(
        app,
        database_url,
        tmp_path,
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        STAFF_LOGIN_LIMIT_ACCOUNT="3 per 15 minutes",
    )
    first, second = (one.test_client() for one in apps)
    email = "throttled@example.test"
    assert _attempt(first, email, "wrong password 1") == 200
    assert _attempt(first, email, "wrong password 2") == 200
    assert _attempt(second, email, "wrong password 3") == 200
    # Three failures in total, two of them on the other instance: the right
    # password is refused now on either instance.
    assert _attempt(second, email, STAFF_PASSWORD) == 429
    assert _attempt(first, email, STAFF_PASSWORD) == 429
    assert second.get("/staff/").status_code == 302
    _dispose(apps)


def test_address_limit_shared_through_redis(
    app: Flask, database_url: str, tmp_path: Path, prefix: str
) -> None:
    apps = _pair(
        app,
        database_url,
        tmp_path,
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        STAFF_LOGIN_LIMIT_ADDRESS="4 per 15 minutes",
    )
    first, second = (one.test_client() for one in apps)
    # Four attempts from one address at four different accounts.
    for number in range(2):
        assert _attempt(first, f"nobody{number}@example.test", "x") == 200
        assert _attempt(second, f"other{number}@example.test", "x") == 200
    assert _attempt(first, "throttled@example.test", STAFF_PASSWORD) == 429
    _dispose(apps)


def test_memory_store_is_per_instance(
    app: Flask, database_url: str, tmp_path: Path, prefix: str
) -> None:
    """Without Redis each instance counts alone: the shared store is what matters."""
    apps = _pair(
        app,
        database_url,
        tmp_path,
        REDIS_URL="",
        RATELIMIT_KEY_PREFIX=prefix,
        STAFF_LOGIN_LIMIT_ACCOUNT="3 per 15 minutes",
    )
    first, second = (one.test_client() for one in apps)
    email = "throttled@example.test"
    for number in range(3):
        assert _attempt(first, email, f"wrong password {number}") == 200
    assert _attempt(first, email, STAFF_PASSWORD) == 429
    assert _attempt(second, email, STAFF_PASSWORD) == 302
    _dispose(apps)
