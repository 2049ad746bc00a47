"""Synthetic responses for demonstrations, load tests and benchmarks.

Every generated response has ``is_synthetic = True``. The model, on a latent
satisfaction scale where 1-5 are the answer values:

    x_ic = mu + agency_a + mood_i + item_c + noise_ic

- ``mu`` = 4.3, the province-wide level (about 80 % answer 4 or 5);
- ``agency_a`` ~ N(0, 0.25²), fixed per agency, so agencies differ;
- ``mood_i`` ~ N(0, 0.6²), one per respondent, so answers of one respondent
  correlate;
- ``item_c`` ~ N(0, 0.15²), fixed per item: some criteria are harder;
- ``noise_ic`` ~ N(0, 0.7²).

The answer is x rounded to the nearest whole number and clipped to 1-5. A
respondent skips the feedback element (items that offer N/A) with probability
0.6 and then answers N/A to all of them. Element and overall satisfaction items
follow the same model. Channels are drawn with kiosk 50 %, online 30 %, paper
20 %; agencies get responses in proportion to a random size ~ lognormal(0, 0.5).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from analysis.summary import AnswerValue, criteria_values
from analysis.table import AgencyRef
from survey.models import Answer, Period, Response
from survey.questionnaire import Questionnaire

MU = 4.3
AGENCY_SD = 0.25
MOOD_SD = 0.6
ITEM_SD = 0.15
NOISE_SD = 0.7
SKIP_FEEDBACK = 0.6
CHANNELS = ("kiosk", "online", "paper")
CHANNEL_SHARES = (0.5, 0.3, 0.2)
SATISFACTION_ROLES = ("criterion", "element_satisfaction", "overall_satisfaction")
# Counter ratings: the overall rating and the scored indicators.
COUNTER_ROLES = ("rating", "indicator")


@dataclass(frozen=True)
class SimulationPlan:
    version_id: int
    period: Period
    agencies: Sequence[AgencyRef]
    # Scale items answered by every synthetic respondent, in questionnaire order.
    items: tuple[str, ...]
    # Items answered N/A by respondents who skip the feedback element.
    skippable: frozenset[str]
    # Lowest and highest option value of each item, in the order of ``items``.
    ranges: tuple[tuple[int, int], ...] = ()
    # The questionnaire's criteria, in the order of responses.criteria_values.
    criterion_codes: tuple[str, ...] = ()


def plan(
    version_id: int,
    questionnaire: Questionnaire,
    period: Period,
    agencies: Sequence[AgencyRef],
) -> SimulationPlan:
    chosen = [
        item
        for item in questionnaire.items()
        if (item.type == "scale" and item.role in SATISFACTION_ROLES)
        or item.role in COUNTER_ROLES
    ]
    if not chosen:
        raise ValueError(
            f"{questionnaire.label} has no rated items to simulate: "
            "choose a questionnaire with criteria, ratings or indicators"
        )
    items = tuple(item.code for item in chosen)
    ranges = tuple((min(item.values), max(item.values)) for item in chosen)
    skippable = frozenset(
        item.code
        for item in questionnaire.items()
        if item.code in items and item.not_applicable
    )
    if not agencies:
        raise ValueError("agencies is empty: simulate needs at least one agency")
    return SimulationPlan(
        version_id,
        period,
        agencies,
        items,
        skippable,
        ranges,
        questionnaire.criterion_codes,
    )


def generate(
    simulation: SimulationPlan, total: int, seed: int, batch_size: int = 2000
) -> Iterator[tuple[list[dict[str, Any]], list[list[tuple[str, int | None]]]]]:
    """Yield batches of (response rows, answers of each response) from the model."""
    rng = np.random.default_rng(seed)
    agency_effect = rng.normal(0, AGENCY_SD, len(simulation.agencies))
    item_effect = rng.normal(0, ITEM_SD, len(simulation.items))
    sizes = rng.lognormal(0, 0.5, len(simulation.agencies))
    agency_share = sizes / sizes.sum()
    skippable = np.array([code in simulation.skippable for code in simulation.items])
    days = (simulation.period.ends_on - simulation.period.starts_on).days + 1
    start = datetime.combine(simulation.period.starts_on, time(1, 0), tzinfo=UTC)
    made = 0
    while made < total:
        count = min(batch_size, total - made)
        agency_index = rng.choice(len(simulation.agencies), size=count, p=agency_share)
        mood = rng.normal(0, MOOD_SD, count)
        noise = rng.normal(0, NOISE_SD, (count, len(simulation.items)))
        latent = (
            MU + agency_effect[agency_index, None] + mood[:, None] + item_effect + noise
        )
        scores = np.clip(np.rint(latent), 1, 5).astype(int)
        if simulation.ranges:
            # Map the 1-5 latent score onto each item's own option range, so a
            # 2/1/0 indicator or a 3-level rating follows the same mood.
            low = np.array([r[0] for r in simulation.ranges])
            high = np.array([r[1] for r in simulation.ranges])
            scores = low + np.rint((scores - 1) / 4 * (high - low)).astype(int)
        skips = rng.random(count) < SKIP_FEEDBACK
        channel = rng.choice(len(CHANNELS), size=count, p=CHANNEL_SHARES)
        offsets = rng.integers(0, days * 86400 - 7200, count)
        ids = rng.integers(0, 2**63, (count, 2), dtype=np.uint64)
        responses, answers = [], []
        for row in range(count):
            chosen: list[tuple[str, int | None]] = []
            for column, code in enumerate(simulation.items):
                if skippable[column] and skips[row]:
                    chosen.append((code, None))
                else:
                    chosen.append((code, int(scores[row, column])))
            received = start + timedelta(seconds=int(offsets[row]))
            high, low = (int(part) for part in ids[row])
            responses.append(
                {
                    "submission_id": uuid.UUID(int=(high << 64) | low, version=4),
                    "questionnaire_version_id": simulation.version_id,
                    "agency_id": simulation.agencies[int(agency_index[row])].id,
                    "counter_id": None,
                    "period_id": simulation.period.id,
                    "channel": CHANNELS[int(channel[row])],
                    "received_at": received,
                    "captured_at": received,
                    "answers_digest": _digest(chosen),
                    "is_synthetic": True,
                    "flagged": False,
                    "flag_reason": None,
                    "criteria_values": criteria_values(
                        simulation,
                        (
                            AnswerValue(code, value, value is None)
                            for code, value in chosen
                        ),
                    ),
                }
            )
            answers.append(chosen)
        made += count
        yield responses, answers


def _digest(chosen: list[tuple[str, int | None]]) -> str:
    canonical = ";".join(
        f"{code}={'na' if value is None else value}" for code, value in chosen
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def insert_batches(
    connection: Connection,
    batches: Iterator[tuple[list[dict[str, Any]], list[list[tuple[str, int | None]]]]],
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Insert each batch with two multi-row statements; return the responses stored.

    The response ids come back in parameter order (INSERT ... RETURNING), so the
    answers can refer to them without a look-up per response.
    """
    stored = 0
    for responses, answers in batches:
        ids = (
            connection.execute(
                insert(Response).returning(Response.id, sort_by_parameter_order=True),
                responses,
            )
            .scalars()
            .all()
        )
        rows = [
            {
                "response_id": response_id,
                "item_code": code,
                "value": value,
                "not_applicable": value is None,
                "text": None,
            }
            for response_id, chosen in zip(ids, answers, strict=True)
            for code, value in chosen
        ]
        connection.execute(insert(Answer), rows)
        stored += len(responses)
        if on_batch is not None:
            on_batch(len(responses))
    return stored
