"""Administration pages under /staff/admin/ (province administrators only).

Each view parses its form, calls a function that changes the data, and logs
the change with the id of the administrator who made it. Agencies are never
deleted, because responses and past rankings refer to them.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from survey.db import get_session
from survey.models import Agency, Counter, Period, StaffUser
from survey.staff import accounts, admin_bp
from survey.staff.access import current_staff, roles_required
from survey.staff.forms import (
    ROLE_LABELS,
    AgencyForm,
    CounterForm,
    PeriodForm,
    UserCreateForm,
    UserEditForm,
)

log = logging.getLogger(__name__)


@admin_bp.before_request
@roles_required("admin")
def _admins_only() -> None:
    """Let only administrators reach any page of this blueprint."""


def _actor_id() -> int:
    user = current_staff()
    assert user is not None  # guaranteed by _admins_only
    return user.id


def _agency_choices(db: Session, blank: bool) -> list[SelectChoice]:
    agencies = db.scalars(select(Agency).order_by(Agency.code))
    choices = [
        SelectChoice(str(agency.id), f"{agency.code}: {agency.name}")
        for agency in agencies
    ]
    none = SelectChoice("", _("(không thuộc cơ quan nào)"))
    return ([none] if blank else []) + choices


def _agency_id(raw: str | None) -> int | None:
    return int(raw) if raw else None


# Users


@admin_bp.route("/users")
def users() -> Any:
    db = get_session()
    found = db.scalars(select(StaffUser).order_by(StaffUser.email))
    return render_template("staff/admin/users.html", users=found, roles=ROLE_LABELS)


@admin_bp.route("/users/new", methods=["GET", "POST"])
def user_new() -> Any:
    db = get_session()
    form = UserCreateForm()
    form.agency.choices = _agency_choices(db, blank=True)
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                db,
                email=form.email.data or "",
                password=form.password.data or "",
                role=form.role.data or "",
                agency_id=_agency_id(form.agency.data),
                display_name=form.display_name.data or "",
                min_length=current_app.config["STAFF_PASSWORD_MIN_LENGTH"],
                actor_id=_actor_id(),
            )
        except accounts.AccountError as error:
            db.rollback()
            _field_error(form, error)
        else:
            flash(_("Đã tạo tài khoản."))
            return redirect(url_for(".user_edit", user_id=user.id))
    return render_template("staff/admin/user_form.html", form=form, user=None)


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int) -> Any:
    db = get_session()
    user = db.get(StaffUser, user_id) or abort(404)
    form = UserEditForm(
        data={
            "display_name": user.display_name,
            "role": user.role,
            "agency": str(user.agency_id or ""),
            "active": user.active,
        }
    )
    form.agency.choices = _agency_choices(db, blank=True)
    if form.validate_on_submit():
        try:
            _apply_user_edit(db, user, form)
        except accounts.AccountError as error:
            db.rollback()
            _field_error(form, error)
        else:
            flash(_("Đã lưu thay đổi."))
            return redirect(url_for(".user_edit", user_id=user.id))
    return render_template("staff/admin/user_form.html", form=form, user=user)


def _apply_user_edit(db: Session, user: StaffUser, form: UserEditForm) -> None:
    actor = _actor_id()
    if user.id == actor and (form.role.data != "admin" or not form.active.data):
        raise accounts.AccountError(
            _("Không thể tự hạ quyền hoặc khóa tài khoản của chính mình."), "role"
        )
    accounts.set_display_name(db, user, form.display_name.data or "")
    accounts.change_role(
        db, user, form.role.data or "", _agency_id(form.agency.data), actor
    )
    if form.password.data:
        accounts.set_password(
            db,
            user,
            form.password.data,
            current_app.config["STAFF_PASSWORD_MIN_LENGTH"],
            actor,
        )
    accounts.set_active(db, user, bool(form.active.data), actor)


def _field_error(form: Any, error: accounts.AccountError) -> None:
    field = getattr(form, error.field or "", None)
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]


# Agencies


@admin_bp.route("/agencies")
def agencies() -> Any:
    found = get_session().scalars(select(Agency).order_by(Agency.kind, Agency.code))
    return render_template("staff/admin/agencies.html", agencies=found)


@admin_bp.route("/agencies/<code>", methods=["GET", "POST"])
def agency_edit(code: str) -> Any:
    db = get_session()
    agency = db.scalar(select(Agency).where(Agency.code == code)) or abort(404)
    form = AgencyForm(
        data={
            "name": agency.name,
            "ranking_group": agency.ranking_group or "",
            "valid_from": agency.valid_from,
            "valid_to": agency.valid_to,
        }
    )
    if form.validate_on_submit():
        if form.valid_to.data and form.valid_to.data < form.valid_from.data:
            form.valid_to.errors = [_("Ngày kết thúc phải sau ngày bắt đầu.")]
        else:
            agency.name = (form.name.data or "").strip()
            agency.ranking_group = form.ranking_group.data or None
            agency.valid_from = form.valid_from.data
            agency.valid_to = form.valid_to.data
            db.commit()
            log.info("agency %s changed by %s", agency.id, _actor_id())
            flash(_("Đã lưu thay đổi."))
            return redirect(url_for(".agencies"))
    return render_template("staff/admin/agency_form.html", form=form, agency=agency)


# Periods


@admin_bp.route("/periods")
def periods() -> Any:
    found = get_session().scalars(select(Period).order_by(Period.starts_on.desc()))
    return render_template("staff/admin/periods.html", periods=found)


@admin_bp.route("/periods/new", methods=["GET", "POST"])
def period_new() -> Any:
    return _period_form(Period())


@admin_bp.route("/periods/<int:period_id>", methods=["GET", "POST"])
def period_edit(period_id: int) -> Any:
    return _period_form(get_session().get(Period, period_id) or abort(404))


def _period_form(period: Period) -> Any:
    db = get_session()
    form = PeriodForm(obj=period)
    if form.validate_on_submit():
        problem = period_problem(
            db, period.id, form.code.data or "", form.starts_on.data, form.ends_on.data
        )
        if problem is None:
            form.populate_obj(period)
            db.add(period)
            db.commit()
            log.info("period %s saved by %s", period.id, _actor_id())
            flash(_("Đã lưu kỳ khảo sát."))
            return redirect(url_for(".periods"))
        field, message = problem
        getattr(form, field).errors = [message]
    return render_template("staff/admin/period_form.html", form=form, period=period)


def period_problem(
    db: Session, period_id: int | None, code: str, starts_on: Any, ends_on: Any
) -> tuple[str, str] | None:
    """Return (field, message) if the period's dates or code clash, else None.

    Periods may not overlap, because each response is assigned to the one
    period that contains its capture date.
    """
    if ends_on < starts_on:
        return "ends_on", _("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    others = (
        select(Period).where(Period.id != period_id) if period_id else select(Period)
    )
    if db.scalar(others.where(Period.code == code.strip())):
        return "code", _("Mã kỳ này đã được dùng.")
    clash = db.scalar(
        others.where(Period.starts_on <= ends_on, Period.ends_on >= starts_on)
    )
    if clash is not None:
        return "starts_on", _(
            "Kỳ này trùng thời gian với kỳ %(code)s (%(start)s – %(end)s).",
            code=clash.code,
            start=clash.starts_on.strftime("%d/%m/%Y"),
            end=clash.ends_on.strftime("%d/%m/%Y"),
        )
    return None


# Counters (kiosk desks)


@admin_bp.route("/counters")
def counters() -> Any:
    found = get_session().scalars(
        select(Counter).join(Agency).order_by(Agency.code, Counter.code)
    )
    return render_template("staff/admin/counters.html", counters=found)


@admin_bp.route("/counters/new", methods=["GET", "POST"])
def counter_new() -> Any:
    return _counter_form(None)


@admin_bp.route("/counters/<int:counter_id>", methods=["GET", "POST"])
def counter_edit(counter_id: int) -> Any:
    return _counter_form(get_session().get(Counter, counter_id) or abort(404))


def _counter_form(counter: Counter | None) -> Any:
    db = get_session()
    form = CounterForm(obj=counter)
    form.agency.choices = _agency_choices(db, blank=False)
    if counter is not None and not form.is_submitted():
        form.agency.data = str(counter.agency_id)
    if form.validate_on_submit():
        agency_id = int(form.agency.data or 0)
        code = (form.code.data or "").strip()
        taken = db.scalar(
            select(Counter).where(Counter.agency_id == agency_id, Counter.code == code)
        )
        if taken is not None and taken is not counter:
            form.code.errors = [_("Cơ quan này đã có quầy với mã này.")]
        else:
            counter = counter or Counter()
            counter.agency_id = agency_id
            counter.code = code
            counter.name = (form.name.data or "").strip()
            counter.active = bool(form.active.data)
            db.add(counter)
            db.commit()
            log.info("counter %s saved by %s", counter.id, _actor_id())
            flash(_("Đã lưu quầy."))
            return redirect(url_for(".counters"))
    return render_template("staff/admin/counter_form.html", form=form, counter=counter)
