"""`survey counter-ratings`: the summaries of a quarter or month on the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import click
from flask import current_app

from survey.counter_ratings import bp, output, service
from survey.db import new_session


@bp.cli.command("counter-ratings")
@click.option("--quarter", help="Calendar quarter, e.g. 2021-Q4.")
@click.option("--month", help="Calendar month, e.g. 2021-10.")
@click.option("--agency", "agency_code", help="Agency code, e.g. STP. Default: all.")
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
    "path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
def counter_ratings_command(
    quarter: str | None,
    month: str | None,
    agency_code: str | None,
    output_format: str,
    path: Path | None,
) -> None:
    """Print the counter-rating summaries of a quarter or a month.

    Days are counted in the TIMEZONE setting (Vietnam time by default).
    """
    if bool(quarter) == bool(month):
        raise click.UsageError("give exactly one of --quarter or --month")
    period_code = quarter or month or ""
    if quarter and "Q" not in quarter.upper():
        raise click.UsageError(f"--quarter {quarter!r} is invalid: use e.g. 2021-Q4")
    if month and "Q" in month.upper():
        raise click.UsageError(f"--month {month!r} is invalid: use e.g. 2021-10")
    with new_session() as session:
        try:
            report = service.build_report(
                session, period_code, current_app.config, agency_code
            )
        except service.ReportRequestError as error:
            raise click.UsageError(str(error)) from error
    if path is None:
        _write(report, output_format, sys.stdout)
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        _write(report, output_format, handle)
    click.echo(f"written: {path}", err=True)


def _write(report: service.Report, output_format: str, stream: TextIO) -> None:
    if output_format == "json":
        json.dump(output.report_dict(report), stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    elif output_format == "csv":
        output.write_csv(report, stream)
    else:
        stream.write(output.text_table(report))
