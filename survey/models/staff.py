"""Staff accounts and their server-side sign-in sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, BigIntPK, UTCDateTime, utcnow
from survey.models.agency import Agency

# admin: the province administrator, sees and manages everything.
# agency: staff of one agency, sees that agency and its sub-units only.
# viewer: read-only, all agencies, aggregates only.
STAFF_ROLES = ("admin", "agency", "viewer")


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'agency', 'viewer')", name="role"),
        # Agency staff belong to exactly one agency; the other roles to none.
        CheckConstraint(
            "(role = 'agency' AND agency_id IS NOT NULL) "
            "OR (role <> 'agency' AND agency_id IS NULL)",
            name="agency_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored in lower case; the sign-in name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # Argon2id hash in PHC string format, as produced by argon2-cffi.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    # A deactivated account cannot sign in and its sessions stop working.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency | None] = relationship()

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role}>"


class StaffSession(Base):
    """One sign-in. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # Hex SHA-256 of the token in the cookie; a copy of the database cannot
    # be turned back into working cookies.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set on sign-out, time-out, role or password change, or deactivation.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Browser and platform in a few words, e.g. "Chrome / Windows"; never the
    # full header.
    user_agent: Mapped[str] = mapped_column(String(100), default="")
    # HMAC-SHA-256 of the client address keyed with the app's secret key, so
    # that sessions from one address can be matched without storing it.
    address_hash: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[StaffUser] = relationship()
