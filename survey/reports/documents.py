"""Turn application settings and stored rows into report and paper-form PDFs."""

from __future__ import annotations

import uuid
from dataclasses import replace
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy.orm import Session

from analysis.indices import DEFAULT_MIN_SAMPLE, IndexConfig
from analysis.ranking import DEFAULT_MAX_POINTS, LinearPoints
from analysis.report import (
    PaperForm,
    build_agency_report,
    build_paper_form,
    build_province_report,
)
from survey.models import Agency, QuestionnaireVersion
from survey.questionnaire import from_stored
from survey.reports.service import ReportOptions, report_data

# Query parameter of the online form that carries a paper form's response id.
SUBMISSION_PARAMETER = "submission"


def options(
    *,
    questionnaire: str | None = None,
    prepared_by: str | None = None,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    max_points: float | Fraction = DEFAULT_MAX_POINTS,
    comment_limit: int | None = None,
) -> ReportOptions:
    """Build report options from the application settings and explicit choices."""
    config = current_app.config
    return ReportOptions(
        questionnaire=questionnaire or config["DEFAULT_QUESTIONNAIRE"],
        config=IndexConfig(min_sample=min_sample),
        # Through str so that 7.3 becomes 73/10 and not its binary approximation.
        rule=LinearPoints(Fraction(str(max_points))),
        issuer=config["REPORT_ISSUER"],
        prepared_by=config["REPORT_PREPARED_BY"]
        if prepared_by is None
        else prepared_by,
        comment_limit=(
            config["REPORT_COMMENTS"] if comment_limit is None else comment_limit
        ),
        timezone=config["TIMEZONE"],
    )


def report_pdf(
    session: Session,
    period_code: str,
    report_options: ReportOptions,
    agency_code: str | None = None,
    include_comments: bool = True,
) -> bytes:
    """Return the province report, or the report of ``agency_code``, as a PDF."""
    data = report_data(session, period_code, report_options, agency_code=agency_code)
    if not include_comments:
        data = replace(data, comments=(), include_comments=False)
    if agency_code is None:
        return build_province_report(data)
    agency_id = next(
        a.id for a in data.table.agencies.values() if a.code == agency_code
    )
    return build_agency_report(data, agency_id)


def survey_url(base_url: str, agency: Agency, key: str, response_id: uuid.UUID) -> str:
    """Return the agency's online form address carrying ``response_id``."""
    query = urlencode({"q": key, SUBMISSION_PARAMETER: str(response_id)})
    return f"{base_url.rstrip('/')}/s/{agency.code}?{query}"


def paper_form_pdf(
    version: QuestionnaireVersion,
    agency: Agency,
    base_url: str,
    response_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, bytes]:
    """Return a new response id and the paper form of ``version`` for ``agency``."""
    response_id = response_id or uuid.uuid4()
    questionnaire: Any = from_stored(version)
    form = PaperForm(
        agency_name=agency.name,
        response_id=response_id,
        survey_url=survey_url(base_url, agency, version.key, response_id),
        issuer=current_app.config["REPORT_ISSUER"],
    )
    return response_id, build_paper_form(questionnaire, form)
