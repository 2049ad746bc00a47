"""`survey staff ...`: create the first administrator and manage staff accounts."""

from __future__ import annotations

import sys

import click
from flask import current_app
from sqlalchemy import select

from survey.db import new_session
from survey.models import STAFF_ROLES, Agency, StaffUser
from survey.staff import accounts, bp, sessions


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


def _create(
    email: str, role: str, agency_code: str | None, name: str, from_stdin: bool
) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with new_session(app) as db, app.test_request_context():
        agency_id = None
        if agency_code:
            agency_id = db.scalar(select(Agency.id).where(Agency.code == agency_code))
            if agency_id is None:
                raise click.BadParameter(
                    f"agency '{agency_code}' not found: load agencies first "
                    "or check the code",
                    param_hint="--agency",
                )
        password = _read_password(from_stdin)
        try:
            user = accounts.create_user(
                db,
                email=email,
                password=password,
                role=role,
                agency_id=agency_id,
                display_name=name,
                min_length=app.config["STAFF_PASSWORD_MIN_LENGTH"],
            )
        except accounts.AccountError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"created staff user {user.id} with role {user.role}")


_stdin_option = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input "
    "instead of prompting.",
)


@bp.cli.command("create-admin")
@click.option("--email", required=True, help="Sign-in email of the administrator.")
@click.option("--name", default="", help="Display name.")
@_stdin_option
def create_admin_command(email: str, name: str, password_stdin: bool) -> None:
    """Create a province administrator account."""
    _create(email, "admin", None, name, password_stdin)


@bp.cli.command("add-user")
@click.option("--email", required=True, help="Sign-in email.")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option(
    "--agency", "agency_code", help="Agency code, required for --role agency."
)
@click.option("--name", default="", help="Display name.")
@_stdin_option
def add_user_command(
    email: str, role: str, agency_code: str | None, name: str, password_stdin: bool
) -> None:
    """Create a staff account with ROLE."""
    if role == "agency" and not agency_code:
        raise click.BadParameter("required with --role agency", param_hint="--agency")
    if role != "agency" and agency_code:
        raise click.BadParameter(
            "only agency staff belong to an agency", param_hint="--agency"
        )
    _create(email, role, agency_code, name, password_stdin)


@bp.cli.command("list")
def list_command() -> None:
    """List staff accounts: id, role, agency, active, email."""
    with new_session(current_app) as db:
        users = db.scalars(select(StaffUser).order_by(StaffUser.id))
        for user in users:
            agency = user.agency.code if user.agency else "-"
            state = "active" if user.active else "inactive"
            click.echo(f"{user.id}\t{user.role}\t{agency}\t{state}\t{user.email}")


@bp.cli.command("revoke-sessions")
@click.option("--email", required=True, help="Sign-in email of the account.")
def revoke_sessions_command(email: str) -> None:
    """End every session of an account, on every device."""
    with new_session(current_app) as db:
        user = accounts.user_by_email(db, email)
        if user is None:
            raise click.ClickException("no staff account has this email")
        count = sessions.revoke_all(db, user.id)
        db.commit()
        click.echo(f"revoked {count} session(s) of staff user {user.id}")
