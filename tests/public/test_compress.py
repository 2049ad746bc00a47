"""Gzip of static files, and none of the pages that carry a token."""

from __future__ import annotations

import gzip

from flask.testing import FlaskClient

from survey.config import PROJECT_ROOT

GZIP = {"Accept-Encoding": "gzip, deflate"}


def test_static_file_is_gzipped(client: FlaskClient) -> None:
    source = (PROJECT_ROOT / "survey" / "static" / "steps.js").read_bytes()
    reply = client.get("/static/steps.js", headers=GZIP)
    reply.close()
    assert reply.status_code == 200
    assert reply.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in reply.headers["Vary"]
    assert gzip.decompress(reply.data) == source
    assert int(reply.headers["Content-Length"]) == len(reply.data)
    assert reply.headers["ETag"].startswith('W/"')


def test_static_without_gzip_is_plain(client: FlaskClient) -> None:
    source = (PROJECT_ROOT / "survey" / "static" / "steps.js").read_bytes()
    reply = client.get("/static/steps.js", buffered=True)
    reply.close()
    assert "Content-Encoding" not in reply.headers
    assert reply.data == source


def test_survey_page_not_gzipped(client: FlaskClient) -> None:
    reply = client.get("/s/STP", headers=GZIP)
    assert reply.status_code == 200
    assert "Content-Encoding" not in reply.headers
    assert "csrf_token" in reply.get_data(as_text=True)
