"""Time the full index table against one raw GROUP BY over the same answers.

Loads synthetic responses into a schema of its own in PostgreSQL with COPY
(100,000 first, then up to 1,000,000), and at each size measures:

- the raw query: answers joined to responses, counted by agency, item and value;
- the full table: analysis.table.build_index_table (counts, influence sums for
  every interval, every criterion, element and overall index, ranking);
- the peak of memory allocated by Python while the table is built (tracemalloc).

Both are run once to warm the cache, then three times each in alternation, and
the median run counts. The schema holds only the columns the analysis reads and
the answers index on response_id that the application schema has. Answers are
written response by response, as submissions store them. The schema is dropped
at the end.

Usage: .venv/bin/python bench/bench_indices.py [--url URL] [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import create_engine, text

from analysis.aggregate import Selection
from analysis.structure import structure_from_questionnaire
from analysis.summary import AnswerValue, criteria_values
from analysis.table import AgencyRef, build_index_table
from survey.config import PROJECT_ROOT
from survey.indices import simulate as model
from survey.questionnaire.store import read_file

AGENCIES = 40
PERIOD_ID = 1
VERSION_ID = 1
RAW = """
SELECT r.agency_id, a.item_code, a.value, a.not_applicable, count(*)
FROM answers a JOIN responses r ON a.response_id = r.id
WHERE r.period_id = :period AND r.questionnaire_version_id = :version
  AND r.agency_id = ANY(:agencies) AND NOT r.flagged
GROUP BY r.agency_id, a.item_code, a.value, a.not_applicable
"""


def create_schema(conninfo: str, schema: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute(
            "CREATE TABLE responses (id bigint PRIMARY KEY, agency_id int NOT NULL,"
            " period_id int NOT NULL, questionnaire_version_id int NOT NULL,"
            " channel varchar(10) NOT NULL, flagged boolean NOT NULL,"
            " is_synthetic boolean NOT NULL, criteria_values text)"
        )
        conn.execute(
            "CREATE TABLE answers (response_id bigint NOT NULL, item_code varchar(40)"
            " NOT NULL, value int, not_applicable boolean NOT NULL)"
        )


def load(
    conninfo: str,
    schema: str,
    first_id: int,
    count: int,
    items,
    skippable,
    structure,
    seed,
):
    """COPY ``count`` responses from the simulation model, in batches.

    Each response row carries its criteria summary, computed by the function
    the submission path uses.
    """
    rng = np.random.default_rng(seed)
    agency_effect = np.random.default_rng(1).normal(0, model.AGENCY_SD, AGENCIES)
    item_effect = np.random.default_rng(2).normal(0, model.ITEM_SD, len(items))
    skip_columns = np.array([code in skippable for code in items])
    batch = 50_000
    with psycopg.connect(conninfo) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        with conn.cursor() as cursor:
            for start in range(0, count, batch):
                size = min(batch, count - start)
                ids = np.arange(first_id + start, first_id + start + size)
                agency = rng.integers(1, AGENCIES + 1, size)
                mood = rng.normal(0, model.MOOD_SD, size)
                latent = (
                    model.MU
                    + agency_effect[agency - 1, None]
                    + mood[:, None]
                    + item_effect
                    + rng.normal(0, model.NOISE_SD, (size, len(items)))
                )
                scores = np.clip(np.rint(latent), 1, 5).astype(int)
                skip = rng.random(size) < model.SKIP_FEEDBACK
                channel = rng.integers(0, 3, size)
                na = skip[:, None] & skip_columns
                responses = io.StringIO()
                for i in range(size):
                    summary = criteria_values(
                        structure,
                        (
                            AnswerValue(code, None, True)
                            if na[i, column]
                            else AnswerValue(code, int(scores[i, column]))
                            for column, code in enumerate(items)
                        ),
                    )
                    responses.write(
                        f"{ids[i]}\t{agency[i]}\t{PERIOD_ID}\t{VERSION_ID}\t"
                        f"{model.CHANNELS[channel[i]]}\tf\tt\t{summary}\n"
                    )
                with cursor.copy(
                    "COPY responses (id, agency_id, period_id,"
                    " questionnaire_version_id, channel, flagged, is_synthetic,"
                    " criteria_values) FROM STDIN"
                ) as copy:
                    copy.write(responses.getvalue())
                lines = []
                values = scores.astype(str)
                for i in range(size):
                    for column, code in enumerate(items):
                        if na[i, column]:
                            lines.append(f"{ids[i]}\t{code}\t\\N\tt\n")
                        else:
                            lines.append(f"{ids[i]}\t{code}\t{values[i, column]}\tf\n")
                with cursor.copy(
                    "COPY answers (response_id, item_code, value, not_applicable)"
                    " FROM STDIN"
                ) as copy:
                    copy.write("".join(lines))
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute(
            "CREATE INDEX IF NOT EXISTS ix_answers_response_id ON answers (response_id)"
        )
        conn.execute("VACUUM ANALYZE responses")
        conn.execute("VACUUM ANALYZE answers")


def medians(functions: dict[str, Callable[[], object]], repeat: int = 3):
    """Run each function once unmeasured, then ``repeat`` times in alternation.

    Returns the median seconds and the last result of each function.
    """
    times: dict[str, list[float]] = {name: [] for name in functions}
    results = {name: function() for name, function in functions.items()}
    for _ in range(repeat):
        for name, function in functions.items():
            started = time.perf_counter()
            results[name] = function()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(found) for name, found in times.items()}, results


def measure(engine, structure, agencies) -> dict[str, float]:
    selection = Selection(PERIOD_ID, VERSION_ID)
    ids = [agency.id for agency in agencies]
    with engine.connect() as connection:
        times, results = medians(
            {
                "raw": lambda: connection.execute(
                    text(RAW),
                    {"period": PERIOD_ID, "version": VERSION_ID, "agencies": ids},
                ).all(),
                "table": lambda: build_index_table(
                    connection, selection, agencies, structure
                ),
            }
        )
        tracemalloc.start()
        build_index_table(connection, selection, agencies, structure)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert results["raw"], "the raw query returned nothing"
    assert results["table"].results
    return {"raw": times["raw"], "table": times["table"], "peak_kib": peak / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--sizes", default="100000,1000000")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    questionnaire = read_file(Path(PROJECT_ROOT) / "questionnaires/sipas-2017/v1.yaml")
    structure = structure_from_questionnaire(questionnaire)
    items = tuple(
        item.code
        for item in questionnaire.items()
        if item.type == "scale" and item.role in model.SATISFACTION_ROLES
    )
    skippable = {item.code for item in questionnaire.items() if item.not_applicable}
    agencies = [
        AgencyRef(
            i, f"A{i:02d}", f"Agency {i}", "departments" if i <= 20 else "districts"
        )
        for i in range(1, AGENCIES + 1)
    ]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    conninfo = arguments.url.replace("postgresql+psycopg://", "postgresql://")
    create_schema(conninfo, schema)
    engine = create_engine(f"{arguments.url}?options=-csearch_path%3D{schema}")
    loaded = 0
    try:
        print(f"items per response: {len(items)}; agencies: {AGENCIES}")
        print("responses  answers     load_s  raw_s   table_s  ratio  peak_KiB")
        for size in sizes:
            started = time.perf_counter()
            load(
                conninfo,
                schema,
                loaded + 1,
                size - loaded,
                items,
                skippable,
                structure,
                seed=size,
            )
            load_time = time.perf_counter() - started
            loaded = size
            result = measure(engine, structure, agencies)
            print(
                f"{size:<10} {size * len(items):<11} {load_time:<7.1f} "
                f"{result['raw']:<7.2f} {result['table']:<8.2f} "
                f"{result['table'] / result['raw']:<6.2f} {result['peak_kib']:.0f}",
                flush=True,
            )
    finally:
        engine.dispose()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
