"""The kiosk's service worker script and its cache name."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from survey.public import offline
from tests.factories import enrol_kiosk


def _constant(script: str, name: str) -> object:
    match = re.search(rf"^var {name} = (.*);$", script, re.MULTILINE)
    assert match is not None, f"no {name} in the worker script"
    return json.loads(match.group(1))


def test_worker_served_from_kiosk_path(client: FlaskClient) -> None:
    reply = client.get("/kiosk/service-worker.js")
    assert reply.status_code == 200
    assert reply.mimetype == "text/javascript"
    assert reply.headers["Cache-Control"] == "no-cache"
    # At /kiosk/ the default scope already covers the kiosk pages.
    assert "Service-Worker-Allowed" not in reply.headers


def test_worker_names_cache_and_assets(app: Flask, client: FlaskClient) -> None:
    script = client.get("/kiosk/service-worker.js").get_data(as_text=True)
    assert _constant(script, "CACHE_NAME") == app.extensions[offline.EXTENSION]
    assert _constant(script, "CACHE_PREFIX") == offline.CACHE_PREFIX
    assets = _constant(script, "ASSETS")
    assert assets == [f"/static/{name}" for name in offline.KIOSK_ASSETS]
    for url in assets:
        reply = client.get(url)
        reply.close()
        assert reply.status_code == 200, url


def test_kiosk_assets_match_page(app: Flask, client: FlaskClient) -> None:
    enrol_kiosk(app, client)
    page = client.get("/kiosk/STP/1").get_data(as_text=True)
    loaded = set(re.findall(r'(?:src|href)="/static/([^"]+)"', page))
    assert loaded == set(offline.KIOSK_ASSETS)
    assert 'data-service-worker="/kiosk/service-worker.js"' in page


def test_phone_page_registers_no_worker(client: FlaskClient) -> None:
    page = client.get("/s/STP").get_data(as_text=True)
    assert "data-service-worker" not in page
    assert "kiosk.js" not in page


def test_cache_name_follows_assets(tmp_path: Path) -> None:
    for name in offline.KIOSK_ASSETS:
        (tmp_path / name).write_text(f"/* {name} */\n")
    before = offline.assets_digest(tmp_path)
    assert offline.assets_digest(tmp_path) == before
    (tmp_path / "kiosk.js").write_text("/* kiosk.js, next release */\n")
    after = offline.assets_digest(tmp_path)
    assert after != before
    assert re.fullmatch(r"[0-9a-f]{16}", after)


def test_cache_name_covers_file_names(tmp_path: Path) -> None:
    # The same bytes split differently between two files give another digest.
    (tmp_path / "a.js").write_text("ab")
    (tmp_path / "b.js").write_text("c")
    (tmp_path / "c.js").write_text("a")
    (tmp_path / "d.js").write_text("bc")
    assert offline.assets_digest(tmp_path, ("a.js", "b.js")) != offline.assets_digest(
        tmp_path, ("c.js", "d.js")
    )
