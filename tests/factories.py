"""Builders of test data: complete answer sets and submissions."""

from __future__ import annotations

import re
import uuid
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
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def form_post_data(client: FlaskClient, url: str, key: str = "sipas-2017") -> dict[str, Any]:
    """Open the form at ``url`` and return the data a browser would post, fully answered."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data: dict[str, Any] = form_fields(page.get_data(as_text=True))
    for code, value in full_answers(key).items():
        data[code] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data
