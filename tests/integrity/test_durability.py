"""Exactly once: double posts, retries racing a slow commit, an idle kiosk."""

from __future__ import annotations

import http.cookiejar
import logging
import threading
import time
import urllib.parse
import urllib.request

import pytest
from flask_wtf.csrf import validate_csrf
from itsdangerous import TimestampSigner
from sqlalchemy import event, select
from wtforms import ValidationError

from survey.models import AuditLog
from tests.factories import (
    api_body,
    enrol_kiosk,
    form_fields,
    form_post_data,
    full_answers,
)
from tests.integrity.support import count_responses, post_json, serve

URL = "/api/v1/agencies/STP/responses"


def test_two_form_posts_50ms_apart_store_once(app):
    # urllib, unlike a browser, sends no Secure cookie to http://127.0.0.1.
    app.config["SESSION_COOKIE_SECURE"] = False
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with serve(app) as base:
        page = opener.open(f"{base}/s/STP", timeout=30).read().decode()
        data = form_fields(page)
        for code, value in full_answers().items():
            data[code] = value
        encoded = urllib.parse.urlencode(data, doseq=True).encode()
        finals: list[tuple[int, str]] = []

        def post() -> None:
            with opener.open(f"{base}/s/STP", data=encoded, timeout=30) as reply:
                finals.append((reply.status, reply.url))

        threads = [threading.Thread(target=post) for _ in range(2)]
        threads[0].start()
        time.sleep(0.05)
        threads[1].start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(finals) == 2
    assert all(
        status == 200 and url.endswith("/s/STP/cam-on") for status, url in finals
    )
    assert count_responses(app) == 1


def test_back_button_resubmit_shows_thanks(client):
    data = form_post_data(client, "/s/STP")
    first = client.post("/s/STP", data=data)
    # The back button brings the same page, with the same submission id, back.
    again = client.post("/s/STP", data=data, follow_redirects=True)
    assert first.status_code == 303
    assert again.status_code == 200
    assert "Cảm ơn ông/bà đã trả lời khảo sát!" in again.get_data(as_text=True)


@pytest.fixture
def slow_commit(app):
    """Make every commit of the app wait 5 s after its rows are written."""

    def wait(_session) -> None:
        time.sleep(5)

    maker = app.extensions["survey.sessionmaker"]
    event.listen(maker, "before_commit", wait)
    yield
    event.remove(maker, "before_commit", wait)


@pytest.mark.slow
def test_racing_retries_slow_commit(app, slow_commit, caplog):
    body = api_body()
    results: list[tuple[int, dict]] = []
    with serve(app) as base:

        def send() -> None:
            status, reply, _ = post_json(f"{base}{URL}", body)
            results.append((status, reply))

        threads = [threading.Thread(target=send) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        later_status, later, _ = post_json(f"{base}{URL}", body)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 200, 201]
    ids = {reply["id"] for _, reply in results} | {later["id"]}
    assert len(ids) == 1
    assert later_status == 200
    assert count_responses(app) == 1


def test_same_id_other_answers_409_logged(app, client, session, caplog):
    body = api_body()
    assert client.post(URL, json=body).status_code == 201
    body["answers"] = full_answers(seed=1)
    with caplog.at_level(logging.INFO, logger="survey"):
        reply = client.post(URL, json=body)
    assert reply.status_code == 409
    assert count_responses(app) == 1
    audit = session.scalar(
        select(AuditLog).where(AuditLog.action == "submission_conflict")
    )
    assert audit.detail == f"submission_id={body['submission_id']}"
    assert any(
        "reused with different content" in r.getMessage() for r in caplog.records
    )


@pytest.fixture
def ninety_seconds_later(monkeypatch):
    """Make signed tokens read the clock 90 s ahead, as if the page sat idle."""
    original = TimestampSigner.get_timestamp

    def later(self) -> int:
        return original(self) + 90

    def advance() -> None:
        monkeypatch.setattr(TimestampSigner, "get_timestamp", later)

    return advance


@pytest.mark.parametrize("mode", ["phone", "kiosk"])
def test_idle_page_token_expired_still_stored(app, client, ninety_seconds_later, mode):
    app.config["WTF_CSRF_TIME_LIMIT"] = 60
    url = "/s/STP"
    if mode == "kiosk":
        enrol_kiosk(app, client, "STP", "1")
        url = "/kiosk/STP/1"
    data = form_post_data(client, url)
    ninety_seconds_later()
    with app.test_request_context(), client.session_transaction() as stored:
        from flask import session as flask_session

        flask_session.update(stored)
        with pytest.raises(ValidationError):
            validate_csrf(data["csrf_token"])
    reply = client.post(url, data=data)
    assert reply.status_code == 303
    assert count_responses(app) == 1
