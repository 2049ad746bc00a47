"""Printed outputs: the province and agency reports and the paper questionnaire.

The package draws PDFs with reportlab from results that ``analysis`` computed
(``analysis.table.IndexTable``, ``analysis.indices.UnitResult``,
``analysis.compare.Comparison``) and never computes an index itself. It does not
import Flask or read the database; ``survey.reports`` gathers the inputs.
"""

from analysis.report.model import (
    Comment,
    ItemLabels,
    ReportData,
    ReportMeta,
    item_labels,
)
from analysis.report.paper import PaperForm, build_paper_form
from analysis.report.province import build_agency_report, build_province_report

__all__ = [
    "Comment",
    "ItemLabels",
    "PaperForm",
    "ReportData",
    "ReportMeta",
    "build_agency_report",
    "build_paper_form",
    "build_province_report",
    "item_labels",
]
