"""A small set of counter ratings whose summaries are computed by hand in the tests.

Times are Vietnam local time (UTC+7). Indicator answers are listed CS1..CS9;
None leaves the indicator blank.

| name | where | local capture time   | DG | CS1..CS9          | note             |
|------|-------|----------------------|----|-------------------|------------------|
| r1   | STP/1 | 2021-10-01 06:00     | 3  | 2 2 2 2 2 2 2 2 2 | 30/9 23:00 UTC   |
| r2   | STP/1 | 2021-11-08 06:00 Mon | 2  | 1 2 2 1 2 2 2 0 2 | Sun 23:00 UTC    |
| r3   | STP/2 | 2021-12-31 23:59     | 1  | 0 1 2 2 2 2 2 - 2 | 16:59 UTC        |
| r4   | STP/2 | 2022-01-01 00:00     | 3  | 2 × 9             | 2022-Q1          |
| r5   | STP/1 | 2021-09-30 23:59     | 1  | 2 × 9             | 2021-Q3          |
| r6   | STP/1 | 2021-10-20 10:00     | 1  | 0 × 9             | flagged          |
| r7   | SNV/1 | 2021-10-15 10:00     | 2  | 1 1 1 1 1 1 1 - 1 |                  |
| r8   | SNV/- | 2021-12-01 10:00     | 3  | 2 × 9             | by QR, no counter |
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.agencies.queries import agency_by_code, counter_by_code
from survey.models import Response
from survey.questionnaire import latest_version
from survey.responses.service import Submission, submit

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
ALL_TWO = [2] * 9

RATINGS = {
    "r1": ("STP", "1", (2021, 10, 1, 6, 0), 3, ALL_TWO),
    "r2": ("STP", "1", (2021, 11, 8, 6, 0), 2, [1, 2, 2, 1, 2, 2, 2, 0, 2]),
    "r3": ("STP", "2", (2021, 12, 31, 23, 59), 1, [0, 1, 2, 2, 2, 2, 2, None, 2]),
    "r4": ("STP", "2", (2022, 1, 1, 0, 0), 3, ALL_TWO),
    "r5": ("STP", "1", (2021, 9, 30, 23, 59), 1, ALL_TWO),
    "r6": ("STP", "1", (2021, 10, 20, 10, 0), 1, [0] * 9),
    "r7": ("SNV", "1", (2021, 10, 15, 10, 0), 2, [1, 1, 1, 1, 1, 1, 1, None, 1]),
    "r8": ("SNV", None, (2021, 12, 1, 10, 0), 3, ALL_TWO),
}
FLAGGED = ("r6",)


def rate(
    session: Session,
    agency_code: str,
    counter_code: str | None,
    local: datetime,
    rating: int,
    indicators: list[int | None],
) -> int:
    """Store one counter rating through the submit path; return the response id."""
    agency = agency_by_code(session, agency_code)
    assert agency is not None
    counter = counter_by_code(session, agency, counter_code) if counter_code else None
    version = latest_version(session, "counter-rating")
    assert version is not None
    answers: dict[str, int] = {"DG": rating}
    for number, value in enumerate(indicators, start=1):
        if value is not None:
            answers[f"CS{number}"] = value
    result = submit(
        session,
        Submission(
            submission_id=uuid.uuid4(),
            version=version,
            agency=agency,
            channel="kiosk" if counter else "online",
            answers=answers,
            counter=counter,
            captured_at=local,
        ),
        text_limit=2000,
        timezone="Asia/Ho_Chi_Minh",
    )
    return result.response_id


def load(session: Session) -> dict[str, int]:
    """Store the ratings of the table above and flag r6; return ids by name."""
    ids = {}
    for name, (agency, counter, moment, rating, indicators) in RATINGS.items():
        local = datetime(*moment, tzinfo=VIETNAM)
        ids[name] = rate(session, agency, counter, local, rating, indicators)
    session.execute(
        update(Response)
        .where(Response.id.in_([ids[name] for name in FLAGGED]))
        .values(flagged=True, flag_reason="test")
    )
    session.commit()
    stored = session.scalars(select(Response.captured_at).order_by(Response.id)).all()
    assert len(stored) == len(RATINGS)
    return ids
