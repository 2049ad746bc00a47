"""`survey report` and `survey paper-form`: the printed outputs on the command line."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from survey.db import new_session
from survey.indices import ranking_options
from survey.models import Agency
from survey.questionnaire import get_version, latest_version
from survey.reports import bp, documents
from survey.reports.service import ReportRequestError

log = logging.getLogger(__name__)

# Address used in QR codes when PUBLIC_BASE_URL is empty and no request gives one.
LOCAL_BASE_URL = "http://localhost:5000"


@bp.cli.command("report")
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2021.")
@click.option(
    "--agency",
    "agency_code",
    default=None,
    help="Agency code for a one-agency report. Default: the province report.",
)
@click.option(
    "--questionnaire",
    default=None,
    help="Questionnaire key whose latest version is analysed. "
    "Default: the DEFAULT_QUESTIONNAIRE setting.",
)
@click.option(
    "--prepared-by",
    default=None,
    help="Name printed in the footer as the report's author. "
    "Default: the REPORT_PREPARED_BY setting.",
)
@ranking_options
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="PDF file to write.",
)
def report_command(
    period_code: str,
    agency_code: str | None,
    questionnaire: str | None,
    prepared_by: str | None,
    min_sample: int,
    max_points: float,
    output: Path,
) -> None:
    """Write the satisfaction report of a period (province or one agency) as PDF."""
    report_options = documents.options(
        questionnaire=questionnaire,
        prepared_by=prepared_by,
        min_sample=min_sample,
        max_points=max_points,
    )
    with new_session() as session:
        try:
            pdf = documents.report_pdf(
                session, period_code, report_options, agency_code
            )
        except ReportRequestError as error:
            raise click.UsageError(str(error)) from error
    output.write_bytes(pdf)
    click.echo(f"written: {output} ({len(pdf)} bytes)", err=True)


@bp.cli.command("paper-form")
@click.option(
    "--questionnaire",
    default=None,
    help="Questionnaire key. Default: the DEFAULT_QUESTIONNAIRE setting.",
)
@click.option(
    "--version",
    "version_number",
    type=click.IntRange(min=1),
    default=None,
    help="Questionnaire version. Default: the latest stored version.",
)
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. STP.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="PDF file to write.",
)
def paper_form_command(
    questionnaire: str | None,
    version_number: int | None,
    agency_code: str,
    output: Path,
) -> None:
    """Write a printable paper questionnaire with a new response id as PDF."""
    key = questionnaire or current_app.config["DEFAULT_QUESTIONNAIRE"]
    base_url = current_app.config["PUBLIC_BASE_URL"] or LOCAL_BASE_URL
    with new_session() as session:
        if version_number is None:
            version = latest_version(session, key)
        else:
            version = get_version(session, key, version_number)
        if version is None:
            raise click.UsageError(
                f"questionnaire '{key}' version {version_number or 'latest'} "
                "not found: load it with `survey load questionnaires`"
            )
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.UsageError(
                f"agency '{agency_code}' not found: "
                "use a code loaded by `survey load agencies`"
            )
        response_id, pdf = documents.paper_form_pdf(version, agency, base_url)
    output.write_bytes(pdf)
    log.info("paper form written: agency %s, response id %s", agency.code, response_id)
    click.echo(f"written: {output} (response id {response_id})", err=True)
