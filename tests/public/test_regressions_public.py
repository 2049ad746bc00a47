"""Hostile URLs and form fields on the public pages: a clear 4xx, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Response
from tests.factories import form_post_data

# NUL reaches PostgreSQL as a text parameter, which the driver rejects.
NUL_URLS = [
    "/s/%00",
    "/s/STP?quay=%00",
    "/s/STP?q=%00",
    "/kiosk/%00/1",
    "/kiosk/STP/%00",
    "/s/%00/qr.svg",
    "/s/STP/qr.svg?quay=%00",
    "/s/%00/cam-on",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_url_not_found(client: FlaskClient, url: str) -> None:
    reply = client.get(url)

    assert reply.status_code == 404
    assert "Không tìm thấy" in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    "version",
    [
        "99999999999999999999",  # past 64 bits: SQLite raises OverflowError
        "2147483648",  # past 32 bits: PostgreSQL raises NumericValueOutOfRange
        "²",  # str.isdigit() accepts it, int() does not
    ],
)
def test_form_version_out_of_range(
    client: FlaskClient, session: Session, version: str
) -> None:
    data = form_post_data(client, "/s/STP")
    data["version"] = version

    reply = client.post("/s/STP", data=data)

    assert reply.status_code == 404
    assert session.scalar(select(func.count(Response.id))) == 0


def test_form_questionnaire_key_with_nul(client: FlaskClient, session: Session) -> None:
    data = form_post_data(client, "/s/STP")
    data["questionnaire"] = "sipas-2017\x00"

    reply = client.post("/s/STP", data=data)

    assert reply.status_code == 404
    assert session.scalar(select(func.count(Response.id))) == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_on_page(client: FlaskClient, method: str) -> None:
    reply = client.open("/s/STP/cam-on", method=method)

    assert reply.status_code == 405
    assert "GET" in reply.headers.get("Allow", "")
    assert "Phương thức này không được hỗ trợ" in reply.get_data(as_text=True)
