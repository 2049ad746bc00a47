"""Send responses through gunicorn while worker processes are killed at random.

Used by tests/integrity/test_kill_workers.py (a short run) and by
bench/kill_workers.py (1,000 responses).
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from survey.cli import load_agencies, load_questionnaires, upgrade_database
from survey.db import get_engine
from tests.factories import api_body

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class KillRun:
    acknowledged: set[str]
    stored: list[str]
    kills: int
    retries: int
    seconds: float


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_schema(postgres_url: str, instance: Path) -> str:
    """Create and fill a fresh schema; return a URL whose connections use it."""
    from tests.conftest import make_app

    schema = f"kill_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = f"{postgres_url}?options=-csearch_path%3D{schema}"
    app = make_app(url, instance)
    upgrade_database(app)
    with app.app_context():
        load_questionnaires(app)
        load_agencies(app)
    get_engine(app).dispose()
    return url


def drop_schema(postgres_url: str, url: str) -> None:
    schema = url.rsplit("%3D", 1)[1]
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _workers(master: int) -> list[int]:
    found = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    )
    return [int(pid) for pid in found.stdout.split()]


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return 0


def run(
    database_url: str,
    total: int,
    *,
    workers: int = 4,
    kill_every: float = 0.5,
    deadline: float = 170.0,
    log_path: Path | None = None,
) -> KillRun:
    """Send ``total`` responses, each retried until acknowledged, under kills."""
    port = _free_port()
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": database_url,
        "SURVEY_SECRET_KEY": "kill-test-secret",
        "SURVEY_SUBMISSION_LIMITS_ENABLED": "0",
        "SURVEY_REDIS_URL": "",
    }
    log_file = open(log_path or os.devnull, "w")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "2",
            # Workers fork from a master that has the app loaded, so that a
            # killed worker is replaced in milliseconds, not seconds.
            "--preload",
            "survey:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api/v1/agencies/STP/responses"
    stop = threading.Event()
    kills = 0
    retries = 0
    lock = threading.Lock()
    acknowledged: set[str] = set()
    started = time.monotonic()

    def killer() -> None:
        nonlocal kills
        while not stop.wait(kill_every):
            pids = _workers(server.pid)
            if pids:
                try:
                    os.kill(random.choice(pids), signal.SIGKILL)
                    kills += 1
                except ProcessLookupError:
                    pass

    # Parsing the questionnaire for every body would make the client the
    # bottleneck, so one body is built and copied with fresh ids.
    template = api_body()

    def send_one(_: int) -> None:
        nonlocal retries
        body = {**template, "submission_id": str(uuid.uuid4())}
        while time.monotonic() - started < deadline:
            status = _post(url, body)
            if status in (200, 201):
                with lock:
                    acknowledged.add(body["submission_id"])
                return
            if 400 <= status < 500 and status not in (408, 429):
                raise AssertionError(f"request refused with {status}")
            with lock:
                retries += 1
            time.sleep(0.1)

    try:
        _wait_ready(url, server)
        kill_thread = threading.Thread(target=killer, daemon=True)
        kill_thread.start()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(send_one, range(total)))
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log_file.close()
    elapsed = time.monotonic() - started
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = [
            str(row[0])
            for row in connection.execute(text("SELECT submission_id FROM responses"))
        ]
    engine.dispose()
    return KillRun(acknowledged, stored, kills, retries, elapsed)


def _wait_ready(url: str, server: subprocess.Popen) -> None:
    health = url.split("/api/")[0] + "/healthz"
    for _ in range(200):
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before it was ready")
        try:
            with urllib.request.urlopen(health, timeout=2):
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise RuntimeError("gunicorn not ready after 20 s")
