"""GET /agencies: the units that take part in the survey."""

from __future__ import annotations

from flask import jsonify

from survey.agencies.queries import open_agencies
from survey.api import bp
from survey.api.common import today
from survey.db import get_session
from survey.models import Agency


def agency_json(agency: Agency) -> dict[str, object]:
    return {
        "code": agency.code,
        "name": agency.name,
        "kind": agency.kind,
        "group": agency.ranking_group,
        "valid_from": agency.valid_from.isoformat(),
        "valid_to": agency.valid_to.isoformat() if agency.valid_to else None,
        "counters": [c.code for c in agency.counters if c.active],
    }


@bp.get("/agencies")
def list_agencies():
    agencies = open_agencies(get_session(), today())
    return jsonify({"agencies": [agency_json(agency) for agency in agencies]})
