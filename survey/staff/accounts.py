"""Staff accounts: create, authenticate, change role or password, deactivate.

Every change that alters what a user may do revokes that user's sessions, so a
copied cookie of the old sign-in stops working at once.
"""

from __future__ import annotations

import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import STAFF_ROLES, Agency, StaffUser
from survey.staff import sessions

log = logging.getLogger(__name__)

_hashers: dict[tuple[int, int, int], tuple[PasswordHasher, str]] = {}


def _hasher() -> tuple[PasswordHasher, str]:
    """Return the Argon2id hasher of the app's settings and a hash to verify in vain.

    The second value is verified when the email is unknown, so that a failed
    sign-in takes as long whether or not the account exists.
    """
    config = current_app.config
    key = (
        config["STAFF_ARGON2_TIME_COST"],
        config["STAFF_ARGON2_MEMORY_KIB"],
        config["STAFF_ARGON2_PARALLELISM"],
    )
    if key not in _hashers:
        hasher = PasswordHasher(
            time_cost=key[0], memory_cost=key[1], parallelism=key[2]
        )
        _hashers[key] = (hasher, hasher.hash("not a real password"))
    return _hashers[key]


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


class AccountError(ValueError):
    """A change to an account that cannot be made; the message is for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def check_password(password: str, min_length: int) -> None:
    if len(password) < min_length:
        raise AccountError(
            _("Mật khẩu cần ít nhất %(n)d ký tự.", n=min_length), field="password"
        )


def _check_role(session: Session, role: str, agency_id: int | None) -> None:
    if role not in STAFF_ROLES:
        raise AccountError(_("Vai trò không hợp lệ: %(role)s.", role=role), "role")
    if role == "agency" and agency_id is None:
        raise AccountError(_("Cán bộ cơ quan cần chọn một cơ quan."), "agency")
    if role == "agency" and session.get(Agency, agency_id) is None:
        raise AccountError(_("Không tìm thấy cơ quan đã chọn."), "agency")


def user_by_email(session: Session, email: str) -> StaffUser | None:
    return session.scalar(
        select(StaffUser).where(StaffUser.email == normalise_email(email))
    )


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    agency_id: int | None = None,
    display_name: str = "",
    min_length: int = 12,
    actor_id: int | None = None,
) -> StaffUser:
    """Insert an account and commit; ``actor_id`` is None when made from the shell."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_("Địa chỉ thư điện tử không hợp lệ."), "email")
    check_password(password, min_length)
    if role != "agency":
        agency_id = None
    _check_role(session, role, agency_id)
    taken = session.scalar(
        select(func.count()).select_from(StaffUser).where(StaffUser.email == email)
    )
    if taken:
        raise AccountError(_("Địa chỉ thư điện tử này đã có tài khoản."), "email")
    user = StaffUser(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        agency_id=agency_id,
    )
    session.add(user)
    session.commit()
    log.info(
        "staff user %s created with role %s by %s", user.id, role, actor_id or "cli"
    )
    return user


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """Return the active user whose password matches, or None."""
    hasher, dummy_hash = _hasher()
    user = user_by_email(session, email)
    if user is None or not user.active:
        _verify(hasher, dummy_hash, password)
        return None
    if not _verify(hasher, user.password_hash, password):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        session.commit()
    return user


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_role(
    session: Session,
    user: StaffUser,
    role: str,
    agency_id: int | None,
    actor_id: int | None,
) -> bool:
    """Give ``user`` a new role (and agency); return True and revoke if it changed."""
    if role != "agency":
        agency_id = None
    _check_role(session, role, agency_id)
    if user.role == role and user.agency_id == agency_id:
        return False
    old_role = user.role
    user.role = role
    user.agency_id = agency_id
    revoked = sessions.revoke_all(session, user.id)
    session.commit()
    log.info(
        "staff user %s role changed from %s to %s (agency %s) by %s; "
        "%d sessions revoked",
        user.id,
        old_role,
        role,
        agency_id,
        actor_id or "cli",
        revoked,
    )
    return True


def set_password(
    session: Session,
    user: StaffUser,
    password: str,
    min_length: int,
    actor_id: int | None,
) -> None:
    check_password(password, min_length)
    user.password_hash = hash_password(password)
    revoked = sessions.revoke_all(session, user.id)
    session.commit()
    log.info(
        "staff user %s password changed by %s; %d sessions revoked",
        user.id,
        actor_id or "cli",
        revoked,
    )


def set_active(
    session: Session, user: StaffUser, active: bool, actor_id: int | None
) -> None:
    if user.active == active:
        return
    user.active = active
    revoked = 0 if active else sessions.revoke_all(session, user.id)
    session.commit()
    log.info(
        "staff user %s %s by %s; %d sessions revoked",
        user.id,
        "reactivated" if active else "deactivated",
        actor_id or "cli",
        revoked,
    )


def set_display_name(session: Session, user: StaffUser, name: str) -> None:
    user.display_name = name.strip()
    session.commit()
