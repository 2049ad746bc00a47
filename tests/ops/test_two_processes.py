"""Two gunicorn servers against one PostgreSQL schema and one Redis.

Nothing that matters may live in one server process: a submission limit counts
the requests of both servers, and a staff session signed out through one
server no longer works on the other.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlencode

import pytest
import redis
from sqlalchemy import create_engine, func, select, text

from survey.cli import load_agencies, load_questionnaires, upgrade_database
from survey.config import PROJECT_ROOT
from survey.db import get_engine, new_session
from survey.models import Response, StaffSession
from survey.staff import accounts
from tests.conftest import POSTGRES_URL, STAFF_PASSWORD, make_app
from tests.factories import api_body, form_fields

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"
SUBMIT = "/api/v1/agencies/STP/responses"
# The submission limit per client address that both servers enforce.
ADDRESS_LIMIT = 4


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str


@dataclass
class Servers:
    ports: tuple[int, int]
    database_url: str
    prefix: str
    staff_email: str


def call(
    port: int,
    method: str,
    path: str,
    *,
    cookie: str | None = None,
    form: dict[str, str] | None = None,
    payload: dict[str, object] | None = None,
) -> Reply:
    """Send one request to the server on ``port``; redirects are not followed."""
    headers = {}
    body = None
    if cookie is not None:
        headers["Cookie"] = f"session={cookie}"
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if payload is not None:
        body = json.dumps(payload)
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        reply = connection.getresponse()
        return Reply(reply.status, reply.headers, reply.read().decode("utf-8"))
    finally:
        connection.close()


def session_cookie(reply: Reply) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    for header in reply.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar["session"].value if "session" in jar else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server on {port} exited: {process.returncode}"
        try:
            if call(port, "GET", "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server on {port} not healthy within 60 s")


def _prepare_schema(url: str, instance: Path) -> str:
    """Migrate and load the schema; create a staff account and return its email."""
    app = make_app(
        url, instance, STAFF_ARGON2_TIME_COST=1, STAFF_ARGON2_MEMORY_KIB=1024
    )
    app.config["STAFF_ARGON2_PARALLELISM"] = 1
    upgrade_database(app)
    email = f"viewer-{uuid.uuid4().hex[:8]}@example.test"
    with app.app_context():
        load_questionnaires(app)
        load_agencies(app)
    with new_session(app) as db, app.test_request_context():
        accounts.create_user(db, email=email, password=STAFF_PASSWORD, role="viewer")
    get_engine(app).dispose()
    return email


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    schema = f"t_two_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    prefix = f"test-two-{uuid.uuid4().hex}"
    processes: list[subprocess.Popen[bytes]] = []
    log_files: list[BinaryIO] = []
    logs = tmp_path_factory.mktemp("servers")
    try:
        email = _prepare_schema(url, tmp_path_factory.mktemp("instance"))
        env = {
            **os.environ,
            "SURVEY_DATABASE_URL": url,
            "SURVEY_SECRET_KEY": uuid.uuid4().hex,
            "SURVEY_REDIS_URL": REDIS_URL,
            "SURVEY_RATELIMIT_KEY_PREFIX": prefix,
            "SURVEY_SUBMISSION_LIMITS_ENABLED": "1",
            "SURVEY_PHONE_LIMIT_ADDRESS": f"{ADDRESS_LIMIT} per 10 minutes",
            "SURVEY_FORM_MIN_SECONDS": "0",
            "SURVEY_SESSION_COOKIE_SECURE": "0",
            "SURVEY_STAFF_ARGON2_TIME_COST": "1",
            "SURVEY_STAFF_ARGON2_MEMORY_KIB": "1024",
            "SURVEY_STAFF_ARGON2_PARALLELISM": "1",
        }
        ports = (_free_port(), _free_port())
        for port in ports:
            command = [
                sys.executable, "-m", "gunicorn",
                "--workers", "1", "--threads", "2",
                "--bind", f"127.0.0.1:{port}",
                "--no-control-socket",
                "survey.wsgi:app",
            ]  # fmt: skip
            log = open(logs / f"{port}.log", "wb")  # noqa: SIM115  (closed in finally)
            log_files.append(log)
            processes.append(
                subprocess.Popen(
                    command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log
                )
            )
        for port, process in zip(ports, processes, strict=True):
            _wait_healthy(port, process)
        yield Servers(ports, url, prefix, email)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in log_files:
            log.close()
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _count_responses(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count(Response.id))) or 0)
    finally:
        engine.dispose()


def test_submission_limit_counts_both_servers(servers: Servers) -> None:
    first, second = servers.ports
    # Alternate servers: each one alone has seen only half of the submissions.
    statuses = [
        call(port, "POST", SUBMIT, payload=api_body()).status
        for port in (first, second) * (ADDRESS_LIMIT // 2)
    ]
    assert statuses == [201] * ADDRESS_LIMIT
    over_first = call(first, "POST", SUBMIT, payload=api_body())
    over_second = call(second, "POST", SUBMIT, payload=api_body())
    assert over_first.status == 429
    assert over_second.status == 429
    assert int(over_second.headers["Retry-After"]) >= 1
    assert _count_responses(servers.database_url) == ADDRESS_LIMIT


def _sign_in(port: int, email: str) -> str:
    page = call(port, "GET", "/staff/login")
    fields = form_fields(page.text)
    fields.update(email=email, password=STAFF_PASSWORD)
    reply = call(port, "POST", "/staff/login", cookie=session_cookie(page), form=fields)
    assert reply.status == 302, reply.text[:500]
    cookie = session_cookie(reply)
    assert cookie is not None
    return cookie


def test_sign_out_on_one_server_ends_session_on_other(servers: Servers) -> None:
    first, second = servers.ports
    cookie = _sign_in(first, servers.staff_email)
    on_second = call(second, "GET", "/staff/", cookie=cookie)
    assert on_second.status == 200
    dashboard = call(first, "GET", "/staff/", cookie=cookie)
    token = form_fields(dashboard.text)["csrf_token"]
    # The page stored its anti-forgery token in the session, as a browser keeps it.
    current = session_cookie(dashboard) or cookie
    signed_out = call(
        first, "POST", "/staff/logout", cookie=current, form={"csrf_token": token}
    )
    assert signed_out.status == 302
    # Copies of the cookie, kept by a browser or a thief, now fail on both servers.
    for copy in (cookie, current):
        after = call(second, "GET", "/staff/", cookie=copy)
        assert after.status == 302
        assert "/staff/login" in after.headers["Location"]
        assert call(first, "GET", "/staff/", cookie=copy).status == 302
    engine = create_engine(servers.database_url)
    try:
        with engine.connect() as connection:
            revoked = connection.scalar(
                select(func.count(StaffSession.id)).where(
                    StaffSession.revoked_at.is_not(None)
                )
            )
    finally:
        engine.dispose()
    assert revoked == 1
