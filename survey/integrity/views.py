"""Kiosk enrolment pages."""

from __future__ import annotations

import logging
from typing import NoReturn

from flask import (
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from survey.db import get_session
from survey.errors import error_response
from survey.integrity import bp, kiosks

log = logging.getLogger(__name__)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_not_usable() -> NoReturn:
    # Used, expired and unknown links look alike: the store keeps only a
    # hash of a token until it is used, then nothing.
    message = _(
        "Đường dẫn đăng ký máy kiosk này không dùng được: đường dẫn đã được dùng, "
        "đã hết hạn hoặc bị thu hồi. Mỗi đường dẫn chỉ dùng một lần; vui lòng nhờ "
        "quản trị viên cấp đường dẫn mới."
    )
    abort(make_response(error_response(404, message)))


@bp.get("/kiosk/enrol/<token>")
def enrol_form(token: str) -> Response:
    """Show what the kiosk is about to become; a POST does the enrolment.

    A GET never consumes the token, so a link preview cannot use it up.
    """
    kiosk = kiosks.pending_enrolment(get_session(), token)
    if kiosk is None:
        _link_not_usable()
    page = render_template("integrity/enrol.html", kiosk=kiosk)
    return _no_store(make_response(page))


@bp.post("/kiosk/enrol/<token>")
def enrol(token: str) -> Response:
    try:
        kiosk, credential = kiosks.enrol(get_session(), token)
    except kiosks.EnrolmentError:
        _link_not_usable()
    log.info("kiosk enrolled: kiosk=%s agency=%s", kiosk.id, kiosk.agency.code)
    target = url_for(
        "public.kiosk_survey",
        agency_code=kiosk.agency.code,
        counter_code=kiosk.counter.code,
    )
    response = redirect(target, code=303)
    response.set_cookie(
        kiosks.COOKIE_NAME,
        credential,
        max_age=kiosks.COOKIE_MAX_AGE,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
    )
    return _no_store(response)
