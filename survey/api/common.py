"""Helpers shared by the API's routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from flask import abort, current_app, request
from flask_babel import gettext as _

from survey.errors import error_response


class ApiError(Exception):
    """Raised by a route to answer with a JSON error."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        self.status = status
        self.message = message
        self.extra = extra
        super().__init__(message)


def fail(status: int, message: str, **extra: Any) -> NoReturn:
    raise ApiError(status, message, **extra)


def today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def json_body() -> dict[str, Any]:
    """Return the request's JSON object or raise ApiError with the reason."""
    if not request.is_json:
        fail(415, _("Dữ liệu phải ở dạng JSON (Content-Type: application/json)."))
    body = request.get_json(silent=True)
    if body is None:
        fail(400, _("Nội dung gửi lên không phải JSON hợp lệ."))
    if not isinstance(body, dict):
        fail(400, _("Nội dung gửi lên phải là một đối tượng JSON."))
    return body


def handle_api_error(error: ApiError):
    return error_response(error.status, error.message, **error.extra)


def not_found(what: str) -> NoReturn:
    del what
    abort(404)
