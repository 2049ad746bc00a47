"""Staff pages of counter ratings: the province overview, a unit, its PDF."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, make_response, render_template, request

from survey.counter_ratings import bp, output, pdf, service
from survey.db import get_session
from survey.staff.access import current_staff, login_required, visible_agency_ids

log = logging.getLogger(__name__)


def _period_code() -> str:
    """Return ?period=, or the current quarter in the app's time zone."""
    code = request.args.get("period", "").strip()
    if code:
        return code
    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _report(agency_code: str | None) -> service.Report:
    session = get_session()
    visible = visible_agency_ids(session)
    try:
        report = service.build_report(
            session, _period_code(), current_app.config, agency_code, visible
        )
    except service.ReportNotFound:
        abort(404)
    except service.ReportRequestError:
        abort(400)
    if agency_code is not None and not report.units:
        # The agency exists but the signed-in user may not see it.
        abort(403)
    return report


@bp.get("/")
@login_required
def overview() -> Any:
    report = _report(None)
    return render_template(
        "counter_ratings/overview.html", report=report, data=output.report_dict(report)
    )


@bp.get("/<agency_code>")
@login_required
def unit(agency_code: str) -> Any:
    report = _report(agency_code)
    return render_template(
        "counter_ratings/unit.html",
        report=report,
        unit=report.units[0],
        data=output.report_dict(report),
    )


@bp.get("/<agency_code>.pdf")
@login_required
def unit_pdf(agency_code: str) -> Response:
    report = _report(agency_code)
    document = pdf.unit_pdf(report, report.units[0])
    user = current_staff()
    log.info(
        "counter-rating PDF built: agency=%s period=%s staff=%s",
        agency_code,
        report.period.code,
        user.id if user else None,
    )
    response = make_response(document)
    response.headers["Content-Type"] = "application/pdf"
    filename = f"danh-gia-quay-{report.units[0].agency.code}-{report.period.code}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
