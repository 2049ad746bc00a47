"""The production app plus two baseline routes, for the load benchmark only.

``gunicorn 'bench.loadapp:create_bench_app()'`` serves the same app as
``survey.wsgi:app`` with two more routes, so that one server with one set of
gunicorn settings answers all three targets:

- ``POST /bench/empty`` returns 204 and touches nothing;
- ``POST /bench/one-row`` reads the JSON body and inserts one row, with the
  body's submission id, into ``bench_rows`` through the app's connection pool.

The benchmark creates ``bench_rows`` in its own schema (see ``BENCH_ROWS_DDL``);
the table is not part of the app's migrations.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Flask, Response, jsonify, request
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    MetaData,
    Table,
    Uuid,
    insert,
)

from survey.db import get_session, utcnow
from survey.security import csrf
from survey.wsgi import server_app

BENCH_ROWS_DDL = (
    "CREATE TABLE bench_rows ("
    " id bigserial PRIMARY KEY,"
    " submission_id uuid NOT NULL UNIQUE,"
    " received_at timestamp NOT NULL)"
)

bench_rows = Table(
    "bench_rows",
    MetaData(),
    Column("id", BigInteger, primary_key=True),
    Column("submission_id", Uuid, nullable=False),
    Column("received_at", DateTime, nullable=False),
)

bp = Blueprint("bench", __name__, url_prefix="/bench")
csrf.exempt(bp)


@bp.post("/empty")
def empty() -> tuple[str, int]:
    return "", 204


@bp.post("/one-row")
def one_row() -> tuple[Response, int]:
    body = request.get_json(force=True)
    session = get_session()
    row_id = session.execute(
        insert(bench_rows)
        .values(
            submission_id=uuid.UUID(body["submission_id"]),
            received_at=utcnow().replace(tzinfo=None),
        )
        .returning(bench_rows.c.id)
    ).scalar_one()
    session.commit()
    return jsonify({"id": row_id}), 201


def create_bench_app() -> Flask:
    """Build the production app for a server process and add the baseline routes."""
    app = server_app()
    app.register_blueprint(bp)
    return app
