"""Submit a response with the integrity steps: receipt code, contact, flags."""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from flask import abort, current_app, make_response, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from survey.errors import error_response
from survey.integrity import audit
from survey.integrity.checks import Evidence, IntegritySteps, Policy, read_start
from survey.integrity.kiosks import kiosk_for, presented_credential
from survey.integrity.limits import address_retry_after, kiosk_retry_after
from survey.integrity.receipts import code_hash, normalise_code, receipt_key
from survey.models import Agency, Counter, Kiosk, ReceiptCode, Response
from survey.questionnaire import from_stored
from survey.responses.service import (
    Submission,
    SubmissionConflict,
    SubmitResult,
    submit,
)
from survey.responses.validation import Problem, SubmissionRejected, normalise_text

log = logging.getLogger(__name__)

CONTACT_MAX_LENGTH = 100
# A field hidden from people; a program that fills every field fills it too.
HONEYPOT_FIELD = "website"
# A phone number (8 to 15 digits with common separators) or an e-mail address.
_PHONE = re.compile(r"\+?[0-9][0-9 .\-]{6,20}[0-9]")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,100}\.[^@\s]{2,20}")


class DuplicateReceipt(Exception):
    """Raised when the receipt code was already used for this questionnaire."""


def receipt_hash(raw: str | None) -> str | None:
    """Return the keyed hash of a submitted receipt code; None when left blank.

    Raises SubmissionRejected when the code is not a valid dossier code.
    """
    if raw is None or not str(raw).strip():
        return None
    code = normalise_code(str(raw)) if isinstance(raw, str) else None
    if code is None:
        raise SubmissionRejected(
            [
                Problem(
                    "receipt_code",
                    "invalid_receipt_code",
                    _l(
                        "Mã hồ sơ không hợp lệ: chỉ gồm chữ, số và các dấu . - / _, "
                        "dài 4 đến 60 ký tự. Vui lòng kiểm tra lại trên giấy biên nhận "
                        "hoặc để trống."
                    ),
                )
            ]
        )
    return code_hash(receipt_key(current_app.config), code)


def contact_details(opted_in: bool, raw: object) -> str | None:
    """Return the contact to store; None when the respondent did not opt in.

    Raises SubmissionRejected when a contact comes without consent, or consent
    without a usable contact.
    """
    text = normalise_text(raw) if isinstance(raw, str) else ""
    if not opted_in:
        if text:
            raise _contact_problem(
                _l(
                    "Đã nhập thông tin liên hệ nhưng chưa đánh dấu đồng ý để lại "
                    "thông tin liên hệ. Vui lòng đánh dấu ô đồng ý hoặc xóa thông tin."
                )
            )
        return None
    usable = len(text) <= CONTACT_MAX_LENGTH and (
        _PHONE.fullmatch(text) or _EMAIL.fullmatch(text)
    )
    if not usable:
        raise _contact_problem(
            _l(
                "Thông tin liên hệ cần là số điện thoại hoặc địa chỉ thư điện tử, "
                "tối đa %(max)s ký tự.",
                max=CONTACT_MAX_LENGTH,
            )
        )
    return text


def _contact_problem(message: Any) -> SubmissionRejected:
    return SubmissionRejected([Problem("contact", "invalid_contact", message)])


def submit_checked(
    session: Session, submission: Submission, evidence: Evidence
) -> SubmitResult:
    """Store ``submission`` with its receipt code and flags in one transaction.

    Raises SubmissionRejected, SubmissionConflict (logged to the audit log) and
    DuplicateReceipt.
    """
    config = current_app.config
    questionnaire = from_stored(submission.version)
    scale_items = frozenset(
        item.code for item in questionnaire.items() if item.type == "scale"
    )
    steps = IntegritySteps(evidence, Policy.from_config(config), scale_items)
    try:
        result = submit(
            session,
            dataclasses.replace(
                submission, before_insert=steps.flag, after_insert=steps.record
            ),
            text_limit=config["TEXT_MAX_LENGTH"],
            timezone=config["TIMEZONE"],
        )
    except IntegrityError:
        session.rollback()
        if evidence.receipt_hash and _receipt_taken(session, evidence):
            log.info(
                "receipt code already used: agency=%s questionnaire=%s",
                submission.agency.code,
                evidence.questionnaire_key,
            )
            raise DuplicateReceipt() from None
        raise
    except SubmissionConflict as conflict:
        session.rollback()
        audit.record(
            session,
            "system",
            "submission_conflict",
            "response",
            conflict.response_id,
            f"submission_id={conflict.submission_id}",
        )
        session.commit()
        raise
    return result


def _receipt_taken(session: Session, evidence: Evidence) -> bool:
    query = select(ReceiptCode.id).where(
        ReceiptCode.questionnaire_key == evidence.questionnaire_key,
        ReceiptCode.code_hash == evidence.receipt_hash,
    )
    return session.scalar(query) is not None


def submission_wait(
    session: Session, kiosk: Kiosk | None, submission_id: uuid.UUID
) -> int | None:
    """Count a submission against its limits; return seconds to wait if over.

    A repeat of a stored submission id is never refused, so a double click or
    a retry after a lost acknowledgement gets its first result back. The
    stored id is looked up only when the limit is reached.
    """
    wait = kiosk_retry_after(kiosk.id) if kiosk is not None else address_retry_after()
    if wait is None:
        return None
    stored = session.scalar(
        select(Response.id).where(Response.submission_id == submission_id)
    )
    return None if stored is not None else wait


def form_evidence(form: MultiDict[str, str], questionnaire_key: str) -> Evidence:
    """Read the integrity fields of a posted HTML form.

    Raises SubmissionRejected for an invalid receipt code or contact.
    """
    config = current_app.config
    started_at = read_start(config["SECRET_KEY"], form.get("started_at"))
    return Evidence(
        questionnaire_key=questionnaire_key,
        today=local_today(),
        receipt_hash=receipt_hash(form.get("receipt_code")),
        started_at=started_at,
        start_invalid=started_at is None,
        honeypot=bool(form.get(HONEYPOT_FIELD, "").strip()),
        contact=contact_details(form.get("contact_opt_in") == "1", form.get("contact")),
    )


def local_today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def kiosk_or_refuse(session: Session, agency: Agency, counter: Counter) -> Kiosk:
    """Return the enrolled kiosk of this request for ``counter``, or abort with 403.

    The agency and counter come from the credential; a kiosk opened at another
    counter's address is refused rather than counted for the wrong unit.
    """
    kiosk = kiosk_for(session, request)
    if kiosk is None:
        message = _(
            "Máy này chưa được đăng ký làm máy kiosk khảo sát, hoặc đã bị thu hồi. "
            "Vui lòng liên hệ quản trị viên để nhận đường dẫn đăng ký."
        )
        abort(make_response(error_response(403, message)))
    if kiosk.agency_id != agency.id or kiosk.counter_id != counter.id:
        message = _(
            "Máy kiosk này được đăng ký cho %(agency)s, quầy %(counter)s.",
            agency=kiosk.agency.name,
            counter=kiosk.counter.code,
        )
        abort(make_response(error_response(403, message)))
    return kiosk


def too_many_requests(wait: int) -> NoReturn:
    """Abort with 429 and Retry-After; nothing of the request is stored."""
    message = _(
        "Quá nhiều phiếu trong thời gian ngắn; gửi lại sau %(seconds)s giây.",
        seconds=wait,
    )
    response = make_response(error_response(429, message, retry_after=wait))
    response.headers["Retry-After"] = str(wait)
    abort(response)


def api_kiosk(
    session: Session, agency: Agency, channel: object, counter_code: object
) -> Kiosk | None:
    """Return the kiosk whose credential an API request carries, if any.

    The kiosk channel needs a credential, and a credential must match the
    agency of the address and any counter named in the body; otherwise 403.
    """
    kiosk = kiosk_for(session, request)
    if kiosk is None:
        if channel == "kiosk" or presented_credential(request):
            _forbidden(
                _(
                    "Kênh kiosk cần chứng thực của một máy kiosk đã đăng ký và "
                    "chưa bị thu hồi."
                )
            )
        return None
    other_counter = counter_code is not None and str(counter_code) != kiosk.counter.code
    if kiosk.agency_id != agency.id or other_counter:
        _forbidden(
            _(
                "Máy kiosk này được đăng ký cho %(agency)s, quầy %(counter)s.",
                agency=kiosk.agency.code,
                counter=kiosk.counter.code,
            )
        )
    return kiosk


def _forbidden(message: str) -> NoReturn:
    abort(make_response(error_response(403, message)))


def api_evidence(
    body: Mapping[str, Any],
    questionnaire_key: str,
    from_kiosk: bool,
    captured_at: datetime | None,
) -> Evidence:
    """Read the integrity fields of an API body.

    ``started_at`` is either the signed token of a form page, compared with
    the server's receipt time, or for an enrolled kiosk an ISO 8601 time of the
    kiosk's clock, compared with ``captured_at`` from the same clock.
    Raises SubmissionRejected for an invalid receipt code or contact.
    """
    # Imported here because survey.public imports this module.
    from survey.public.forms import parse_timestamp

    raw_start = body.get("started_at")
    started_at = completed_at = None
    if isinstance(raw_start, str):
        started_at = read_start(current_app.config["SECRET_KEY"], raw_start)
        if started_at is None and from_kiosk:
            started_at = parse_timestamp(raw_start)
            completed_at = captured_at
    return Evidence(
        questionnaire_key=questionnaire_key,
        today=local_today(),
        receipt_hash=receipt_hash(body.get("receipt_code")),
        started_at=started_at,
        completed_at=completed_at,
        contact=contact_details(
            body.get("contact_opt_in") is True, body.get("contact")
        ),
    )
