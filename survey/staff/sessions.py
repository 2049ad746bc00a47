"""Server-side staff sessions: the cookie carries a random token, the table the rest.

A session ends when it is revoked (sign-out, role or password change,
deactivation), after ``STAFF_IDLE_MINUTES`` without a request, or
``STAFF_ABSOLUTE_HOURS`` after sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from survey.db import utcnow
from survey.models import StaffSession, StaffUser

log = logging.getLogger(__name__)

# last_seen_at is written at most this often, so that a page view does not always
# cost a write. The idle time-out is exact to within this margin.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def hash_address(address: str | None, secret_key: str) -> str | None:
    if not address:
        return None
    return hmac.new(secret_key.encode(), address.encode(), hashlib.sha256).hexdigest()


_BROWSERS = ("Edg", "OPR", "Firefox", "Chrome", "Safari")
_PLATFORMS = ("Android", "iPhone", "iPad", "Windows", "Mac OS X", "Linux")


def summarise_user_agent(header: str | None) -> str:
    """Reduce a User-Agent header to "browser / platform", e.g. "Firefox / Linux"."""
    header = header or ""
    browser = next(
        (name for name in _BROWSERS if re.search(rf"\b{name}/", header)), "?"
    )
    platform = next((name for name in _PLATFORMS if name in header), "?")
    return f"{browser} / {platform}"


def start(
    session: Session,
    user: StaffUser,
    *,
    user_agent: str | None,
    address_hash: str | None,
) -> str:
    """Insert a session for ``user``, commit, and return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            user_agent=summarise_user_agent(user_agent),
            address_hash=address_hash,
        )
    )
    session.commit()
    return token


def lookup(
    session: Session, token: str, timeouts: Timeouts, now: datetime | None = None
) -> StaffSession | None:
    """Return the live session for ``token``, ending it if it has timed out."""
    now = now or utcnow()
    found = session.scalar(
        select(StaffSession).where(StaffSession.token_hash == hash_token(token))
    )
    if found is None or found.revoked_at is not None:
        return None
    reason = _expiry_reason(found, timeouts, now)
    if reason is not None:
        found.revoked_at = now
        session.commit()
        log.info(
            "staff session %s of user %s ended: %s", found.id, found.user_id, reason
        )
        return None
    if not found.user.active:
        return None
    if now - found.last_seen_at >= TOUCH_INTERVAL:
        found.last_seen_at = now
        session.commit()
    return found


def _expiry_reason(
    found: StaffSession, timeouts: Timeouts, now: datetime
) -> str | None:
    if now - found.created_at >= timeouts.absolute:
        return "absolute time-out"
    if now - found.last_seen_at >= timeouts.idle:
        return "idle time-out"
    return None


def revoke(session: Session, found: StaffSession) -> None:
    if found.revoked_at is None:
        found.revoked_at = utcnow()
    session.commit()


def revoke_all(session: Session, user_id: int) -> int:
    """Mark every live session of ``user_id`` revoked; the caller commits."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0
