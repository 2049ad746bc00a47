"""Operations: the health check and one log line per request."""

from __future__ import annotations

import logging
import time
import uuid

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from survey.db import get_engine

log = logging.getLogger("survey.requests")
bp = Blueprint("ops", __name__)

# A request id that a proxy passes on is kept if it looks like one.
_REQUEST_ID_CHARS = set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
)


@bp.get("/healthz")
def health() -> tuple[Response, int]:
    """Report whether this process can reach the database."""
    started = time.perf_counter()
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("health check failed: %s", type(error).__name__)
        body = jsonify({"status": "unavailable", "database": "unreachable"})
        body.headers["Retry-After"] = "5"
        body.headers["Cache-Control"] = "no-store"
        return body, 503
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    body = jsonify({"status": "ok", "database": "ok", "database_ms": elapsed})
    body.headers["Cache-Control"] = "no-store"
    return body, 200


def _start_timer() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    valid = 0 < len(given) <= 64 and set(given) <= _REQUEST_ID_CHARS
    g.request_id = given if valid else uuid.uuid4().hex


def _log_request(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is None:
        return response
    elapsed = (time.perf_counter() - started) * 1000
    # The route's pattern, not the path: a path may carry an invitation code.
    route = request.url_rule.rule if request.url_rule else "<unmatched>"
    log.info(
        "request id=%s method=%s route=%s status=%s ms=%.1f",
        g.get("request_id"),
        request.method,
        route,
        response.status_code,
        elapsed,
    )
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_start_timer)
    app.after_request(_log_request)
