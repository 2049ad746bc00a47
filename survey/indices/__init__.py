"""Satisfaction indices on the command line: `survey indices` and `survey simulate`.

The blueprint has no routes; it carries the commands, which appear at the top
level of the `survey` command because the blueprint has ``cli_group=None``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

import click
from flask import Blueprint, current_app

from analysis.indices import DEFAULT_MIN_SAMPLE, IndexConfig
from analysis.ranking import DEFAULT_MAX_POINTS, LinearPoints
from analysis.table import SYNTHETIC_LABEL, IndexTable, table_dict, table_rows
from survey.db import get_engine, new_session
from survey.indices import service
from survey.indices import simulate as simulation
from survey.models import RANKING_GROUPS
from survey.questionnaire import from_stored

log = logging.getLogger(__name__)

bp = Blueprint("indices", __name__, cli_group=None)

# Columns of the plain-text table; CSV and JSON carry every criterion too.
TEXT_COLUMNS = (
    "group",
    "rank",
    "agency",
    "n",
    "overall",
    "ci_low",
    "ci_high",
    "points",
)


def ranking_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --min-sample and --max-points, the ranking settings every output shares."""
    command = click.option(
        "--max-points",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_MAX_POINTS,
        show_default=True,
        help="PAR points of an index of 100 (points = index × max / 100).",
    )(command)
    return click.option(
        "--min-sample",
        type=click.IntRange(min=1),
        default=DEFAULT_MIN_SAMPLE,
        show_default=True,
        help="Respondents below which an index is flagged and the agency unranked.",
    )(command)


@bp.cli.command("indices")
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2021.")
@click.option(
    "--group",
    "groups",
    multiple=True,
    type=click.Choice(RANKING_GROUPS),
    help="Ranking group; repeat for several. Default: every group.",
)
@click.option(
    "--questionnaire",
    default=None,
    help="Questionnaire key whose latest version is analysed. "
    "Default: the DEFAULT_QUESTIONNAIRE setting.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
@ranking_options
def indices_command(
    period_code: str,
    groups: tuple[str, ...],
    questionnaire: str | None,
    output_format: str,
    output: Path | None,
    min_sample: int,
    max_points: float,
) -> None:
    """Print the satisfaction indices and ranking of a period."""
    key = questionnaire or current_app.config["DEFAULT_QUESTIONNAIRE"]
    config = IndexConfig(min_sample=min_sample)
    # Through str so that 7.3 becomes 73/10 and not its binary approximation.
    rule = LinearPoints(Fraction(str(max_points)))
    with new_session() as session:
        try:
            request = service.prepare(session, period_code, groups, key)
        except service.IndexRequestError as error:
            raise click.UsageError(str(error)) from error
        table = service.index_table(session, request, config, rule)
    if output is None:
        _write(table, output_format, sys.stdout)
        return
    with output.open("w", encoding="utf-8", newline="") as handle:
        _write(table, output_format, handle)
    click.echo(f"written: {output}", err=True)


def _write(table: IndexTable, output_format: str, stream: TextIO) -> None:
    if output_format == "json":
        json.dump(table_dict(table), stream, ensure_ascii=False, indent=2)
        stream.write("\n")
        return
    header, rows = table_rows(table)
    if output_format == "csv":
        # The byte-order mark lets Excel read the Vietnamese names as UTF-8.
        stream.write("\ufeff")
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
        return
    stream.write(_text_table(table, header, rows))


def _text_table(table: IndexTable, header: list[str], rows: list[list[str]]) -> str:
    elements = [element.code for element in table.structure.elements]
    chosen = [*TEXT_COLUMNS, *elements, "notes"]
    positions = [header.index(name) for name in chosen]
    cells = [chosen] + [[row[i] for i in positions] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(chosen))]
    out = io.StringIO()
    if table.synthetic:
        out.write(f"*** {SYNTHETIC_LABEL} ***\n")
    for line in cells:
        out.write(
            "  ".join(
                cell.ljust(width) for cell, width in zip(line, widths, strict=True)
            ).rstrip()
        )
        out.write("\n")
    out.write(
        f"n = respondents; overall and elements are indices (0-100) rounded half up; "
        f"ci = 95 % interval; min sample = {table.config.min_sample}\n"
    )
    return out.getvalue()


@bp.cli.command("simulate")
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2021.")
@click.option(
    "--responses",
    "total",
    type=click.IntRange(min=1),
    default=20000,
    show_default=True,
    help="Number of synthetic responses to add.",
)
@click.option("--seed", type=int, default=2021, show_default=True, help="Random seed.")
@click.option(
    "--group",
    "groups",
    multiple=True,
    type=click.Choice(RANKING_GROUPS),
    help="Ranking group to fill; repeat for several. Default: every group.",
)
@click.option(
    "--questionnaire",
    default=None,
    help="Questionnaire key. Default: the DEFAULT_QUESTIONNAIRE setting.",
)
def simulate_command(
    period_code: str,
    total: int,
    seed: int,
    groups: tuple[str, ...],
    questionnaire: str | None,
) -> None:
    """Add synthetic responses (marked is_synthetic) to a period."""
    key = questionnaire or current_app.config["DEFAULT_QUESTIONNAIRE"]
    with new_session() as session:
        try:
            request = service.prepare(session, period_code, groups, key)
        except service.IndexRequestError as error:
            raise click.UsageError(str(error)) from error
        model = simulation.plan(
            request.version.id,
            from_stored(request.version),
            request.period,
            request.agencies,
        )
    batches = simulation.generate(model, total, seed)
    with (
        get_engine().begin() as connection,
        click.progressbar(
            length=total, label="synthetic responses", file=sys.stderr
        ) as bar,
    ):
        stored = simulation.insert_batches(connection, batches, bar.update)
    log.info(
        "synthetic responses added: %s in period %s (seed %s)",
        stored,
        period_code,
        seed,
    )
    click.echo(
        f"{stored} SYNTHETIC responses added to period {period_code} "
        f"over {len(model.agencies)} agencies (seed {seed})"
    )
