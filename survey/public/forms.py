"""Turn a posted HTML form into the answer mapping the validator expects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from survey.questionnaire.definition import Questionnaire


def answers_from_form(
    questionnaire: Questionnaire, form: MultiDict[str, str]
) -> dict[str, Any]:
    """Collect the posted values of the questionnaire's items, by item code.

    Fields that are not item codes (the token, the submission id) are skipped;
    an item code posted for another item type still reaches validation.
    """
    reserved = {
        "csrf_token",
        "submission_id",
        "questionnaire",
        "version",
        "started_at",
        "website",
        "receipt_code",
        "contact_opt_in",
        "contact",
    }
    answers: dict[str, Any] = {}
    types = {item.code: item.type for item in questionnaire.items()}
    for code in form:
        if code in reserved:
            continue
        values = form.getlist(code)
        if types.get(code) == "multichoice":
            answers[code] = [value for value in values if value != ""]
        else:
            answers[code] = values[0] if len(values) == 1 else values
    return answers


def parse_submission_id(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError):
        return None


def parse_timestamp(raw: str | None) -> datetime | None:
    """Parse an ISO 8601 time with its zone; a time without zone is taken as UTC."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        # A time near year 1 or 9999 can fall outside the calendar in UTC.
        value.astimezone(UTC)
    except OverflowError:
        return None
    return value
