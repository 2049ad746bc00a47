"""QR codes per agency and per counter, and the phone survey they lead to."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
import segno
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.agencies.queries import agency_by_code, counter_by_code
from survey.models import Response
from tests.factories import form_post_data


def _svg_sources(html: str) -> list[str]:
    return sorted(set(re.findall(r'<img[^>]* src="([^"]+qr\.svg[^"]*)"', html)))


def test_qr_page_has_card_per_counter(client: FlaskClient) -> None:
    page = client.get("/s/STP/qr")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('class="qr-card"') == 3
    assert _svg_sources(html) == [
        "/s/STP/qr.svg",
        "/s/STP/qr.svg?quay=1",
        "/s/STP/qr.svg?quay=2",
    ]
    assert "http://localhost/s/STP?quay=2" in html
    assert "Quầy số 2" in html


def test_qr_svg_is_self_contained(client: FlaskClient) -> None:
    svg = client.get("/s/STP/qr.svg?quay=1")
    body = svg.get_data(as_text=True)
    assert svg.status_code == 200
    assert svg.content_type == "image/svg+xml"
    assert body.startswith("<svg")
    # Only the SVG namespace may name another host; nothing is fetched.
    hosts = {urlsplit(url).netloc for url in re.findall(r'https?://[^"\s]+', body)}
    assert hosts <= {"www.w3.org"}


def test_qr_svg_encodes_counter_link(client: FlaskClient) -> None:
    # An independent encoding of the link a phone should open.
    expected = segno.make("http://localhost/s/STP?quay=1", error="m")
    buffer = io.BytesIO()
    expected.save(buffer, kind="svg", scale=8, border=4, xmldecl=False)
    assert client.get("/s/STP/qr.svg?quay=1").data == buffer.getvalue()
    assert client.get("/s/STP/qr.svg").data != buffer.getvalue()


def test_qr_svg_unknown_counter_is_404(client: FlaskClient) -> None:
    assert client.get("/s/STP/qr.svg?quay=99").status_code == 404


@pytest.mark.parametrize(
    ("link", "counter_code"),
    [("/s/STP?quay=2", "2"), ("/s/STP", None), ("/s/STP?quay=99", None)],
)
def test_phone_link_stores_counter(
    client: FlaskClient, session: Session, link: str, counter_code: str | None
) -> None:
    data = form_post_data(client, link)
    posted = client.post(link, data=data)
    assert posted.status_code == 303, posted.get_data(as_text=True)[:500]

    response = session.scalar(select(Response))
    assert response is not None
    assert response.channel == "online"
    agency = agency_by_code(session, "STP")
    expected = counter_by_code(session, agency, counter_code) if counter_code else None
    assert response.counter_id == (expected.id if expected else None)
