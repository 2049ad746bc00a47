"""A response is stored whole, once, with every answer, from each channel."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from survey.db import utcnow
from survey.models import Agency, Answer, Period, Response
from survey.questionnaire import get_version
from survey.responses.service import Submission, submit
from tests.factories import (
    api_body,
    enrol_kiosk,
    form_post_data,
    full_answers,
    questionnaire,
)


def stored_answers(session, response: Response) -> dict[str, object]:
    """Read a stored response back in the shape an API client sends."""
    multiple = {i.code for i in questionnaire().items() if i.type == "multichoice"}
    answers: dict[str, object] = {}
    rows = session.scalars(select(Answer).where(Answer.response_id == response.id))
    for answer in rows:
        if answer.not_applicable:
            answers[answer.item_code] = "na"
        elif answer.text is not None:
            answers[answer.item_code] = answer.text
        elif answer.item_code in multiple:
            answers.setdefault(answer.item_code, []).append(answer.value)
        else:
            answers[answer.item_code] = answer.value
    return answers


def count(session, model=Response) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_phone_form_stores_every_answer(client, session):
    data = form_post_data(client, "/s/STP")
    reply = client.post("/s/STP", data=data)
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith("/s/STP/cam-on")
    response = session.scalar(select(Response))
    assert response.channel == "online"
    assert session.get(Agency, response.agency_id).code == "STP"
    assert stored_answers(session, response) == full_answers()


def test_kiosk_form_stores_counter_and_channel(app, client, session):
    enrol_kiosk(app, client, "STP", "2")
    data = form_post_data(client, "/kiosk/STP/2")
    reply = client.post("/kiosk/STP/2", data=data)
    assert reply.status_code == 303
    response = session.scalar(select(Response))
    assert response.channel == "kiosk"
    assert response.counter_id is not None
    assert stored_answers(session, response) == full_answers()


def test_api_stores_every_answer(client, session):
    body = api_body()
    reply = client.post("/api/v1/agencies/STP/responses", json=body)
    assert reply.status_code == 201, reply.get_json()
    assert reply.get_json()["created"] is True
    response = session.scalar(select(Response))
    assert str(response.submission_id) == body["submission_id"]
    assert stored_answers(session, response) == full_answers()


def test_api_sipas_2022_and_counter_rating(client, session):
    for key in ("sipas-2022", "counter-rating"):
        reply = client.post("/api/v1/agencies/QNHON/responses", json=api_body(key))
        assert reply.status_code == 201, reply.get_json()
    assert count(session) == 2


def test_repeated_form_post_stores_once(client, session):
    data = form_post_data(client, "/s/STP")
    first = client.post("/s/STP", data=data)
    second = client.post("/s/STP", data=data)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert count(session) == 1


def test_repeated_api_post_returns_first_result(client, session):
    body = api_body()
    first = client.post("/api/v1/agencies/STP/responses", json=body)
    second = client.post("/api/v1/agencies/STP/responses", json=body)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.get_json()["id"] == first.get_json()["id"]
    assert second.get_json()["created"] is False
    assert count(session) == 1


def test_reused_id_with_other_answers_is_409(client, session):
    body = api_body()
    client.post("/api/v1/agencies/STP/responses", json=body)
    body["answers"] = full_answers(seed=1)
    reply = client.post("/api/v1/agencies/STP/responses", json=body)
    assert reply.status_code == 409
    assert "submission_id" in reply.get_json()["error"]["message"]
    assert count(session) == 1


def test_counts_per_agency(client, session):
    # A period around today, so that the test does not depend on the year.
    session.add(
        Period(
            code="HIEN-TAI",
            name="Hiện tại",
            starts_on=date.today() - timedelta(days=2),
            ends_on=date.today() + timedelta(days=2),
        )
    )
    session.commit()
    for agency in ("STP", "STP", "SYT"):
        client.post(f"/api/v1/agencies/{agency}/responses", json=api_body())
    reply = client.get("/api/v1/counts?period=HIEN-TAI")
    counts = {row["code"]: row["responses"] for row in reply.get_json()["agencies"]}
    assert counts == {"STP": 2, "SYT": 1}


def test_kiosk_capture_time_sets_period(app, client, session):
    # A kiosk may send a response queued two days ago; it counts on that day.
    session.add(
        Period(
            code="HOM-KIA",
            name="Hôm kia",
            starts_on=date.today() - timedelta(days=3),
            ends_on=date.today() - timedelta(days=1),
        )
    )
    session.commit()
    enrol_kiosk(app, client, "STP", "1")
    captured = (utcnow() - timedelta(days=2)).isoformat()
    reply = client.post(
        "/api/v1/agencies/STP/responses", json=api_body(captured_at=captured)
    )
    assert reply.status_code == 201
    period_code = session.scalar(
        select(Period.code).join(Response, Response.period_id == Period.id)
    )
    assert period_code == "HOM-KIA"


def test_old_kiosk_capture_time_is_redated(app, client, session):
    app.config["KIOSK_QUEUE_MAX_HOURS"] = 24
    enrol_kiosk(app, client, "STP", "1")
    captured = utcnow() - timedelta(hours=30)
    reply = client.post(
        "/api/v1/agencies/STP/responses",
        json=api_body(captured_at=captured.isoformat()),
    )
    assert reply.status_code == 201
    response = session.scalar(select(Response))
    assert response.captured_at == response.received_at


def test_anonymous_backdated_capture_rejected(client, session):
    old = (utcnow() - timedelta(minutes=61)).isoformat()
    reply = client.post(
        "/api/v1/agencies/STP/responses", json=api_body(captured_at=old)
    )
    assert reply.status_code == 422
    assert "captured_at" in reply.get_json()["error"]["message"]
    assert count(session) == 0
    recent = (utcnow() - timedelta(minutes=59)).isoformat()
    reply = client.post(
        "/api/v1/agencies/STP/responses", json=api_body(captured_at=recent)
    )
    assert reply.status_code == 201


def test_period_is_shortest_containing_local_day(session):
    # Two overlapping periods, neither inside the other. The first lasts 181
    # days and the second 45, so a day in both belongs to the second. Ends are
    # inclusive, and the day is taken in Vietnam time.
    session.add_all(
        [
            Period(
                code="H1-2019",
                name="Nửa đầu 2019",
                starts_on=date(2019, 1, 1),
                ends_on=date(2019, 6, 30),
            ),
            Period(
                code="DOT-2019",
                name="Đợt giữa năm 2019",
                starts_on=date(2019, 6, 1),
                ends_on=date(2019, 7, 15),
            ),
        ]
    )
    session.commit()

    captured = {
        "only-first": "2019-05-31T23:59:00+07:00",
        "both": "2019-06-30T10:00:00+07:00",
        # 18:30 UTC on 15 July is already 16 July in Vietnam.
        "after-both": "2019-07-15T18:30:00+00:00",
        "last-day-of-second": "2019-07-15T16:59:00+00:00",
    }

    # Stored as staff store paper forms: the API accepts old capture times
    # only from kiosks, and only for a few days.
    agency = session.scalar(select(Agency).where(Agency.code == "STP"))
    version = get_version(session, "sipas-2017", 1)
    ids = {}
    for label, moment in captured.items():
        result = submit(
            session,
            Submission(
                submission_id=uuid.uuid4(),
                version=version,
                agency=agency,
                channel="paper",
                answers=full_answers(),
                captured_at=datetime.fromisoformat(moment),
            ),
            text_limit=2000,
            timezone="Asia/Ho_Chi_Minh",
        )
        ids[label] = result.response_id

    codes = {
        label: session.scalar(
            select(Period.code)
            .join(Response, Response.period_id == Period.id)
            .where(Response.id == response_id)
        )
        for label, response_id in ids.items()
    }
    assert codes == {
        "only-first": "H1-2019",
        "both": "DOT-2019",
        "after-both": None,
        "last-day-of-second": "DOT-2019",
    }


def test_form_text_is_nfc_normalised(client, session):
    data = form_post_data(client, "/s/STP")
    decomposed = "Ca\u0301n bo\u0323\u0302 ta\u0323\u0302n ti\u0300nh"
    data["YK"] = decomposed + "\x00\x07"
    assert client.post("/s/STP", data=data).status_code == 303
    text = session.scalar(select(Answer.text).where(Answer.item_code == "YK"))
    assert text == "Cán bộ tận tình"


def test_unique_ids_per_form_render(client):
    first = form_post_data(client, "/s/STP")["submission_id"]
    second = form_post_data(client, "/s/STP")["submission_id"]
    assert uuid.UUID(first) != uuid.UUID(second)


def test_api_stores_criteria_summary(client, session):
    for key in ("sipas-2017", "counter-rating"):
        reply = client.post("/api/v1/agencies/QNHON/responses", json=api_body(key))
        assert reply.status_code == 201, reply.get_json()
    summaries = {
        response.questionnaire_version.key: response.criteria_values
        for response in session.scalars(select(Response))
    }
    answers = full_answers()
    expected = "".join(
        "-" if answers[code] == "na" else str(answers[code])
        for code in questionnaire().criterion_codes
    )
    assert "-" in expected
    assert summaries["sipas-2017"] == expected
    assert summaries["counter-rating"] is None
