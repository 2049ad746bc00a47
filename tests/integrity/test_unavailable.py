"""With the database down the server answers 503 with Retry-After, quickly."""

from __future__ import annotations

import socket
import time

import pytest

from tests.conftest import make_app
from tests.factories import api_body


@pytest.fixture
def closed_port() -> int:
    """A port of 127.0.0.1 on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def down_app(tmp_path, closed_port):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/test"
    return make_app(url, tmp_path, DB_RETRY_AFTER_SECONDS=7)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/s/STP"),
        ("post", "/api/v1/agencies/STP/responses"),
        ("get", "/kiosk/STP/1"),
    ],
)
def test_database_down_gives_503(down_app, method, path):
    client = down_app.test_client()
    started = time.monotonic()
    reply = getattr(client, method)(path, json=api_body() if method == "post" else None)
    elapsed = time.monotonic() - started
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "7"
    assert elapsed < 3, f"took {elapsed:.1f} s"


def test_api_503_is_json(down_app):
    reply = down_app.test_client().post(
        "/api/v1/agencies/STP/responses", json=api_body()
    )
    assert reply.get_json()["error"]["status"] == 503


def test_html_503_names_the_problem(down_app):
    html = down_app.test_client().get("/s/STP").get_data(as_text=True)
    assert "tạm thời không phục vụ được" in html
