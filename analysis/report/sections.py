"""The sections of a satisfaction report, each a list of flowables.

Every figure printed here is read from ``analysis`` results and formatted by
``analysis.report.formatting``; nothing is computed from answers.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from fractions import Fraction

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
)

from analysis.compare import Comparison, compare_estimates
from analysis.indices import (
    DEFAULT_MIN_SAMPLE,
    OK,
    CompositeResult,
    Estimate,
    UnitResult,
    largest_remainder_shares,
)
from analysis.ranking import BandedPoints, LinearPoints, RankedUnit
from analysis.report import formatting as fmt
from analysis.report.charts import Bar, bar_chart
from analysis.report.document import MARGIN, Styles, body_pages, text
from analysis.report.model import CHANNEL_TITLES, ReportData
from analysis.report.tables import data_table, key_values
from analysis.table import AgencyRef

WIDTH = 210 * mm - 2 * MARGIN
INTERVAL_HEADER = "KTC 95 %"
SYNTHETIC_WARNING = (
    "DỮ LIỆU MÔ PHỎNG: báo cáo này có phiếu do lệnh “survey simulate” sinh ra, "
    "không phải ý kiến thật của người dân."
)


def heading(number: str, title: str, styles: Styles) -> Paragraph:
    return Paragraph(f"{text(number)} {text(title)}", styles.heading1)


def interval_header(data: ReportData) -> str:
    level = fmt.number(Fraction(str(data.table.config.level)) * 100, 0)
    return f"KTC {level} %"


def cover(data: ReportData, styles: Styles, subject: str) -> list[Flowable]:
    meta = data.meta
    story: list[Flowable] = [
        Paragraph(text(meta.province.upper()), styles.subtitle),
        Paragraph(f"<b>{text(meta.issuer.upper())}</b>", styles.subtitle),
        Spacer(1, 45 * mm),
        Paragraph(
            "BÁO CÁO KẾT QUẢ ĐO LƯỜNG SỰ HÀI LÒNG CỦA NGƯỜI DÂN, TỔ CHỨC "
            "ĐỐI VỚI SỰ PHỤC VỤ CỦA CƠ QUAN HÀNH CHÍNH NHÀ NƯỚC",
            styles.title,
        ),
        Paragraph(text(subject), styles.subtitle),
        Paragraph(text(f"Kỳ khảo sát: {meta.period_name}"), styles.subtitle),
        Spacer(1, 12 * mm),
        Paragraph(text(meta.questionnaire_title), styles.subtitle),
        Paragraph(text(f"({meta.questionnaire_label})"), styles.subtitle),
    ]
    if data.table.synthetic:
        story += [
            Spacer(1, 10 * mm),
            Paragraph(text(SYNTHETIC_WARNING), styles.warning),
        ]
    story += [
        Spacer(1, 40 * mm),
        Paragraph(text(f"Ngày lập: {fmt.day(meta.generated_on)}"), styles.subtitle),
    ]
    if meta.prepared_by:
        story.append(
            Paragraph(
                f"<i>{text('Người lập: ' + meta.prepared_by)}</i>", styles.subtitle
            )
        )
    return [*story, body_pages(), PageBreak()]


def method(data: ReportData, styles: Styles, number: str) -> list[Flowable]:
    config = data.table.config
    satisfied = "“Hài lòng” (4) hoặc “Rất hài lòng” (5)"
    if config.satisfied is not None:
        values = ", ".join(str(value) for value in sorted(config.satisfied))
        satisfied = f"có giá trị {values}"
    mean = "trung bình có trọng số" if config.weights else "trung bình cộng"
    level = fmt.number(Fraction(str(config.level)) * 100, 0)
    meta = data.meta
    paragraphs = [
        f"Phiếu khảo sát: {meta.questionnaire_title} ({meta.questionnaire_label})."
        + (f" Căn cứ: {meta.method}." if meta.method else ""),
        f"Chỉ số hài lòng của một tiêu chí là tỷ lệ phần trăm câu trả lời {satisfied} "
        "trên số câu trả lời hợp lệ của tiêu chí. Câu trả lời “Không áp dụng”, "
        "bỏ trống hoặc ngoài thang đo không được tính vào mẫu số.",
        f"Chỉ số của mỗi yếu tố là {mean} chỉ số các tiêu chí thuộc yếu tố; chỉ số "
        f"hài lòng chung là {mean} chỉ số các yếu tố.",
        f"Khoảng tin cậy (KTC) {level} % của chỉ số tiêu chí tính theo phương pháp "
        "Wilson; của chỉ số yếu tố và chỉ số chung tính theo phương pháp Wilson trên "
        "cỡ mẫu hiệu dụng suy ra từ phương sai tuyến tính hóa.",
        f"Cơ quan có ít hơn {fmt.count(config.min_sample)} người trả lời được ghi "
        "“Chưa đủ mẫu” và không được xếp hạng, không được tính điểm.",
        points_rule_text(data),
        "Phiếu bị đánh dấu nghi vấn được giữ lại nhưng không tính vào chỉ số. "
        "Chỉ số được làm tròn đến hai chữ số thập phân khi in.",
    ]
    story: list[Flowable] = [heading(number, "Phương pháp", styles)]
    story += [Paragraph(text(line), styles.body) for line in paragraphs]
    story.append(
        Paragraph(
            text(
                "Lưu ý: cách tính chỉ số và quy tắc quy đổi điểm là cấu hình của phần "
                "mềm, chưa được đối chiếu với phụ lục chính thức của phương pháp và "
                "quyết định của tỉnh."
            ),
            styles.note,
        )
    )
    if config.min_sample != DEFAULT_MIN_SAMPLE:
        story.append(
            Paragraph(
                text(
                    "Cỡ mẫu tối thiểu của báo cáo này "
                    f"({fmt.count(config.min_sample)}) khác mặc định "
                    f"({DEFAULT_MIN_SAMPLE})."
                ),
                styles.note,
            )
        )
    return story


def points_rule_text(data: ReportData) -> str:
    rule: LinearPoints | BandedPoints = data.table.rule
    if isinstance(rule, LinearPoints):
        return (
            "Điểm chỉ số cải cách hành chính (điểm CCHC) = chỉ số hài lòng chung × "
            f"{fmt.number(Fraction(rule.max_points))} / 100."
        )
    bands = sorted(rule.bands, key=lambda band: -Fraction(band[0]))
    parts = [
        f"từ {fmt.number(Fraction(low))} trở lên: {fmt.number(Fraction(points))} điểm"
        for low, points in bands
    ]
    return "Điểm CCHC theo khoảng chỉ số: " + "; ".join(parts) + "."


def sample(data: ReportData, styles: Styles, number: str) -> list[Flowable]:
    table = data.table
    if data.province is None:
        raise ValueError(
            "data.province is None: the sample section needs the pooled result"
        )
    story: list[Flowable] = [heading(number, "Mẫu khảo sát", styles)]
    flagged = sum(result.flagged for result in table.results.values())
    pairs = [
        ("Số cơ quan được đánh giá", fmt.count(len(table.agencies))),
        ("Số người trả lời (phiếu hợp lệ)", fmt.count(data.province.respondents)),
        ("Số phiếu bị đánh dấu, không tính", fmt.count(flagged)),
    ]
    if table.synthetic:
        pairs.append(("Trong đó phiếu mô phỏng", fmt.count(table.synthetic)))
    story.append(key_values(styles, pairs, WIDTH))
    story.append(Spacer(1, 3 * mm))
    rows = []
    for group, title in data.meta.group_titles.items():
        agencies = [a for a in table.agencies.values() if a.group == group]
        if not agencies:
            continue
        respondents = sum(table.results[a.id].respondents for a in agencies)
        rows.append([title, fmt.count(len(agencies)), fmt.count(respondents)])
    story.append(Paragraph(text("Theo nhóm cơ quan"), styles.heading2))
    story.append(
        data_table(
            styles,
            ["Nhóm", "Số cơ quan", "Số người trả lời"],
            rows,
            [WIDTH * 0.5, WIDTH * 0.2, WIDTH * 0.3],
            right={1, 2},
        )
    )
    if data.channels:
        story += _channel_table(data, styles)
    story += _distributions(data, styles)
    return story


def _channel_table(data: ReportData, styles: Styles) -> list[Flowable]:
    shares = largest_remainder_shares(
        {position: n for position, n in enumerate(data.channels.values())}, 1
    )
    rows = [
        [CHANNEL_TITLES.get(channel, channel), fmt.count(n), fmt.localise(shares[i])]
        for i, (channel, n) in enumerate(data.channels.items())
    ]
    return [
        Paragraph(text("Theo kênh trả lời"), styles.heading2),
        data_table(
            styles,
            ["Kênh", "Số người trả lời", "Tỷ lệ (%)"],
            rows,
            [WIDTH * 0.5, WIDTH * 0.25, WIDTH * 0.25],
            right={1, 2},
        ),
    ]


def _distributions(data: ReportData, styles: Styles) -> list[Flowable]:
    """Print the answers to choice items (respondent profile, expectations)."""
    story: list[Flowable] = []
    distributions = data.province.distributions if data.province else {}
    for code, found in distributions.items():
        labels = data.meta.items.get(code)
        if labels is None or labels.type not in ("choice", "multichoice"):
            continue
        if not found.valid:
            story.append(
                Paragraph(
                    text(f"{code}. {labels.text}: không có câu trả lời."), styles.small
                )
            )
            continue
        rows = [
            [
                labels.options.get(value, str(value)),
                fmt.count(n),
                fmt.localise(found.shares[value]) if found.shares else fmt.DASH,
            ]
            for value, n in found.counts.items()
        ]
        base = "lượt chọn" if labels.type == "multichoice" else "câu trả lời hợp lệ"
        story.append(
            KeepTogether(
                [
                    Paragraph(f"{text(code)}. {text(labels.text)}", styles.heading2),
                    data_table(
                        styles,
                        ["Lựa chọn", "Số lượng", f"Tỷ lệ trên {base} (%)"],
                        rows,
                        [WIDTH * 0.55, WIDTH * 0.2, WIDTH * 0.25],
                        right={1, 2},
                    ),
                ]
            )
        )
    return story


def _estimate_cells(estimate: Estimate, min_sample: int) -> list[str]:
    return [
        fmt.index(estimate),
        fmt.interval(estimate),
        "; ".join(fmt.notes(estimate, min_sample)),
    ]


def unit_summary(
    data: ReportData, result: UnitResult, styles: Styles, chart_title: str
) -> list[Flowable]:
    """Print the overall and element indices of one unit with a bar chart."""
    min_sample = data.table.config.min_sample
    rows = []
    bars = []
    for element in data.table.structure.elements:
        composite = result.elements[element.code]
        rows.append(
            [
                element.code,
                element.title,
                fmt.count(composite.estimate.n),
                *_estimate_cells(composite.estimate, min_sample),
            ]
        )
        bars.append(_bar(element.title, composite.estimate))
    overall = result.overall.estimate
    rows.append(
        [
            "",
            "Chỉ số hài lòng chung",
            fmt.count(overall.n),
            *_estimate_cells(overall, min_sample),
        ]
    )
    bars.append(_bar("Chỉ số hài lòng chung", overall))
    table = data_table(
        styles,
        ["Mã", "Yếu tố", "n", "Chỉ số", interval_header(data), "Ghi chú"],
        rows,
        [WIDTH * w for w in (0.07, 0.38, 0.1, 0.1, 0.15, 0.2)],
        right={2, 3, 4},
        strong={len(rows) - 1},
    )
    return [
        table,
        Spacer(1, 3 * mm),
        KeepTogether(
            [
                Paragraph(text(chart_title), styles.heading2),
                bar_chart(bars, WIDTH),
            ]
        ),
    ]


def _bar(label: str, estimate: Estimate) -> Bar:
    if estimate.value is None:
        return Bar(label, None, "Không có dữ liệu")
    interval = estimate.interval
    return Bar(
        label,
        float(estimate.value),
        fmt.index(estimate),
        None if interval is None else interval.low,
        None if interval is None else interval.high,
        muted=estimate.status != OK,
    )


def ranking(
    data: ReportData, styles: Styles, number: str, group: str
) -> list[Flowable]:
    table = data.table
    entries = [ranked for ranked in table.ranking if ranked.group == group]
    title = data.meta.group_titles.get(group, group)
    min_sample = table.config.min_sample
    rows = []
    muted = set()
    bars = []
    eligible = sum(1 for ranked in entries if ranked.rank is not None)
    for position, ranked in enumerate(entries):
        agency = table.agencies[ranked.unit]  # type: ignore[index]
        estimate = ranked.estimate
        if ranked.rank is None:
            muted.add(position)
        rows.append(
            [
                fmt.DASH if ranked.rank is None else str(ranked.rank),
                agency.name,
                fmt.count(estimate.n),
                fmt.index(estimate),
                fmt.interval(estimate),
                fmt.DASH if ranked.points is None else fmt.number(ranked.points),
                "; ".join(fmt.notes(estimate, min_sample)),
            ]
        )
        bars.append(_bar(agency.name, estimate))
    story: list[Flowable] = [
        CondPageBreak(60 * mm),
        heading(number, f"Xếp hạng {title}", styles),
        Paragraph(
            text(
                f"{fmt.count(eligible)} trên {fmt.count(len(entries))} cơ quan đủ mẫu "
                "được xếp hạng theo chỉ số hài lòng chung; cơ quan chưa đủ mẫu hoặc "
                "không có dữ liệu đứng cuối bảng, không có hạng và điểm."
            ),
            styles.small,
        ),
        Spacer(1, 2 * mm),
        data_table(
            styles,
            [
                "Hạng",
                "Cơ quan",
                "n",
                "Chỉ số",
                interval_header(data),
                "Điểm CCHC",
                "Ghi chú",
            ],
            rows,
            [WIDTH * w for w in (0.07, 0.33, 0.09, 0.09, 0.15, 0.1, 0.17)],
            right={0, 2, 3, 4, 5},
            muted=muted,
        ),
        Spacer(1, 3 * mm),
        KeepTogether(
            [
                Paragraph(text(f"Chỉ số hài lòng chung – {title}"), styles.heading2),
                bar_chart(bars, WIDTH),
            ]
        ),
    ]
    return story


def trend_rows(
    data: ReportData, agencies: Sequence[AgencyRef]
) -> list[tuple[str, Comparison]]:
    """Pair each agency with the comparison of its overall index: this period - last."""
    assert data.previous is not None
    found = []
    for agency in agencies:
        current = data.table.results[agency.id].overall.estimate
        previous = data.previous.results[agency.id].overall.estimate
        found.append((agency.name, compare_estimates(agency.code, current, previous)))
    return found


def trend(
    data: ReportData, styles: Styles, number: str, agencies: Sequence[AgencyRef]
) -> list[Flowable]:
    previous_name = data.meta.previous_period_name or "kỳ trước"
    story: list[Flowable] = [
        CondPageBreak(60 * mm),
        heading(number, f"So sánh với {previous_name}", styles),
    ]
    if data.previous is None:
        story.append(
            Paragraph(text("Không có kỳ khảo sát trước để so sánh."), styles.body)
        )
        return story
    pairs = []
    if data.province is not None and data.previous_province is not None:
        pairs.append(
            (
                "Toàn tỉnh",
                compare_estimates(
                    "province",
                    data.province.overall.estimate,
                    data.previous_province.overall.estimate,
                ),
            )
        )
    pairs += trend_rows(data, agencies)
    rows = [[name, *_comparison_cells(comparison)] for name, comparison in pairs]
    story += [
        Paragraph(
            text(
                f"Chỉ số hài lòng chung {data.meta.period_name} "
                f"so với {previous_name}. "
                "Chênh lệch có ý nghĩa thống kê khi khoảng tin cậy của chênh lệch "
                "không chứa 0 (khoảng Newcombe, hai mẫu độc lập)."
            ),
            styles.small,
        ),
        Spacer(1, 2 * mm),
        data_table(
            styles,
            [
                "Cơ quan",
                previous_name,
                data.meta.period_name,
                "Chênh lệch",
                "KTC chênh lệch",
                "Đánh giá",
            ],
            rows,
            [WIDTH * w for w in (0.32, 0.12, 0.12, 0.11, 0.17, 0.16)],
            right={1, 2, 3, 4},
            strong={0} if data.previous_province is not None else (),
        ),
    ]
    return story


def _comparison_cells(comparison: Comparison) -> list[str]:
    first, second = comparison.first, comparison.second
    if comparison.difference is None:
        verdict = "Không đủ dữ liệu"
        difference = interval = fmt.DASH
    else:
        difference = fmt.number(comparison.difference)
        if comparison.difference > 0:
            difference = "+" + difference
        interval = fmt.DASH
        verdict = "Không xác định"
        if comparison.interval is not None:
            low, high = comparison.interval.low, comparison.interval.high
            # A semicolon separates the limits: both may be negative.
            interval = f"[{fmt.number(Fraction(low))}; {fmt.number(Fraction(high))}]"
            if low > 0:
                verdict = "Tăng có ý nghĩa"
            elif high < 0:
                verdict = "Giảm có ý nghĩa"
            else:
                verdict = "Khác biệt không có ý nghĩa"
    return [fmt.index(second), fmt.index(first), difference, interval, verdict]


def agency_detail(
    data: ReportData, styles: Styles, agency: AgencyRef, ranked: RankedUnit | None
) -> list[Flowable]:
    """Print one agency's indices by criterion and element."""
    result = data.table.results[agency.id]
    min_sample = data.table.config.min_sample
    overall = result.overall.estimate
    summary = [f"Số người trả lời: {fmt.count(result.respondents)}"]
    if overall.value is not None:
        summary.append(
            f"chỉ số hài lòng chung: {fmt.index(overall)} "
            f"({interval_header(data)}: {fmt.interval(overall)})"
        )
    if ranked is not None and ranked.rank is not None:
        group_size = sum(1 for r in data.table.ranking if r.group == ranked.group)
        summary.append(f"hạng {ranked.rank}/{group_size} trong nhóm")
        if ranked.points is not None:
            summary.append(f"điểm CCHC: {fmt.number(ranked.points)}")
    summary += fmt.notes(overall, min_sample)
    rows: list[list[str]] = []
    strong = set()
    for element in data.table.structure.elements:
        composite: CompositeResult = result.elements[element.code]
        strong.add(len(rows))
        rows.append(
            [
                element.code,
                element.title,
                fmt.count(composite.estimate.n),
                "",
                *_estimate_cells(composite.estimate, min_sample),
            ]
        )
        for criterion in element.criteria:
            found = result.criteria[criterion.code]
            labels = data.meta.items.get(criterion.code)
            rows.append(
                [
                    criterion.code,
                    labels.text if labels else criterion.code,
                    fmt.count(found.valid),
                    fmt.count(found.satisfied),
                    *_estimate_cells(found.estimate, min_sample),
                ]
            )
    strong.add(len(rows))
    rows.append(
        [
            "",
            "Chỉ số hài lòng chung",
            fmt.count(overall.n),
            "",
            *_estimate_cells(overall, min_sample),
        ]
    )
    table = data_table(
        styles,
        [
            "Mã",
            "Yếu tố / tiêu chí",
            "n",
            "Hài lòng",
            "Chỉ số",
            interval_header(data),
            "Ghi chú",
        ],
        rows,
        [WIDTH * w for w in (0.07, 0.39, 0.08, 0.09, 0.09, 0.14, 0.14)],
        right={2, 3, 4, 5},
        strong=strong,
    )
    return [
        CondPageBreak(80 * mm),
        Paragraph(f"{text(agency.name)} ({text(agency.code)})", styles.heading2),
        Paragraph(text("; ".join(summary) + "."), styles.small),
        Spacer(1, 2 * mm),
        table,
    ]


def comments(
    data: ReportData,
    styles: Styles,
    number: str,
    agency_ids: set[Hashable] | None = None,
) -> list[Flowable]:
    chosen = [
        comment
        for comment in data.comments
        if agency_ids is None or comment.agency_id in agency_ids
    ]
    story: list[Flowable] = [
        CondPageBreak(40 * mm),
        heading(number, "Ý kiến của người dân, tổ chức", styles),
        Paragraph(
            text(
                "Nguyên văn một số ý kiến gần nhất trong kỳ, không tính phiếu bị "
                "đánh dấu nghi vấn."
            ),
            styles.note,
        ),
        Spacer(1, 2 * mm),
    ]
    if not chosen:
        story.append(Paragraph(text("Không có ý kiến trong kỳ."), styles.body))
    for comment in chosen:
        agency = data.table.agencies.get(comment.agency_id)
        source = agency.name if agency else str(comment.agency_id)
        story.append(
            KeepTogether(
                [
                    Paragraph(
                        f"<i>{text(source)} · {text(fmt.day(comment.received_on))}</i>",
                        styles.small,
                    ),
                    Paragraph(text(comment.text), styles.body),
                    Spacer(1, 2 * mm),
                ]
            )
        )
    return story
