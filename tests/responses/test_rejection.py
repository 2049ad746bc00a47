"""Invalid submissions get a 4xx with a clear message and store nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.models import Answer, Response
from tests.factories import api_body, checked_values, form_post_data

URL = "/api/v1/agencies/STP/responses"


def nothing_stored(session) -> bool:
    responses = session.scalar(select(func.count()).select_from(Response))
    answers = session.scalar(select(func.count()).select_from(Answer))
    return responses == 0 and answers == 0


def with_answers(**changes):
    body = api_body()
    for code, value in changes.items():
        if value is None:
            del body["answers"][code]
        else:
            body["answers"][code] = value
    return body


@pytest.mark.parametrize(
    ("body", "problem_code", "item"),
    [
        (with_answers(XYZ=3), "unknown_item", "XYZ"),
        (with_answers(TC1=6), "not_on_scale", "TC1"),
        (with_answers(TC1="rất tốt"), "not_on_scale", "TC1"),
        (with_answers(TC1=True), "not_on_scale", "TC1"),
        (with_answers(TC1=None), "missing", "TC1"),
        (with_answers(TC1="na"), "not_applicable_not_allowed", "TC1"),
        (with_answers(MD1=[1, 2, 3, 4]), "too_many_choices", "MD1"),
        (with_answers(TC1=[4, 5]), "one_value_expected", "TC1"),
        (with_answers(YK="x" * 2001), "text_too_long", "YK"),
        (with_answers(YK=12), "not_text", "YK"),
    ],
)
def test_invalid_answer_is_422_with_item(client, session, body, problem_code, item):
    reply = client.post(URL, json=body)
    assert reply.status_code == 422
    problems = reply.get_json()["error"]["problems"]
    assert {"item": item, "code": problem_code} in [
        {"item": p["item"], "code": p["code"]} for p in problems
    ]
    assert all(p["message"] for p in problems)
    assert nothing_stored(session)


@pytest.mark.parametrize(
    ("url", "kwargs", "status"),
    [
        ("/api/v1/agencies/NOPE/responses", {"json": api_body()}, 404),
        ("/api/v1/agencies/BDI/responses", {"json": api_body()}, 404),
        (URL, {"data": "{not json", "content_type": "application/json"}, 400),
        (URL, {"data": "answers=1", "content_type": "text/plain"}, 415),
        (URL, {"json": [1, 2]}, 400),
        (URL, {"json": api_body(submission_id="abc")}, 400),
        (URL, {"json": api_body(version="1")}, 400),
        (URL, {"json": api_body(version=9)}, 404),
        (URL, {"json": api_body(channel="paper")}, 400),
        (URL, {"json": api_body(counter="99")}, 404),
        (URL, {"json": api_body(captured_at="hôm qua")}, 400),
        (URL, {"json": api_body(answers=[1])}, 400),
        (URL, {"json": api_body(agency="SYT")}, 400),
        (URL, {"data": "[" * 70000, "content_type": "application/json"}, 413),
    ],
)
def test_malformed_request_is_rejected(client, session, url, kwargs, status):
    reply = client.post(url, **kwargs)
    assert reply.status_code == status
    error = reply.get_json()["error"]
    assert error["status"] == status
    assert error["message"]
    assert nothing_stored(session)


def test_form_errors_name_each_question(client, session):
    data = form_post_data(client, "/s/STP")
    del data["TC1"]
    data["CC2"] = "9"
    reply = client.post("/s/STP", data=data)
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert 'href="#q-TC1"' in html
    assert 'href="#q-CC2"' in html
    assert "chưa được trả lời" in html
    assert nothing_stored(session)


def test_form_keeps_answers_after_error(client):
    data = form_post_data(client, "/s/STP")
    del data["TC1"]
    html = client.post("/s/STP", data=data).get_data(as_text=True)
    checked = checked_values(html)
    assert checked["CC1"] == [data["CC1"]]
    assert checked["MD1"] == data["MD1"]
    assert "TC1" not in checked


def test_form_without_token_keeps_answers(client, session):
    data = form_post_data(client, "/s/STP")
    data["csrf_token"] = "forged"
    reply = client.post("/s/STP", data=data)
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    assert "Gửi phiếu" in html
    assert checked_values(html)["TC1"] == [data["TC1"]]
    assert nothing_stored(session)


def test_agency_cannot_come_from_form(client, session):
    data = form_post_data(client, "/s/STP")
    data["agency"] = "SYT"
    reply = client.post("/s/STP", data=data)
    assert reply.status_code == 422
    assert nothing_stored(session)


def test_unknown_agency_page_is_404(client):
    reply = client.get("/s/NOPE")
    assert reply.status_code == 404
    assert "Không tìm thấy" in reply.get_data(as_text=True)


def test_unknown_counter_is_404(client):
    assert client.get("/kiosk/STP/99").status_code == 404
