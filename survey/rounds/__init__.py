"""Survey rounds: plan the sample, import the frame, draw, invite, follow fieldwork.

``bp`` carries the `survey round ...` commands (at the top level because of
``cli_group=None``) and the public invitation pages under /moi; ``staff_bp``
serves /staff/rounds. ``init_app`` registers both.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("rounds", __name__, cli_group=None)
staff_bp = Blueprint("rounds_staff", __name__, url_prefix="/staff/rounds")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(staff_bp)


from survey.rounds import cli, public, staff  # noqa: E402,F401  (routes attach)
