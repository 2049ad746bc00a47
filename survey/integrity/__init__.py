"""Integrity of responses: kiosk credentials, receipt codes, limits and flags."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("integrity", __name__, cli_group=None)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    from survey.integrity import limits, unavailable

    limits.init_app(state.app)
    unavailable.init_app(state.app)


from survey.integrity import cli, review, views  # noqa: E402,F401  (routes attach)
