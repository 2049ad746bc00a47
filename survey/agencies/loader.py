"""Load a province file (agencies, counters, periods) into the database.

Loading is idempotent: a unit already stored under its code is updated in place,
so that responses keep pointing at it; units are never deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Agency, Counter, Period
from survey.questionnaire.definition import CODE_PATTERN

log = logging.getLogger(__name__)


class AgencyFileError(ValueError):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: invalid agency file\n{lines}")


@dataclass
class LoadSummary:
    agencies: int = 0
    counters: int = 0
    periods: int = 0
    problems: list[str] = field(default_factory=list)


GROUP_KINDS = {
    "departments": "department",
    "districts": "district",
    "central": "central",
}


def read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise AgencyFileError(
            str(path), [f"cannot be read as YAML: {error}"]
        ) from error
    if not isinstance(raw, dict):
        raise AgencyFileError(str(path), ["the file must contain one mapping"])
    return raw


def _date(problems: list[str], where: str, value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: invalid date {value!r}: write it as YYYY-MM-DD")
        return None


def _units(raw: dict[str, Any], problems: list[str]) -> list[dict[str, Any]]:
    """Flatten the file into one entry per unit, defaults applied."""
    defaults = raw.get("defaults") or {}
    province = raw.get("province")
    if not isinstance(province, dict):
        problems.append("province: missing: give its code and name")
        return []
    units = [{**province, "kind": "province", "group": None, "counters": []}]
    for group, body in (raw.get("groups") or {}).items():
        if group not in GROUP_KINDS:
            problems.append(
                f"groups: unknown group {group!r}: use {', '.join(GROUP_KINDS)}"
            )
            continue
        for unit in body.get("units") or []:
            units.append(
                {
                    "valid_from": defaults.get("valid_from"),
                    "valid_to": defaults.get("valid_to"),
                    "counters": defaults.get("counters", []),
                    **unit,
                    "kind": body.get("kind", GROUP_KINDS[group]),
                    "group": group,
                }
            )
    return units


def load(session: Session, path: Path) -> LoadSummary:
    """Insert or update the file's units, counters and periods in one transaction."""
    raw = read(path)
    summary = LoadSummary()
    problems = summary.problems
    units = _units(raw, problems)
    seen: set[str] = set()
    for index, unit in enumerate(units):
        code = unit.get("code")
        where = f"unit {code or index}"
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            problems.append(f"{where}: invalid code {code!r}")
            continue
        if code in seen:
            problems.append(f"{where}: code {code} is used twice")
        seen.add(code)
        if not str(unit.get("name") or "").strip():
            problems.append(f"{where}: name is missing")
        start = _date(problems, where, unit.get("valid_from"))
        end = _date(problems, where, unit.get("valid_to"))
        if start is None:
            problems.append(f"{where}: valid_from is missing")
        elif end is not None and end < start:
            problems.append(f"{where}: valid_to {end} is before valid_from {start}")
    periods = raw.get("periods") or []
    for period in periods:
        where = f"period {period.get('code')}"
        start = _date(problems, where, period.get("starts_on"))
        end = _date(problems, where, period.get("ends_on"))
        if start is None or end is None:
            problems.append(f"{where}: starts_on and ends_on are required")
        elif end < start:
            problems.append(f"{where}: ends_on {end} is before starts_on {start}")
    if problems:
        raise AgencyFileError(str(path), problems)

    province_id = None
    for unit in units:
        agency = _upsert_agency(session, unit, province_id)
        summary.agencies += 1
        if unit["kind"] == "province":
            session.flush()
            province_id = agency.id
        for counter in unit.get("counters") or []:
            _upsert_counter(session, agency, counter)
            summary.counters += 1
    for period in periods:
        _upsert_period(session, period)
        summary.periods += 1
    session.commit()
    log.info(
        "agency file loaded: %s agencies, %s counters, %s periods",
        summary.agencies,
        summary.counters,
        summary.periods,
    )
    return summary


def _upsert_agency(
    session: Session, unit: dict[str, Any], parent_id: int | None
) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == unit["code"]))
    if agency is None:
        agency = Agency(code=unit["code"])
        session.add(agency)
    agency.name = str(unit["name"]).strip()
    agency.kind = unit["kind"]
    agency.ranking_group = unit["group"]
    agency.valid_from = _date([], "", unit.get("valid_from"))  # type: ignore[assignment]
    agency.valid_to = _date([], "", unit.get("valid_to"))
    agency.unconfirmed = bool(unit.get("unconfirmed", False))
    if agency.kind != "province":
        agency.parent_id = parent_id
    return agency


def _upsert_counter(session: Session, agency: Agency, raw: dict[str, Any]) -> None:
    code = str(raw["code"])
    counter = None
    if agency.id is not None:
        counter = session.scalar(
            select(Counter).where(Counter.agency_id == agency.id, Counter.code == code)
        )
    if counter is None:
        counter = Counter(code=code, agency=agency)
        session.add(counter)
    counter.name = str(raw.get("name") or code)


def _upsert_period(session: Session, raw: dict[str, Any]) -> None:
    code = str(raw["code"])
    period = session.scalar(select(Period).where(Period.code == code))
    if period is None:
        period = Period(code=code)
        session.add(period)
    period.name = str(raw.get("name") or code)
    period.starts_on = _date([], "", raw["starts_on"])  # type: ignore[assignment]
    period.ends_on = _date([], "", raw["ends_on"])  # type: ignore[assignment]
