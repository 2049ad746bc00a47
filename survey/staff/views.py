"""Sign-in, sign-out and the dashboard under /staff/."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from survey.db import get_session
from survey.i18n import format_percent
from survey.staff import accounts, bp, charts, dashboard, sessions, throttle
from survey.staff.access import (
    SESSION_KEY,
    can_see_agency,
    current_session,
    current_staff,
    forget_current,
    login_required,
    visible_agency_ids,
)
from survey.staff.forms import EmptyForm, LoginForm

log = logging.getLogger(__name__)


def _safe_next(target: str | None) -> str:
    """Return ``target`` if it is a local path under /staff, else the dashboard."""
    if target:
        parts = urlsplit(target)
        path_ok = parts.path.startswith("/staff") and not target.startswith("//")
        if not parts.scheme and not parts.netloc and path_ok and "\\" not in target:
            return target
    return url_for("staff.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_staff() is not None and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        error, status = _sign_in(form.email.data or "", form.password.data or "")
        if error is None:
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("staff/login.html", form=form, error=error), status


def _sign_in(email: str, password: str) -> tuple[str | None, int]:
    """Check the throttle and the password; on success start a fresh session."""
    email = accounts.normalise_email(email)
    address = request.remote_addr
    limit = throttle.blocked(email, address)
    if limit is not None:
        log.warning("staff sign-in throttled by the %s limit", limit)
        return _("Quá nhiều lần đăng nhập. Vui lòng thử lại sau ít phút."), 429
    db = get_session()
    user = accounts.authenticate(db, email, password)
    throttle.record_attempt(email, address, failed=user is None)
    if user is None:
        log.info("staff sign-in failed")
        return _("Thư điện tử hoặc mật khẩu không đúng."), 200
    language = session.get("lang")
    # A new session id at every sign-in: nothing set before it survives.
    session.clear()
    if language:
        session["lang"] = language
    session[SESSION_KEY] = sessions.start(
        db,
        user,
        user_agent=request.headers.get("User-Agent"),
        address_hash=sessions.hash_address(address, current_app.config["SECRET_KEY"]),
    )
    forget_current()
    log.info("staff user %s signed in", user.id)
    return None, 200


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    found = current_session()
    if found is not None:
        sessions.revoke(get_session(), found)
        log.info("staff user %s signed out", found.user_id)
    session.clear()
    forget_current()
    return redirect(url_for("staff.login"))


@bp.route("/", endpoint="dashboard")
@login_required
def dashboard_page() -> Any:
    db = get_session()
    visible = visible_agency_ids(db)
    period = dashboard.chosen_period(db, request.args.get("period"))
    data = dashboard.build(db, period, visible) if period is not None else None
    return render_template(
        "staff/dashboard.html",
        periods=dashboard.periods(db),
        period=period,
        data=data,
        charts=_charts(data),
        user=current_staff(),
        logout_form=EmptyForm(),
    )


@bp.route("/agencies/<code>")
@login_required
def agency_page(code: str) -> Any:
    db = get_session()
    agency = dashboard.agency_by_code(db, code)
    if agency is None or not can_see_agency(agency.id):
        abort(404)
    period = dashboard.chosen_period(db, request.args.get("period"))
    data = (
        dashboard.build(db, period, dashboard.subtree(db, agency.id))
        if period is not None
        else None
    )
    return render_template(
        "staff/agency.html",
        agency=agency,
        periods=dashboard.periods(db),
        period=period,
        data=data,
        charts=_charts(data),
        user=current_staff(),
        logout_form=EmptyForm(),
    )


def channel_labels() -> dict[str, str]:
    return {
        "kiosk": _("Ki-ốt tại bộ phận một cửa"),
        "online": _("Trực tuyến (điện thoại, máy tính)"),
        "paper": _("Phiếu giấy"),
    }


def _charts(data: dashboard.Dashboard | None) -> dict[str, Any]:
    """Draw the dashboard's charts; the page repeats their numbers in tables."""
    if data is None:
        return {}
    labels = channel_labels()
    by_agency = [
        charts.Bar(
            f"{row.code} {row.name}", row.responses, charts.format_count(row.responses)
        )
        for row in data.by_agency
    ]
    by_channel = [
        charts.Bar(labels[channel], count, charts.format_count(count))
        for channel, count in data.by_channel
    ]
    indices = [
        charts.Bar(
            f"{row.code} {row.name}",
            row.overall,
            format_percent(row.overall),
            row.ci_low,
            row.ci_high,
        )
        for row in data.index_rows
        if row.overall is not None
    ]
    days = [(day.strftime("%d/%m"), count) for day, count in data.by_day]
    return {
        "by_agency": charts.bar_chart(by_agency, _("Số phiếu theo cơ quan")),
        "by_channel": charts.bar_chart(by_channel, _("Số phiếu theo kênh")),
        "by_day": charts.column_chart(days, _("Số phiếu theo ngày")),
        "indices": charts.bar_chart(
            indices,
            _("Chỉ số hài lòng chung theo cơ quan, với khoảng tin cậy"),
            scale_max=100,
        ),
        "channel_labels": labels,
    }


@bp.context_processor
def _formatters() -> dict[str, Any]:
    return {
        "count": charts.format_count,
        "change": charts.format_change,
        "group_titles": {
            "departments": _("Sở, ban, ngành"),
            "districts": _("UBND cấp huyện"),
            "central": _("Cơ quan ngành dọc"),
        },
    }
