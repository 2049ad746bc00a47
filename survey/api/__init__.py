"""JSON API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json."""

from flask import Blueprint

from survey.security import csrf

bp = Blueprint("api", __name__)
# Clients authenticate by what they send, never by a cookie, so forged
# cross-site requests gain nothing here.
csrf.exempt(bp)

from survey.api import (  # noqa: E402,F401  (routes attach to bp)
    agencies,
    counter_ratings,
    counts,
    indices,
    openapi,
    questionnaires,
    responses,
)
from survey.api.common import ApiError, handle_api_error  # noqa: E402

bp.register_error_handler(ApiError, handle_api_error)
