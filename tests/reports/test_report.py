"""Province and agency reports: every printed index equals the analysis output.

Expected values come from the functions behind the dashboard and the exports
(``survey.indices.service.index_table``, ``analysis.table.table_rows`` and
``table_dict``, ``analysis.table.pooled_results``), computed again here, and are
turned into Vietnamese notation by swapping the decimal point for a comma, not
through the report's own formatter.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from analysis.aggregate import Selection
from analysis.compare import compare_estimates
from analysis.indices import Estimate, IndexConfig, UnitResult, format_number
from analysis.ranking import LinearPoints
from analysis.report import build_agency_report, build_province_report
from analysis.table import (
    IndexTable,
    build_index_table,
    pooled_results,
    table_dict,
    table_rows,
)
from survey.db import new_session
from survey.indices import service as indices
from survey.reports.service import ReportOptions, report_data
from tests.reports.conftest import (
    COMMENT_AGENCY,
    COMMENTS,
    EMPTY_AGENCY,
    Filled,
)
from tests.reports.helpers import fonts, layout_text, pdffonts_rows, plain_text

MIN_SAMPLE = 40
AUTHOR = "Trần Thị Mẫu"
TWO_DECIMALS = re.compile(r"(?<![\d,.])[+-]?\d{1,3}(?:\.\d{3})*,\d{2}(?!\d)")


def vi(display: str) -> str:
    """'85.30' -> '85,30'; indices stay below 1000, so no grouping is needed."""
    return display.replace(".", ",")


def vi_count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def bound(value: float) -> str:
    return vi(format_number(Fraction(value)))


def options(**overrides: Any) -> ReportOptions:
    settings: dict[str, Any] = {
        "questionnaire": "sipas-2017",
        "config": IndexConfig(min_sample=MIN_SAMPLE),
        "rule": LinearPoints(),
        "prepared_by": AUTHOR,
    }
    settings.update(overrides)
    return ReportOptions(**settings)


def make_pdf(app: Flask, agency_code: str | None = None, **overrides: Any) -> bytes:
    with app.app_context(), new_session() as session:
        data = report_data(
            session,
            "2022",
            options(**overrides),
            agency_code=agency_code,
            today=date(2026, 12, 4),
        )
        if agency_code is None:
            return build_province_report(data)
        agency_id = next(
            a.id for a in data.table.agencies.values() if a.code == agency_code
        )
        return build_agency_report(data, agency_id)


def expected_tables(app: Flask) -> dict[str, Any]:
    """Compute the figures again with the dashboard's and exports' functions."""
    config = IndexConfig(min_sample=MIN_SAMPLE)
    with app.app_context(), new_session() as session:
        request = indices.prepare(session, "2022", (), "sipas-2017")
        table = indices.index_table(session, request, config, LinearPoints())
        previous_request = indices.prepare(session, "2021", (), "sipas-2017")
        earlier = Selection(previous_request.period.id, request.version.id)
        previous = build_index_table(
            session,
            earlier,
            request.agencies,
            request.structure,
            config,
            LinearPoints(),
        )
        ids = {"all": [a.id for a in request.agencies]}
        now = Selection(request.period.id, request.version.id)
        province = pooled_results(session, now, ids, request.structure, config)["all"]
        before = pooled_results(session, earlier, ids, request.structure, config)["all"]
    return {
        "table": table,
        "previous": previous,
        "province": province,
        "before": before,
    }


def estimate_strings(estimate: Estimate) -> set[str]:
    found = set()
    if estimate.value is not None:
        found.add(vi(estimate.display()))
    if estimate.interval is not None:
        found |= {bound(estimate.interval.low), bound(estimate.interval.high)}
    return found


def unit_strings(result: UnitResult) -> set[str]:
    found = estimate_strings(result.overall.estimate)
    for element in result.elements.values():
        found |= estimate_strings(element.estimate)
    for criterion in result.criteria.values():
        found |= estimate_strings(criterion.estimate)
    for distribution in result.distributions.values():
        found |= {vi(share) for share in distribution.shares.values()}
    return found


def comparison_strings(first: Estimate, second: Estimate) -> set[str]:
    comparison = compare_estimates("x", first, second)
    found = set()
    if comparison.difference is not None:
        found.add(vi(format_number(comparison.difference)))
    if comparison.interval is not None:
        found |= {bound(comparison.interval.low), bound(comparison.interval.high)}
    return found


def all_expected(expected: dict[str, Any]) -> set[str]:
    table: IndexTable = expected["table"]
    previous: IndexTable = expected["previous"]
    found = unit_strings(expected["province"]) | unit_strings(expected["before"])
    found |= comparison_strings(
        expected["province"].overall.estimate, expected["before"].overall.estimate
    )
    for agency_id, result in table.results.items():
        found |= unit_strings(result) | unit_strings(previous.results[agency_id])
        found |= comparison_strings(
            result.overall.estimate, previous.results[agency_id].overall.estimate
        )
    for ranked in table.ranking:
        if ranked.points is not None:
            found.add(vi(format_number(ranked.points)))
    # The points rule in the method section: index × 8,00 / 100.
    found.add(vi(format_number(Fraction(8))))
    return found


def agency_sections(layout: str, codes: list[str]) -> dict[str, str]:
    """Split the detail part of the report into one text block per agency code."""
    pattern = re.compile(r"\((" + "|".join(map(re.escape, codes)) + r")\)\s*$", re.M)
    marks = [(match.start(), match.group(1)) for match in pattern.finditer(layout)]
    end = layout.find("Ý kiến của người dân")
    sections = {}
    for position, (start, code) in enumerate(marks):
        stop = marks[position + 1][0] if position + 1 < len(marks) else end
        sections[code] = layout[start:stop]
    return sections


def check_criteria(exported: dict[str, Any], layout: str) -> None:
    """Find every agency's element and criterion rows with their exported values."""
    codes = [row["agency"]["code"] for row in exported["agencies"]]
    sections = agency_sections(layout, codes)
    assert sorted(sections) == sorted(codes)
    for row in exported["agencies"]:
        code = row["agency"]["code"]
        section = sections[code]
        lines = {line.split()[0]: line for line in section.splitlines() if line.strip()}
        if row["overall"]["value"] is None:
            assert "Không có dữ liệu (n = 0)" in section, code
            continue
        for item, found in [*row["elements"].items(), *row["criteria"].items()]:
            line = lines[item]
            if found["value"] is None:
                assert "không" in line, (code, item, line)
                continue
            interval = "–"
            if found["ci_low"] is not None:
                interval = f"{bound(found['ci_low'])}–{bound(found['ci_high'])}"
            n = vi_count(int(found["n"]))
            cells = rf"\s{n}\s.*\s{vi(found['display'])}\s+{interval}(\s|$)"
            assert re.search(cells, line), (code, item, line, cells)
        overall = row["overall"]
        assert f"chỉ số hài lòng chung: {vi(overall['display'])}" in section, code


def check_ranking(table: IndexTable, layout: str) -> None:
    """Find every ranked row of the export among the ranking lines of the report."""
    header, rows = table_rows(table)
    column = {name: header.index(name) for name in header}
    wanted = [
        (
            row[column["rank"]],
            vi_count(int(row[column["n"]])),
            vi(row[column["overall"]]),
            vi(row[column["ci_low"]]),
            vi(row[column["ci_high"]]),
            vi(row[column["points"]]),
        )
        for row in rows
        if row[column["rank"]]
    ]
    assert wanted
    ranking_line = re.compile(
        r"^\s*(\d+)\s+\S.*?\s{2,}([\d.]+)\s+(\d+,\d\d)\s+(\d+,\d\d)–(\d+,\d\d)"
        r"\s+(\d+,\d\d)",
        re.M,
    )
    printed = [match.groups() for match in ranking_line.finditer(layout)]
    assert sorted(printed) == sorted(wanted)


def check_unranked(table: IndexTable, layout: str) -> None:
    unranked = [ranked for ranked in table.ranking if ranked.rank is None]
    insufficient = [r for r in unranked if r.estimate.value is not None]
    assert insufficient, "the fixture should leave some agencies below the minimum"
    for ranked in insufficient:
        note = f"Chưa đủ mẫu (n = {ranked.estimate.n} < {MIN_SAMPLE})"
        assert note in layout
    empty = next(a for a in table.agencies.values() if a.code == EMPTY_AGENCY)
    assert table.results[empty.id].respondents == 0
    ranking_line = re.compile(rf"^\s*–\s+{re.escape(empty.name)}\s+0\s", re.M)
    assert ranking_line.search(layout)


@pytest.mark.slow
def test_province_report_matches_analysis(
    app: Flask, filled: Filled, tmp_path: Path
) -> None:
    expected = expected_tables(app)
    table: IndexTable = expected["table"]
    pdf = make_pdf(app)
    layout = layout_text(pdf, tmp_path)
    check_criteria(table_dict(table), layout)
    check_ranking(table, layout)
    check_unranked(table, layout)
    # Every number printed with two decimals is an index, an interval limit,
    # PAR points, a difference or a share that the analysis produced.
    known = all_expected(expected)
    for text in (layout, plain_text(pdf)):
        printed = {token.lstrip("+") for token in TWO_DECIMALS.findall(text)}
        assert len(printed) > 100
        assert printed - known == set()


@pytest.mark.slow
def test_province_report_text(app: Flask, filled: Filled, tmp_path: Path) -> None:
    pdf = make_pdf(app)
    text = plain_text(pdf)
    for heading in (
        "BÁO CÁO KẾT QUẢ ĐO LƯỜNG SỰ HÀI LÒNG",
        "1. Phương pháp",
        "2. Mẫu khảo sát",
        "3. Chỉ số hài lòng toàn tỉnh",
        "Mức độ hài lòng theo yếu tố – toàn tỉnh",
        "Xếp hạng Sở, ban, ngành",
        "Xếp hạng UBND cấp huyện",
        "So sánh với Năm 2021",
        "Kết quả chi tiết từng cơ quan",
        "Ý kiến của người dân, tổ chức",
        f"Người lập: {AUTHOR}",
        "Ngày lập: 04/12/2026",
        "DỮ LIỆU MÔ PHỎNG",
    ):
        assert heading in text, heading
    pages = re.findall(r"Trang (\d+)/(\d+)", text)
    assert [int(page) for page, _ in pages] == list(range(1, len(pages) + 1))
    assert {int(total) for _, total in pages} == {len(pages)}
    for comment in COMMENTS:
        assert comment in text, comment
    assert all(fonts(pdf).values())
    assert all(row[-5] == "yes" for row in pdffonts_rows(pdf, tmp_path))


@pytest.mark.slow
def test_agency_report_vietnamese(app: Flask, filled: Filled, tmp_path: Path) -> None:
    pdf = make_pdf(app, COMMENT_AGENCY)
    text = plain_text(pdf)
    for source in (
        "Sở Tài nguyên và Môi trường",
        "Mức độ hài lòng theo yếu tố – Sở Tài nguyên và Môi trường",
        f"Người lập: {AUTHOR}",
        "Kết quả theo tiêu chí",
        *COMMENTS,
    ):
        assert source in text, source
    expected = expected_tables(app)
    table: IndexTable = expected["table"]
    agency = next(a for a in table.agencies.values() if a.code == COMMENT_AGENCY)
    result = table.results[agency.id]
    assert estimate_strings(result.overall.estimate) <= set(TWO_DECIMALS.findall(text))
    names = {name.split("+", 1)[-1].lstrip("/") for name in fonts(pdf)}
    assert {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"} <= names
    assert all(fonts(pdf).values())
    hidden = plain_text(make_pdf(app, COMMENT_AGENCY, comment_limit=0))
    assert COMMENTS[0] not in hidden
    assert "Sở Tài nguyên và Môi trường" in hidden


def test_unknown_agency_rejected(app: Flask) -> None:
    from survey.reports.service import ReportRequestError

    with app.app_context(), new_session() as session, pytest.raises(ReportRequestError):
        report_data(session, "2021", options(), agency_code="NOPE")
