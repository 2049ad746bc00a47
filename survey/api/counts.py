"""GET /counts: stored responses per agency for a period."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from survey.api import bp
from survey.api.common import fail
from survey.db import get_session
from survey.models import Agency, Period, Response


@bp.get("/counts")
def response_counts():
    session = get_session()
    code = request.args.get("period", "")
    period = session.scalar(select(Period).where(Period.code == code))
    if period is None:
        fail(404, _("Không tìm thấy kỳ khảo sát %(code)s.", code=code[:40]))
    rows = session.execute(
        select(
            Agency.code,
            Agency.name,
            func.count(Response.id),
            func.sum(case((Response.flagged, 1), else_=0)),
        )
        .join(Response, Response.agency_id == Agency.id)
        .where(Response.period_id == period.id)
        .group_by(Agency.code, Agency.name)
        .order_by(Agency.code)
    ).all()
    return jsonify(
        {
            "period": period.code,
            "agencies": [
                {
                    "code": c,
                    "name": n,
                    "responses": int(total),
                    "flagged": int(flagged or 0),
                }
                for c, n, total, flagged in rows
            ],
            "total": sum(int(row[2]) for row in rows),
        }
    )
