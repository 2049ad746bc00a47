"""The province report of a period and the report of one agency."""

from __future__ import annotations

import logging

from reportlab.platypus import Flowable, PageBreak

from analysis.report import sections
from analysis.report.document import PageDecor, Styles, make_styles, render
from analysis.report.model import ReportData
from analysis.table import AgencyRef

log = logging.getLogger(__name__)


def _decor(data: ReportData, subject: str) -> PageDecor:
    header = f"{data.meta.issuer} – {subject} – {data.meta.period_name}"
    if data.table.synthetic:
        header = "DỮ LIỆU MÔ PHỎNG – " + header
    footer = f"Người lập: {data.meta.prepared_by}" if data.meta.prepared_by else ""
    return PageDecor(header=header, footer=footer)


def _ordered_agencies(data: ReportData) -> list[AgencyRef]:
    """Return the agencies group by group, each group in ranking order."""
    order = list(data.meta.group_titles)
    entries = sorted(
        data.table.ranking,
        key=lambda ranked: (
            order.index(ranked.group) if ranked.group in order else len(order)
        ),
    )
    return [data.table.agencies[ranked.unit] for ranked in entries]  # type: ignore[index]


def _groups(data: ReportData) -> list[str]:
    present = {agency.group for agency in data.table.agencies.values()}
    known = [group for group in data.meta.group_titles if group in present]
    return known + sorted(present - set(known))


def province_story(data: ReportData, styles: Styles) -> list[Flowable]:
    if data.province is None:
        raise ValueError("data.province is None: pool every agency's answers first")
    subject = "Báo cáo toàn tỉnh"
    story = sections.cover(data, styles, subject)
    story += sections.method(data, styles, "1.")
    story += sections.sample(data, styles, "2.")
    story += [
        PageBreak(),
        sections.heading("3.", "Chỉ số hài lòng toàn tỉnh", styles),
    ]
    story += sections.unit_summary(
        data, data.province, styles, "Mức độ hài lòng theo yếu tố – toàn tỉnh"
    )
    number = 4
    for group in _groups(data):
        story += sections.ranking(data, styles, f"{number}.", group)
        number += 1
    agencies = _ordered_agencies(data)
    story += sections.trend(data, styles, f"{number}.", agencies)
    number += 1
    story += [
        PageBreak(),
        sections.heading(f"{number}.", "Kết quả chi tiết từng cơ quan", styles),
    ]
    number += 1
    ranked_by_unit = {ranked.unit: ranked for ranked in data.table.ranking}
    for agency in agencies:
        story += sections.agency_detail(data, styles, agency, ranked_by_unit[agency.id])
    if data.include_comments:
        story += sections.comments(data, styles, f"{number}.")
    return story


def build_province_report(data: ReportData) -> bytes:
    """Draw the province report of ``data``'s period and return the PDF."""
    styles = make_styles()
    subject = "Báo cáo toàn tỉnh"
    pdf = render(
        province_story(data, styles),
        _decor(data, subject),
        title=f"Báo cáo chỉ số hài lòng {data.meta.period_name}",
        author=data.meta.issuer,
        subject=subject,
    )
    log.info(
        "province report drawn: %s agencies, %s bytes",
        len(data.table.agencies),
        len(pdf),
    )
    return pdf


def agency_story(data: ReportData, styles: Styles, agency: AgencyRef) -> list[Flowable]:
    result = data.table.results[agency.id]
    ranked = next(r for r in data.table.ranking if r.unit == agency.id)
    story = sections.cover(data, styles, agency.name)
    story += sections.method(data, styles, "1.")
    story += [
        PageBreak(),
        sections.heading("2.", f"Chỉ số hài lòng của {agency.name}", styles),
    ]
    story += sections.unit_summary(
        data, result, styles, f"Mức độ hài lòng theo yếu tố – {agency.name}"
    )
    story += [sections.heading("3.", "Kết quả theo tiêu chí", styles)]
    story += sections.agency_detail(data, styles, agency, ranked)
    story += sections.trend(data, styles, "4.", [agency])
    if data.include_comments:
        story += sections.comments(data, styles, "5.", {agency.id})
    return story


def build_agency_report(data: ReportData, agency_id: int) -> bytes:
    """Draw the report of one agency of ``data.table`` and return the PDF."""
    agency = data.table.agencies.get(agency_id)
    if agency is None:
        raise ValueError(
            f"agency_id={agency_id} is not in the index table: "
            "build the table with this agency"
        )
    styles = make_styles()
    pdf = render(
        agency_story(data, styles, agency),
        _decor(data, agency.name),
        title=f"Báo cáo chỉ số hài lòng {data.meta.period_name} – {agency.name}",
        author=data.meta.issuer,
        subject=agency.name,
    )
    log.info("agency report drawn: agency %s, %s bytes", agency.code, len(pdf))
    return pdf
