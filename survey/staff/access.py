"""Who is signed in, and what they may see.

Roles: "admin" (province administrator: everything), "agency" (staff of one
agency: that agency and its sub-units only) and "viewer" (read-only, every
agency, aggregates only). Other features protect their views with
``login_required`` or ``roles_required`` and filter their queries with
``visible_agency_ids``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import get_session
from survey.models import Agency, StaffUser
from survey.staff import sessions

F = TypeVar("F", bound=Callable[..., Any])

# Key of the Flask session that holds the opaque staff session token.
SESSION_KEY = "staff_token"
_UNSET = object()


def timeouts() -> sessions.Timeouts:
    config = current_app.config
    return sessions.Timeouts(
        idle=timedelta(minutes=config["STAFF_IDLE_MINUTES"]),
        absolute=timedelta(hours=config["STAFF_ABSOLUTE_HOURS"]),
    )


def current_session() -> Any:
    """Return the live StaffSession of this request, or None."""
    cached = g.get("staff_session", _UNSET)
    if cached is not _UNSET:
        return cached
    token = session.get(SESSION_KEY)
    found = None
    if isinstance(token, str):
        found = sessions.lookup(get_session(), token, timeouts())
        if found is None:
            session.pop(SESSION_KEY, None)
    g.staff_session = found
    return found


def current_staff() -> StaffUser | None:
    """Return the signed-in staff user, or None for an anonymous request."""
    found = current_session()
    return found.user if found is not None else None


def forget_current() -> None:
    """Drop the cached lookup, e.g. after this request revoked its own session."""
    g.pop("staff_session", None)


def _refuse() -> Any:
    if current_staff() is None:
        if request.path.startswith("/api/"):
            abort(401)
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("staff.login", next=target))
    abort(403)


def login_required(view: F) -> F:
    """Let any signed-in staff user through; send anyone else to the sign-in page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            return _refuse()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    """Let through signed-in users with one of ``roles``; others get 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_staff()
            if user is None or user.role not in roles:
                return _refuse()
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def visible_agency_ids(db: Session) -> set[int] | None:
    """Return the ids of agencies the current user may see; None means all.

    Agency staff see their agency and every unit below it (through
    ``Agency.parent_id``); an anonymous request sees none.
    """
    user = current_staff()
    if user is None:
        return set()
    if user.role != "agency":
        return None
    if user.agency_id is None:
        return set()
    return agency_subtree(db, user.agency_id)


def agency_subtree(db: Session, root_id: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for agency_id, parent_id in db.execute(select(Agency.id, Agency.parent_id)):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(agency_id)
    found = {root_id}
    pending = [root_id]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def can_see_agency(agency_id: int) -> bool:
    visible = visible_agency_ids(get_session())
    return visible is None or agency_id in visible
