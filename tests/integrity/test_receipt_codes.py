"""One response per dossier: the receipt code, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from survey.integrity.purge import purge
from survey.integrity.receipts import normalise_code
from survey.models import ContactDetails, ReceiptCode, Response
from tests.factories import api_body, form_post_data
from tests.integrity.support import (
    CONTACTS,
    RECEIPT_CODES,
    count_responses,
    post_json,
    serve,
)

URL = "/api/v1/agencies/STP/responses"


def test_code_stored_only_as_keyed_hash(app, client, session):
    app.config["RECEIPT_CODE_KEY"] = "test-receipt-key"
    code = RECEIPT_CODES[0]
    reply = client.post(URL, json=api_body(receipt_code=f"  {code.lower()} "))
    assert reply.status_code == 201, reply.get_json()
    stored = session.scalars(select(ReceiptCode)).all()
    assert len(stored) == 1
    expected = hmac.new(b"test-receipt-key", code.encode(), hashlib.sha256).hexdigest()
    assert stored[0].code_hash == expected
    assert stored[0].questionnaire_key == "sipas-2017"


def test_second_response_same_code_refused(client, session):
    code = RECEIPT_CODES[1]
    first = client.post(URL, json=api_body(receipt_code=code))
    second = client.post(URL, json=api_body(receipt_code=code.replace("-", " - ")))
    assert first.status_code == 201
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "duplicate_receipt"
    assert "Mã hồ sơ này đã được dùng" in error["message"]
    assert session.scalar(select(ReceiptCode.id).limit(1)) is not None
    assert len(session.scalars(select(Response)).all()) == 1


def test_same_code_other_questionnaire_accepted(client):
    code = RECEIPT_CODES[2]
    assert client.post(URL, json=api_body(receipt_code=code)).status_code == 201
    other = api_body("sipas-2022", receipt_code=code)
    assert client.post(URL, json=other).status_code == 201


def test_retry_same_submission_with_code(client):
    body = api_body(receipt_code=RECEIPT_CODES[3])
    assert client.post(URL, json=body).status_code == 201
    again = client.post(URL, json=body)
    assert again.status_code == 200
    assert again.get_json()["created"] is False


@pytest.mark.parametrize(
    "bad", ["ab", "mã hồ sơ", "<b>X1234</b>", "=CMD()", "A" * 61, 12345]
)
def test_invalid_code_rejected(client, bad):
    reply = client.post(URL, json=api_body(receipt_code=bad))
    assert reply.status_code == 422
    problems = reply.get_json()["error"]["problems"]
    assert [p["item"] for p in problems] == ["receipt_code"]


def test_form_duplicate_code_keeps_answers(client, session):
    code = RECEIPT_CODES[4]
    first = form_post_data(client, "/s/STP")
    first["receipt_code"] = code
    assert client.post("/s/STP", data=first).status_code == 303
    second = form_post_data(client, "/s/STP")
    second["receipt_code"] = code
    reply = client.post("/s/STP", data=second)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 409
    assert "Mã hồ sơ này đã được dùng để đánh giá" in html
    assert f'value="{code}"' in html
    assert len(session.scalars(select(Response)).all()) == 1


def test_normalise_code_forms():
    assert normalise_code(" h08 - 0001 ") == "H08-0001"
    assert normalise_code("Ｈ０８-０００１") == "H08-0001"
    assert normalise_code("H0\u200b8-0001") is None


def test_twenty_concurrent_same_code_store_one(app, backend):
    """Twenty clients send the same code at once; the unique constraint decides."""
    code = RECEIPT_CODES[5]
    results: list[int] = []
    barrier = threading.Barrier(20)
    with serve(app) as base:

        def send() -> None:
            body = api_body(receipt_code=code)
            barrier.wait()
            status, _, _ = post_json(f"{base}{URL}", body)
            results.append(status)

        threads = [threading.Thread(target=send) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(results) == [201] + [409] * 19
    assert count_responses(app) == 1


def test_purge_applies_retention(app, client, session):
    code = RECEIPT_CODES[6]
    body = api_body(receipt_code=code, contact_opt_in=True, contact=CONTACTS[0])
    assert client.post(URL, json=body).status_code == 201
    row = session.scalar(select(ContactDetails))
    assert row.contact == CONTACTS[0]
    assert row.delete_after - row.consented_at == timedelta(days=90)
    stored_on = session.scalar(select(ReceiptCode.created_on))

    kept = purge(
        session,
        now=row.delete_after - timedelta(seconds=1),
        today=stored_on + timedelta(days=365),
        receipt_days=365,
        actor="test",
    )
    assert (kept.receipt_codes, kept.contact_details) == (0, 0)
    gone = purge(
        session,
        now=row.delete_after,
        today=stored_on + timedelta(days=366),
        receipt_days=365,
        actor="test",
    )
    assert (gone.receipt_codes, gone.contact_details) == (1, 1)
    assert client.post(URL, json=api_body(receipt_code=code)).status_code == 201
    assert session.scalar(select(Response.id).limit(1)) is not None


def test_purge_command_runs(app):
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 0 receipt-code hashes and 0 contact details" in result.output


def test_contact_requires_opt_in(client, session):
    without = client.post(URL, json=api_body(contact=CONTACTS[1]))
    assert without.status_code == 422
    assert without.get_json()["error"]["problems"][0]["item"] == "contact"
    empty = client.post(URL, json=api_body(contact_opt_in=True, contact=""))
    assert empty.status_code == 422
    assert session.scalar(select(ContactDetails.id).limit(1)) is None
