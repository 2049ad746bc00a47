"""Printed reports and paper questionnaires: commands and staff pages.

``bp`` serves /staff/reports/ (report downloads, blank paper forms, entry of
paper responses) and carries the top-level commands `survey report` and
`survey paper-form` (``cli_group=None``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/staff/reports", cli_group=None)

from survey.reports import cli, views  # noqa: E402,F401  (routes attach to bp)
