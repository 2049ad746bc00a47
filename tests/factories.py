"""Builders of test data: complete answer sets and submissions."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

from survey.config import PROJECT_ROOT
from survey.questionnaire.store import read_file


def questionnaire(key: str = "sipas-2017", version: int = 1):
    return read_file(PROJECT_ROOT / "questionnaires" / key / f"v{version}.yaml")


def full_answers(key: str = "sipas-2017", seed: int = 0) -> dict[str, Any]:
    """Return an answer to every item, varied by ``seed``, as an API client sends it."""
    answers: dict[str, Any] = {}
    for index, item in enumerate(questionnaire(key).items()):
        values = sorted(item.values)
        if item.type == "text":
            answers[item.code] = "Cán bộ tận tình, hướng dẫn rõ ràng"
        elif item.type == "multichoice":
            answers[item.code] = values[: item.max_choices or 1]
        elif item.not_applicable and (index + seed) % 3 == 0:
            answers[item.code] = "na"
        else:
            answers[item.code] = values[(index + seed) % len(values)]
    return answers


def api_body(key: str = "sipas-2017", **extra: Any) -> dict[str, Any]:
    body = {
        "submission_id": str(uuid.uuid4()),
        "questionnaire": key,
        "version": 1,
        "answers": full_answers(key),
    }
    body.update(extra)
    return body


def form_fields(html: str) -> dict[str, str]:
    """Return the hidden fields of the survey form in ``html``."""
    return dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    )


def form_post_data(
    client: FlaskClient, url: str, key: str = "sipas-2017"
) -> dict[str, Any]:
    """Open the form at ``url``; return what a browser posts, every item answered."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data: dict[str, Any] = form_fields(page.get_data(as_text=True))
    for code, value in full_answers(key).items():
        data[code] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def enrol_kiosk(
    app, client: FlaskClient, agency: str = "STP", counter: str = "1"
) -> int:
    """Register a kiosk and enrol ``client`` as it; return the kiosk id."""
    from datetime import timedelta

    from survey.agencies.queries import agency_by_code, counter_by_code
    from survey.db import new_session
    from survey.integrity import kiosks

    with new_session(app) as session:
        unit = agency_by_code(session, agency)
        desk = counter_by_code(session, unit, counter)
        issued = kiosks.issue(
            session, unit, desk, valid_for=timedelta(hours=1), actor="test"
        )
    url = f"/kiosk/enrol/{issued.enrolment_token}"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    reply = client.post(url, data={"csrf_token": token.group(1)})
    assert reply.status_code == 303, reply.status_code
    return issued.kiosk_id


class _CheckedInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.checked: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        if tag == "input" and "checked" in fields and fields.get("name"):
            self.checked.setdefault(fields["name"], []).append(
                fields.get("value") or ""
            )


def checked_values(html: str) -> dict[str, list[str]]:
    """Return the values of the radio buttons and check boxes ticked in ``html``."""
    parser = _CheckedInputs()
    parser.feed(html)
    return parser.checked
