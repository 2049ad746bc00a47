"""Submission limits per registered kiosk and per client address.

Counters live in Flask-Limiter's storage: Redis when ``REDIS_URL`` is set, so
that every server process shares them, otherwise this process's memory. The
views apply the limits themselves because the key depends on who submits: a
kiosk by its credential (every kiosk of a one-stop centre may share one public
address), a phone by a keyed hash of its address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse, parse_many

log = logging.getLogger(__name__)

EXTENSION = "survey.submission_limiter"


def init_app(app: Flask) -> None:
    limiter = Limiter(
        _address_key,
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        strategy="moving-window",
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter


def _address_key() -> str:
    """Return a keyed hash of the client address; the store never sees the address."""
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    address = (request.remote_addr or "-").encode("utf-8")
    return hmac.new(secret, b"address:" + address, hashlib.sha256).hexdigest()[:32]


def _retry_after(items: list[RateLimitItem], scope: str, key: str) -> int | None:
    """Count one submission against ``items``; return seconds to wait if over."""
    strategy = current_app.extensions[EXTENSION].limiter
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    for item in items:
        if not strategy.test(item, prefix, scope, key):
            stats = strategy.get_window_stats(item, prefix, scope, key)
            return max(1, math.ceil(stats.reset_time - time.time()))
    for item in items:
        strategy.hit(item, prefix, scope, key)
    return None


def kiosk_retry_after(kiosk_id: int) -> int | None:
    """Apply the minimum gap and the hourly maximum of one kiosk."""
    config = current_app.config
    if not config["SUBMISSION_LIMITS_ENABLED"]:
        return None
    items = [
        parse(f"1 per {config['KIOSK_MIN_GAP_SECONDS']} seconds"),
        parse(f"{config['KIOSK_MAX_PER_HOUR']} per hour"),
    ]
    wait = _retry_after(items, "kiosk", str(kiosk_id))
    if wait is not None:
        log.info(
            "kiosk submission limit reached: kiosk=%s retry_after=%s", kiosk_id, wait
        )
    return wait


def address_retry_after() -> int | None:
    """Apply the coarse limit of phone and web submissions from one address."""
    if not current_app.config["SUBMISSION_LIMITS_ENABLED"]:
        return None
    items = parse_many(current_app.config["PHONE_LIMIT_ADDRESS"])
    wait = _retry_after(list(items), "address", _address_key())
    if wait is not None:
        log.info("address submission limit reached: retry_after=%s", wait)
    return wait
