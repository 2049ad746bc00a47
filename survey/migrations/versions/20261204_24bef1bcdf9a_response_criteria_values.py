"""response criteria values

Adds ``responses.criteria_values``, the per-response summary of criterion
answers that the interval and reliability queries read, and fills it in for
the stored responses from their answers. The format is that of
``analysis.summary``, restated here so that this migration keeps its meaning
when that module changes: one character per criterion of the questionnaire
version (the ``criterion`` items of its ``element`` sections, in file order),
the option value 0-35 in base 36, '-' for N/A, '.' for no answer and '?' for a
stored value outside 0-35. Versions without criteria keep NULL.

The backfill runs one UPDATE per questionnaire version, with a subquery per
response over its answers (found through ix_answers_response_id).

Revision ID: 24bef1bcdf9a
Revises: 1b4dcd2bae96
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "24bef1bcdf9a"
down_revision: str | None = "1b4dcd2bae96"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"

versions = sa.table(
    "questionnaire_versions",
    sa.column("id", sa.Integer),
    sa.column("definition", sa.JSON),
)
responses = sa.table(
    "responses",
    sa.column("id", sa.Integer),
    sa.column("questionnaire_version_id", sa.Integer),
    sa.column("criteria_values", sa.Text),
)
answers = sa.table(
    "answers",
    sa.column("response_id", sa.Integer),
    sa.column("item_code", sa.String),
    sa.column("value", sa.Integer),
    sa.column("not_applicable", sa.Boolean),
)


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("criteria_values", sa.Text(), nullable=True))
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("criteria_values")


def backfill(connection: sa.Connection) -> None:
    """Set criteria_values of every response from its answers.

    bench/bench_report.py calls this too, after loading answers in bulk.
    """
    for version_id, definition in connection.execute(
        sa.select(versions.c.id, versions.c.definition)
    ):
        codes = criterion_codes(definition)
        if codes:
            connection.execute(
                sa.update(responses)
                .where(responses.c.questionnaire_version_id == version_id)
                .values(criteria_values=summary_of_answers(codes))
            )


def criterion_codes(definition: Any) -> list[str]:
    """Return the criterion codes of a stored definition, in questionnaire order."""
    codes = []
    for section in definition.get("sections") or []:
        if section.get("kind", "other") != "element":
            continue
        for item in section.get("items") or []:
            if item.get("role", "info") == "criterion":
                codes.append(item["code"])
    return codes


def summary_of_answers(codes: list[str]) -> sa.ScalarSelect[Any]:
    """Build the summary of the outer response from its answers, one code each."""
    character = sa.case(
        (answers.c.not_applicable, "-"),
        (answers.c.value.is_(None), sa.null()),
        (
            answers.c.value.between(0, len(ALPHABET) - 1),
            sa.func.substr(ALPHABET, answers.c.value + 1, 1),
        ),
        else_="?",
    )
    parts: list[sa.ColumnElement[Any]] = [
        sa.func.coalesce(
            sa.func.max(sa.case((answers.c.item_code == code, character))), "."
        )
        for code in codes
    ]
    summary = parts[0]
    for part in parts[1:]:
        summary = summary.concat(part)
    return (
        sa.select(summary)
        .where(answers.c.response_id == responses.c.id)
        .scalar_subquery()
    )
