"""A one-page PDF of one unit's counter ratings in a quarter or month."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from analysis.counter_ratings import CounterSummary, display
from analysis.report.document import (
    ACCENT,
    RULE,
    SHADE,
    PageDecor,
    Styles,
    make_styles,
    paragraph,
    render,
    text,
)
from analysis.report.formatting import day, localise
from survey.counter_ratings.service import Report, UnitReport

DASH = "–"
NO_DATA = "Chưa có đánh giá"


def _number(value: str | None, suffix: str = "") -> str:
    return DASH if value is None else localise(value) + suffix


def _table(rows: list[list[str]], styles: Styles, widths: Sequence[float]) -> Table:
    head, *body = rows
    cells = [[paragraph(text(cell), styles.cell_head) for cell in head]]
    for row in body:
        cells.append(
            [paragraph(text(row[0]), styles.cell)]
            + [paragraph(text(cell), styles.cell_right) for cell in row[1:]]
        )
    table = Table(cells, colWidths=list(widths), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, SHADE]),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _summary_row(label: str, summary: CounterSummary) -> list[str]:
    if summary.dossiers == 0:
        return [label, "0", NO_DATA, "", "", "", ""]
    shares = summary.rating.shares
    total = _number(display(summary.total))
    return [
        label,
        localise(str(summary.dossiers)),
        f"{total} / {localise(display(summary.maximum, 0) or '0')}",
        _number(shares.get("very_satisfied"), " %"),
        _number(shares.get("not_satisfied"), " %"),
        _number(display(summary.satisfaction, 1), " %"),
        summary.band or DASH,
    ]


def _story(report: Report, unit: UnitReport, styles: Styles) -> list[Flowable]:
    period = report.period
    story: list[Flowable] = [
        paragraph(
            text("Đánh giá việc giải quyết hồ sơ tại Bộ phận Một cửa"), styles.heading1
        ),
        paragraph(f"<b>{text(unit.agency.name)}</b>", styles.body),
        paragraph(
            text(
                f"Kỳ {period.code}: từ {day(period.first_day)} "
                f"đến {day(period.last_day)} (giờ Việt Nam). "
                f"Phiếu {report.questionnaire}."
            ),
            styles.small,
        ),
        Spacer(1, 3 * mm),
    ]
    rows = [
        [
            "",
            "Số hồ sơ",
            "Tổng điểm",
            "Rất hài lòng",
            "Không hài lòng",
            "Tỷ lệ hài lòng",
            "Xếp loại",
        ]
    ]
    rows.append(_summary_row("Cả đơn vị", unit.summary))
    rows += [_summary_row(item.counter.name, item.summary) for item in unit.counters]
    rows.append(_summary_row(report.province_name, report.province))
    story.append(
        _table(
            rows,
            styles,
            [44 * mm, 17 * mm, 25 * mm, 21 * mm, 23 * mm, 24 * mm, 20 * mm],
        )
    )
    story.append(
        paragraph(
            text("Điểm từng chỉ số (bình quân trên số hồ sơ trả lời)"), styles.heading2
        )
    )
    story += _indicators(unit, styles)
    story += _trend(report, styles)
    return story


def _indicators(unit: UnitReport, styles: Styles) -> list[Flowable]:
    story: list[Flowable] = []
    weak = {score.code for score in unit.weak}
    indicator_rows = [["Chỉ số", "Trả lời", "Điểm", "Tối đa", "Kéo điểm xuống"]]
    for score in unit.summary.indicators:
        indicator_rows.append(
            [
                f"{score.code}. {score.text}",
                localise(str(score.answered)),
                _number(display(score.mean)),
                localise(display(score.maximum, 0) or "0"),
                "có" if score.code in weak else "",
            ]
        )
    story.append(
        _table(indicator_rows, styles, [100 * mm, 18 * mm, 18 * mm, 16 * mm, 22 * mm])
    )
    return story


def _trend(report: Report, styles: Styles) -> list[Flowable]:
    story: list[Flowable] = []
    story.append(paragraph(text("Diễn biến theo tháng"), styles.heading2))
    trend_rows = [["Tháng", "Số hồ sơ", "Tổng điểm", "Tỷ lệ hài lòng"]]
    for point in report.months:
        trend_rows.append(
            [
                point.label,
                localise(str(point.summary.dossiers)),
                _number(display(point.summary.total)),
                _number(display(point.summary.satisfaction, 1), " %"),
            ]
        )
    story.append(_table(trend_rows, styles, [40 * mm, 30 * mm, 30 * mm, 30 * mm]))
    story.append(Spacer(1, 3 * mm))
    story.append(
        paragraph(
            text(
                "Tổng điểm = tổng điểm bình quân các chỉ số (2/1/0 mỗi chỉ số). "
                "Tỷ lệ hài lòng = số hồ sơ không bị đánh giá “Không hài lòng” / "
                "số hồ sơ được đánh giá. Ngưỡng xếp loại là cấu hình mặc định, "
                "chưa có văn bản chính thức xác nhận."
            ),
            styles.note,
        )
    )
    return story


def unit_pdf(report: Report, unit: UnitReport) -> bytes:
    """Render one unit's summary, counters, indicators and monthly trend on A4."""
    styles = make_styles()
    decor = PageDecor(
        header=f"{unit.agency.name} – {report.period.code}",
        footer="Đánh giá tại quầy – số liệu tự động từ hệ thống khảo sát",
    )
    return render(
        _story(report, unit, styles),
        decor,
        title=f"Đánh giá tại quầy {unit.agency.name} {report.period.code}",
        author=report.province_name,
        subject="Đánh giá việc giải quyết hồ sơ",
    )
