"""Helpers of the serving benchmarks: a schema of their own, gunicorn, the machine.

Each benchmark creates a PostgreSQL schema in the database ``test``, migrates it
with `survey db upgrade`, serves the app with gunicorn on 127.0.0.1 and drops
the schema at the end, even when the run fails.
"""

from __future__ import annotations

import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
BASE_URL = os.environ.get(
    "SURVEY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# The worker count docs/deploy.md recommends: two per core plus one.
DEFAULT_WORKERS = 2 * (os.cpu_count() or 1) + 1
REDIS_URL = os.environ.get("SURVEY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def exit_on_sigterm() -> None:
    """Turn SIGTERM (from `timeout`, for example) into SystemExit, so that the
    server is stopped and the schema dropped on the way out."""
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))


def libpq(url: str) -> str:
    """Return ``url`` in the form psycopg accepts (no SQLAlchemy driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def bench_schema(label: str) -> Iterator[tuple[str, str]]:
    """Create a fresh schema; yield its name and a URL whose search_path is it."""
    schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq(BASE_URL), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema, f"{BASE_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(libpq(BASE_URL), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def survey_command(url: str, *args: str) -> None:
    """Run the `survey` command line against the database at ``url``."""
    env = {**os.environ, "SURVEY_DATABASE_URL": url}
    subprocess.run(
        [str(BIN / "survey"), *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def migrate_and_load(url: str) -> None:
    """Migrate the schema, then load the shipped questionnaires and agencies."""
    survey_command(url, "db", "upgrade")
    survey_command(url, "load", "questionnaires")
    survey_command(url, "load", "agencies")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(base: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn at {base} not healthy after {seconds} s")


def gunicorn_command(app_spec: str, port: int, workers: int, threads: int) -> list[str]:
    """Return the gunicorn command line that every benchmark target shares."""
    return [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "10",
        "--no-control-socket",
        app_spec,
    ]


@contextmanager
def gunicorn(
    app_spec: str,
    settings: dict[str, str],
    *,
    workers: int,
    threads: int,
    log_path: Path,
) -> Iterator[str]:
    """Serve ``app_spec`` with gunicorn; yield the base URL, stop it on exit.

    ``settings`` are SURVEY_* variables added to this process's environment.
    The server's log (one line per request) goes to ``log_path``.
    """
    port = free_port()
    env = {**os.environ, **settings}
    command = gunicorn_command(app_spec, port, workers, threads)
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, process, 60)
            yield base
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def machine() -> dict[str, Any]:
    """Describe the machine: load, cores, memory, CPU model, Python, PostgreSQL."""
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = subprocess.run(
        ["free", "-h"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    total = memory[1].split()[1] if len(memory) > 1 else "?"
    with psycopg.connect(libpq(BASE_URL)) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return {
        # Other work on the machine skews every figure; the load average says how much.
        "load_average_1_5_15": [round(value, 1) for value in os.getloadavg()],
        "nproc": os.cpu_count(),
        "memory": total,
        "cpu": model,
        "python": platform.python_version(),
        "postgresql": row[0] if row else "?",
    }


def answer_sets(key: str, count: int, seed: int) -> list[dict[str, Any]]:
    """Return ``count`` complete, valid answer sets of questionnaire ``key``.

    Scale answers are drawn at random, "na" where an item offers it about one
    time in ten, and a free-text comment about one time in four.
    """
    from survey.questionnaire.store import read_file

    definition = read_file(ROOT / "questionnaires" / key / "v1.yaml")
    rng = random.Random(seed)
    comments = [
        "Cán bộ tận tình, hướng dẫn rõ ràng",
        "Thời gian chờ còn lâu, cần thêm quầy tiếp nhận",
        "Nên niêm yết phí, lệ phí rõ hơn",
        "",
    ]
    sets = []
    for _ in range(count):
        answers: dict[str, Any] = {}
        for item in definition.items():
            values = sorted(item.values)
            if item.type == "text":
                text = rng.choice(comments) if rng.random() < 0.25 else ""
                if text:
                    answers[item.code] = text
            elif item.type == "multichoice":
                answers[item.code] = rng.sample(
                    values, rng.randint(1, item.max_choices or 1)
                )
            elif item.not_applicable and rng.random() < 0.1:
                answers[item.code] = "na"
            else:
                answers[item.code] = rng.choice(values)
        sets.append(answers)
    return sets


def agency_codes(url: str) -> list[str]:
    """Return the codes of the loaded agencies that have a counter "1"."""
    query = (
        "SELECT a.code FROM agencies a JOIN counters c ON c.agency_id = a.id "
        "WHERE c.code = '1' ORDER BY a.code"
    )
    with psycopg.connect(libpq(url)) as connection:
        return [row[0] for row in connection.execute(query)]
