"""All mapped classes, imported here so that the metadata is complete."""

from survey.db import Base
from survey.models.agency import AGENCY_KINDS, RANKING_GROUPS, Agency, Counter, Period
from survey.models.integrity import AuditLog, ContactDetails, Kiosk, ReceiptCode
from survey.models.response import CHANNELS, Answer, QuestionnaireVersion, Response
from survey.models.rounds import (
    FrameRow,
    Invitation,
    RoundResponse,
    RoundStratum,
    RoundUnit,
    SurveyRound,
)
from survey.models.staff import STAFF_ROLES, StaffSession, StaffUser

__all__ = [
    "AGENCY_KINDS",
    "CHANNELS",
    "RANKING_GROUPS",
    "Agency",
    "Answer",
    "AuditLog",
    "ContactDetails",
    "Kiosk",
    "ReceiptCode",
    "Base",
    "Counter",
    "FrameRow",
    "Invitation",
    "Period",
    "QuestionnaireVersion",
    "Response",
    "RoundResponse",
    "RoundStratum",
    "RoundUnit",
    "STAFF_ROLES",
    "StaffSession",
    "StaffUser",
    "SurveyRound",
]
