"""Submission limits: per kiosk (all kiosks of a centre share one address) and
per address for phones, shared across processes through Redis."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.conftest import make_app
from tests.factories import api_body, enrol_kiosk, form_post_data
from tests.integrity.support import count_responses

URL = "/api/v1/agencies/STP/responses"


@pytest.fixture
def limited(app):
    app.config["SUBMISSION_LIMITS_ENABLED"] = True
    return app


def test_four_kiosks_one_address_all_accepted(limited):
    """Four kiosks behind one address send five responses each within a minute."""
    limited.config["KIOSK_MIN_GAP_SECONDS"] = 2
    clients = []
    # Two kiosks at each of the two counters of STP: limits follow the kiosk.
    for counter in ("1", "1", "2", "2"):
        client = limited.test_client()
        enrol_kiosk(limited, client, "STP", counter)
        clients.append(client)
    started = time.monotonic()
    for round_number in range(5):
        if round_number:
            time.sleep(2.1)
        for client in clients:
            reply = client.post(URL, json=api_body())
            assert reply.status_code == 201, reply.get_json()
    assert time.monotonic() - started < 60
    assert count_responses(limited, channel="kiosk") == 20


def test_kiosk_gap_enforced_with_retry_after(limited):
    client = limited.test_client()
    enrol_kiosk(limited, client, "STP", "1")
    assert client.post(URL, json=api_body()).status_code == 201
    early = client.post(URL, json=api_body())
    assert early.status_code == 429
    assert (
        1
        <= int(early.headers["Retry-After"])
        <= limited.config["KIOSK_MIN_GAP_SECONDS"]
    )
    assert count_responses(limited) == 1


def test_repeat_of_stored_submission_not_limited(limited):
    client = limited.test_client()
    enrol_kiosk(limited, client, "STP", "1")
    body = api_body()
    assert client.post(URL, json=body).status_code == 201
    assert client.post(URL, json=body).status_code == 200


def test_twenty_phone_posts_one_address_throttled(limited, client):
    statuses = [client.post(URL, json=api_body()).status_code for _ in range(20)]
    assert statuses[:10] == [201] * 10
    assert statuses[10:] == [429] * 10
    assert count_responses(limited) == 10


def test_throttled_form_keeps_answers(limited, client):
    limited.config["PHONE_LIMIT_ADDRESS"] = "1 per minute"
    first = form_post_data(client, "/s/STP")
    assert client.post("/s/STP", data=first).status_code == 303
    second = form_post_data(client, "/s/STP")
    reply = client.post("/s/STP", data=second)
    assert reply.status_code == 429
    assert "Retry-After" in reply.headers
    html = reply.get_data(as_text=True)
    assert "Các câu trả lời vẫn được giữ nguyên" in html
    assert f'value="{second["submission_id"]}"' in html


def test_limits_shared_through_redis(database_url, tmp_path):
    """Two apps stand for two server processes; Redis holds one count."""
    settings = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "SUBMISSION_LIMITS_ENABLED": True,
        "PHONE_LIMIT_ADDRESS": "3 per minute",
    }
    first = make_app(database_url, tmp_path / "a", **settings)
    second = make_app(database_url, tmp_path / "b", **settings)
    with first.app_context():
        from survey.cli import load_agencies, load_questionnaires

        load_questionnaires(first)
        load_agencies(first)
    statuses = [
        app.test_client().post(URL, json=api_body()).status_code
        for app in (first, second, first, second)
    ]
    assert statuses == [201, 201, 201, 429]
