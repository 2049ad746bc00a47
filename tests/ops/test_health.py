"""The health check and the per-request log line."""

from __future__ import annotations

import logging
from pathlib import Path

from tests.conftest import make_app


def test_health_reports_database_ok(client):
    reply = client.get("/healthz")
    assert reply.status_code == 200
    assert reply.get_json()["database"] == "ok"
    assert reply.headers["Cache-Control"] == "no-store"


def test_health_is_503_when_database_unreachable(tmp_path: Path):
    # Nothing listens on port 1 of the loopback address.
    app = make_app(
        "postgresql+psycopg://postgres@127.0.0.1:1/test",
        tmp_path,
        DB_CONNECT_TIMEOUT=1,
    )
    reply = app.test_client().get("/healthz")
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "5"
    assert reply.get_json()["database"] == "unreachable"


def test_request_line_names_route_not_path(client, caplog):
    with caplog.at_level(logging.INFO, logger="survey.requests"):
        reply = client.get("/s/STP", headers={"X-Request-ID": "abc-123"})
    lines = [r.getMessage() for r in caplog.records if r.name == "survey.requests"]
    assert len(lines) == 1
    assert "route=/s/<agency_code>" in lines[0]
    assert "/s/STP" not in lines[0]
    assert "id=abc-123" in lines[0]
    assert reply.headers["X-Request-ID"] == "abc-123"


def test_invalid_request_id_is_replaced(client):
    reply = client.get("/healthz", headers={"X-Request-ID": "bad id; with spaces"})
    assert reply.headers["X-Request-ID"] != "bad id; with spaces"
    assert len(reply.headers["X-Request-ID"]) == 32
