"""Public pages of a round: type an invitation code, answer, thank-you."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import (
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError

from survey.db import get_session, utcnow
from survey.public.forms import answers_from_form, parse_submission_id
from survey.questionnaire import from_stored
from survey.responses.service import SubmissionConflict
from survey.responses.validation import Problem, SubmissionRejected
from survey.rounds import bp, invitations
from survey.rounds.codes import display, invitation_key, normalise
from survey.security import csrf

log = logging.getLogger(__name__)

# Status and message of each reason a code cannot be used.
UNAVAILABLE = {
    "invalid": (
        404,
        _l("Mã mời không đúng. Vui lòng kiểm tra lại mã in trên thư mời."),
    ),
    "used": (
        410,
        _l("Mã mời này đã được dùng để trả lời. Mỗi mã chỉ dùng được một lần."),
    ),
    "closed": (403, _l("Đợt khảo sát của mã mời này chưa mở hoặc đã kết thúc.")),
}


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _unavailable(reason: str) -> Response:
    status, message = UNAVAILABLE[reason]
    page = render_template("rounds/enter_code.html", error=str(message), code="")
    return _no_store(make_response(page, status))


@bp.route("/moi", methods=["GET", "POST"])
@csrf.exempt
def enter_code() -> Response:
    """Show the code box; a posted code leads to its questionnaire."""
    if request.method == "POST":
        code = normalise(request.form.get("code", ""))
        if code is not None:
            return redirect(url_for(".answer", code=display(code)), code=303)
        page = render_template(
            "rounds/enter_code.html",
            error=_("Mã mời gồm 10 ký tự chữ và số, ví dụ ABCDE-FGH23."),
            code=request.form.get("code", "")[:40],
        )
        return _no_store(make_response(page, 422))
    page = render_template("rounds/enter_code.html", error=None, code="")
    return _no_store(make_response(page))


def _render(
    found: invitations.Found,
    code: str,
    *,
    values: dict[str, Any] | None = None,
    problems: list[Problem] | None = None,
    submission_id: uuid.UUID | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    version = found.round.questionnaire_version
    questionnaire = from_stored(version)
    item_errors: dict[str, list[str]] = {}
    for problem in problems or []:
        if problem.item in questionnaire.item_codes:
            item_errors.setdefault(problem.item, []).append(str(problem.message))
    page = render_template(
        "public/survey.html",
        agency=found.agency,
        counter=None,
        version=version,
        questionnaire=questionnaire,
        mode="phone",
        values=values or {},
        problems=problems or [],
        item_errors=item_errors,
        general_errors=[],
        submission_id=submission_id or uuid.uuid4(),
        started_at=utcnow().isoformat(),
        notice=notice,
        csrf_token=generate_csrf(),
        idle_seconds=current_app.config["KIOSK_IDLE_SECONDS"],
    )
    return _no_store(make_response(page, status))


@bp.route("/moi/<code>", methods=["GET", "POST"])
@csrf.exempt
def answer(code: str) -> Response:
    """Show the round's questionnaire for the invitation's unit; store the answer."""
    session = get_session()
    key = invitation_key(current_app.config)
    submission_id = parse_submission_id(request.form.get("submission_id"))
    # A repeated submit of a stored answer shows the thank-you page again.
    if (
        request.method == "POST"
        and submission_id is not None
        and invitations.linked_round(session, submission_id) is not None
    ):
        return redirect(url_for(".thanks"), code=303)
    try:
        found = invitations.find(session, key, code)
    except invitations.InvitationUnavailable as unavailable:
        return _unavailable(unavailable.reason)
    if request.method == "GET":
        return _render(found, code)
    return _post(found, code, submission_id)


def _post(
    found: invitations.Found, code: str, submission_id: uuid.UUID | None
) -> Response:
    form = request.form
    values = answers_from_form(from_stored(found.round.questionnaire_version), form)
    retry: dict[str, Any] = {"values": values, "submission_id": submission_id}
    try:
        validate_csrf(form.get("csrf_token"), time_limit=None)
    except (ValidationError, CSRFError):
        notice = _(
            "Phiên trả lời đã hết hạn. Các câu trả lời vẫn được giữ nguyên, "
            "vui lòng bấm “Gửi phiếu” một lần nữa."
        )
        return _render(found, code, notice=notice, status=400, **retry)
    if submission_id is None:
        notice = _("Phiếu thiếu mã gửi. Vui lòng bấm “Gửi phiếu” một lần nữa.")
        return _render(found, code, notice=notice, status=400, **retry)
    try:
        invitations.answer(
            get_session(),
            found,
            submission_id,
            values,
            text_limit=current_app.config["TEXT_MAX_LENGTH"],
            timezone=current_app.config["TIMEZONE"],
        )
    except SubmissionRejected as rejected:
        return _render(found, code, problems=rejected.problems, status=422, **retry)
    except SubmissionConflict:
        retry["submission_id"] = None
        notice = _("Phiếu này đã được gửi trước đó với nội dung khác.")
        return _render(found, code, notice=notice, status=409, **retry)
    except invitations.InvitationUnavailable as unavailable:
        return _unavailable(unavailable.reason)
    return redirect(url_for(".thanks"), code=303)


@bp.get("/moi/cam-on")
def thanks() -> Response:
    page = render_template("rounds/thanks.html")
    return _no_store(make_response(page))
