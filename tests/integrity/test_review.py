"""Administrators review flagged responses; every change is audited."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import AuditLog, Response
from tests.factories import api_body, form_fields, questionnaire

URL = "/api/v1/agencies/STP/responses"


def _straight_body() -> dict:
    body = api_body()
    for item in questionnaire().items():
        if item.type == "scale":
            body["answers"][item.code] = 5
    return body


def test_admin_unflags_and_flags_with_audit(client, staff_client, session):
    assert client.post(URL, json=_straight_body()).status_code == 201
    response_id = session.scalar(select(Response.id))
    admin = staff_client("admin")
    page = admin.get("/staff/review")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "straight_lining" in html
    token = form_fields(html)["csrf_token"]

    data = {"csrf_token": token, "response_id": str(response_id), "note": "<b>ok</b>"}
    reply = admin.post("/staff/review", data={**data, "action": "unflag"})
    assert reply.status_code == 303
    session.expire_all()
    assert session.get(Response, response_id).flagged is False
    reply = admin.post("/staff/review", data={**data, "action": "flag"})
    session.expire_all()
    assert session.get(Response, response_id).flagged is True
    assert session.get(Response, response_id).flag_reason == "straight_lining,staff"

    entries = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [e.action for e in entries] == ["flagged", "unflagged", "flagged"]
    assert entries[1].actor == f"staff:{admin.staff_user_id}"
    assert entries[1].detail == "before=straight_lining; note=<b>ok</b>"
    history = admin.get("/staff/review").get_data(as_text=True)
    assert "&lt;b&gt;ok&lt;/b&gt;" in history
    assert "<b>ok</b>" not in history


def test_review_closed_to_other_roles(client, staff_client):
    assert staff_client("viewer").get("/staff/review").status_code == 403
    assert staff_client("agency", "STP").get("/staff/review").status_code == 403
    assert client.get("/staff/review").status_code in (302, 303)
