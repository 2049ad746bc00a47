"""Logs carry events and ids, never receipt codes or contact details."""

from __future__ import annotations

from pathlib import Path

from tests.factories import api_body, form_post_data
from tests.integrity.support import CONTACTS, RECEIPT_CODES, sensitive_strings

URL = "/api/v1/agencies/STP/responses"


def test_log_lines_hold_no_personal_data(app, client, suite_log: Path):
    app.config["SUBMISSION_LIMITS_ENABLED"] = True
    app.config["PHONE_LIMIT_ADDRESS"] = "4 per minute"
    code = RECEIPT_CODES[30]
    body = api_body(receipt_code=code, contact_opt_in=True, contact=CONTACTS[0])
    assert client.post(URL, json=body).status_code == 201
    duplicate = api_body(receipt_code=code, contact_opt_in=True, contact=CONTACTS[1])
    assert client.post(URL, json=duplicate).status_code == 409
    without_consent = api_body(receipt_code=RECEIPT_CODES[31], contact=CONTACTS[1])
    assert client.post(URL, json=without_consent).status_code == 422
    data = form_post_data(client, "/s/STP")
    data.update(receipt_code=code.lower(), contact_opt_in="1", contact=CONTACTS[1])
    assert client.post("/s/STP", data=data).status_code == 409
    throttled = api_body(receipt_code=RECEIPT_CODES[32])
    assert client.post(URL, json=throttled).status_code == 429

    text = suite_log.read_text(encoding="utf-8")
    # The events were logged, so the file really captures this test's records.
    assert "receipt code already used" in text
    assert "address submission limit reached" in text
    for value in sensitive_strings():
        assert value not in text, value
