"""The app a server process builds, and the command that serves it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from flask import request

from survey.wsgi import server_app
from tests.conftest import make_app

FORWARDED = {"X-Forwarded-For": "203.0.113.9"}


def _client_address(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, proxies: str):
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("SURVEY_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("SURVEY_PROXY_COUNT", proxies)
    app = server_app()
    app.add_url_rule("/probe-address", "probe", lambda: request.remote_addr or "")
    reply = app.test_client().get(
        "/probe-address", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.5"}
    )
    return reply.get_data(as_text=True)


def test_forwarded_address_used_behind_proxy(monkeypatch, tmp_path):
    assert _client_address(monkeypatch, tmp_path, "1") == "203.0.113.9"


def test_forwarded_address_ignored_without_proxy(monkeypatch, tmp_path):
    assert _client_address(monkeypatch, tmp_path, "0") == "10.0.0.5"


def test_serve_reports_busy_port(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = app.test_cli_runner().invoke(
            args=["serve", "--host", "127.0.0.1", "--port", str(port)]
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "--port" in result.output
    assert "serving on" not in result.output
