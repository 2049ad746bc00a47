"""The `survey` command: everything an operator does from a shell.

It is Flask's command line with this app: `survey run`, `survey shell` and
`survey routes` work too. Feature blueprints add their own commands.
"""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from survey.db import get_engine, new_session
from survey.migrations import alembic_config

log = logging.getLogger(__name__)


def upgrade_database(app: Flask, revision: str = "head") -> None:
    """Create or upgrade the schema of the app's database to ``revision``."""
    config = alembic_config(app.config["DATABASE_URL"])
    with get_engine(app).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def load_questionnaires(app: Flask, directory: Path | None = None) -> None:
    from survey.questionnaire.store import load_directory

    with new_session(app) as session:
        result = load_directory(
            session, directory or Path(app.config["QUESTIONNAIRE_DIR"])
        )
    for label in result.added:
        click.echo(f"questionnaire added: {label}")
    if result.unchanged:
        click.echo(f"questionnaires already stored: {', '.join(result.unchanged)}")


def load_agencies(app: Flask, path: Path | None = None) -> None:
    from survey.agencies.loader import load

    with new_session(app) as session:
        summary = load(session, path or Path(app.config["AGENCY_FILE"]))
    click.echo(
        f"agencies: {summary.agencies}, counters: {summary.counters}, "
        f"periods: {summary.periods}"
    )


@click.group("db")
def db_group() -> None:
    """Create or upgrade the database."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply the schema migrations up to REVISION."""
    upgrade_database(current_app, revision)
    click.echo(f"database at revision {revision}: {_safe_url()}")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the schema revision of the database."""
    config = alembic_config(current_app.config["DATABASE_URL"])
    with get_engine().begin() as connection:
        config.attributes["connection"] = connection
        command.current(config)


def _safe_url() -> str:
    return get_engine().url.render_as_string(hide_password=True)


@click.group("load")
def load_group() -> None:
    """Load questionnaires or agencies from their data files."""


@load_group.command("questionnaires")
@click.option(
    "--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@with_appcontext
def load_questionnaires_command(directory: Path | None) -> None:
    """Store every questionnaire version not yet in the database."""
    load_questionnaires(current_app, directory)


@load_group.command("agencies")
@click.option(
    "--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@with_appcontext
def load_agencies_command(path: Path | None) -> None:
    """Insert or update the agencies, counters and periods of a province file."""
    load_agencies(current_app, path)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Upgrade the database, then load questionnaires and agencies."""
    upgrade_database(current_app)
    load_questionnaires(current_app)
    load_agencies(current_app)
    click.echo(f"ready: {_safe_url()}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=int,
    help="gunicorn worker processes.",
)
@click.option(
    "--threads", default=4, show_default=True, type=int, help="Threads per worker."
)
@click.option("--dev", is_flag=True, help="Use Flask's development server with reload.")
@with_appcontext
def serve_command(host: str, port: int, workers: int, threads: int, dev: bool) -> None:
    """Serve the app with gunicorn (or Flask's development server with --dev)."""
    _check_port_free(host, port)
    click.echo(f"serving on http://{host}:{port}/  (stop with Ctrl+C)")
    if dev:
        current_app.run(host=host, port=port, debug=True)
        return
    from survey.wsgi import run_gunicorn

    run_gunicorn(host, port, workers, threads)


def _check_port_free(host: str, port: int) -> None:
    """Raise a ClickException when nothing can listen on ``host``:``port``."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As gunicorn does, so a port left in TIME_WAIT by a stopped server passes.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {error.strerror}. Another program "
                "may be using the port: stop it, or choose another with --port "
                "(make run PORT=5001)."
            ) from None


def init_app(app: Flask) -> None:
    for cmd in (db_group, load_group, init_command, serve_command):
        app.cli.add_command(cmd)


def _create_app() -> Flask:
    from survey import create_app

    return create_app()


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    cli = FlaskGroup(name="survey", create_app=_create_app, add_version_option=False)
    sys.exit(cli.main(prog_name="survey"))
