"""A period with synthetic responses, a smaller previous period and a few comments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from analysis.table import AgencyRef
from survey.db import get_engine, new_session
from survey.indices import service as indices
from survey.indices import simulate
from survey.models import Agency
from survey.questionnaire import from_stored
from survey.responses.service import Submission, submit
from tests.factories import full_answers

COMMENTS = (
    "<b>x</b> được in nguyên văn",
    "<font color=red>đỏ</font> & &amp; < >",
    "Cán bộ tận tình, hướng dẫn rõ ràng",
)
# Agency left without any response, to show "no data".
EMPTY_AGENCY = "SDL"
COMMENT_AGENCY = "STNMT"


@dataclass(frozen=True)
class Filled:
    period: str
    previous: str
    agencies: list[AgencyRef]


def _simulate(
    app: Flask, period: str, total: int, seed: int, skip: str
) -> list[AgencyRef]:
    with app.app_context(), new_session() as session:
        request = indices.prepare(session, period, (), "sipas-2017")
        agencies = [a for a in request.agencies if a.code != skip]
        model = simulate.plan(
            request.version.id, from_stored(request.version), request.period, agencies
        )
        batches = simulate.generate(model, total, seed, batch_size=500)
        with get_engine().begin() as connection:
            simulate.insert_batches(connection, batches)
        return request.agencies


def _comment(app: Flask, comment: str, day: int) -> None:
    with app.app_context(), new_session() as session:
        request = indices.prepare(session, "2022", (), "sipas-2017")
        agency = session.scalar(select(Agency).where(Agency.code == COMMENT_AGENCY))
        answers = full_answers("sipas-2017")
        answers["YK"] = comment
        submit(
            session,
            Submission(
                submission_id=uuid.uuid4(),
                version=request.version,
                agency=agency,
                channel="online",
                answers=answers,
                captured_at=datetime(2022, 6, day, 3, tzinfo=UTC),
            ),
            text_limit=2000,
            timezone="Asia/Ho_Chi_Minh",
        )


@pytest.fixture
def filled(app: Flask) -> Filled:
    agencies = _simulate(app, "2022", 1000, seed=11, skip=EMPTY_AGENCY)
    _simulate(app, "2021", 500, seed=5, skip=EMPTY_AGENCY)
    for day, comment in enumerate(COMMENTS, start=1):
        _comment(app, comment, day)
    return Filled("2022", "2021", agencies)
