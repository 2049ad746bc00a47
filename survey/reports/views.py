"""Staff pages of the reports feature: downloads, blank paper forms, paper entry.

Access: the province report is for admins and viewers; an agency's report for
anyone who may see that agency, without citizen comments for viewers (they see
aggregates only). Paper forms and paper entry are for admins and agency staff
of the agency concerned.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from survey.db import get_session
from survey.models import Agency, Period, QuestionnaireVersion
from survey.public.forms import answers_from_form, parse_submission_id
from survey.questionnaire import from_stored, get_version, latest_version
from survey.reports import bp, documents
from survey.reports.service import ReportRequestError
from survey.responses.service import Submission, SubmissionConflict, submit
from survey.responses.validation import (
    Problem,
    SubmissionRejected,
    problems_by_item,
)
from survey.staff.access import (
    can_see_agency,
    current_staff,
    login_required,
    roles_required,
    visible_agency_ids,
)

log = logging.getLogger(__name__)

PDF = "application/pdf"


def _pdf(content: bytes, filename: str) -> Response:
    response = make_response(content)
    response.headers["Content-Type"] = PDF
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _agency_or_404(code: str) -> Agency:
    agency = get_session().scalar(select(Agency).where(Agency.code == code))
    if agency is None or not can_see_agency(agency.id):
        abort(404)
    return agency


def _version_or_404(key: str | None, number: str | None) -> QuestionnaireVersion:
    session = get_session()
    key = key or current_app.config["DEFAULT_QUESTIONNAIRE"]
    if number:
        version = get_version(session, key, int(number)) if number.isdigit() else None
    else:
        version = latest_version(session, key)
    if version is None:
        abort(404)
    return version


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"] or request.host_url


@bp.get("/")
@login_required
def index() -> str:
    session = get_session()
    visible = visible_agency_ids(session)
    query = (
        select(Agency).where(Agency.ranking_group.is_not(None)).order_by(Agency.code)
    )
    agencies = [a for a in session.scalars(query) if visible is None or a.id in visible]
    versions = session.scalars(
        select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.key, QuestionnaireVersion.version
        )
    ).all()
    return render_template(
        "reports/index.html",
        periods=session.scalars(select(Period).order_by(Period.starts_on)).all(),
        agencies=agencies,
        versions=versions,
        user=current_staff(),
    )


@bp.get("/<period_code>/province.pdf")
@roles_required("admin", "viewer")
def province_report(period_code: str) -> Response:
    user = current_staff()
    include_comments = user is not None and user.role == "admin"
    try:
        pdf = documents.report_pdf(
            get_session(),
            period_code,
            documents.options(),
            include_comments=include_comments,
        )
    except ReportRequestError:
        abort(404)
    log.info(
        "province report downloaded: period %s, staff %s",
        period_code,
        user.id if user else None,
    )
    return _pdf(pdf, f"bao-cao-{period_code}.pdf")


@bp.get("/<period_code>/agency/<agency_code>.pdf")
@login_required
def agency_report(period_code: str, agency_code: str) -> Response:
    agency = _agency_or_404(agency_code)
    user = current_staff()
    include_comments = user is not None and user.role != "viewer"
    try:
        pdf = documents.report_pdf(
            get_session(),
            period_code,
            documents.options(),
            agency.code,
            include_comments=include_comments,
        )
    except ReportRequestError:
        abort(404)
    log.info(
        "agency report downloaded: period %s, agency %s, staff %s",
        period_code,
        agency.code,
        user.id if user else None,
    )
    return _pdf(pdf, f"bao-cao-{period_code}-{agency.code}.pdf")


@bp.get("/paper-form.pdf")
@roles_required("admin", "agency")
def paper_form() -> Response:
    agency = _agency_or_404(request.args.get("agency", ""))
    version = _version_or_404(
        request.args.get("questionnaire"), request.args.get("version")
    )
    response_id, pdf = documents.paper_form_pdf(version, agency, _base_url())
    log.info(
        "paper form issued: agency %s, questionnaire %s v%s, response id %s",
        agency.code,
        version.key,
        version.version,
        response_id,
    )
    return _pdf(pdf, f"phieu-{agency.code}-{response_id}.pdf")


def _captured_at(raw: str | None, timezone: str) -> datetime | None:
    """Return noon of the date written on the form, in the survey's time zone."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(timezone))


def _render_entry(
    agency: Agency,
    version: QuestionnaireVersion,
    *,
    values: dict[str, Any] | None = None,
    problems: list[Problem] | None = None,
    form: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    questionnaire = from_stored(version)
    by_item, general = problems_by_item(questionnaire, problems or [])
    page = render_template(
        "reports/paper_entry.html",
        agency=agency,
        version=version,
        questionnaire=questionnaire,
        values=values or {},
        item_errors=by_item,
        general_errors=general,
        form=form or {},
        notice=notice,
    )
    return make_response(page, status)


@bp.route("/paper/<agency_code>", methods=["GET", "POST"])
@roles_required("admin", "agency")
def paper_entry(agency_code: str) -> Any:
    agency = _agency_or_404(agency_code)
    if request.method == "GET":
        version = _version_or_404(request.args.get("q"), request.args.get("v"))
        return _render_entry(agency, version)
    version = _version_or_404(
        request.form.get("questionnaire"), request.form.get("version")
    )
    questionnaire = from_stored(version)
    values = {
        code: value
        for code, value in answers_from_form(questionnaire, request.form).items()
        if code in questionnaire.item_codes
    }
    typed = {
        "submission_id": request.form.get("submission_id", "").strip(),
        "captured_on": request.form.get("captured_on", ""),
    }
    retry: dict[str, Any] = {"values": values, "form": typed}
    submission_id = parse_submission_id(typed["submission_id"])
    if submission_id is None:
        notice = _("Mã phiếu không hợp lệ: nhập đúng mã in trên phiếu giấy.")
        return _render_entry(agency, version, notice=notice, status=422, **retry)
    timezone = current_app.config["TIMEZONE"]
    try:
        result = submit(
            get_session(),
            Submission(
                submission_id=submission_id,
                version=version,
                agency=agency,
                channel="paper",
                answers=values,
                captured_at=_captured_at(typed["captured_on"], timezone),
            ),
            text_limit=current_app.config["TEXT_MAX_LENGTH"],
            timezone=timezone,
        )
    except SubmissionRejected as rejected:
        return _render_entry(
            agency, version, problems=rejected.problems, status=422, **retry
        )
    except SubmissionConflict:
        notice = _(
            "Mã phiếu này đã được lưu với nội dung khác (có thể người dân đã trả lời "
            "trực tuyến). Kiểm tra lại phiếu; không lưu thêm."
        )
        return _render_entry(agency, version, notice=notice, status=409, **retry)
    user = current_staff()
    log.info(
        "paper response entered: response %s, agency %s, staff %s, new %s",
        result.response_id,
        agency.code,
        user.id if user else None,
        result.created,
    )
    if result.created:
        flash(_("Đã lưu phiếu giấy %(code)s.", code=str(submission_id)))
    else:
        flash(
            _(
                "Phiếu %(code)s đã được nhập trước đó; không lưu thêm.",
                code=str(submission_id),
            )
        )
    return redirect(
        url_for(
            ".paper_entry", agency_code=agency.code, q=version.key, v=version.version
        ),
        code=303,
    )
