"""Helpers of the integrity tests: a real server, API posts and stored rows."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from survey.db import new_session
from survey.models import Response

# Receipt codes and contacts that the suite sends; the log check looks for them.
RECEIPT_CODES = [f"000.00.12.H08-261204-{n:04d}" for n in range(40)]
CONTACTS = ["0905 123 456", "nguoi.dan.thu@example.test"]


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` with threads on a free port of 127.0.0.1; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def post_json(
    url: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """POST ``body`` as JSON; return status, decoded body and headers."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read()), dict(reply.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), dict(error.headers)


def count_responses(app: Flask, **filters: Any) -> int:
    with new_session(app) as session:
        query = select(func.count(Response.id)).filter_by(**filters)
        return session.scalar(query)


def sensitive_strings() -> list[str]:
    """Return every receipt code and contact the suite sends, in each written form."""
    from survey.integrity.receipts import normalise_code

    values = set(CONTACTS)
    for code in RECEIPT_CODES:
        values |= {code, code.lower(), normalise_code(code) or code}
    return sorted(values)
