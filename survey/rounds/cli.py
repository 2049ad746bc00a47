"""`survey round ...`: plan a round, import its frame, draw, print, follow, report."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import current_app
from sqlalchemy.orm import Session

from analysis.indices import format_number
from survey.db import new_session
from survey.indices.service import IndexRequestError, find_period, find_version
from survey.models import RANKING_GROUPS, RoundUnit
from survey.rounds import bp, draw, frame, letters, planning, progress, results
from survey.rounds.codes import invitation_key

log = logging.getLogger(__name__)


@bp.cli.group("round")
def round_group() -> None:
    """Plan and run a survey round: sample sizes, frame, draw, letters, progress."""


def _decimal(value: str, name: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise click.BadParameter(
            f"{value!r} is not a number", param_hint=name
        ) from error


def _fail(error: Exception) -> None:
    raise click.ClickException(str(error))


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


@round_group.command("create")
@click.argument("code")
@click.option("--name", required=True, help="Name printed on letters and reports.")
@click.option("--period", "period_code", required=True, help="Period code, e.g. 2021.")
@click.option(
    "--questionnaire", default=None, help="Questionnaire key (latest version)."
)
@click.option(
    "--unit", "units", multiple=True, help="Agency code; repeat. Default: all."
)
@click.option("--group", "groups", multiple=True, type=click.Choice(RANKING_GROUPS))
@click.option("--starts", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--ends", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--method", type=click.Choice(["slovin", "wilson"]), default="slovin")
@click.option(
    "--margin", default="0.05", show_default=True, help="Margin of error, 0-1."
)
@click.option("--confidence", default="0.95", show_default=True, help="Level, 0-1.")
@click.option(
    "--expected-index", default="0.5", show_default=True, help="Expected index, 0-1."
)
@click.option(
    "--reserves", default="0.2", show_default=True, help="Reserve share of the sample."
)
@click.option(
    "--by-field/--unit-only", default=True, help="Stratify by procedure field."
)
def create_command(
    code: str,
    name: str,
    period_code: str,
    questionnaire: str | None,
    units: tuple[str, ...],
    groups: tuple[str, ...],
    starts: datetime,
    ends: datetime,
    method: str,
    margin: str,
    confidence: str,
    expected_index: str,
    reserves: str,
    by_field: bool,
) -> None:
    """Create round CODE and compute the sample target of each unit."""
    with new_session() as session:
        try:
            period = find_period(session, period_code)
            version = find_version(
                session, questionnaire or current_app.config["DEFAULT_QUESTIONNAIRE"]
            )
            agencies = planning.agencies_in_scope(session, period, units, groups)
            survey_round = planning.create_round(
                session,
                planning.RoundPlan(
                    code=code,
                    name=name,
                    period=period,
                    version=version,
                    agencies=agencies,
                    fieldwork_starts_on=starts.date(),
                    fieldwork_ends_on=ends.date(),
                    method=method,
                    margin=_decimal(margin, "--margin"),
                    confidence=_decimal(confidence, "--confidence"),
                    expected_index=_decimal(expected_index, "--expected-index"),
                    reserve_share=_decimal(reserves, "--reserves"),
                    stratify_by_field=by_field,
                ),
            )
        except (planning.RoundError, IndexRequestError) as error:
            _fail(error)
        _echo_targets(survey_round.units)


def _echo_targets(units: list[RoundUnit]) -> None:
    for unit in sorted(units, key=lambda u: u.agency.code):
        population = "?" if unit.population is None else unit.population
        mark = " (set by hand)" if unit.target_set_by_hand else ""
        click.echo(f"{unit.agency.code:10} N={population!s:>7} n={unit.target}{mark}")
    click.echo(f"total target: {sum(unit.target for unit in units)}")


@round_group.command("import-frame")
@click.argument("code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_frame_command(code: str, path: Path) -> None:
    """Replace the frame of round CODE with the dossiers in PATH (CSV or XLSX)."""
    with new_session() as session:
        try:
            survey_round = planning.find_round(session, code)
            summary = frame.import_frame(session, survey_round, path)
        except frame.FrameRejected as rejected:
            for problem in rejected.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(
                f"{len(rejected.problems)} lỗi; chưa nhập dòng nào."
            ) from rejected
        except planning.RoundError as error:
            _fail(error)
        click.echo(f"imported {summary.rows} dossiers")
        _echo_targets(survey_round.units)


@round_group.command("set-target")
@click.argument("code")
@click.argument("unit")
@click.argument("target", required=False, type=click.IntRange(min=0))
def set_target_command(code: str, unit: str, target: int | None) -> None:
    """Set UNIT's target in round CODE; without TARGET it follows the rule again."""
    with new_session() as session:
        try:
            survey_round = planning.find_round(session, code)
            found = next((u for u in survey_round.units if u.agency.code == unit), None)
            if found is None:
                raise planning.RoundError(f"Đơn vị '{unit}' không thuộc đợt {code}.")
            planning.set_target(session, found, target)
        except planning.RoundError as error:
            _fail(error)
        click.echo(f"{unit}: n={found.target}")


@round_group.command("draw")
@click.argument("code")
@click.option(
    "--seed", type=int, default=None, help="Seed of the draw; random if absent."
)
@click.option(
    "--redraw", is_flag=True, help="Replace a draw whose letters were not sent."
)
def draw_command(code: str, seed: int | None, redraw: bool) -> None:
    """Draw the invitations (and reserves) of round CODE."""
    with new_session() as session:
        try:
            survey_round = planning.find_round(session, code)
            summary = draw.draw(
                session, survey_round, invitation_key(current_app.config), seed, redraw
            )
        except planning.RoundError as error:
            _fail(error)
        for unit, (main, reserves) in sorted(summary.by_unit.items()):
            click.echo(f"{unit:10} invited={main} reserves={reserves}")
        click.echo(
            f"seed={summary.seed} invited={summary.main} reserves={summary.reserves}"
        )


@round_group.command("open")
@click.argument("code")
def open_command(code: str) -> None:
    """Start fieldwork of round CODE: its invitation codes start to work."""
    _set_status(code, "fieldwork")


@round_group.command("close")
@click.argument("code")
def close_command(code: str) -> None:
    """End fieldwork of round CODE: its invitation codes stop working."""
    _set_status(code, "closed")


def _set_status(code: str, status: str) -> None:
    with new_session() as session:
        try:
            planning.set_status(session, planning.find_round(session, code), status)
        except planning.RoundError as error:
            _fail(error)
        click.echo(f"round {code}: {status}")


def _kinds(kind: str) -> tuple[str, ...]:
    return ("main", "reserve") if kind == "all" else (kind,)


@round_group.command("letters")
@click.argument("code")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True
)
@click.option("--kind", type=click.Choice(["all", "main", "reserve"]), default="all")
@click.option(
    "--unit", "units", multiple=True, help="Agency code; repeat. Default: all."
)
def letters_command(code: str, output: Path, kind: str, units: tuple[str, ...]) -> None:
    """Write one letter per released invitation of round CODE to a PDF."""
    config = current_app.config
    with new_session() as session:
        try:
            survey_round, rows = _released(session, code, kind, units)
            pages = letters.write_pdf(
                rows,
                output,
                survey_round,
                config["ROUND_LETTER_SENDER"],
                config["INVITATION_BASE_URL"],
            )
        except planning.RoundError as error:
            _fail(error)
        click.echo(f"{pages} letters written to {output}")


def _released(
    session: Session, code: str, kind: str, units: tuple[str, ...]
) -> tuple[Any, list[Any]]:
    """Return round CODE and the letter rows of its released invitations."""
    config = current_app.config
    survey_round = planning.find_round(session, code)
    rows = letters.letters(
        session,
        survey_round,
        invitation_key(config),
        config["INVITATION_BASE_URL"],
        _kinds(kind),
        units,
    )
    return survey_round, rows


@round_group.command("invitations-csv")
@click.argument("code")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True
)
@click.option("--kind", type=click.Choice(["all", "main", "reserve"]), default="all")
@click.option(
    "--unit", "units", multiple=True, help="Agency code; repeat. Default: all."
)
def invitations_csv_command(
    code: str, output: Path, kind: str, units: tuple[str, ...]
) -> None:
    """Write the released invitations of round CODE as CSV for SMS or mail merge."""
    with new_session() as session:
        try:
            survey_round, rows = _released(session, code, kind, units)
            with output.open("w", encoding="utf-8", newline="") as handle:
                count = letters.write_csv(rows, handle, survey_round.fieldwork_ends_on)
        except planning.RoundError as error:
            _fail(error)
        click.echo(f"{count} invitations written to {output}")


@round_group.command("progress")
@click.argument("code")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Judge as of this day.")
def progress_command(code: str, day: datetime | None) -> None:
    """Show responses against target per unit and channel, and units at risk."""
    with new_session() as session:
        try:
            survey_round = planning.find_round(session, code)
        except planning.RoundError as error:
            _fail(error)
        report = progress.progress(
            session, survey_round, day.date() if day else _today()
        )
        click.echo(
            f"{'unit':10} {'target':>6} {'invited':>7} {'answers':>7} {'rate':>6} "
            f"{'online':>6} {'paper':>5} {'margin':>6}  risk"
        )
        for unit in report.units:
            rate = "-" if unit.response_rate is None else f"{unit.response_rate:.1%}"
            margin = "-" if unit.margin is None else f"{unit.margin:.1%}"
            risk = f"AT RISK, release {unit.suggested_release}" if unit.at_risk else ""
            click.echo(
                f"{unit.code:10} {unit.target:>6} {unit.invited:>7} "
                f"{unit.responses:>7} {rate:>6} {unit.by_channel.get('online', 0):>6} "
                f"{unit.by_channel.get('paper', 0):>5} {margin:>6}  {risk}"
            )
        click.echo(
            f"total: {report.responses}/{report.target} responses, "
            f"{report.invited} invited, fieldwork {report.elapsed:.0%} elapsed, "
            f"{len(report.at_risk)} unit(s) at risk"
        )


@round_group.command("release")
@click.argument("code")
@click.argument("unit")
@click.argument("count", type=click.IntRange(min=1))
def release_command(code: str, unit: str, count: int) -> None:
    """Release the next COUNT reserve invitations of UNIT in round CODE."""
    with new_session() as session:
        try:
            survey_round = planning.find_round(session, code)
            agency = next(
                (u.agency for u in survey_round.units if u.agency.code == unit), None
            )
            if agency is None:
                raise planning.RoundError(f"Đơn vị '{unit}' không thuộc đợt {code}.")
            released = draw.release_reserves(session, survey_round, agency.id, count)
        except planning.RoundError as error:
            _fail(error)
        click.echo(f"{unit}: {released} reserves released")


@round_group.command("indices")
@click.argument("code")
@click.option("--weighted", is_flag=True, help="Weight by stratum sizes of the frame.")
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table"
)
def indices_command(code: str, weighted: bool, output_format: str) -> None:
    """Show each unit's overall index, respondents and achieved margin of error."""
    with new_session() as session:
        try:
            survey_round = planning.find_round(session, code)
        except planning.RoundError as error:
            _fail(error)
        rows = results.round_indices(session, survey_round, weighted)
    if output_format == "json":
        json.dump(
            [_row_dict(row) for row in rows], sys.stdout, ensure_ascii=False, indent=1
        )
        click.echo()
        return
    click.echo(f"{'unit':10} {'n':>5} {'N':>7} {'overall':>8} {'margin':>7} weighted")
    for row in rows:
        value = row.result.overall.estimate.value
        shown = "-" if value is None else format_number(value)
        margin = "-" if row.margin is None else f"±{100 * row.margin:.1f}"
        population = "-" if row.population is None else row.population
        weighted_mark = (
            "yes" if row.weighted else ("no: " + row.note if row.note else "no")
        )
        click.echo(
            f"{row.code:10} {row.respondents:>5} {population!s:>7} {shown:>8} "
            f"{margin:>7} {weighted_mark}"
        )


def _row_dict(row: results.UnitIndices) -> dict:
    value = row.result.overall.estimate.value
    return {
        "unit": row.code,
        "name": row.name,
        "respondents": row.respondents,
        "population": row.population,
        "overall": None if value is None else float(value),
        "elements": {
            code: None if e.estimate.value is None else float(e.estimate.value)
            for code, e in row.result.elements.items()
        },
        "weighted": row.weighted,
        "note": row.note,
        "achieved_margin": row.margin,
    }


@round_group.command("purge-frame")
@click.argument("code", required=False)
@click.option(
    "--expired", is_flag=True, help="Purge every round past its delete-after day."
)
def purge_command(code: str | None, expired: bool) -> None:
    """Delete the dossier codes and addresses of round CODE (or of expired rounds)."""
    with new_session() as session:
        try:
            if expired:
                purged = planning.purge_expired(session, _today())
            elif code:
                planning.purge_frame(session, planning.find_round(session, code))
                purged = [code]
            else:
                raise planning.RoundError("Nêu mã đợt khảo sát hoặc dùng --expired.")
        except planning.RoundError as error:
            _fail(error)
        click.echo(f"frames purged: {', '.join(purged) or 'none'}")
