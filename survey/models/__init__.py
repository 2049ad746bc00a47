"""All mapped classes, imported here so that the metadata is complete."""

from survey.db import Base
from survey.models.agency import AGENCY_KINDS, RANKING_GROUPS, Agency, Counter, Period
from survey.models.response import CHANNELS, Answer, QuestionnaireVersion, Response

__all__ = [
    "AGENCY_KINDS",
    "CHANNELS",
    "RANKING_GROUPS",
    "Agency",
    "Answer",
    "Base",
    "Counter",
    "Period",
    "QuestionnaireVersion",
    "Response",
]
