"""Staff pages of survey rounds under /staff/rounds: administrators edit, others read.

Agency staff see only their own units; viewers see every unit's aggregates.
Letters and the invitation list carry dossier codes, so only administrators
can download them.
"""

from __future__ import annotations

import io
import logging
import tempfile
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from survey.db import get_session
from survey.indices.service import IndexRequestError, find_period, find_version
from survey.models import Period, SurveyRound
from survey.rounds import draw, frame, letters, planning, progress, results, staff_bp
from survey.rounds.codes import invitation_key
from survey.security import csrf
from survey.staff.access import (
    current_staff,
    login_required,
    roles_required,
    visible_agency_ids,
)

log = logging.getLogger(__name__)


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _round_or_404(code: str) -> SurveyRound:
    try:
        return planning.find_round(get_session(), code)
    except planning.RoundError:
        abort(404)


def _decimal(name: str) -> Decimal:
    raw = request.form.get(name, "").strip().replace(",", ".")
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise planning.RoundError(
            _(
                "Giá trị '%(value)s' của ô %(name)s không phải là số.",
                value=raw,
                name=name,
            )
        ) from None


def _date(name: str) -> date:
    raw = request.form.get(name, "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise planning.RoundError(
            _("Ngày '%(value)s' của ô %(name)s không hợp lệ.", value=raw, name=name)
        ) from None


@staff_bp.get("/")
@login_required
def index() -> str:
    session = get_session()
    rounds = session.scalars(
        select(SurveyRound).order_by(SurveyRound.created_at.desc())
    ).all()
    periods = session.scalars(select(Period).order_by(Period.starts_on)).all()
    return render_template(
        "rounds/index.html", rounds=rounds, periods=periods, staff=current_staff()
    )


@staff_bp.post("/")
@roles_required("admin")
def create() -> Any:
    session = get_session()
    form = request.form
    try:
        period = find_period(session, form.get("period", ""))
        version = find_version(
            session,
            form.get("questionnaire") or current_app.config["DEFAULT_QUESTIONNAIRE"],
        )
        units = [
            code.strip() for code in form.get("units", "").split(",") if code.strip()
        ]
        agencies = planning.agencies_in_scope(session, period, units)
        survey_round = planning.create_round(
            session,
            planning.RoundPlan(
                code=form.get("code", "").strip(),
                name=form.get("name", "").strip() or form.get("code", ""),
                period=period,
                version=version,
                agencies=agencies,
                fieldwork_starts_on=_date("starts"),
                fieldwork_ends_on=_date("ends"),
                method=form.get("method", "slovin"),
                margin=_decimal("margin"),
                confidence=_decimal("confidence"),
                expected_index=_decimal("expected_index"),
                reserve_share=_decimal("reserves"),
                stratify_by_field=form.get("by_field") == "1",
            ),
        )
    except (planning.RoundError, IndexRequestError) as error:
        flash(str(error), "error")
        return redirect(url_for(".index"), code=303)
    return redirect(url_for(".detail", code=survey_round.code), code=303)


@staff_bp.get("/<code>")
@login_required
def detail(code: str) -> str:
    session = get_session()
    survey_round = _round_or_404(code)
    visible = visible_agency_ids(session)
    report = progress.progress(session, survey_round, _today(), visible)
    return render_template(
        "rounds/detail.html",
        round=survey_round,
        report=report,
        staff=current_staff(),
    )


@staff_bp.get("/<code>/indices")
@login_required
def indices(code: str) -> str:
    session = get_session()
    survey_round = _round_or_404(code)
    weighted = request.args.get("weighted") == "1"
    rows = results.round_indices(
        session, survey_round, weighted, visible=visible_agency_ids(session)
    )
    return render_template(
        "rounds/indices.html", round=survey_round, rows=rows, weighted=weighted
    )


def _admin_action(code: str, action: Any) -> Response:
    survey_round = _round_or_404(code)
    try:
        message = action(get_session(), survey_round)
    except planning.RoundError as error:
        flash(str(error), "error")
    else:
        flash(message, "info")
    return redirect(url_for(".detail", code=survey_round.code), code=303)


@staff_bp.post("/<code>/rule")
@roles_required("admin")
def rule(code: str) -> Response:
    def apply(session: Any, survey_round: SurveyRound) -> str:
        planning.update_rule(
            session,
            survey_round,
            method=request.form.get("method", "slovin"),
            margin=_decimal("margin"),
            confidence=_decimal("confidence"),
            expected_index=_decimal("expected_index"),
            reserve_share=_decimal("reserves"),
        )
        return _("Đã cập nhật cách tính cỡ mẫu.")

    return _admin_action(code, apply)


@staff_bp.post("/<code>/target")
@roles_required("admin")
def target(code: str) -> Response:
    def apply(session: Any, survey_round: SurveyRound) -> str:
        unit_code = request.form.get("unit", "")
        unit = next((u for u in survey_round.units if u.agency.code == unit_code), None)
        if unit is None:
            raise planning.RoundError(_("Đơn vị không thuộc đợt khảo sát."))
        raw = request.form.get("target", "").strip()
        if raw and not raw.isdigit():
            raise planning.RoundError(_("Cỡ mẫu phải là số nguyên từ 0 trở lên."))
        planning.set_target(session, unit, int(raw) if raw else None)
        return _("Đã cập nhật cỡ mẫu của %(unit)s.", unit=unit.agency.name)

    return _admin_action(code, apply)


@staff_bp.post("/<code>/frame")
@csrf.exempt
@roles_required("admin")
def upload_frame(code: str) -> Response:
    # The site-wide body limit is small; a frame file may be megabytes, so the
    # limit is raised here before the form is parsed and the token checked.
    request.max_content_length = current_app.config["ROUND_FRAME_MAX_BYTES"]
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        abort(400)

    def apply(session: Any, survey_round: SurveyRound) -> str:
        upload = request.files.get("file")
        suffix = Path(upload.filename or "").suffix.lower() if upload else ""
        if upload is None or suffix not in (".csv", ".xlsx"):
            raise planning.RoundError(_("Hãy chọn tệp .csv hoặc .xlsx."))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"frame{suffix}"
            upload.save(path)
            try:
                summary = frame.import_frame(session, survey_round, path)
            except frame.FrameRejected as rejected:
                for problem in rejected.problems[:200]:
                    flash(str(problem), "error")
                hidden = len(rejected.problems) - 200
                if hidden > 0:
                    flash(_("… và %(n)s lỗi khác.", n=hidden), "error")
                raise planning.RoundError(
                    _("Tệp có %(n)s lỗi; chưa nhập dòng nào.", n=len(rejected.problems))
                ) from rejected
        return _("Đã nhập %(n)s hồ sơ.", n=summary.rows)

    return _admin_action(code, apply)


@staff_bp.post("/<code>/draw")
@roles_required("admin")
def run_draw(code: str) -> Response:
    def apply(session: Any, survey_round: SurveyRound) -> str:
        raw = request.form.get("seed", "").strip()
        if raw and not raw.isdigit():
            raise planning.RoundError(_("Hạt giống phải là số nguyên không âm."))
        summary = draw.draw(
            session,
            survey_round,
            invitation_key(current_app.config),
            int(raw) if raw else None,
            redraw=request.form.get("redraw") == "1",
        )
        return _(
            "Đã rút %(main)s thư mời và %(reserves)s thư dự phòng "
            "(hạt giống %(seed)s).",
            main=summary.main,
            reserves=summary.reserves,
            seed=summary.seed,
        )

    return _admin_action(code, apply)


@staff_bp.post("/<code>/status")
@roles_required("admin")
def status(code: str) -> Response:
    def apply(session: Any, survey_round: SurveyRound) -> str:
        planning.set_status(session, survey_round, request.form.get("status", ""))
        return _("Đã cập nhật trạng thái đợt khảo sát.")

    return _admin_action(code, apply)


@staff_bp.post("/<code>/release")
@roles_required("admin")
def release(code: str) -> Response:
    def apply(session: Any, survey_round: SurveyRound) -> str:
        unit_code = request.form.get("unit", "")
        unit = next((u for u in survey_round.units if u.agency.code == unit_code), None)
        raw = request.form.get("count", "")
        if unit is None or not raw.isdigit():
            raise planning.RoundError(
                _("Chọn đơn vị và số thư dự phòng cần phát hành.")
            )
        count = draw.release_reserves(session, survey_round, unit.agency_id, int(raw))
        return _("Đã phát hành %(n)s thư dự phòng.", n=count)

    return _admin_action(code, apply)


def _letter_rows(survey_round: SurveyRound) -> Any:
    kind = request.args.get("kind", "all")
    kinds = ("main", "reserve") if kind not in ("main", "reserve") else (kind,)
    units = [u for u in request.args.getlist("unit") if u]
    return letters.letters(
        get_session(),
        survey_round,
        invitation_key(current_app.config),
        current_app.config["INVITATION_BASE_URL"],
        kinds,
        units,
    )


@staff_bp.get("/<code>/letters.pdf")
@roles_required("admin")
def letters_pdf(code: str) -> Any:
    survey_round = _round_or_404(code)
    buffer = io.BytesIO()
    try:
        letters.write_pdf(
            _letter_rows(survey_round),
            buffer,
            survey_round,
            current_app.config["ROUND_LETTER_SENDER"],
            current_app.config["INVITATION_BASE_URL"],
        )
    except planning.RoundError as error:
        flash(str(error), "error")
        return redirect(url_for(".detail", code=code), code=303)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"thu-moi-{survey_round.code}.pdf",
    )


@staff_bp.get("/<code>/invitations.csv")
@roles_required("admin")
def invitations_csv(code: str) -> Any:
    survey_round = _round_or_404(code)
    text = io.StringIO()
    try:
        letters.write_csv(
            _letter_rows(survey_round), text, survey_round.fieldwork_ends_on
        )
    except planning.RoundError as error:
        flash(str(error), "error")
        return redirect(url_for(".detail", code=code), code=303)
    return send_file(
        io.BytesIO(text.getvalue().encode("utf-8")),
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"thu-moi-{survey_round.code}.csv",
    )
