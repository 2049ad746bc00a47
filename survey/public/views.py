"""Routes of the public survey. Each one parses input, looks up, and calls a service."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import segno
from flask import (
    Response,
    abort,
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

from survey.agencies.queries import counter_by_code, open_agencies, open_agency
from survey.db import get_session, utcnow
from survey.integrity.checks import sign_start
from survey.integrity.submission import (
    DuplicateReceipt,
    form_evidence,
    kiosk_or_refuse,
    submission_wait,
    submit_checked,
)
from survey.models import Agency, Counter, Kiosk, QuestionnaireVersion
from survey.public import bp, offline
from survey.public.forms import answers_from_form, parse_submission_id
from survey.questionnaire import from_stored, latest_version, published_version
from survey.responses.service import Submission, SubmissionConflict
from survey.responses.validation import (
    Problem,
    SubmissionRejected,
    problems_by_item,
)
from survey.security import csrf

log = logging.getLogger(__name__)
# The public form checks its token itself, without a time limit, so that a kiosk
# left idle for hours still accepts the answers typed on it.
csrf.exempt(bp)
# Flask-WTF reads time_limit=None as WTF_CSRF_TIME_LIMIT (one hour by default),
# so "no limit" is spelled as ten years.
TOKEN_AGE_LIMIT = 10 * 365 * 24 * 3600

# Query parameter of a phone link that names the counter, e.g. /s/STP?quay=2.
COUNTER_PARAM = "quay"

GROUP_TITLES = {
    "departments": _l("Sở, ban, ngành"),
    "districts": _l("UBND cấp huyện"),
    "central": _l("Cơ quan ngành dọc đóng trên địa bàn"),
}


def _today():
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _no_store(response: Response) -> Response:
    # The next person at a kiosk must not get this page back from the cache.
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response


def _agency_or_404(code: str) -> Agency:
    agency = open_agency(get_session(), code, _today())
    if agency is None:
        abort(404)
    return agency


def _counter_or_404(agency: Agency, code: str) -> Counter:
    counter = counter_by_code(get_session(), agency, code)
    if counter is None:
        abort(404)
    return counter


def _version(key: str | None, number: str | None = None) -> QuestionnaireVersion:
    session = get_session()
    key = key or current_app.config["DEFAULT_QUESTIONNAIRE"]
    if number is not None:
        # str.isdigit also accepts digits such as "²" that int() rejects.
        if not (number.isascii() and number.isdigit()):
            abort(404)
        version = published_version(session, key, int(number))
    else:
        version = latest_version(session, key)
    if version is None:
        abort(404)
    return version


@bp.get("/")
def index() -> str:
    agencies = open_agencies(get_session(), _today())
    groups: dict[str, list[Agency]] = {}
    for agency in agencies:
        groups.setdefault(agency.ranking_group or "other", []).append(agency)
    return render_template("public/index.html", groups=groups, titles=GROUP_TITLES)


def _render_form(
    agency: Agency,
    version: QuestionnaireVersion,
    *,
    mode: str,
    counter: Counter | None = None,
    values: dict[str, Any] | None = None,
    problems: list[Problem] | None = None,
    submission_id: uuid.UUID | None = None,
    notice: str | None = None,
    status: int = 200,
    started_at: str | None = None,
) -> Response:
    questionnaire = from_stored(version)
    by_item, general = problems_by_item(questionnaire, problems or [])
    page = render_template(
        "public/survey.html",
        agency=agency,
        counter=counter,
        version=version,
        questionnaire=questionnaire,
        mode=mode,
        values=values or {},
        problems=problems or [],
        item_errors=by_item,
        general_errors=general,
        submission_id=submission_id or uuid.uuid4(),
        started_at=started_at or sign_start(current_app.config["SECRET_KEY"], utcnow()),
        notice=notice,
        csrf_token=generate_csrf(),
        idle_seconds=current_app.config["KIOSK_IDLE_SECONDS"],
        countdown_seconds=min(
            current_app.config["KIOSK_COUNTDOWN_SECONDS"],
            current_app.config["KIOSK_IDLE_SECONDS"],
        ),
    )
    return _no_store(make_response(page, status))


def _handle_post(
    agency: Agency,
    mode: str,
    counter: Counter | None,
    thanks_url: str,
    kiosk: Kiosk | None = None,
) -> Response:
    form = request.form
    version = _version(form.get("questionnaire"), form.get("version") or "")
    questionnaire = from_stored(version)
    values = answers_from_form(questionnaire, form)
    submission_id = parse_submission_id(form.get("submission_id"))
    retry = {
        "mode": mode,
        "counter": counter,
        "values": values,
        "submission_id": submission_id,
        "started_at": form.get("started_at"),
    }
    try:
        validate_csrf(form.get("csrf_token"), time_limit=TOKEN_AGE_LIMIT)
    except (ValidationError, CSRFError):
        log.info("public form token invalid: agency=%s mode=%s", agency.code, mode)
        return _render_form(
            agency,
            version,
            notice=_(
                "Phiên trả lời đã hết hạn. Các câu trả lời vẫn được giữ nguyên, "
                "vui lòng bấm “Gửi phiếu” một lần nữa."
            ),
            status=400,
            **retry,
        )
    if submission_id is None:
        retry["submission_id"] = None
        return _render_form(
            agency,
            version,
            notice=_("Phiếu thiếu mã gửi. Vui lòng bấm “Gửi phiếu” một lần nữa."),
            status=400,
            **retry,
        )
    wait = submission_wait(get_session(), kiosk, submission_id)
    if wait is not None:
        page = _render_form(
            agency,
            version,
            notice=_(
                "Hệ thống đang nhận quá nhiều phiếu từ máy này. Các câu trả lời vẫn "
                "được giữ nguyên, vui lòng bấm “Gửi phiếu” lại sau %(seconds)s giây.",
                seconds=wait,
            ),
            status=429,
            **retry,
        )
        page.headers["Retry-After"] = str(wait)
        return page
    try:
        submit_checked(
            get_session(),
            Submission(
                submission_id=submission_id,
                version=version,
                agency=agency,
                counter=counter,
                channel="kiosk" if mode == "kiosk" else "online",
                answers=values,
            ),
            form_evidence(form, version.key),
        )
    except SubmissionRejected as rejected:
        return _render_form(
            agency, version, problems=rejected.problems, status=422, **retry
        )
    except SubmissionConflict:
        retry["submission_id"] = None
        return _render_form(
            agency,
            version,
            notice=_(
                "Phiếu này đã được gửi trước đó với nội dung khác. "
                "Vui lòng kiểm tra lại và gửi thành phiếu mới."
            ),
            status=409,
            **retry,
        )
    except DuplicateReceipt:
        return _render_form(
            agency,
            version,
            notice=_(
                "Mã hồ sơ này đã được dùng để đánh giá. Mỗi hồ sơ chỉ được đánh giá "
                "một lần; nếu ông/bà chưa đánh giá, vui lòng kiểm tra lại mã hồ sơ."
            ),
            status=409,
            **retry,
        )
    return redirect(thanks_url, code=303)


def _linked_counter(agency: Agency) -> Counter | None:
    """Return the counter named by ``?quay=`` in a printed QR link, if it is open.

    A link to a closed or unknown counter still opens the agency's survey, so a
    respondent holding an old receipt is not turned away. The response then
    carries no counter.
    """
    code = request.args.get(COUNTER_PARAM)
    if not code:
        return None
    counter = counter_by_code(get_session(), agency, code)
    if counter is None:
        log.info("phone link names no open counter: agency=%s", agency.code)
    return counter


@bp.route("/s/<agency_code>", methods=["GET", "POST"])
def phone_survey(agency_code: str) -> Response:
    agency = _agency_or_404(agency_code)
    counter = _linked_counter(agency)
    if request.method == "POST":
        thanks = url_for(".phone_thanks", agency_code=agency.code)
        return _handle_post(agency, "phone", counter, thanks)
    version = _version(request.args.get("q"))
    return _render_form(agency, version, mode="phone", counter=counter)


@bp.get("/s/<agency_code>/cam-on")
def phone_thanks(agency_code: str) -> Response:
    agency = _agency_or_404(agency_code)
    page = render_template("public/thanks.html", agency=agency, mode="phone")
    return _no_store(make_response(page))


@bp.route("/kiosk/<agency_code>/<counter_code>", methods=["GET", "POST"])
def kiosk_survey(agency_code: str, counter_code: str) -> Response:
    agency = _agency_or_404(agency_code)
    counter = _counter_or_404(agency, counter_code)
    kiosk = kiosk_or_refuse(get_session(), agency, counter)
    if request.method == "POST":
        thanks = url_for(
            ".kiosk_thanks", agency_code=agency.code, counter_code=counter.code
        )
        return _handle_post(agency, "kiosk", counter, thanks, kiosk)
    version = _version(request.args.get("q"))
    return _render_form(agency, version, mode="kiosk", counter=counter)


@bp.get("/kiosk/<agency_code>/<counter_code>/cam-on")
def kiosk_thanks(agency_code: str, counter_code: str) -> Response:
    agency = _agency_or_404(agency_code)
    counter = _counter_or_404(agency, counter_code)
    page = render_template(
        "public/thanks.html",
        agency=agency,
        counter=counter,
        mode="kiosk",
        restart_url=url_for(
            ".kiosk_survey", agency_code=agency.code, counter_code=counter.code
        ),
        restart_seconds=current_app.config["KIOSK_THANKS_SECONDS"],
    )
    return _no_store(make_response(page))


@bp.get("/kiosk/service-worker.js")
def kiosk_service_worker() -> Response:
    """Serve the kiosk's offline worker from /kiosk/, the scope it controls."""
    return offline.service_worker()


def _phone_url(agency: Agency, counter: Counter | None = None) -> str:
    params = {COUNTER_PARAM: counter.code} if counter else {}
    return url_for(".phone_survey", agency_code=agency.code, _external=True, **params)


@bp.get("/s/<agency_code>/qr.svg")
def phone_qr(agency_code: str) -> Response:
    """Draw the QR code of the phone survey, for one counter with ``?quay=``."""
    agency = _agency_or_404(agency_code)
    code = request.args.get(COUNTER_PARAM)
    # A code that staff print must point where they expect, so an unknown
    # counter is an error here, unlike on the survey page itself.
    counter = _counter_or_404(agency, code) if code else None
    buffer = io.BytesIO()
    segno.make(_phone_url(agency, counter), error="m").save(
        buffer, kind="svg", scale=8, border=4, xmldecl=False
    )
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "image/svg+xml"
    return response


@bp.get("/s/<agency_code>/qr")
def phone_qr_page(agency_code: str) -> str:
    """Render printable QR cards: one for the agency and one per open counter."""
    agency = _agency_or_404(agency_code)
    cards = [{"counter": None, "url": _phone_url(agency)}]
    cards += [
        {"counter": counter, "url": _phone_url(agency, counter)}
        for counter in agency.counters
        if counter.active
    ]
    return render_template("public/qr.html", agency=agency, cards=cards)
