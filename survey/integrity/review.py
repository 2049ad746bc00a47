"""Flag review for administrators: list flagged responses, flag and unflag."""

from __future__ import annotations

import logging
from collections import Counter as Tally

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as HttpResponse

from survey.db import get_session
from survey.integrity import audit, bp
from survey.integrity.checks import STAFF
from survey.models import Agency, AuditLog, Response
from survey.responses.validation import normalise_text
from survey.staff.access import current_staff, roles_required

log = logging.getLogger(__name__)

NOTE_MAX_LENGTH = 200
PAGE_SIZE = 200


def set_flag(
    session: Session, response: Response, flagged: bool, *, actor: str, note: str
) -> None:
    """Flag or unflag ``response`` and record the change with its reason."""
    before = response.flag_reason or ""
    response.flagged = flagged
    if flagged:
        response.flag_reason = ",".join(filter(None, [before, STAFF]))[:200]
    action = "flagged" if flagged else "unflagged"
    detail = f"before={before or '-'}; note={note}"
    audit.record(session, actor, action, "response", response.id, detail)
    session.commit()
    log.info("response %s: id=%s actor=%s", action, response.id, actor)


@bp.get("/staff/review")
@roles_required("admin")
def review() -> str:
    session = get_session()
    flagged = session.execute(
        select(Response, Agency.code)
        .join(Agency, Agency.id == Response.agency_id)
        .where(Response.flagged.is_(True))
        .order_by(Response.received_at.desc())
        .limit(PAGE_SIZE)
    ).all()
    reasons: Tally[str] = Tally()
    for response, _code in flagged:
        reasons.update(filter(None, (response.flag_reason or "").split(",")))
    history = session.scalars(
        select(AuditLog)
        .where(AuditLog.object_type == "response")
        .order_by(AuditLog.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "integrity/review.html",
        flagged=flagged,
        reasons=sorted(reasons.items()),
        history=history,
    )


@bp.post("/staff/review")
@roles_required("admin")
def review_change() -> HttpResponse:
    session = get_session()
    raw_id = request.form.get("response_id", "")
    response = session.get(Response, int(raw_id)) if raw_id.isdigit() else None
    if response is None:
        flash(_("Không tìm thấy phiếu số %(id)s.", id=raw_id[:20]))
        return redirect(url_for(".review"), code=303)
    response_id = response.id
    action = request.form.get("action")
    if action not in ("flag", "unflag"):
        abort(400)
    note = normalise_text(request.form.get("note", ""))[:NOTE_MAX_LENGTH]
    user = current_staff()
    set_flag(session, response, action == "flag", actor=f"staff:{user.id}", note=note)
    if action == "flag":
        flash(_("Đã đánh dấu phiếu %(id)s là đáng ngờ.", id=response_id))
    else:
        flash(
            _(
                "Đã bỏ đánh dấu phiếu %(id)s; phiếu được tính lại vào chỉ số.",
                id=response_id,
            )
        )
    return redirect(url_for(".review"), code=303)
