"""Questionnaire definitions: file format, validation and storage of versions."""

from survey.questionnaire.definition import (
    Item,
    Option,
    Questionnaire,
    QuestionnaireError,
    Section,
    parse,
)
from survey.questionnaire.store import (
    from_stored,
    get_version,
    latest_version,
    published_version,
)

__all__ = [
    "Item",
    "Option",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "from_stored",
    "get_version",
    "latest_version",
    "parse",
    "published_version",
]
