"""Hostile free text round-trips through submission, page and export unharmed."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from survey.models import Answer, Period
from survey.responses.validation import normalise_text
from tests.factories import api_body, form_post_data, questionnaire
from tests.reports.helpers import plain_text

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
    '<b>đậm</b> <font color="red" size="30">đỏ</font> <br/> &amp; &lt; &#65;',
    "\u2066isolate\u2069",
]
HOSTILE[11] = unicodedata.normalize("NFD", HOSTILE[11])
# How the PDF report prints a stored text where the two differ. DejaVu Sans
# lacks emoji, which become U+FFFD, and it lacks the invisible U+FEFF (in its
# oblique faces) and U+2066 to U+2069, which are dropped.
PDF_TEXT = {
    "zero\u200bwidth\u200d\ufeff": "zero\u200bwidth\u200d",
    "Rất tốt 👍🏽👨\u200d👩\u200d👧": (
        "Rất tốt \ufffd\ufffd\ufffd\u200d\ufffd\u200d\ufffd"
    ),
    "\u2066isolate\u2069": "isolate",
}
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


# The line above each quoted comment in the report.
COMMENT_SOURCE = re.compile(r"^Sở Tư pháp · \d{2}/\d{2}/\d{4}$", re.MULTILINE)
PERIOD_NAME = "Kỳ thử chuỗi độc hại"
# The page header and footer lines that pypdf extracts between comments at a
# page break.
PAGE_DECOR = re.compile(rf"^(Sở Nội vụ – Sở Tư pháp – {PERIOD_NAME}|Trang \d+/\d+|)$")


def _quoted_comments(printed: str) -> list[str]:
    """Return the comments of the report's comment section as extracted."""
    section = printed[printed.index("Ý kiến của người dân") :]
    quoted = []
    for chunk in COMMENT_SOURCE.split(section)[1:]:
        lines = [line for line in chunk.split("\n") if not PAGE_DECOR.match(line)]
        quoted.append("\n".join(lines))
    return quoted


def test_hostile_text_literal_in_pdf_report(client, staff_client, session):
    # Captured now: the responses fall in a three-day period around today.
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    session.add(
        Period(
            code="HOSTILE",
            name=PERIOD_NAME,
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=1),
        )
    )
    session.commit()

    for text in HOSTILE:
        body = api_body()
        body["answers"][TEXT_ITEM] = text
        assert client.post(URL, json=body).status_code == 201

    admin = staff_client("admin")
    reply = admin.get("/staff/reports/HOSTILE/agency/STP.pdf")
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    assert reply.headers["Content-Type"] == "application/pdf"
    quoted = _quoted_comments(plain_text(reply.get_data()))
    expected = [PDF_TEXT.get(normalise_text(t), normalise_text(t)) for t in HOSTILE]
    assert sorted(quoted) == sorted(expected)
    # Reportlab markup prints as typed: tags and entities stay literal.
    assert (
        '<b>đậm</b> <font color="red" size="30">đỏ</font> <br/> &amp; &lt; &#65;'
        in quoted
    )
    for comment in quoted:
        assert unicodedata.is_normalized("NFC", comment), comment
        assert re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", comment) is None, comment
