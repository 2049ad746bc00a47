"""Time the province report of 50 agencies and 1,000,000 responses.

Builds a schema of its own in the PostgreSQL database ``test`` with the
application's migrations, loads the questionnaires and the Bình Định agencies,
adds test agencies up to 50 ranked units, and generates the responses in SQL
(28 scale answers each, values drawn around an agency-specific level, the
feedback element answered "not applicable" by about 60 %, 1 % flagged, a
comment on every 50th response), and fills in each response's criteria summary
from its answers. Then it measures:

- gathering: ``survey.reports.service.report_data`` (the index table, the pooled
  province indices with intervals, channel counts, comments), one run;
- drawing: ``analysis.report.build_province_report`` on those results, fastest
  of three runs;
- the baseline: a plain reportlab document with the same number of pages (one
  frame of DejaVu Sans paragraphs per page, the same embedded font), fastest
  of three runs.

The schema is dropped at the end.

Usage: .venv/bin/python bench/bench_report.py [--responses 1000000] [--url URL]
       [--pdf report.pdf]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pypdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AGENCIES = 50
# The migration that added responses.criteria_values.
CRITERIA_VALUES_REVISION = "24bef1bcdf9a"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def make_app(url: str) -> Any:
    from survey import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})


def add_agencies(conn: psycopg.Connection) -> list[int]:
    """Add test agencies to the 'central' group until 50 units are ranked."""
    ranked = conn.execute(
        "SELECT count(*) FROM agencies WHERE ranking_group IS NOT NULL"
    ).fetchone()[0]
    for number in range(1, AGENCIES - ranked + 1):
        conn.execute(
            "INSERT INTO agencies (code, name, kind, ranking_group, valid_from, "
            "unconfirmed) VALUES (%s, %s, 'central', 'central', '2021-01-01', true)",
            (f"TEST{number:02d}", f"Cơ quan thử nghiệm số {number}"),
        )
    return [
        row[0]
        for row in conn.execute(
            "SELECT id FROM agencies WHERE ranking_group IS NOT NULL ORDER BY code"
        )
    ]


def load(
    conn: psycopg.Connection, questionnaire: Any, version_id: int, total: int
) -> None:
    """Insert ``total`` responses and their answers with set-based SQL."""
    agencies = add_agencies(conn)
    period_id = conn.execute("SELECT id FROM periods WHERE code = '2021'").fetchone()[0]
    conn.execute("SELECT setseed(0.2021)")
    conn.execute(
        "CREATE TEMP TABLE effects AS SELECT a.id, a.ord, "
        "(random() + random() + random() - 1.5) * 0.5 AS effect "
        "FROM unnest(%s::int[]) WITH ORDINALITY AS a(id, ord)",
        (agencies,),
    )
    conn.execute(
        """
        INSERT INTO responses (id, submission_id, questionnaire_version_id, agency_id,
            period_id, channel, received_at, captured_at, answers_digest,
            is_synthetic, flagged)
        SELECT g, md5(g::text)::uuid, %(version)s,
            (%(agencies)s::int[])[1 + (g::bigint * 7919) %% %(count)s],
            %(period)s,
            (ARRAY['kiosk', 'kiosk', 'online', 'paper'])[1 + g %% 4],
            timestamp '2021-01-01 02:00' + (g %% 360) * interval '1 day',
            timestamp '2021-01-01 02:00' + (g %% 360) * interval '1 day',
            md5(g::text), true, g %% 100 = 0
        FROM generate_series(1, %(total)s) AS g
        """,
        {
            "version": version_id,
            "agencies": agencies,
            "count": len(agencies),
            "period": period_id,
            "total": total,
        },
    )
    scale = [
        item.code
        for item in questionnaire.items()
        if item.type == "scale" and item.role != "info"
    ]
    skippable = [item.code for item in questionnaire.items() if item.not_applicable]
    # A respondent's mood (one draw per response) plus the agency's effect plus
    # noise per answer, rounded and clipped to the 1-5 scale.
    conn.execute(
        """
        INSERT INTO answers (response_id, item_code, value, not_applicable)
        SELECT r.id, c.code,
            CASE WHEN c.code = ANY(%(na)s) AND r.skip THEN NULL ELSE
                LEAST(5, GREATEST(1, round(4.3 + r.effect + r.mood
                    + (random() + random() + random() - 1.5) * 1.2)))::int END,
            c.code = ANY(%(na)s) AND r.skip
        FROM (SELECT responses.id, e.effect,
                     (random() + random() + random() - 1.5) * 1.0 AS mood,
                     random() < 0.6 AS skip
              FROM responses JOIN effects e ON e.id = responses.agency_id) AS r,
             unnest(%(codes)s::text[]) AS c(code)
        """,
        {"codes": scale, "na": skippable},
    )
    conn.execute(
        """
        INSERT INTO answers (response_id, item_code, not_applicable, text)
        SELECT g, 'YK', false,
            CASE WHEN g %% 100 = 50 THEN 'Hướng dẫn <b>rất</b> rõ & nhanh'
                 ELSE 'Cán bộ tận tình, hướng dẫn rõ ràng' END
        FROM generate_series(50, %(total)s, 50) AS g
        """,
        {"total": total},
    )
    conn.execute("CREATE INDEX ix_bench_answers_response ON answers (response_id)")
    conn.execute("ANALYZE responses")
    conn.execute("ANALYZE answers")


def prepare(url: str, schema: str, total: int) -> Any:
    from survey.cli import load_agencies, load_questionnaires, upgrade_database
    from survey.db import new_session
    from survey.questionnaire import from_stored, get_version

    app = make_app(url)
    upgrade_database(app)
    with app.app_context():
        load_questionnaires(app)
        load_agencies(app)
    with new_session(app) as session:
        version = get_version(session, "sipas-2017", 1)
        questionnaire = from_stored(version)
        version_id = version.id
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET synchronous_commit TO off")
        # The unique constraint and the foreign key of answers would be checked
        # row by row during the load; the bench drops them.
        for (name,) in conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'answers'::regclass "
            "AND contype IN ('f', 'u')"
        ).fetchall():
            conn.execute(f'ALTER TABLE answers DROP CONSTRAINT "{name}"')
        conn.execute("DROP INDEX IF EXISTS ix_answers_response_id")
        load(conn, questionnaire, version_id, total)
    fill_criteria_values(app)
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("VACUUM ANALYZE responses")
    return app


def fill_criteria_values(app: Any) -> None:
    """Set responses.criteria_values from the answers that ``load`` inserted.

    The rows come from SQL, not from the submission path, so the summary comes
    from the backfill of the migration that added the column.
    """
    from alembic.script import ScriptDirectory

    from survey.db import get_engine
    from survey.migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"]))
    migration = script.get_revision(CRITERIA_VALUES_REVISION)
    with get_engine(app).begin() as connection:
        migration.module.backfill(connection)


def fastest(function: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def plain_document(pages: int) -> bytes:
    """Draw a reportlab document of ``pages`` pages of plain paragraphs."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    from analysis.report.fonts import REGULAR, register_fonts

    register_fonts()
    style = ParagraphStyle("plain", fontName=REGULAR, fontSize=10, leading=14)
    line = "Chỉ số hài lòng về sự phục vụ hành chính của cơ quan năm 2021 là 85,30."
    story: list[Any] = []
    for page in range(pages):
        story += [Paragraph(f"{page + 1}. {line}", style) for _ in range(45)]
        if page + 1 < pages:
            story.append(PageBreak())
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def measure(app: Any) -> dict[str, Any]:
    from analysis.indices import IndexConfig
    from analysis.report import build_province_report
    from survey.db import new_session
    from survey.reports.service import ReportOptions, report_data

    options = ReportOptions("sipas-2017", IndexConfig(), prepared_by="Người chạy thử")
    with new_session(app) as session:
        started = time.perf_counter()
        data = report_data(session, "2021", options)
        gather = time.perf_counter() - started
    draw, pdf = fastest(lambda: build_province_report(data))
    pages = page_count(pdf)
    plain, baseline = fastest(lambda: plain_document(pages))
    assert page_count(baseline) == pages, (page_count(baseline), pages)
    return {
        "respondents": data.province.respondents if data.province else 0,
        "agencies": len(data.table.agencies),
        "gather": gather,
        "draw": draw,
        "pages": pages,
        "plain": plain,
        "bytes": len(pdf),
        "pdf": pdf,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--pdf", type=Path, help="Also write the report to this file.")
    arguments = parser.parse_args()
    schema = f"bench_report_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq(arguments.url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{arguments.url}?options=-csearch_path%3D{schema}"
    try:
        started = time.perf_counter()
        app = prepare(url, schema, arguments.responses)
        print(f"load: {time.perf_counter() - started:.1f} s", flush=True)
        result = measure(app)
        if arguments.pdf:
            arguments.pdf.write_bytes(result["pdf"])
        pages, draw, plain = result["pages"], result["draw"], result["plain"]
        print(
            f"responses {arguments.responses}, unflagged respondents "
            f"{result['respondents']}, agencies {result['agencies']}\n"
            f"gather {result['gather']:.2f} s; draw {draw:.2f} s for {pages} pages "
            f"({1000 * draw / pages:.1f} ms/page, {result['bytes']} bytes); "
            f"plain reportlab {plain:.2f} s ({1000 * plain / pages:.1f} ms/page); "
            f"ratio {draw / plain:.2f}"
        )
        from survey.db import get_engine

        get_engine(app).dispose()
    finally:
        with psycopg.connect(libpq(arguments.url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
