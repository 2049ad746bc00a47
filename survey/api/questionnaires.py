"""GET /questionnaires and /questionnaires/<key>/<version>."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from survey.api import bp
from survey.api.common import fail
from survey.db import get_session
from survey.models import QuestionnaireVersion
from survey.questionnaire import from_stored, get_version


@bp.get("/questionnaires")
def list_questionnaires():
    versions = get_session().scalars(
        select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.key, QuestionnaireVersion.version
        )
    )
    return jsonify(
        {
            "questionnaires": [
                {"key": v.key, "version": v.version, "title": v.title} for v in versions
            ]
        }
    )


@bp.get("/questionnaires/<key>/<int:version>")
def show_questionnaire(key: str, version: int):
    stored = get_version(get_session(), key, version)
    if stored is None:
        fail(
            404,
            _(
                "Không tìm thấy phiếu %(key)s phiên bản %(version)s.",
                key=key,
                version=version,
            ),
        )
    questionnaire = from_stored(stored)
    return jsonify(
        {
            "key": questionnaire.key,
            "version": questionnaire.version,
            "checksum": stored.checksum,
            "definition": stored.definition,
            "item_codes": list(questionnaire.item_codes),
        }
    )
