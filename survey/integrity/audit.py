"""The audit log of integrity changes: who did what to which object."""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey.models import AuditLog


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    detail: str = "",
) -> AuditLog:
    """Add an audit entry to ``session``; the caller commits it with the change."""
    entry = AuditLog(
        actor=actor[:80],
        action=action[:40],
        object_type=object_type[:40],
        object_id=str(object_id)[:64],
        detail=detail[:500],
    )
    session.add(entry)
    return entry
