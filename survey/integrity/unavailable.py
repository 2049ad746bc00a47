"""Answer 503 with Retry-After, quickly, when the database cannot be reached.

A client that gets 503 knows nothing was stored and sends the same submission
again later; the kiosk queue does so by itself.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, make_response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from survey.errors import error_response

log = logging.getLogger(__name__)


def _unavailable(error: Exception) -> Response:
    log.warning("database unavailable: %s", type(error).__name__)
    response = make_response(error_response(503))
    response.headers["Retry-After"] = str(current_app.config["DB_RETRY_AFTER_SECONDS"])
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_error(error: DBAPIError):
    if error.connection_invalidated:
        return _unavailable(error)
    log.exception("database error")
    return error_response(500)


def init_app(app: Flask) -> None:
    # Flask picks the handler of the closest class, so these take precedence
    # over the catch-all handler of survey.errors.
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(InterfaceError, _unavailable)
    app.register_error_handler(PoolTimeout, _unavailable)
    app.register_error_handler(DBAPIError, _database_error)
