"""POST /agencies/<code>/responses: submit one response, exactly once per id."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, jsonify
from flask_babel import gettext as _

from survey.agencies.queries import counter_by_code, open_agency
from survey.api import bp
from survey.api.common import fail, json_body, today
from survey.db import get_session, utcnow
from survey.integrity.submission import (
    DuplicateReceipt,
    api_evidence,
    api_kiosk,
    submission_wait,
    submit_checked,
    too_many_requests,
)
from survey.public.arguments import storable
from survey.public.forms import parse_submission_id, parse_timestamp
from survey.questionnaire import published_version
from survey.responses.service import Submission, SubmissionConflict
from survey.responses.validation import SubmissionRejected

API_CHANNELS = ("online", "kiosk")
FIELDS = {
    "submission_id",
    "questionnaire",
    "version",
    "channel",
    "counter",
    "captured_at",
    "answers",
    "started_at",
    "receipt_code",
    "contact_opt_in",
    "contact",
}


@bp.post("/agencies/<code>/responses")
def create_response(code: str):
    session = get_session()
    agency = open_agency(session, code, today())
    if agency is None:
        fail(404, _("Không tìm thấy cơ quan có mã %(code)s.", code=code[:40]))
    body = json_body()
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        fail(
            400,
            _("Trường không được hỗ trợ: %(fields)s.", fields=", ".join(unknown)[:200]),
        )
    submission_id = parse_submission_id(body.get("submission_id"))
    if submission_id is None:
        fail(400, _("Thiếu hoặc sai submission_id: cần một UUID do máy gửi tạo ra."))
    key, number = body.get("questionnaire"), body.get("version")
    if (
        not isinstance(key, str)
        or not isinstance(number, int)
        or isinstance(number, bool)
    ):
        fail(400, _("Cần ghi rõ questionnaire (chuỗi) và version (số nguyên)."))
    version = published_version(session, key, number)
    if version is None:
        fail(
            404,
            _(
                "Không tìm thấy phiếu %(key)s phiên bản %(version)s.",
                key=key[:60],
                version=number,
            ),
        )
    channel = body.get("channel", "online")
    if channel not in API_CHANNELS:
        fail(
            400,
            _(
                "Kênh %(channel)s không hợp lệ: dùng online hoặc kiosk.",
                channel=str(channel)[:20],
            ),
        )
    counter = None
    kiosk = api_kiosk(session, agency, channel, body.get("counter"))
    if kiosk is not None:
        channel, counter = "kiosk", kiosk.counter
    elif body.get("counter") is not None:
        counter_code = str(body["counter"])
        if storable(counter_code):
            counter = counter_by_code(session, agency, counter_code)
        if counter is None:
            fail(
                404,
                _(
                    "Không tìm thấy quầy %(counter)s của cơ quan.",
                    counter=str(body["counter"])[:40],
                ),
            )
    answers = body.get("answers")
    if not isinstance(answers, dict):
        fail(400, _("Trường answers phải là một đối tượng: mã câu hỏi → câu trả lời."))
    captured_raw = body.get("captured_at")
    captured_at = (
        parse_timestamp(captured_raw) if isinstance(captured_raw, str) else None
    )
    if captured_raw is not None and captured_at is None:
        fail(
            400,
            _(
                "captured_at phải là thời điểm theo ISO 8601, "
                "ví dụ 2021-11-05T09:30:00+07:00."
            ),
        )
    if captured_at is not None and kiosk is None:
        oldest = utcnow() - timedelta(
            minutes=current_app.config["ONLINE_CAPTURE_MAX_MINUTES"]
        )
        if captured_at < oldest:
            fail(
                422,
                _(
                    "captured_at lùi quá %(minutes)s phút so với lúc máy chủ nhận "
                    "phiếu. Chỉ máy kiosk đã đăng ký mới được gửi phiếu đã xếp hàng "
                    "chờ; hãy bỏ trường này để dùng thời điểm nhận.",
                    minutes=current_app.config["ONLINE_CAPTURE_MAX_MINUTES"],
                ),
            )
    wait = submission_wait(session, kiosk, submission_id)
    if wait is not None:
        too_many_requests(wait)
    try:
        evidence = api_evidence(body, key, kiosk is not None, captured_at)
        result = submit_checked(
            session,
            Submission(
                submission_id=submission_id,
                version=version,
                agency=agency,
                counter=counter,
                channel=channel,
                answers=answers,
                captured_at=captured_at,
                capture_window=timedelta(
                    hours=current_app.config["KIOSK_QUEUE_MAX_HOURS"]
                ),
            ),
            evidence,
        )
    except SubmissionRejected as rejected:
        fail(
            422,
            _(
                "Phiếu không hợp lệ, chưa được lưu: %(count)s lỗi.",
                count=len(rejected.problems),
            ),
            problems=[problem.as_dict() for problem in rejected.problems],
        )
    except SubmissionConflict:
        fail(
            409,
            _(
                "submission_id này đã được dùng cho một phiếu có nội dung khác; "
                "phiếu mới không được lưu."
            ),
        )
    except DuplicateReceipt:
        fail(
            409,
            _(
                "Mã hồ sơ này đã được dùng để đánh giá; "
                "mỗi hồ sơ chỉ được đánh giá một lần."
            ),
            code="duplicate_receipt",
        )
    body = {
        "id": result.response_id,
        "submission_id": str(result.submission_id),
        "received_at": result.received_at.isoformat(),
        "created": result.created,
    }
    return jsonify(body), 201 if result.created else 200
