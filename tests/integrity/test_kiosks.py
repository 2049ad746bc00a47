"""Registered kiosks: enrolment, credential, agency taken from the credential."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from survey.db import new_session
from survey.integrity import kiosks
from survey.models import Agency, AuditLog, Counter, Kiosk, Response
from tests.factories import api_body, enrol_kiosk, form_post_data

URL = "/api/v1/agencies/STP/responses"


def test_unregistered_kiosk_refused_with_message(client):
    page = client.get("/kiosk/STP/1")
    assert page.status_code == 403
    assert "chưa được đăng ký làm máy kiosk" in page.get_data(as_text=True)


def test_enrolment_sets_strict_httponly_cookie(app, client):
    kiosk_id = enrol_kiosk(app, client, "STP", "1")
    cookie = client.get_cookie(kiosks.COOKIE_NAME)
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Strict"
    assert client.get("/kiosk/STP/1").status_code == 200
    with new_session(app) as session:
        kiosk = session.get(Kiosk, kiosk_id)
        assert kiosk.credential_hash == kiosks.token_digest(cookie.value)
        assert kiosk.enrolment_hash is None
        actions = session.scalars(select(AuditLog.action)).all()
    assert actions == ["kiosk_issued", "kiosk_enrolled"]


def test_enrolment_link_works_once(app):
    result = app.test_cli_runner().invoke(
        args=["kiosk", "issue", "--agency", "STP", "--counter", "1"]
    )
    assert result.exit_code == 0, result.output
    link = re.search(r"(/kiosk/enrol/\S+)", result.output).group(1)
    first, second = app.test_client(), app.test_client()
    page = first.get(link).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert first.post(link, data={"csrf_token": token}).status_code == 303
    again = second.get(link)
    assert again.status_code == 404
    assert "đã được dùng, đã hết hạn" in again.get_data(as_text=True)
    assert "cấp đường dẫn mới" in again.get_data(as_text=True)


def test_kiosk_elsewhere_refused(app, client):
    enrol_kiosk(app, client, "STP", "1")
    page = client.get("/kiosk/STP/2")
    assert page.status_code == 403
    assert "được đăng ký cho" in page.get_data(as_text=True)


def test_revoked_kiosk_refused(app, client):
    kiosk_id = enrol_kiosk(app, client, "STP", "1")
    data = form_post_data(client, "/kiosk/STP/1")
    result = app.test_cli_runner().invoke(args=["kiosk", "revoke", str(kiosk_id)])
    assert result.exit_code == 0, result.output
    assert client.post("/kiosk/STP/1", data=data).status_code == 403
    assert client.post(URL, json=api_body(channel="kiosk")).status_code == 403


def test_api_takes_counter_from_credential(app, client, session):
    enrol_kiosk(app, client, "STP", "2")
    reply = client.post(URL, json=api_body())
    assert reply.status_code == 201, reply.get_json()
    response = session.scalar(select(Response))
    assert response.channel == "kiosk"
    assert session.get(Counter, response.counter_id).code == "2"


def test_api_credential_for_other_agency_refused(app, client):
    enrol_kiosk(app, client, "STP", "1")
    reply = client.post("/api/v1/agencies/QNHON/responses", json=api_body())
    assert reply.status_code == 403
    other_counter = client.post(URL, json=api_body(counter="2"))
    assert other_counter.status_code == 403


def test_api_kiosk_channel_needs_credential(client, session):
    reply = client.post(URL, json=api_body(channel="kiosk"))
    assert reply.status_code == 403
    forged = client.post(
        URL, json=api_body(), headers={"Authorization": "Bearer not-a-credential"}
    )
    assert forged.status_code == 403
    assert session.scalar(select(Response.id).limit(1)) is None


def test_bearer_credential_accepted(app, session):
    with new_session(app) as db:
        agency = db.scalar(select(Agency).where(Agency.code == "STP"))
        issued = kiosks.issue(
            db, agency, agency.counters[0], valid_for=timedelta(hours=1), actor="t"
        )
        _, credential = kiosks.enrol(db, issued.enrolment_token)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {credential}"}
    reply = client.post(URL, json=api_body(), headers=headers)
    assert reply.status_code == 201, reply.get_json()
    assert session.scalar(select(Response.channel)) == "kiosk"


def test_kiosk_list_command(app, client):
    enrol_kiosk(app, client, "STP", "1")
    result = app.test_cli_runner().invoke(args=["kiosk", "list"])
    assert result.exit_code == 0, result.output
    assert "STP\t1\t" in result.output
    assert "enrolled" in result.output
