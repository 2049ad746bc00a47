"""Hostile free text round-trips through submission, page and export unharmed."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from sqlalchemy import select

from survey.models import Answer
from survey.responses.validation import normalise_text
from tests.factories import api_body, form_post_data, questionnaire

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }} {% raw %}",
    '=HYPERLINK("http://evil.example","bấm")',
    "+SUM(A1:A9)",
    "-2+3",
    "@cmd",
    "\tTab đầu dòng",
    "a\x00b\x07c\x1bd",
    "zero\u200bwidth\u200d\ufeff",
    "\u202eRTL override\u202c",
    "Cán bộ tận tình",  # decomposed below
    "Rất tốt 👍🏽👨‍👩‍👧",
    "dòng 1\r\ndòng 2\rdòng 3",
]
HOSTILE[11] = unicodedata.normalize("NFD", HOSTILE[11])
TEXT_ITEM = next(i.code for i in questionnaire().items() if i.type == "text")
URL = "/api/v1/agencies/STP/responses"


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_stored_normalised(client, session, text):
    body = api_body()
    body["answers"][TEXT_ITEM] = text
    assert client.post(URL, json=body).status_code == 201
    stored = session.scalar(select(Answer.text).where(Answer.item_code == TEXT_ITEM))
    assert stored == normalise_text(text)
    assert unicodedata.is_normalized("NFC", stored)
    assert "\x00" not in stored


def test_nfc_text_limit_same_on_both_channels(app, client):
    limit = app.config["TEXT_MAX_LENGTH"]
    # Decomposed, the text is longer than the limit; composed, it fits.
    text = unicodedata.normalize("NFD", "ệ" * limit)
    body = api_body()
    body["answers"][TEXT_ITEM] = text
    assert client.post(URL, json=body).status_code == 201
    body = api_body()
    body["answers"][TEXT_ITEM] = text + "x"
    assert client.post(URL, json=body).status_code == 422
    data = form_post_data(client, "/s/STP")
    data[TEXT_ITEM] = text + "x"
    assert client.post("/s/STP", data=data).status_code == 422


def test_hostile_text_escaped_on_form_page(client):
    data = form_post_data(client, "/s/STP")
    data[TEXT_ITEM] = HOSTILE[0] + HOSTILE[1]
    data["receipt_code"] = HOSTILE[1]
    del data["TC1"]
    html = client.post("/s/STP", data=data).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_hostile_text_safe_in_csv_export(client, staff_client):
    for text in HOSTILE:
        body = api_body()
        body["answers"][TEXT_ITEM] = text
        assert client.post(URL, json=body).status_code == 201
    admin = staff_client("admin")
    reply = admin.get("/staff/exports/responses?format=csv&questionnaire=sipas-2017")
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    rows = list(
        csv.DictReader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff")))
    )
    assert len(rows) == len(HOSTILE)
    column = next(name for name in rows[0] if TEXT_ITEM in name)
    exported = {row[column] for row in rows}
    for text in HOSTILE:
        clean = normalise_text(text)
        if clean[:1] in "=+-@\t\r":
            assert "'" + clean in exported, clean
            assert clean not in exported, clean
        else:
            assert clean in exported, clean
