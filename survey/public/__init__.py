"""Public pages: choose an agency, answer on a phone or a kiosk, thank-you, QR codes."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from survey.public.compress import gzip_static  # noqa: E402

bp.after_app_request(gzip_static)

from survey.public import views  # noqa: E402,F401  (routes attach to bp)
