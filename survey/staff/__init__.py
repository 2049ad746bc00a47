"""The staff area: sign-in, roles, server-side sessions, dashboard and administration.

``bp`` serves /staff/ (sign-in, sign-out, dashboard) and carries the
`survey staff ...` commands; ``admin_bp`` serves /staff/admin/. Registering
``bp`` also registers ``admin_bp``, the sign-in throttle and the headers of
every /staff/ page, so create_app needs one line.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

bp = Blueprint("staff", __name__, url_prefix="/staff", cli_group="staff")
admin_bp = Blueprint("staff_admin", __name__, url_prefix="/staff/admin")


def _no_store(response: Response) -> Response:
    # Staff pages show personal accounts and unpublished figures: a shared
    # computer's cache or the back button must not bring them back.
    if request.path == "/staff" or request.path.startswith("/staff/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


@bp.record_once
def _setup(state: object) -> None:
    from survey.staff import throttle
    from survey.staff.access import current_staff

    app: Flask = state.app  # type: ignore[attr-defined]
    throttle.init_app(app)
    app.jinja_env.globals["current_staff"] = current_staff
    app.after_request(_no_store)
    app.register_blueprint(admin_bp)


from survey.staff import admin, cli, views  # noqa: E402,F401  (routes attach to bp)
