"""Counter ratings: the per-dossier rating given at a one-stop counter, summarised.

Each stored response of the counter-rating questionnaire rates one dossier: an
overall rating (item DG: 3 "Rất hài lòng", 2 "Hài lòng", 1 "Không hài lòng") and
scored indicators (option values 2 / 1 / 0, turned into points by
``RatingConfig.points``). The database groups the answers by agency, counter and
time bucket, so memory does not grow with the number of ratings; the functions
below turn those counts into summaries with exact ``Fraction`` arithmetic.

Definitions used everywhere (the official rules were not found, so the points,
the bands and the band basis are settings):

- indicator score: the mean points over the dossiers that answered the
  indicator. A blank answer (for example CS8 "nếu có" when nothing was filed
  online) is left out of that indicator's denominator and of no other.
- total score: the sum of the indicator scores, against the sum of the maximum
  points of the indicators that have answers (9 × 2 = 18 with the shipped
  questionnaire when every indicator has answers). Because each indicator
  averages over its own answers, a skipped optional indicator does not lower the
  total, which a mean of per-dossier totals would do.
- rated dossiers: the unflagged responses; a negative rating is DG = 1
  "Không hài lòng"; the satisfaction ratio is 100 × (rated − negative) / rated.
- rating shares: very satisfied / satisfied / not satisfied over the dossiers
  that answered DG, displayed with largest-remainder rounding so they add to 100.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    Interval,
    String,
    column,
    func,
    literal,
    not_,
    select,
    table,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from analysis.counts import Count, UnitCounts, pool
from analysis.indices import NO_DATA, OK, format_number, largest_remainder_shares

log = logging.getLogger(__name__)

Database = Session | Connection

# The columns read here; survey.models defines the full tables.
responses = table(
    "responses",
    column("id", Integer),
    column("agency_id", Integer),
    column("counter_id", Integer),
    column("questionnaire_version_id", Integer),
    column("flagged", Boolean),
    column("captured_at", DateTime),
)
answers = table(
    "answers",
    column("response_id", Integer),
    column("item_code", String),
    column("value", Integer),
    column("not_applicable", Boolean),
)

PERIOD_GRAIN = "period"
MONTH = "month"
WEEK = "week"
GRAINS = (PERIOD_GRAIN, MONTH, WEEK)
BAND_BASES = ("satisfaction", "score")


class RatingError(ValueError):
    """Raised when a period, a setting or a time zone cannot be used."""


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A rating band: a value of at least ``minimum`` percent gets ``label``."""

    minimum: Fraction
    label: str


# Unconfirmed defaults: no official banding of counter ratings was found.
DEFAULT_BANDS = (
    Band(Fraction(90), "Tốt"),
    Band(Fraction(70), "Đạt"),
    Band(Fraction(0), "Chưa đạt"),
)


@dataclass(frozen=True)
class RatingConfig:
    """How ratings become scores, with the product's (unconfirmed) defaults.

    ``points`` maps an indicator's option value to its points; a value outside
    the mapping is counted as invalid. ``bands`` are tried from the highest
    minimum down; the lowest must start at 0. ``band_basis`` says which figure
    the bands apply to: the satisfaction ratio or the total score in percent of
    its maximum.
    """

    points: Mapping[int, Fraction] = field(
        default_factory=lambda: {2: Fraction(2), 1: Fraction(1), 0: Fraction(0)}
    )
    rating_item: str = "DG"
    very_satisfied: int = 3
    satisfied: int = 2
    not_satisfied: int = 1
    bands: tuple[Band, ...] = DEFAULT_BANDS
    band_basis: str = "satisfaction"

    def __post_init__(self) -> None:
        if not self.points:
            raise RatingError("points is empty: map each option value to its points")
        if any(points < 0 for points in self.points.values()):
            raise RatingError(f"points={dict(self.points)!r} is invalid: use 0 or more")
        if not self.bands:
            raise RatingError("bands is empty: give at least one band starting at 0")
        minimums = [band.minimum for band in self.bands]
        if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(
            minimums
        ):
            raise RatingError(
                f"bands {minimums} are invalid: list distinct minimums, highest first"
            )
        if minimums[-1] != 0:
            raise RatingError(
                f"the lowest band starts at {minimums[-1]}: it must start at 0"
            )
        if self.band_basis not in BAND_BASES:
            raise RatingError(
                f"band_basis={self.band_basis!r} is invalid: use one of {BAND_BASES}"
            )

    @property
    def max_points(self) -> Fraction:
        return max(self.points.values())

    def band(self, percent: Fraction | None) -> str | None:
        """Return the label of the band that ``percent`` falls in, None without data."""
        if percent is None:
            return None
        for band in self.bands:
            if percent >= band.minimum:
                return band.label
        return self.bands[-1].label


def parse_points(entries: Iterable[str]) -> dict[int, Fraction]:
    """Parse settings such as ``["2:2", "1:1", "0:0"]`` (option value:points)."""
    points: dict[int, Fraction] = {}
    for entry in entries:
        value, sep, amount = str(entry).partition(":")
        try:
            if not sep:
                raise ValueError(entry)
            points[int(value)] = Fraction(amount.strip())
        except ValueError as error:
            raise RatingError(
                f"points entry {entry!r} is invalid: write option value:points, "
                "e.g. 2:2"
            ) from error
    return points


def parse_bands(entries: Iterable[str]) -> tuple[Band, ...]:
    """Parse settings such as ``["90:Tốt", "70:Đạt", "0:Chưa đạt"]``."""
    bands = []
    for entry in entries:
        minimum, sep, label = str(entry).partition(":")
        try:
            if not sep or not label.strip():
                raise ValueError(entry)
            bands.append(Band(Fraction(minimum.strip()), label.strip()))
        except ValueError as error:
            raise RatingError(
                f"band entry {entry!r} is invalid: write minimum percent:label, "
                "e.g. 90:Tốt"
            ) from error
    return tuple(sorted(bands, key=lambda band: band.minimum, reverse=True))


@dataclass(frozen=True)
class Indicator:
    code: str
    text: str
    # Option values that are valid answers.
    values: frozenset[int]


def indicators_from_questionnaire(questionnaire: Any) -> tuple[Indicator, ...]:
    """Return the items with role "indicator" of a parsed questionnaire, in order."""
    return tuple(
        Indicator(item.code, item.text, frozenset(item.values))
        for item in questionnaire.items()
        if item.role == "indicator"
    )


# ---------------------------------------------------------------------------
# Periods and local time
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    """A calendar quarter ("2021-Q4") or month ("2021-10"), days inclusive."""

    code: str
    kind: str
    first_day: date
    last_day: date

    def utc_bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """Return [start, end) in naive UTC: local midnight of the first day and of
        the day after the last day."""
        start = datetime.combine(self.first_day, time(), zone)
        end = datetime.combine(self.last_day + timedelta(days=1), time(), zone)
        return _naive_utc(start), _naive_utc(end)

    def months(self) -> list[str]:
        found = []
        year, month = self.first_day.year, self.first_day.month
        while date(year, month, 1) <= self.last_day:
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def weeks(self) -> list[date]:
        """Return the Monday of every ISO week that has a day in the period."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        found = []
        while monday <= self.last_day:
            found.append(monday)
            monday += timedelta(days=7)
        return found


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def parse_period(code: str) -> ReportPeriod:
    """Parse "YYYY-Qn" (a calendar quarter) or "YYYY-MM" (a month)."""
    text = (code or "").strip().upper()
    year_text, sep, rest = text.partition("-")
    if sep and len(year_text) == 4 and year_text.isdigit():
        year = int(year_text)
        if len(rest) == 2 and rest[0] == "Q" and rest[1] in "1234":
            quarter = int(rest[1])
            first = date(year, 3 * quarter - 2, 1)
            last = _month_end(year, 3 * quarter)
            return ReportPeriod(f"{year}-Q{quarter}", "quarter", first, last)
        if len(rest) == 2 and rest.isdigit() and 1 <= int(rest) <= 12:
            month = int(rest)
            first = date(year, month, 1)
            return ReportPeriod(
                f"{year}-{month:02d}", "month", first, _month_end(year, month)
            )
    raise RatingError(
        f"period {code!r} is invalid: use a quarter such as 2021-Q4 "
        "or a month such as 2021-10"
    )


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def iso_week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def fixed_offset(zone_name: str, first_day: date, last_day: date) -> timedelta:
    """Return the zone's UTC offset, checking that it is constant over the days.

    The database shifts UTC timestamps by one fixed offset to find the local
    day, which is exact only for a zone without daylight saving or other offset
    changes in the period. Asia/Ho_Chi_Minh has been UTC+7 without daylight
    saving since 1975, so +7 hours is exact for any period after that.
    """
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise RatingError(f"time zone {zone_name!r} not found") from error
    offsets = set()
    day = first_day - timedelta(days=1)
    # Checked daily, so any change of offset in the period is seen.
    while day <= last_day + timedelta(days=1):
        for hour in (0, 12):
            moment = datetime.combine(day, time(hour), zone)
            offsets.add(moment.utcoffset())
        day += timedelta(days=1)
    if len(offsets) != 1:
        raise RatingError(
            f"time zone {zone_name!r} changes its UTC offset between {first_day} "
            f"and {last_day} (daylight saving or a change of zone): counter ratings "
            "group days by one fixed offset, so set TIMEZONE to a zone without "
            "offset changes"
        )
    offset = offsets.pop()
    if offset is None:
        raise RatingError(f"time zone {zone_name!r} has no UTC offset")
    return offset


# ---------------------------------------------------------------------------
# Reading the database
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingSelection:
    """Which counter ratings are read: questionnaire versions, days and zone."""

    version_ids: tuple[int, ...]
    period: ReportPeriod
    timezone: str = "Asia/Ho_Chi_Minh"
    # None reads every agency.
    agency_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if not self.version_ids:
            raise RatingError("version_ids is empty: load the counter-rating form")


# A cell of the grouped counts: (agency id, counter id or None, bucket or None).
CellKey = tuple[int, int | None, str | None]


def _stamp() -> ColumnElement[Any]:
    # The submit path always sets captured_at (falling back to the receipt time),
    # so the plain column is read: PostgreSQL estimates a range on a column from
    # its statistics, while a range on COALESCE(...) was estimated at 1 % of the
    # rows and led to a disk sort 2-3 times slower.
    # NOTE: a response stored with captured_at NULL by other means is not counted.
    return responses.c.captured_at


def _bucket(dialect: str, grain: str, offset: timedelta) -> ColumnElement[Any] | None:
    """Return the SQL for the local month ("YYYY-MM") or ISO week's Monday."""
    if grain == PERIOD_GRAIN:
        return None
    stamp = _stamp()
    seconds = int(offset.total_seconds())
    if dialect == "sqlite":
        shift = f"{seconds:+d} seconds"
        if grain == MONTH:
            return func.strftime("%Y-%m", stamp, shift)
        # "weekday 1" moves forward to a Monday unless the day is one already.
        return func.date(stamp, shift, "-6 days", "weekday 1")
    if dialect == "postgresql":
        local = stamp + literal(offset, Interval())
        if grain == MONTH:
            return func.to_char(local, "YYYY-MM")
        return func.to_char(func.date_trunc("week", local), "YYYY-MM-DD")
    raise RatingError(
        f"database {dialect!r} is not supported: use SQLite or PostgreSQL"
    )


def _dialect(db: Database) -> str:
    bind = db.get_bind() if isinstance(db, Session) else db
    return bind.dialect.name


def count_ratings(
    db: Database,
    selection: RatingSelection,
    item_codes: Collection[str],
    grain: str = PERIOD_GRAIN,
    by_counter: bool = True,
) -> dict[CellKey, UnitCounts]:
    """Count dossiers and answers by agency, counter and local time bucket.

    Two GROUP BY queries run in the database: one counts responses (flagged ones
    apart), one counts answers by item and option value; only ``item_codes``
    are kept. With
    ``by_counter=False`` the counter id of every key is None. Only cells with
    responses are returned.
    """
    if grain not in GRAINS:
        raise RatingError(f"grain={grain!r} is invalid: use one of {GRAINS}")
    period = selection.period
    offset = fixed_offset(selection.timezone, period.first_day, period.last_day)
    start, end = period.utc_bounds(ZoneInfo(selection.timezone))
    bucket = _bucket(_dialect(db), grain, offset)
    keys: list[ColumnElement[Any]] = [responses.c.agency_id]
    if by_counter:
        keys.append(responses.c.counter_id)
    if bucket is not None:
        keys.append(bucket.label("bucket"))
    conditions = [
        responses.c.questionnaire_version_id.in_(sorted(selection.version_ids)),
        _stamp() >= start,
        _stamp() < end,
    ]
    if selection.agency_ids is not None:
        conditions.append(responses.c.agency_id.in_(sorted(selection.agency_ids)))

    def cell_key(row: Sequence[Any]) -> CellKey:
        agency_id = row[0]
        counter_id = row[1] if by_counter else None
        bucket_value = row[len(keys) - 1] if bucket is not None else None
        return (
            agency_id,
            counter_id,
            None if bucket_value is None else str(bucket_value),
        )

    # Filtered here rather than in SQL: an IN list on item_code made the
    # grouped query slower than reading the few extra groups.
    wanted_items = set(item_codes)
    cells: dict[CellKey, UnitCounts] = {}
    dossiers = (
        select(*keys, responses.c.flagged, func.count().label("n"))
        .where(*conditions)
        .group_by(*keys, responses.c.flagged)
    )
    for row in db.execute(dossiers):
        counts = cells.setdefault(cell_key(row), UnitCounts(cell_key(row)))
        if row[-2]:
            counts.flagged += int(row[-1])
        else:
            counts.respondents += int(row[-1])
    grouped = (
        select(
            *keys,
            answers.c.item_code,
            answers.c.value,
            answers.c.not_applicable,
            func.count().label("n"),
        )
        .select_from(answers.join(responses, answers.c.response_id == responses.c.id))
        .where(*conditions, not_(responses.c.flagged))
        .group_by(*keys, answers.c.item_code, answers.c.value, answers.c.not_applicable)
    )
    for row in db.execute(grouped):
        item_code, value, not_applicable, n = row[-4:]
        if item_code not in wanted_items:
            continue
        counts = cells.setdefault(cell_key(row), UnitCounts(cell_key(row)))
        counts.add_answers(item_code, value, bool(not_applicable), int(n))
    log.debug(
        "counted counter ratings: period=%s grain=%s cells=%s",
        period.code,
        grain,
        len(cells),
    )
    return cells


def pool_cells(
    cells: Mapping[CellKey, UnitCounts],
    unit: Any,
    agency_ids: Collection[int] | None = None,
    counter_id: int | None = None,
    bucket: str | None = None,
) -> UnitCounts:
    """Add the counts of the cells that match the given agency, counter and bucket.

    None for ``agency_ids`` takes every agency; None for ``counter_id`` or
    ``bucket`` takes every counter or bucket.
    """
    wanted = None if agency_ids is None else set(agency_ids)
    parts = [
        counts
        for (agency_id, counter, cell_bucket), counts in cells.items()
        if (wanted is None or agency_id in wanted)
        and (counter_id is None or counter == counter_id)
        and (bucket is None or cell_bucket == bucket)
    ]
    return pool(unit, parts)


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    text: str
    # Dossiers with a valid answer; blanks and invalid values are left out.
    answered: Count
    # Dossiers by points obtained, e.g. {2: 40, 1: 7, 0: 3}.
    by_points: dict[Fraction, Count]
    maximum: Fraction
    # Mean points over ``answered``; None when nobody answered.
    mean: Fraction | None

    @property
    def shortfall(self) -> Fraction | None:
        """Points missing from the maximum, on average."""
        return None if self.mean is None else self.maximum - self.mean


@dataclass(frozen=True)
class RatingShares:
    very_satisfied: Count
    satisfied: Count
    not_satisfied: Count
    # Dossiers that answered DG with one of the three values.
    answered: Count
    # Percent of ``answered`` as display strings that add to 100; empty when
    # nobody answered.
    shares: dict[str, str]


@dataclass(frozen=True)
class CounterSummary:
    """The figures of one counter, unit or the province over one time span."""

    unit: Any
    status: str
    # Unflagged responses, one per dossier.
    dossiers: Count
    flagged: int
    indicators: tuple[IndicatorScore, ...]
    # Sum of the indicator means; None without data.
    total: Fraction | None
    # Sum of the maximum points of the indicators that have answers.
    maximum: Fraction
    # Sum of the maximum points of every indicator (18 with the shipped form).
    nominal_maximum: Fraction
    rating: RatingShares
    # Dossiers with DG = 1 "Không hài lòng".
    negative: Count
    # 100 × (dossiers − negative) / dossiers; None without dossiers.
    satisfaction: Fraction | None
    band: str | None

    @property
    def score_percent(self) -> Fraction | None:
        if self.total is None or self.maximum == 0:
            return None
        return 100 * self.total / self.maximum


def indicator_score(
    indicator: Indicator, counts: UnitCounts, config: RatingConfig
) -> IndicatorScore:
    """Compute mean points = Σ points(v) · n_v / Σ n_v over valid answers v."""
    item = counts.item(indicator.code)
    by_points: dict[Fraction, Count] = {}
    for value, n in item.values.items():
        if value in indicator.values and value in config.points:
            points = Fraction(config.points[value])
            by_points[points] = by_points.get(points, 0) + n
    answered = sum(by_points.values(), 0)
    maximum = max(
        (Fraction(config.points[v]) for v in indicator.values if v in config.points),
        default=Fraction(0),
    )
    mean = None
    if answered:
        mean = sum((p * n for p, n in by_points.items()), Fraction(0)) / answered
    return IndicatorScore(
        indicator.code,
        indicator.text,
        answered,
        dict(sorted(by_points.items(), reverse=True)),
        maximum,
        mean,
    )


def rating_shares(counts: UnitCounts, config: RatingConfig) -> RatingShares:
    """Count DG answers by level; shares use largest-remainder rounding."""
    item = counts.item(config.rating_item)
    levels = {
        "very_satisfied": item.values.get(config.very_satisfied, 0),
        "satisfied": item.values.get(config.satisfied, 0),
        "not_satisfied": item.values.get(config.not_satisfied, 0),
    }
    answered = sum(levels.values(), 0)
    by_position = dict(enumerate(levels.values()))
    shares = largest_remainder_shares(by_position, decimals=1) if answered else {}
    return RatingShares(
        levels["very_satisfied"],
        levels["satisfied"],
        levels["not_satisfied"],
        answered,
        {name: shares[position] for position, name in enumerate(levels) if shares},
    )


def summarise(
    counts: UnitCounts, indicators: Sequence[Indicator], config: RatingConfig
) -> CounterSummary:
    """Turn the counts of one unit into its summary; no dossiers gives "no data"."""
    scores = tuple(indicator_score(i, counts, config) for i in indicators)
    with_data = [score for score in scores if score.mean is not None]
    nominal = sum((score.maximum for score in scores), Fraction(0))
    maximum = sum((score.maximum for score in with_data), Fraction(0))
    total = None
    if with_data:
        total = sum((s.mean for s in with_data if s.mean is not None), Fraction(0))
    rating = rating_shares(counts, config)
    dossiers = counts.respondents
    negative = rating.not_satisfied
    satisfaction = None
    if dossiers:
        # Satisfaction ratio = dossiers without a negative rating / rated dossiers.
        satisfaction = Fraction(100) * (dossiers - negative) / dossiers
    if config.band_basis == "satisfaction":
        basis = satisfaction
    else:
        basis = None if total is None or not maximum else 100 * total / maximum
    return CounterSummary(
        unit=counts.unit,
        status=OK if dossiers else NO_DATA,
        dossiers=dossiers,
        flagged=counts.flagged,
        indicators=scores,
        total=total if dossiers else None,
        maximum=maximum,
        nominal_maximum=nominal,
        rating=rating,
        negative=negative,
        satisfaction=satisfaction,
        band=config.band(basis) if dossiers else None,
    )


def weak_indicators(
    summary: CounterSummary, limit: int | None = None
) -> list[IndicatorScore]:
    """Rank the indicators that pull a unit down: largest shortfall first.

    Indicators without answers or at their maximum are left out; ties go to
    the one with more dossiers at zero points, then to the lower code.
    """
    ranked = sorted(
        (s for s in summary.indicators if s.shortfall is not None and s.shortfall > 0),
        key=lambda s: (-(s.shortfall or 0), -s.by_points.get(Fraction(0), 0), s.code),
    )
    return ranked if limit is None else ranked[:limit]


@dataclass(frozen=True)
class TrendPoint:
    # "2021-10" for a month, "2021-W40" for an ISO week.
    label: str
    first_day: date
    last_day: date
    # True when the bucket has days outside the period (an ISO week at its edge).
    partial: bool
    summary: CounterSummary


def trend(
    cells: Mapping[CellKey, UnitCounts],
    period: ReportPeriod,
    grain: str,
    indicators: Sequence[Indicator],
    config: RatingConfig,
    agency_ids: Collection[int] | None = None,
) -> list[TrendPoint]:
    """Return one point per month or ISO week of ``period``, empty ones included.

    ``cells`` come from ``count_ratings`` with the same grain.
    """
    points = []
    if grain == MONTH:
        for label in period.months():
            year, month = (int(part) for part in label.split("-"))
            first, last = date(year, month, 1), _month_end(year, month)
            counts = pool_cells(cells, label, agency_ids, bucket=label)
            points.append(
                TrendPoint(
                    label, first, last, False, summarise(counts, indicators, config)
                )
            )
        return points
    if grain != WEEK:
        raise RatingError(f"grain={grain!r} is invalid: use 'month' or 'week'")
    for monday in period.weeks():
        label = iso_week_label(monday)
        sunday = monday + timedelta(days=6)
        partial = monday < period.first_day or sunday > period.last_day
        counts = pool_cells(cells, label, agency_ids, bucket=monday.isoformat())
        points.append(
            TrendPoint(
                label, monday, sunday, partial, summarise(counts, indicators, config)
            )
        )
    return points


# ---------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------


def display(value: Fraction | None, decimals: int = 2) -> str | None:
    """Round half away from zero for display; None stays None."""
    return None if value is None else format_number(value, decimals)


def as_float(value: Fraction | int | None) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    if value.denominator == 1:
        return int(value)
    return float(value)


def summary_dict(summary: CounterSummary) -> dict[str, Any]:
    """Return the summary as JSON-ready data: exact values as floats, display strings
    rounded half up."""
    return {
        "status": summary.status,
        "dossiers": as_float(summary.dossiers),
        "flagged": summary.flagged,
        "total_score": as_float(summary.total),
        "total_score_display": display(summary.total),
        "maximum": as_float(summary.maximum),
        "nominal_maximum": as_float(summary.nominal_maximum),
        "score_percent": as_float(summary.score_percent),
        "score_percent_display": display(summary.score_percent, 1),
        "satisfaction_ratio": as_float(summary.satisfaction),
        "satisfaction_ratio_display": display(summary.satisfaction, 1),
        "negative": as_float(summary.negative),
        "band": summary.band,
        "rating": {
            "very_satisfied": as_float(summary.rating.very_satisfied),
            "satisfied": as_float(summary.rating.satisfied),
            "not_satisfied": as_float(summary.rating.not_satisfied),
            "answered": as_float(summary.rating.answered),
            "shares": summary.rating.shares,
        },
        "indicators": [indicator_dict(score) for score in summary.indicators],
    }


def indicator_dict(score: IndicatorScore) -> dict[str, Any]:
    return {
        "code": score.code,
        "text": score.text,
        "answered": as_float(score.answered),
        "by_points": {
            str(as_float(points)): as_float(n) for points, n in score.by_points.items()
        },
        "mean": as_float(score.mean),
        "mean_display": display(score.mean),
        "maximum": as_float(score.maximum),
        "shortfall": as_float(score.shortfall),
    }
