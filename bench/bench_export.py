"""Benchmark: the CSV export of responses against PostgreSQL's own COPY.

Loads N synthetic sipas-2017 responses (default 1,000,000) into a schema of its
own in the PostgreSQL database ``test``, then in the same run:

1. times ``COPY (SELECT ...) TO STDOUT`` of the same wide table the export
   writes (one row per response, one column per item, pivoted in SQL);
2. times `survey export responses --format csv` over all N responses, and over
   the first 100,000 (one agency holds exactly those), each in a fresh
   subprocess that reports its peak resident memory (ru_maxrss).

Memory stays flat when the peak for N is close to the peak for 100,000. The
schema is dropped at the end. Run: ``.venv/bin/python bench/bench_export.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get(
    "SURVEY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ZONE = "Asia/Ho_Chi_Minh"
SMALL_AGENCY = "STP"


def _app(url: str):
    from survey import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def prepare(url: str, schema: str, total: int, small: int) -> None:
    """Migrate the schema, load the forms and agencies, then generate responses."""
    from survey.cli import load_agencies, load_questionnaires, upgrade_database

    app = _app(url)
    upgrade_database(app)
    with app.app_context():
        load_questionnaires(app)
        load_agencies(app)
    from survey.questionnaire import from_stored, get_version

    with psycopg.connect(_libpq(BASE_URL), autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET synchronous_commit TO off")
        _drop_answer_constraints(conn)
        from survey.db import new_session

        with new_session(app) as session:
            version = get_version(session, "sipas-2017", 1)
            questionnaire = from_stored(version)
            version_id = version.id
        _insert_responses(conn, version_id, total, small)
        _insert_answers(conn, questionnaire, total)
        conn.execute("CREATE INDEX ix_answers_response_id ON answers (response_id)")
        conn.execute("ANALYZE responses")
        conn.execute("ANALYZE answers")


def _drop_answer_constraints(conn: psycopg.Connection) -> None:
    """Drop the answer table's indexes and foreign key while loading (bench only)."""
    rows = conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'answers'::regclass "
        "AND contype IN ('f', 'u')"
    ).fetchall()
    for (name,) in rows:
        conn.execute(f'ALTER TABLE answers DROP CONSTRAINT "{name}"')
    conn.execute("DROP INDEX IF EXISTS ix_answers_response_id")
    conn.execute("ALTER TABLE answers SET UNLOGGED")


def _insert_responses(
    conn: psycopg.Connection, version_id: int, total: int, small: int
) -> None:
    agencies = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM agencies WHERE kind <> 'province' AND code <> %s "
            "ORDER BY code",
            (SMALL_AGENCY,),
        )
    ]
    small_id = conn.execute(
        "SELECT id FROM agencies WHERE code = %s", (SMALL_AGENCY,)
    ).fetchone()[0]
    period_id = conn.execute("SELECT id FROM periods WHERE code = '2021'").fetchone()[0]
    conn.execute(
        """
        INSERT INTO responses (id, submission_id, questionnaire_version_id, agency_id,
            period_id, channel, received_at, captured_at, answers_digest,
            is_synthetic, flagged)
        SELECT g, md5(g::text)::uuid, %(version)s,
            CASE WHEN g <= %(small)s THEN %(small_id)s
                 ELSE (%(agencies)s::int[])[1 + g %% %(count)s] END,
            %(period)s, 'kiosk',
            timestamp '2021-01-01' + g * interval '25 seconds',
            timestamp '2021-01-01' + g * interval '25 seconds',
            md5(g::text), true, false
        FROM generate_series(1, %(total)s) AS g
        """,
        {
            "version": version_id,
            "small": small,
            "small_id": small_id,
            "agencies": agencies,
            "count": len(agencies),
            "period": period_id,
            "total": total,
        },
    )


def _insert_answers(conn: psycopg.Connection, questionnaire, total: int) -> None:
    scale = [i.code for i in questionnaire.items() if i.type == "scale"]
    optional_na = [i.code for i in questionnaire.items() if i.not_applicable]
    choices = [
        (i.code, len(i.options)) for i in questionnaire.items() if i.type == "choice"
    ]
    conn.execute(
        """
        INSERT INTO answers (response_id, item_code, value, not_applicable, text)
        SELECT g, code,
            CASE WHEN code = ANY(%(na)s) AND g %% 7 = 0 THEN NULL
                 ELSE 1 + (g * 7 + ord) %% 5 END,
            code = ANY(%(na)s) AND g %% 7 = 0, NULL
        FROM generate_series(1, %(total)s) AS g,
             unnest(%(codes)s::text[]) WITH ORDINALITY AS c(code, ord)
        """,
        {"codes": scale, "na": optional_na, "total": total},
    )
    for code, size in choices:
        conn.execute(
            "INSERT INTO answers (response_id, item_code, value, not_applicable) "
            "SELECT g, %s, 1 + g %% %s, false FROM generate_series(1, %s) AS g",
            (code, size, total),
        )
    conn.execute(
        "INSERT INTO answers (response_id, item_code, value, not_applicable) "
        "SELECT g, 'MD1', v, false FROM generate_series(1, %s) AS g, "
        "LATERAL (VALUES (1 + g %% 8), (1 + (g + 3) %% 8)) AS m(v)",
        (total,),
    )
    conn.execute(
        "INSERT INTO answers (response_id, item_code, not_applicable, text) "
        "SELECT g, 'YK', false, 'Cán bộ tận tình, hướng dẫn rõ ràng, \"rất\" tốt' "
        "FROM generate_series(1, %s) AS g WHERE g %% 10 = 0",
        (total,),
    )


def pivot_sql(layout) -> str:
    """Return one SELECT giving the export's wide table, pivoted by PostgreSQL."""
    from survey.exports.layout import OPTION, TEXT, VALUE

    cells = []
    for column in layout.item_columns():
        code = column.item_code
        if column.kind == VALUE:
            cells.append(
                f"max(CASE WHEN an.item_code = '{code}' THEN CASE WHEN "
                f"an.not_applicable THEN 'NA' ELSE an.value::text END END)"
            )
        elif column.kind == OPTION:
            cells.append(
                f"CASE WHEN bool_or(an.item_code = '{code}') THEN "
                f"max(CASE WHEN an.item_code = '{code}' AND an.value = "
                f"{column.option} THEN 1 ELSE 0 END) END"
            )
        elif column.kind == TEXT:
            cells.append(f"max(CASE WHEN an.item_code = '{code}' THEN an.text END)")
    zone = f"'{ZONE}'"
    return f"""
        SELECT r.submission_id, a.code, a.name, c.code, r.channel, qv.key,
            qv.version, (r.received_at AT TIME ZONE 'UTC') AT TIME ZONE {zone},
            (r.captured_at AT TIME ZONE 'UTC') AT TIME ZONE {zone}, p.code,
            r.flagged::int, r.flag_reason, r.is_synthetic::int,
            {", ".join(cells)}
        FROM responses r
        JOIN agencies a ON a.id = r.agency_id
        JOIN questionnaire_versions qv ON qv.id = r.questionnaire_version_id
        LEFT JOIN counters c ON c.id = r.counter_id
        LEFT JOIN periods p ON p.id = r.period_id
        LEFT JOIN answers an ON an.response_id = r.id
        GROUP BY r.id, a.code, a.name, c.code, qv.key, qv.version, p.code
        ORDER BY r.id
    """


def time_copy(url: str, schema: str, target: Path) -> tuple[float, int]:
    """Return the seconds COPY takes to write the wide table to ``target``."""
    from survey.db import new_session
    from survey.exports.source import layout_for, make_filter

    app = _app(url)
    with app.test_request_context(), new_session(app) as session:
        layout = layout_for(session, make_filter(session, "sipas-2017", "2021"))
    sql = pivot_sql(layout)
    with psycopg.connect(_libpq(BASE_URL)) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        started = time.perf_counter()
        size = 0
        with (
            target.open("wb") as out,
            conn.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)") as copy,
        ):
            for block in copy:
                out.write(block)
                size += len(block)
        return time.perf_counter() - started, size


def worker(url: str, agency: str | None, target: Path) -> None:
    """Run one export in this process and print its time and peak memory."""
    from survey.db import new_session
    from survey.exports.service import export_to_file
    from survey.exports.source import make_filter

    app = _app(url)
    started = time.perf_counter()
    with app.test_request_context(), new_session(app) as session:
        response_filter = make_filter(session, "sipas-2017", "2021", agency)
        export = export_to_file(
            session,
            response_filter,
            "csv",
            target,
            zone=ZONE,
            chunk_rows=app.config["EXPORT_CHUNK_ROWS"],
            sheet_rows=1_048_575,
            sav_max_rows=0,
        )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_kb": peak_kb,
                "rows": export.snapshot.count,
                "bytes": target.stat().st_size,
            }
        )
    )


def run_worker(url: str, agency: str | None, target: Path) -> dict:
    command = [sys.executable, __file__, "--worker", url, "--output", str(target)]
    if agency:
        command += ["--agency", agency]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout
    total = memory.splitlines()[1].split()[1] if memory else "?"
    server = "?"
    with psycopg.connect(_libpq(BASE_URL)) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    return (
        f"{os.cpu_count()} cores (nproc), {model}, {total} RAM, "
        f"Python {platform.python_version()}, PostgreSQL {server}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--worker", metavar="URL")
    parser.add_argument("--agency")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.agency, args.output)
        return

    schema = f"bench_export_{uuid.uuid4().hex[:8]}"
    url = f"{BASE_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(_libpq(BASE_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        started = time.perf_counter()
        prepare(url, schema, args.responses, args.small)
        print(
            f"loaded {args.responses} responses in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        with tempfile.TemporaryDirectory() as directory:
            out = Path(directory)
            copy_seconds, copy_bytes = time_copy(url, schema, out / "copy.csv")
            print(f"COPY: {copy_seconds:.1f} s, {copy_bytes / 1e6:.0f} MB", flush=True)
            small = run_worker(url, SMALL_AGENCY, out / "small.csv")
            print(
                f"export {small['rows']}: {small['seconds']:.1f} s, "
                f"peak {small['peak_kb'] / 1024:.0f} MiB",
                flush=True,
            )
            large = run_worker(url, None, out / "large.csv")
            print(
                f"export {large['rows']}: {large['seconds']:.1f} s, "
                f"peak {large['peak_kb'] / 1024:.0f} MiB, "
                f"{large['bytes'] / 1e6:.0f} MB",
                flush=True,
            )
        print(f"ratio export / COPY: {large['seconds'] / copy_seconds:.2f}")
        print(
            f"peak memory {large['rows']} / {small['rows']} rows: "
            f"{large['peak_kb'] / small['peak_kb']:.2f}"
        )
        print(f"machine: {machine()}")
    finally:
        if os.environ.get("BENCH_KEEP_SCHEMA"):
            print(f"schema kept: {schema}")
        else:
            with psycopg.connect(_libpq(BASE_URL), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
