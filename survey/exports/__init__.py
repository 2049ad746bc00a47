"""Exports of responses and index tables, and the import of paper questionnaires.

Commands: ``survey export responses``, ``survey export indices`` and
``survey import paper``. Staff pages live under /staff/exports (views.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Blueprint, current_app

from survey.db import new_session

log = logging.getLogger(__name__)

bp = Blueprint("exports", __name__, url_prefix="/staff/exports", cli_group=None)


@bp.cli.group("export")
def export_group() -> None:
    """Export responses or index tables to CSV, XLSX or SPSS."""


@export_group.command("responses")
@click.option("--period", "period_code", default=None, help="Period code, e.g. 2021.")
@click.option(
    "--agency",
    "agency_code",
    default=None,
    help="Agency code, e.g. STP; includes its sub-units. Default: every agency.",
)
@click.option(
    "--questionnaire",
    default=None,
    help="Questionnaire key; every version "
    "of it is exported. Default: the DEFAULT_QUESTIONNAIRE setting.",
)
@click.option(
    "--format",
    "kind",
    type=click.Choice(["csv", "xlsx", "sav"]),
    default="csv",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
)
def export_responses_command(
    period_code: str | None,
    agency_code: str | None,
    questionnaire: str | None,
    kind: str,
    output: Path,
) -> None:
    """Write one row per response, one column per item, to OUTPUT."""
    from survey.exports.service import export_to_file
    from survey.exports.source import ExportRequestError, make_filter
    from survey.exports.writers import ExportTooLarge

    config = current_app.config
    key = questionnaire or config["DEFAULT_QUESTIONNAIRE"]
    with new_session() as session:
        try:
            response_filter = make_filter(session, key, period_code, agency_code)
            export = export_to_file(
                session,
                response_filter,
                kind,
                output,
                zone=config["TIMEZONE"],
                chunk_rows=config["EXPORT_CHUNK_ROWS"],
                sheet_rows=config["EXPORT_XLSX_SHEET_ROWS"],
                sav_max_rows=config["EXPORT_SAV_MAX_ROWS"],
            )
        except (ExportRequestError, ExportTooLarge) as error:
            raise click.UsageError(str(error)) from error
    click.echo(f"{export.snapshot.count} responses written: {output}", err=True)


@export_group.command("indices")
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2021.")
@click.option(
    "--questionnaire",
    default=None,
    help="Questionnaire key whose latest "
    "version is analysed. Default: the DEFAULT_QUESTIONNAIRE setting.",
)
@click.option(
    "--format",
    "kind",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
)
def export_indices_command(
    period_code: str, questionnaire: str | None, kind: str, output: Path
) -> None:
    """Write the index table of a period (every ranking group) to OUTPUT."""
    from survey.exports.tables import index_csv, index_rows, index_xlsx
    from survey.indices import service

    key = questionnaire or current_app.config["DEFAULT_QUESTIONNAIRE"]
    with new_session() as session:
        try:
            request = service.prepare(session, period_code, (), key)
        except service.IndexRequestError as error:
            raise click.UsageError(str(error)) from error
        table = service.index_table(session, request)
    heading, rows = index_rows(table)
    if kind == "csv":
        output.write_bytes(index_csv(heading, rows))
    else:
        index_xlsx(heading, rows, bool(table.synthetic), output)
    click.echo(f"{len(rows)} agencies written: {output}", err=True)


@bp.cli.group("import")
def import_group() -> None:
    """Import responses from a spreadsheet."""


@import_group.command("paper")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and store nothing.")
def import_paper_command(path: Path, dry_run: bool) -> None:
    """Import paper questionnaires typed into PATH (CSV or XLSX, export layout).

    Every row is checked first; if any row is invalid, nothing is stored and
    every problem is listed with its line and column.
    """
    from survey.exports.importer import ImportRejected, import_table, rows_summary
    from survey.exports.reader import read_table

    config = current_app.config
    table = read_table(path.name, path.read_bytes())
    with new_session() as session:
        try:
            report = import_table(
                session,
                table,
                zone=config["TIMEZONE"],
                text_limit=config["TEXT_MAX_LENGTH"],
                dry_run=dry_run,
            )
        except ImportRejected as rejected:
            for problem in rejected.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(
                f"{len(rejected.problems)} problem(s); nothing was imported"
            ) from rejected
    click.echo(rows_summary(report))
    if dry_run:
        click.echo("dry run: nothing was stored")


from survey.exports import views  # noqa: E402,F401  (routes attach to bp)
