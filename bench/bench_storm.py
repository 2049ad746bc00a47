"""Benchmark: every kiosk flushes its queue at once after a network outage.

200 enrolled kiosks (one client thread each, with its own credential) hold 100
queued sipas-2017 submissions each, 20,000 in all, and send them to one
gunicorn server with the submission limits on and counted in Redis. Each client:

- sends its queue in order over a keep-alive connection;
- on 429 or 503 waits Retry-After plus an exponential backoff with full jitter,
  then sends the same submission again;
- on a timeout or a broken connection cannot know whether the server stored
  the submission, so it waits the backoff and sends it again under the same id;
- on purpose, gives up waiting after a few milliseconds on about 1 % of first
  sends (the server may well store them) and re-sends about 2 % of acknowledged
  submissions once more, as if the acknowledgement had been lost.

At the end the benchmark counts the stored rows per submission id in PostgreSQL:
every submission must be stored exactly once with all of its answers and its
receipt code. It reports the time to drain the queues and the 429/503 answers.

Run: ``.venv/bin/python bench/bench_storm.py``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import (  # noqa: E402
    DEFAULT_WORKERS,
    REDIS_URL,
    agency_codes,
    answer_sets,
    bench_schema,
    exit_on_sigterm,
    gunicorn,
    gunicorn_command,
    libpq,
    machine,
    migrate_and_load,
)

BACKOFF_BASE = 0.25
BACKOFF_CAP = 8.0


@dataclass
class Queued:
    path: str
    body: bytes
    submission_id: str
    answer_rows: int
    has_receipt: bool


@dataclass
class Tally:
    """Counts of one client, merged at the end."""

    statuses: Counter[int] = field(default_factory=Counter)
    timeouts: int = 0
    connection_errors: int = 0
    abandoned: int = 0
    resent_after_ack: int = 0
    failed: list[str] = field(default_factory=list)
    last_ack: float = 0.0


def enrol_kiosks(url: str, count: int) -> list[tuple[str, str]]:
    """Register and enrol ``count`` kiosks; return (agency code, credential) pairs."""
    from survey import create_app
    from survey.agencies.queries import agency_by_code, counter_by_code
    from survey.db import new_session
    from survey.integrity import kiosks

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    codes = agency_codes(url)
    enrolled = []
    with app.app_context(), new_session(app) as session:
        for index in range(count):
            agency = agency_by_code(session, codes[index % len(codes)])
            counter = counter_by_code(session, agency, "1")
            issued = kiosks.issue(
                session,
                agency,
                counter,
                valid_for=timedelta(hours=1),
                actor="bench",
                label=f"bench {index}",
            )
            _, credential = kiosks.enrol(session, issued.enrolment_token)
            enrolled.append((agency.code, credential))
    return enrolled


def build_queues(
    enrolled: list[tuple[str, str]], per_kiosk: int, seed: int
) -> list[list[Queued]]:
    """Return one queue of submissions per kiosk, captured during the outage."""
    rng = random.Random(seed)
    answers = answer_sets("sipas-2017", len(enrolled) * per_kiosk, seed)
    now = datetime.now(UTC)
    queues = []
    serial = 0
    for agency_code, _credential in enrolled:
        queue = []
        for _ in range(per_kiosk):
            chosen = answers[serial]
            captured = now - timedelta(seconds=rng.randint(60, 3 * 3600))
            body: dict[str, Any] = {
                "submission_id": str(uuid.uuid4()),
                "questionnaire": "sipas-2017",
                "version": 1,
                "channel": "kiosk",
                "answers": chosen,
                "captured_at": captured.isoformat(),
                "started_at": (
                    captured - timedelta(seconds=rng.randint(60, 400))
                ).isoformat(),
            }
            if rng.random() < 0.2:
                body["receipt_code"] = f"000.00.12.H08-STORM-{serial:06d}"
            rows = sum(len(v) if isinstance(v, list) else 1 for v in chosen.values())
            queue.append(
                Queued(
                    path=f"/api/v1/agencies/{agency_code}/responses",
                    body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                    submission_id=body["submission_id"],
                    answer_rows=rows,
                    has_receipt="receipt_code" in body,
                )
            )
            serial += 1
        queues.append(queue)
    return queues


class Kiosk(threading.Thread):
    """One kiosk's client: sends its queue until every submission is acknowledged."""

    def __init__(
        self,
        port: int,
        credential: str,
        queue: list[Queued],
        args: argparse.Namespace,
        seed: int,
    ) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {credential}",
        }
        self.queue = queue
        self.args = args
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.connection: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        # gunicorn closes a keep-alive connection after 2 s idle; a fresh one
        # avoids sending into a socket the server is closing.
        idle = time.monotonic() - self.last_used
        if self.connection is None or idle > 1.5:
            self._close()
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=timeout
            )
        self.connection.timeout = timeout
        if self.connection.sock is not None:
            self.connection.sock.settimeout(timeout)
        return self.connection

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None

    def _send(self, item: Queued, timeout: float) -> tuple[int, float] | None:
        """POST ``item``; return status and Retry-After, or None when unknown."""
        try:
            connection = self._connection(timeout)
            connection.request("POST", item.path, body=item.body, headers=self.headers)
            reply = connection.getresponse()
            reply.read()
            self.last_used = time.monotonic()
            return reply.status, float(reply.headers.get("Retry-After") or 0)
        except TimeoutError:
            self.tally.timeouts += 1
        except (OSError, http.client.HTTPException):
            self.tally.connection_errors += 1
        self._close()
        return None

    def _backoff(self, attempt: int, retry_after: float) -> None:
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
        time.sleep(retry_after + self.rng.uniform(0, ceiling))

    def _deliver(self, item: Queued) -> None:
        attempt = 0
        abandon = self.rng.random() < self.args.abandon_rate
        while attempt < self.args.max_attempts:
            timeout = 0.005 if abandon and attempt == 0 else self.args.timeout
            if abandon and attempt == 0:
                self.tally.abandoned += 1
            outcome = self._send(item, timeout)
            attempt += 1
            if outcome is None:
                self._backoff(attempt, 0)
                continue
            status, retry_after = outcome
            self.tally.statuses[status] += 1
            if status in (200, 201):
                self.tally.last_ack = time.monotonic()
                return
            if status in (429, 503):
                self._backoff(attempt, retry_after)
                continue
            self.tally.failed.append(f"{item.submission_id} status {status}")
            return
        self.tally.failed.append(f"{item.submission_id} gave up after {attempt}")

    def run(self) -> None:
        for item in self.queue:
            self._deliver(item)
            if self.rng.random() < self.args.resend_rate:
                # The acknowledgement "was lost": the kiosk sends it again.
                self.tally.resent_after_ack += 1
                self._deliver(item)
        self._close()


def verify(url: str, queues: list[list[Queued]]) -> dict[str, int]:
    """Count stored rows per expected submission id, answers and receipt codes."""
    expected = [item for queue in queues for item in queue]
    with psycopg.connect(libpq(url)) as connection:
        connection.execute("CREATE TEMP TABLE expected (submission_id uuid, rows int)")
        with connection.cursor().copy(
            "COPY expected (submission_id, rows) FROM STDIN"
        ) as copy:
            for item in expected:
                copy.write_row((item.submission_id, item.answer_rows))
        per_id = connection.execute(
            "SELECT e.submission_id, e.rows, count(r.id) AS stored "
            "FROM expected e LEFT JOIN responses r USING (submission_id) "
            "GROUP BY e.submission_id, e.rows"
        ).fetchall()
        answers = connection.execute(
            "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id"
        ).fetchone()
        total = connection.execute("SELECT count(*) FROM responses").fetchone()
        receipts = connection.execute("SELECT count(*) FROM receipt_codes").fetchone()
    return {
        "expected": len(expected),
        "stored_responses": total[0] if total else 0,
        "lost": sum(1 for row in per_id if row[2] == 0),
        "duplicated": sum(1 for row in per_id if row[2] > 1),
        "expected_answer_rows": sum(item.answer_rows for item in expected),
        "stored_answer_rows": answers[0] if answers else 0,
        "expected_receipt_codes": sum(1 for item in expected if item.has_receipt),
        "stored_receipt_codes": receipts[0] if receipts else 0,
    }


def storm(port: int, enrolled: list[tuple[str, str]], queues, args) -> dict[str, Any]:
    clients = [
        Kiosk(port, credential, queue, args, seed=index)
        for index, ((_, credential), queue) in enumerate(
            zip(enrolled, queues, strict=True)
        )
    ]
    started = time.monotonic()
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    statuses: Counter[int] = Counter()
    for client in clients:
        statuses.update(client.tally.statuses)
    last_ack = max(client.tally.last_ack for client in clients)
    return {
        "drain_seconds": round(last_ack - started, 1),
        "statuses": dict(sorted(statuses.items())),
        "timeouts": sum(c.tally.timeouts for c in clients),
        "connection_errors": sum(c.tally.connection_errors for c in clients),
        "abandoned_on_purpose": sum(c.tally.abandoned for c in clients),
        "resent_after_ack": sum(c.tally.resent_after_ack for c in clients),
        "failed": [line for c in clients for line in c.tally.failed][:20],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=200, help="client threads")
    parser.add_argument("--per-kiosk", type=int, default=100, help="queued per kiosk")
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="gunicorn workers"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--min-gap", type=int, default=1, help="KIOSK_MIN_GAP_SECONDS, seconds"
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="client timeout, s")
    parser.add_argument("--abandon-rate", type=float, default=0.01)
    parser.add_argument("--resend-rate", type=float, default=0.02)
    parser.add_argument("--max-attempts", type=int, default=200)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    exit_on_sigterm()
    print("machine:", json.dumps(machine(), ensure_ascii=False))
    started = time.monotonic()
    log_path = Path(tempfile.mkdtemp(prefix="bench-storm-")) / "gunicorn.log"
    with bench_schema("storm") as (schema, url):
        migrate_and_load(url)
        enrolled = enrol_kiosks(url, args.kiosks)
        queues = build_queues(enrolled, args.per_kiosk, seed=11)
        settings = {
            "SURVEY_DATABASE_URL": url,
            "SURVEY_SECRET_KEY": uuid.uuid4().hex,
            "SURVEY_REDIS_URL": REDIS_URL,
            "SURVEY_RATELIMIT_KEY_PREFIX": f"bench-{schema}",
            "SURVEY_SUBMISSION_LIMITS_ENABLED": "1",
            "SURVEY_KIOSK_MIN_GAP_SECONDS": str(args.min_gap),
            "SURVEY_KIOSK_MAX_PER_HOUR": str(max(120, 2 * args.per_kiosk)),
        }
        app_spec = "survey.wsgi:app"
        print(
            "server:",
            " ".join(gunicorn_command(app_spec, 0, args.workers, args.threads)),
        )
        print(
            "limits:",
            {key: value for key, value in settings.items() if "KIOSK" in key},
        )
        with gunicorn(
            app_spec,
            settings,
            workers=args.workers,
            threads=args.threads,
            log_path=log_path,
        ) as base:
            port = int(base.rsplit(":", 1)[1])
            result = storm(port, enrolled, queues, args)
        counts = verify(url, queues)
    result["stored"] = counts
    total = counts["expected"]
    result["acknowledged_per_second"] = round(total / result["drain_seconds"], 1)
    print(json.dumps(result, indent=2))
    ok = (
        counts["lost"] == 0
        and counts["duplicated"] == 0
        and counts["stored_responses"] == total
        and counts["stored_answer_rows"] == counts["expected_answer_rows"]
        and counts["stored_receipt_codes"] == counts["expected_receipt_codes"]
        and not result["failed"]
    )
    print(
        f"{total} submissions drained in {result['drain_seconds']} s; "
        f"lost {counts['lost']}, duplicated {counts['duplicated']}: "
        f"{'OK' if ok else 'FAILED'}"
    )
    print(f"total time: {time.monotonic() - started:.0f} s; server log: {log_path}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
