"""GET /counter-ratings: counter-rating summaries of a quarter or month."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from survey.api import bp
from survey.api.common import fail
from survey.api.openapi import PATHS, error_responses, json_response
from survey.counter_ratings import output, service
from survey.db import get_session


@bp.get("/counter-ratings")
def counter_ratings():
    period = request.args.get("period", "")
    agency = request.args.get("agency") or None
    if not period:
        fail(400, _("Thiếu tham số period, ví dụ 2021-Q4 hoặc 2021-10."))
    try:
        report = service.build_report(get_session(), period, current_app.config, agency)
    except service.ReportNotFound as error:
        fail(404, _("Không tìm thấy: %(reason)s", reason=str(error)))
    except service.ReportRequestError as error:
        fail(400, _("Yêu cầu không hợp lệ: %(reason)s", reason=str(error)))
    return jsonify(output.report_dict(report))


PATHS["/counter-ratings"] = {
    "get": {
        "summary": "Counter-rating summaries per counter, unit and province",
        "description": (
            "Days are counted in Vietnam time (the TIMEZONE setting). Rating "
            "bands are configurable defaults, not an official rule."
        ),
        "parameters": [
            {
                "name": "period",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "pattern": r"^\d{4}-(Q[1-4]|\d{2})$"},
                "description": "A quarter such as 2021-Q4 or a month such as 2021-10",
            },
            {
                "name": "agency",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Agency code; default every agency",
            },
        ],
        "responses": {
            "200": json_response("Summaries and trends", {"type": "object"}),
            **error_responses(400, 404),
        },
    }
}
