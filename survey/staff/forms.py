"""Forms of the staff area; Flask-WTF adds and checks the anti-forgery token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from survey.models import RANKING_GROUPS, STAFF_ROLES

ROLE_LABELS = {
    "admin": _l("Quản trị viên cấp tỉnh"),
    "agency": _l("Cán bộ cơ quan"),
    "viewer": _l("Người xem (chỉ số tổng hợp)"),
}
GROUP_LABELS = {
    "": _l("Không xếp hạng"),
    "departments": _l("Sở, ban, ngành"),
    "districts": _l("UBND cấp huyện"),
    "central": _l("Cơ quan ngành dọc"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("Thư điện tử"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired()])


class EmptyForm(FlaskForm):
    """A form with only the anti-forgery token, for buttons such as sign-out."""


class UserCreateForm(FlaskForm):
    email = EmailField(_l("Thư điện tử"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Họ và tên"), validators=[Length(max=200)])
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[DataRequired()])
    role = SelectField(
        _l("Vai trò"),
        choices=[SelectChoice(role, ROLE_LABELS[role]) for role in STAFF_ROLES],
    )
    agency = SelectField(_l("Cơ quan (với cán bộ cơ quan)"), choices=[])


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Họ và tên"), validators=[Length(max=200)])
    role = SelectField(
        _l("Vai trò"),
        choices=[SelectChoice(role, ROLE_LABELS[role]) for role in STAFF_ROLES],
    )
    agency = SelectField(_l("Cơ quan (với cán bộ cơ quan)"), choices=[])
    active = BooleanField(_l("Tài khoản đang hoạt động"))
    password = PasswordField(
        _l("Mật khẩu mới (để trống nếu không đổi)"), validators=[Optional()]
    )


class AgencyForm(FlaskForm):
    name = StringField(_l("Tên"), validators=[DataRequired(), Length(max=200)])
    ranking_group = SelectField(
        _l("Nhóm xếp hạng"),
        choices=[SelectChoice("", GROUP_LABELS[""])]
        + [SelectChoice(group, GROUP_LABELS[group]) for group in RANKING_GROUPS],
    )
    valid_from = DateField(_l("Hiệu lực từ ngày"), validators=[DataRequired()])
    valid_to = DateField(_l("Hiệu lực đến ngày"), validators=[Optional()])


class PeriodForm(FlaskForm):
    code = StringField(_l("Mã kỳ"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Tên kỳ"), validators=[DataRequired(), Length(max=200)])
    starts_on = DateField(_l("Ngày bắt đầu"), validators=[DataRequired()])
    ends_on = DateField(_l("Ngày kết thúc"), validators=[DataRequired()])


class CounterForm(FlaskForm):
    agency = SelectField(_l("Cơ quan"), choices=[])
    code = StringField(_l("Mã quầy"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Tên quầy"), validators=[DataRequired(), Length(max=200)])
    active = BooleanField(_l("Đang dùng"), default=True)
