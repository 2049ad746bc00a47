"""Public pages: choose an agency, answer on a phone or a kiosk, thank-you, QR codes."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("public", __name__)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    from survey.public import offline

    offline.init_app(state.app)


from survey.public.compress import gzip_static  # noqa: E402

bp.after_app_request(gzip_static)

from survey.public.arguments import reject_unstorable_arguments  # noqa: E402

# On every route of the app, not only the public ones: staff pages and the API
# look up codes from their URLs in the same way.
bp.before_app_request(reject_unstorable_arguments)

from survey.public import views  # noqa: E402,F401  (routes attach to bp)
