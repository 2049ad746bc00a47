"""Suspicious responses are stored, flagged with a reason and audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from survey.db import utcnow
from survey.integrity.checks import sign_start
from survey.models import AuditLog, Response
from tests.factories import api_body, enrol_kiosk, form_post_data, questionnaire

URL = "/api/v1/agencies/STP/responses"


def flags(session) -> list[str | None]:
    return [
        r.flag_reason for r in session.scalars(select(Response).order_by(Response.id))
    ]


def test_form_answered_too_fast_flagged(app, client, session):
    app.config["FORM_MIN_SECONDS"] = 30
    data = form_post_data(client, "/s/STP")
    assert client.post("/s/STP", data=data).status_code == 303
    assert flags(session) == ["too_fast"]
    audit = session.scalar(select(AuditLog).where(AuditLog.action == "flagged"))
    assert audit.detail == "too_fast"
    assert audit.actor == "system"


def test_form_answered_slowly_not_flagged(app, client, session):
    app.config["FORM_MIN_SECONDS"] = 30
    data = form_post_data(client, "/s/STP")
    data["started_at"] = sign_start("test-secret-key", utcnow() - timedelta(seconds=31))
    assert client.post("/s/STP", data=data).status_code == 303
    assert flags(session) == [None]


def test_forged_start_token_flagged(client, session):
    data = form_post_data(client, "/s/STP")
    data["started_at"] = "2020-01-01T00:00:00+00:00"
    assert client.post("/s/STP", data=data).status_code == 303
    assert flags(session) == ["invalid_start"]


def test_honeypot_flagged_not_rejected(client, session):
    data = form_post_data(client, "/s/STP")
    data["website"] = "http://spam.example"
    assert client.post("/s/STP", data=data).status_code == 303
    assert flags(session) == ["honeypot"]


def test_identical_scale_answers_flagged(client, session):
    body = api_body()
    for item in questionnaire().items():
        if item.type == "scale":
            body["answers"][item.code] = 4
    assert client.post(URL, json=body).status_code == 201
    assert flags(session) == ["straight_lining"]
    assert session.scalar(select(Response.flagged)) is True


def test_varied_answers_not_flagged(client, session):
    assert client.post(URL, json=api_body()).status_code == 201
    assert flags(session) == [None]


def test_kiosk_client_clock_too_fast(app, client, session):
    app.config["FORM_MIN_SECONDS"] = 30
    enrol_kiosk(app, client, "STP", "1")
    now = utcnow()
    quick = api_body(
        started_at=(now - timedelta(seconds=10)).isoformat(),
        captured_at=now.isoformat(),
    )
    slow = api_body(
        started_at=(now - timedelta(seconds=90)).isoformat(),
        captured_at=now.isoformat(),
    )
    assert client.post(URL, json=quick).status_code == 201
    assert client.post(URL, json=slow).status_code == 201
    assert flags(session) == ["too_fast", None]


def test_kiosk_burst_flagged(app, client, session):
    app.config["KIOSK_BURST_MIN"] = 3
    enrol_kiosk(app, client, "STP", "1")
    for _ in range(5):
        assert client.post(URL, json=api_body()).status_code == 201
    assert flags(session) == [None, None, None, "kiosk_burst", "kiosk_burst"]


def test_queued_kiosk_responses_not_a_burst(app, client, session):
    """Responses captured over an hour and sent together are no burst."""
    app.config["KIOSK_BURST_MIN"] = 3
    enrol_kiosk(app, client, "STP", "1")
    now = utcnow()
    for minutes in (60, 45, 30, 15, 0):
        captured = (now - timedelta(minutes=minutes)).isoformat()
        reply = client.post(URL, json=api_body(captured_at=captured))
        assert reply.status_code == 201
    assert flags(session) == [None] * 5
