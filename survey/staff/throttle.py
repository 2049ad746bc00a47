"""Sign-in throttling per account and per client address.

The counters live in Flask-Limiter's storage: Redis when ``REDIS_URL`` is set,
so that every server process shares them, otherwise this process's memory.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

log = logging.getLogger(__name__)

EXTENSION = "survey.staff_limiter"


def init_app(app: Flask) -> None:
    # Flask-Limiter keeps its storage on the Limiter object, so each app gets
    # its own; the sign-in view applies the limits itself (see below).
    limiter = Limiter(
        get_remote_address,
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        strategy="moving-window",
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter


def _limiter() -> Limiter:
    return current_app.extensions[EXTENSION]


def _item(setting: str) -> RateLimitItem:
    return parse(current_app.config[setting])


def _keys(email: str, address: str | None) -> list[tuple[str, str, str]]:
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    # The store sees a digest of the email, never the address itself.
    account = hashlib.sha256(email.encode()).hexdigest()
    return [
        ("STAFF_LOGIN_LIMIT_ACCOUNT", prefix, f"staff-login-account:{account}"),
        ("STAFF_LOGIN_LIMIT_ADDRESS", prefix, f"staff-login-address:{address or '-'}"),
    ]


def blocked(email: str, address: str | None) -> str | None:
    """Return "account" or "address" if that limit is used up, else None."""
    strategy = _limiter().limiter
    for setting, prefix, key in _keys(email, address):
        if not strategy.test(_item(setting), prefix, key):
            return "account" if setting.endswith("ACCOUNT") else "address"
    return None


def record_attempt(email: str, address: str | None, failed: bool) -> None:
    """Count an attempt against the address, and a failure against the account."""
    strategy = _limiter().limiter
    for setting, prefix, key in _keys(email, address):
        if failed or setting.endswith("ADDRESS"):
            strategy.hit(_item(setting), prefix, key)
