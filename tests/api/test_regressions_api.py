"""Hostile API requests: each gets a Vietnamese JSON error or is stored cleanly."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Answer, Response
from tests.factories import api_body

URL = "/api/v1/agencies/STP/responses"


def _count(session: Session) -> int:
    return session.scalar(select(func.count(Response.id)))


def _error(reply) -> str:
    return reply.get_json()["error"]["message"]


@pytest.mark.parametrize("version", [10**30, 2**63, 2**31])
def test_version_past_column_range(
    client: FlaskClient, session: Session, version: int
) -> None:
    reply = client.post(URL, json=api_body(version=version))

    assert reply.status_code == 404
    assert "Không tìm thấy phiếu" in _error(reply)
    assert _count(session) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/questionnaires/sipas-2017/99999999999999999999",
        "/api/v1/questionnaires/sipas-2017/2147483648",
        "/api/v1/questionnaires/%00/1",
        "/api/v1/indices?period=%00",
        "/api/v1/counts?period=%00",
    ],
)
def test_unstorable_url_value_not_found(client: FlaskClient, url: str) -> None:
    reply = client.get(url)

    assert reply.status_code == 404
    assert reply.is_json


def test_nul_in_agency_code(client: FlaskClient, session: Session) -> None:
    reply = client.post("/api/v1/agencies/%00/responses", json=api_body())

    assert reply.status_code == 404
    assert reply.is_json
    assert _count(session) == 0


@pytest.mark.parametrize("field", ["counter", "questionnaire"])
@pytest.mark.parametrize("value", ["1\x00", "\ud800"])
def test_unstorable_code_in_body(
    client: FlaskClient, session: Session, field: str, value: str
) -> None:
    # json.dumps writes a lone surrogate as the escape \ud800, as a client may.
    body = json.dumps(api_body(**{field: value}))

    reply = client.post(URL, data=body, content_type="application/json")

    assert reply.status_code == 404
    assert "Không tìm thấy" in _error(reply)
    assert _count(session) == 0


def test_lone_surrogate_in_comment(client: FlaskClient, session: Session) -> None:
    body = api_body()
    body["answers"]["YK"] = "Tốt \ud83d lắm"

    reply = client.post(URL, data=json.dumps(body), content_type="application/json")

    assert reply.status_code == 201
    stored = session.scalar(select(Answer.text).where(Answer.item_code == "YK"))
    assert stored == "Tốt \ufffd lắm"


@pytest.mark.parametrize(
    "captured_at",
    [
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "9999-12-31T23:00:00-14:00",  # after year 9999 in UTC
    ],
)
def test_captured_at_outside_calendar(
    client: FlaskClient, session: Session, captured_at: str
) -> None:
    reply = client.post(URL, json=api_body(captured_at=captured_at))

    assert reply.status_code == 400
    assert "captured_at" in _error(reply)
    assert _count(session) == 0
