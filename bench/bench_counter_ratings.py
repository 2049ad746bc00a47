"""Time the counter-rating summaries against one raw GROUP BY over the same answers.

Loads synthetic counter ratings (DG and CS1..CS9, 10 answers each, CS8 left
blank on about 40 %) into a schema of its own in PostgreSQL with COPY, 100,000
first and then up to 1,000,000, all captured in 2021-Q4 Vietnam time. At each
size it measures:

- the raw query: answers joined to responses, counted by agency, counter, item
  and value, with no time filter and no local-time conversion;
- the quarter summary: ``count_ratings`` for the quarter (local-time bounds)
  and ``summarise`` of the province, every unit and every counter;
- the full report: the quarter summary plus the monthly and ISO-weekly trends
  (two more grouped queries with the local month and week in SQL);
- the peak of memory allocated by Python while the full report is built
  (tracemalloc).

Each measurement runs three times and the fastest run counts. The schema holds
only the columns the summaries read and no secondary index, because the queries
read the whole quarter. The schema is dropped at the end.

Usage: .venv/bin/python bench/bench_counter_ratings.py [--url URL]
       [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import io
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import create_engine, text

from analysis import counter_ratings as cr
from survey.config import PROJECT_ROOT
from survey.questionnaire.store import read_file

AGENCIES = 40
COUNTERS_PER_AGENCY = 3
VERSION_ID = 1
ITEMS = ["DG"] + [f"CS{n}" for n in range(1, 10)]
RAW = """
SELECT r.agency_id, r.counter_id, a.item_code, a.value, count(*)
FROM answers a JOIN responses r ON a.response_id = r.id
WHERE r.questionnaire_version_id = :version AND NOT r.flagged
GROUP BY r.agency_id, r.counter_id, a.item_code, a.value
"""
# 2021-Q4 in Vietnam time is [2021-09-30 17:00, 2021-12-31 17:00) in UTC.
QUARTER_START = datetime(2021, 9, 30, 17, tzinfo=UTC).timestamp()
QUARTER_SECONDS = 92 * 86400


def create_schema(conninfo: str, schema: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute(
            "CREATE TABLE responses (id bigint PRIMARY KEY, agency_id int NOT NULL,"
            " counter_id int, questionnaire_version_id int NOT NULL,"
            " flagged boolean NOT NULL, captured_at timestamp,"
            " received_at timestamp NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE answers (response_id bigint NOT NULL, item_code varchar(40)"
            " NOT NULL, value int, not_applicable boolean NOT NULL)"
        )


def _stamps(rng: np.random.Generator, size: int) -> np.ndarray:
    seconds = QUARTER_START + rng.integers(0, QUARTER_SECONDS, size)
    return np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")


def load(conninfo: str, schema: str, first_id: int, count: int, seed: int) -> None:
    """COPY ``count`` ratings in batches; answers lean towards the top points."""
    rng = np.random.default_rng(seed)
    batch = 50_000
    with psycopg.connect(conninfo) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        with conn.cursor() as cursor:
            for start in range(0, count, batch):
                size = min(batch, count - start)
                ids = np.arange(first_id + start, first_id + start + size)
                agency = rng.integers(1, AGENCIES + 1, size)
                counter = (agency - 1) * COUNTERS_PER_AGENCY + rng.integers(
                    1, COUNTERS_PER_AGENCY + 1, size
                )
                stamps = _stamps(rng, size)
                flagged = rng.random(size) < 0.01
                lines = [
                    f"{i}\t{a}\t{c}\t{VERSION_ID}\t{'t' if f else 'f'}\t"
                    f"{s.replace('T', ' ')}\t{s.replace('T', ' ')}\n"
                    for i, a, c, f, s in zip(
                        ids, agency, counter, flagged, stamps, strict=True
                    )
                ]
                with cursor.copy(
                    "COPY responses (id, agency_id, counter_id,"
                    " questionnaire_version_id, flagged, captured_at, received_at)"
                    " FROM STDIN"
                ) as copy:
                    copy.write("".join(lines))
                rating = rng.choice([3, 2, 1], size, p=[0.55, 0.35, 0.10])
                points = rng.choice([2, 1, 0], (size, 9), p=[0.7, 0.22, 0.08])
                blank = rng.random(size) < 0.4
                buffer = io.StringIO()
                for row, response_id in enumerate(ids):
                    buffer.write(f"{response_id}\tDG\t{rating[row]}\tf\n")
                    for number in range(9):
                        if number == 7 and blank[row]:
                            continue
                        buffer.write(
                            f"{response_id}\tCS{number + 1}\t{points[row, number]}\tf\n"
                        )
                with cursor.copy(
                    "COPY answers (response_id, item_code, value, not_applicable)"
                    " FROM STDIN"
                ) as copy:
                    copy.write(buffer.getvalue())
        conn.commit()
        conn.execute("ANALYZE responses")
        conn.execute("ANALYZE answers")
        conn.commit()


def fastest(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best = float("inf")
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def measure(engine, indicators, size: int) -> dict[str, float]:
    period = cr.parse_period("2021-Q4")
    selection = cr.RatingSelection((VERSION_ID,), period)
    config = cr.RatingConfig()
    codes = ITEMS

    def raw() -> int:
        with engine.connect() as conn:
            return len(conn.execute(text(RAW), {"version": VERSION_ID}).all())

    def quarter() -> list[cr.CounterSummary]:
        with engine.connect() as conn:
            cells = cr.count_ratings(conn, selection, codes)
        found = [cr.summarise(cr.pool_cells(cells, "p"), indicators, config)]
        for agency in range(1, AGENCIES + 1):
            found.append(
                cr.summarise(cr.pool_cells(cells, agency, [agency]), indicators, config)
            )
            for counter in range(1, COUNTERS_PER_AGENCY + 1):
                counter_id = (agency - 1) * COUNTERS_PER_AGENCY + counter
                cell = cr.pool_cells(cells, counter_id, [agency], counter_id)
                found.append(cr.summarise(cell, indicators, config))
        return found

    def report() -> int:
        summaries = quarter()
        with engine.connect() as conn:
            months = cr.count_ratings(conn, selection, codes, cr.MONTH, False)
            weeks = cr.count_ratings(conn, selection, codes, cr.WEEK, False)
        trend = cr.trend(months, period, cr.MONTH, indicators, config)
        trend += cr.trend(weeks, period, cr.WEEK, indicators, config)
        return len(summaries) + len(trend)

    raw_seconds, _ = fastest(3, raw)
    quarter_seconds, summaries = fastest(3, quarter)
    province = summaries[0]
    if province.dossiers + province.flagged != size:
        raise RuntimeError(
            f"the quarter holds {province.dossiers + province.flagged} ratings, "
            f"expected {size}"
        )
    report_seconds, _ = fastest(3, report)
    tracemalloc.start()
    report()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "size": size,
        "dossiers": summaries[0].dossiers,
        "raw": raw_seconds,
        "quarter": quarter_seconds,
        "report": report_seconds,
        "peak_mib": peak / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1/test")
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    sizes = sorted(int(part) for part in args.sizes.split(","))
    questionnaire = read_file(
        PROJECT_ROOT / "questionnaires" / "counter-rating" / "v1.yaml"
    )
    indicators = cr.indicators_from_questionnaire(questionnaire)
    schema = f"bench_cr_{uuid.uuid4().hex[:10]}"
    conninfo = args.url.replace("postgresql+psycopg://", "postgresql://")
    create_schema(conninfo, schema)
    engine = create_engine(f"{args.url}?options=-csearch_path%3D{schema}")
    loaded = 0
    results = []
    try:
        for size in sizes:
            started = time.perf_counter()
            load(conninfo, schema, loaded + 1, size - loaded, seed=size)
            loaded = size
            print(f"loaded {size} ratings in {time.perf_counter() - started:.1f} s")
            results.append(measure(engine, indicators, size))
            print(results[-1], flush=True)
    finally:
        engine.dispose()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    print(
        "| ratings | raw GROUP BY s | quarter summary s | ratio | full report s "
        "| ratio | peak Python MiB |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in results:
        print(
            f"| {row['size']:,} | {row['raw']:.2f} | {row['quarter']:.2f} "
            f"| {row['quarter'] / row['raw']:.2f} | {row['report']:.2f} "
            f"| {row['report'] / row['raw']:.2f} | {row['peak_mib']:.2f} |"
        )


if __name__ == "__main__":
    main()
