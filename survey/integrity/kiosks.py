"""Kiosk credentials: issue an enrolment token, exchange it once, revoke.

The kiosk browser keeps its credential in an HttpOnly, SameSite=Strict cookie.
Script on the page cannot read it, so an injected script cannot copy it off the
device. The browser sends it with the plain form post (which works without
JavaScript) and with the queue's same-origin fetch. A cross-site page cannot
make the browser send it. A kiosk program that is not a browser may send the
same token as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import utcnow
from survey.integrity import audit
from survey.models import Agency, Counter, Kiosk

log = logging.getLogger(__name__)

COOKIE_NAME = "kiosk_credential"
# Five years: a kiosk stays enrolled until an administrator revokes it.
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600


class EnrolmentError(ValueError):
    """Raised when an enrolment token is unknown, used or expired."""


@dataclass(frozen=True)
class IssuedKiosk:
    kiosk_id: int
    # Shown once to the administrator, never stored.
    enrolment_token: str
    expires_at: datetime


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(
    session: Session,
    agency: Agency,
    counter: Counter,
    *,
    valid_for: timedelta,
    actor: str,
    label: str = "",
) -> IssuedKiosk:
    """Register a kiosk for ``counter`` and return its one-time enrolment token."""
    if counter.agency_id != agency.id:
        raise ValueError(f"counter {counter.code} does not belong to {agency.code}")
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + valid_for
    kiosk = Kiosk(
        agency_id=agency.id,
        counter_id=counter.id,
        label=label[:100],
        enrolment_hash=token_digest(token),
        enrolment_expires_at=expires_at,
    )
    session.add(kiosk)
    session.flush()
    audit.record(session, actor, "kiosk_issued", "kiosk", kiosk.id)
    session.commit()
    return IssuedKiosk(kiosk.id, token, expires_at)


def pending_enrolment(session: Session, token: str) -> Kiosk | None:
    """Return the kiosk waiting for ``token`` if the token is still valid."""
    kiosk = session.scalar(
        select(Kiosk).where(Kiosk.enrolment_hash == token_digest(token))
    )
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    if kiosk.enrolment_expires_at is None or kiosk.enrolment_expires_at < utcnow():
        return None
    return kiosk


def enrol(session: Session, token: str) -> tuple[Kiosk, str]:
    """Exchange an enrolment token for the kiosk's credential; the token dies.

    Raises EnrolmentError when the token is unknown, already used or expired.
    """
    kiosk = pending_enrolment(session, token)
    if kiosk is None:
        raise EnrolmentError("enrolment token unknown, used or expired")
    credential = secrets.token_urlsafe(32)
    kiosk.credential_hash = token_digest(credential)
    kiosk.enrolment_hash = None
    kiosk.enrolment_expires_at = None
    kiosk.enrolled_at = utcnow()
    audit.record(session, "kiosk", "kiosk_enrolled", "kiosk", kiosk.id)
    session.commit()
    return kiosk, credential


def revoke(session: Session, kiosk: Kiosk, *, actor: str) -> None:
    """Revoke ``kiosk``: its credential and any pending enrolment stop working."""
    if kiosk.revoked_at is None:
        kiosk.revoked_at = utcnow()
        kiosk.enrolment_hash = None
        audit.record(session, actor, "kiosk_revoked", "kiosk", kiosk.id)
        session.commit()


def presented_credential(request: Request) -> str | None:
    """Return the credential the request carries (bearer header or cookie)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE_NAME) or None


def credential_key(request: Request) -> str | None:
    """Return a rate-limit key for the presented credential, without the database."""
    credential = presented_credential(request)
    return token_digest(credential)[:32] if credential else None


def kiosk_for(session: Session, request: Request) -> Kiosk | None:
    """Return the active kiosk whose credential ``request`` carries, if any."""
    credential = presented_credential(request)
    if not credential or len(credential) > 200:
        return None
    kiosk = session.scalar(
        select(Kiosk).where(Kiosk.credential_hash == token_digest(credential))
    )
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    return kiosk
