"""GET /indices: indices and ranking of a period, as `survey indices` prints them."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from analysis.indices import DEFAULT_MIN_SAMPLE, IndexConfig
from analysis.table import table_dict
from survey.api import bp
from survey.api.common import fail
from survey.api.openapi import PATHS, error_responses, json_response
from survey.db import get_session
from survey.indices import service
from survey.models import RANKING_GROUPS


@bp.get("/indices")
def indices():
    period = request.args.get("period", "")
    groups = request.args.getlist("group")
    for group in groups:
        if group not in RANKING_GROUPS:
            fail(
                400,
                _(
                    "Nhóm xếp hạng %(group)s không hợp lệ; dùng một trong: %(known)s.",
                    group=group[:40],
                    known=", ".join(RANKING_GROUPS),
                ),
            )
    key = (
        request.args.get("questionnaire") or current_app.config["DEFAULT_QUESTIONNAIRE"]
    )
    session = get_session()
    try:
        table_request = service.prepare(session, period, groups, key)
    except service.IndexRequestError:
        fail(
            404,
            _(
                "Không tìm thấy kỳ khảo sát %(period)s, phiếu %(key)s hoặc cơ quan "
                "thuộc nhóm đã chọn.",
                period=period[:40],
                key=key[:60],
            ),
        )
    config = IndexConfig(min_sample=DEFAULT_MIN_SAMPLE)
    table = service.index_table(session, table_request, config)
    body = table_dict(table)
    body["period"] = table_request.period.code
    body["questionnaire_version"] = table_request.version.version
    return jsonify(body)


PATHS["/indices"] = {
    "get": {
        "summary": "Satisfaction indices, 95 % intervals and ranking of a period",
        "parameters": [
            {
                "name": "period",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
            },
            {
                "name": "group",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": list(RANKING_GROUPS)},
                "description": "Ranking group; repeat for several; default every group",
            },
            {
                "name": "questionnaire",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
            },
        ],
        "responses": {
            "200": json_response("Index table", {"type": "object"}),
            **error_responses(400, 404),
        },
    }
}
