"""`survey staff ...` commands."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from survey.db import new_session
from survey.models import StaffSession, StaffUser


def _run(app: Flask, *args: str, stdin: str | None = None):
    return app.test_cli_runner().invoke(args=["staff", *args], input=stdin)


def test_create_admin_from_stdin(app: Flask) -> None:
    result = _run(
        app,
        "create-admin",
        "--email",
        "Admin@Example.test",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with new_session(app) as db:
        user = db.scalar(select(StaffUser))
        assert user is not None
        assert user.email == "admin@example.test"
        assert user.role == "admin"
        assert user.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in result.output


def test_create_admin_prompts_hidden(app: Flask) -> None:
    result = _run(
        app,
        "create-admin",
        "--email",
        "p@example.test",
        stdin="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output


def test_short_password_rejected(app: Flask) -> None:
    result = _run(
        app,
        "create-admin",
        "--email",
        "s@example.test",
        "--password-stdin",
        stdin="short\n",
    )
    assert result.exit_code != 0
    assert "12" in result.output
    with new_session(app) as db:
        assert db.scalar(select(StaffUser)) is None


def test_add_user_list_and_revoke(app: Flask, staff_client) -> None:
    result = _run(
        app,
        "add-user",
        "--role",
        "agency",
        "--agency",
        "STP",
        "--email",
        "cb@example.test",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    missing = _run(
        app,
        "add-user",
        "--role",
        "agency",
        "--email",
        "x@example.test",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert missing.exit_code != 0
    unknown = _run(
        app,
        "add-user",
        "--role",
        "agency",
        "--agency",
        "NOPE",
        "--email",
        "y@example.test",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert unknown.exit_code != 0
    assert "NOPE" in unknown.output
    listing = _run(app, "list")
    assert "agency\tSTP\tactive\tcb@example.test" in listing.output

    client = staff_client("viewer")
    with new_session(app) as db:
        email = db.get(StaffUser, client.staff_user_id).email
    revoked = _run(app, "revoke-sessions", "--email", email)
    assert revoked.exit_code == 0, revoked.output
    assert "revoked 1 session" in revoked.output
    assert client.get("/staff/").status_code == 302
    with new_session(app) as db:
        row = db.scalar(select(StaffSession))
        assert row is not None
        assert row.revoked_at is not None
