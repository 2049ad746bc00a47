"""Questionnaire files on disk and the versions stored in the database."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, undefer

from survey.models import QuestionnaireVersion
from survey.questionnaire.definition import (
    KEY_PATTERN,
    Questionnaire,
    QuestionnaireError,
    checksum,
    parse,
)

log = logging.getLogger(__name__)
FILE_PATTERN = re.compile(r"^v(\d+)\.yaml$")
# Version numbers are stored in a 32-bit signed INTEGER column; PostgreSQL rejects
# a larger parameter and SQLite one past 64 bits.
MAX_VERSION_NUMBER = 2**31 - 1


class PublishedVersionChanged(QuestionnaireError):
    """Raised when a file differs from the version already stored under its number."""


def read_file(path: Path) -> Questionnaire:
    """Parse and validate one definition file ``<key>/v<version>.yaml``."""
    source = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise QuestionnaireError(
            source, [f"cannot be read as YAML: {error}"]
        ) from error
    questionnaire = parse(raw, source)
    match = FILE_PATTERN.match(path.name)
    problems = []
    if path.parent.name != questionnaire.key:
        problems.append(
            f"key '{questionnaire.key}' differs from its folder '{path.parent.name}': "
            "rename one of them"
        )
    if not match or int(match.group(1)) != questionnaire.version:
        problems.append(
            f"version {questionnaire.version} differs from the file name "
            f"'{path.name}': "
            f"name it v{questionnaire.version}.yaml"
        )
    if problems:
        raise QuestionnaireError(source, problems)
    return questionnaire


def read_directory(directory: Path) -> list[Questionnaire]:
    """Read every definition under ``directory``; report all invalid files at once."""
    found, problems = [], []
    for path in sorted(directory.glob("*/v*.yaml")):
        try:
            found.append(read_file(path))
        except QuestionnaireError as error:
            problems.append(str(error))
    if problems:
        raise QuestionnaireError(str(directory), problems)
    return found


@dataclass(frozen=True)
class LoadResult:
    added: list[str]
    unchanged: list[str]


def load_directory(session: Session, directory: Path) -> LoadResult:
    """Store every version found under ``directory`` that the database lacks.

    A version already stored must be identical to its file: a published version
    never changes, so a change has to become a new version number.
    """
    result = LoadResult([], [])
    for questionnaire in read_directory(directory):
        stored = session.scalar(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.key == questionnaire.key,
                QuestionnaireVersion.version == questionnaire.version,
            )
        )
        if stored is None:
            session.add(
                QuestionnaireVersion(
                    key=questionnaire.key,
                    version=questionnaire.version,
                    title=questionnaire.title,
                    checksum=questionnaire.checksum,
                    definition=dict(questionnaire.raw),
                )
            )
            result.added.append(questionnaire.label)
            log.info("questionnaire loaded: %s", questionnaire.label)
        elif stored.checksum != questionnaire.checksum:
            session.rollback()
            raise PublishedVersionChanged(
                questionnaire.label,
                [
                    "this version is already published and its file has changed: "
                    f"restore the file, or save the change as "
                    f"v{questionnaire.version + 1}.yaml with version "
                    f"{questionnaire.version + 1}"
                ],
            )
        else:
            result.unchanged.append(questionnaire.label)
    session.commit()
    return result


_PARSED: dict[str, Questionnaire] = {}


def from_stored(version: QuestionnaireVersion) -> Questionnaire:
    """Build the Questionnaire of a stored version, parsing each checksum once."""
    parsed = _PARSED.get(version.checksum)
    if parsed is None:
        parsed = parse(version.definition, f"stored {version.key} v{version.version}")
        _PARSED[version.checksum] = parsed
    return parsed


def _can_be_stored(key: object, version: int = 1) -> bool:
    """Return whether a stored version could have this key and number."""
    return (
        isinstance(key, str)
        and KEY_PATTERN.fullmatch(key) is not None
        and abs(version) <= MAX_VERSION_NUMBER
    )


def latest_version(session: Session, key: str) -> QuestionnaireVersion | None:
    if not _can_be_stored(key):
        return None
    newest = (
        select(func.max(QuestionnaireVersion.version))
        .where(QuestionnaireVersion.key == key)
        .scalar_subquery()
    )
    return session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == key, QuestionnaireVersion.version == newest
        )
    )


def get_version(
    session: Session, key: str, version: int
) -> QuestionnaireVersion | None:
    if not _can_be_stored(key, version):
        return None
    return session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == key, QuestionnaireVersion.version == version
        )
    )


# Stored versions never change (the loader refuses a changed file under a stored
# number), so a version read once serves every later request of the process.
# Per engine, because each engine is another database.
_PUBLISHED: WeakKeyDictionary[Engine, dict[tuple[str, int], QuestionnaireVersion]] = (
    WeakKeyDictionary()
)


def published_version(
    session: Session, key: str, version: int
) -> QuestionnaireVersion | None:
    """Return ``get_version(session, key, version)`` from a per-process cache.

    The object returned is detached from every session, with its definition
    loaded and parsed: read its attributes, never add it to a session or
    assign it to a relationship. An unknown version is looked up every time.
    """
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    cache = _PUBLISHED.setdefault(engine, {})
    found = cache.get((key, version))
    if found is not None:
        return found
    if not _can_be_stored(key, version):
        return None
    found = session.scalar(
        select(QuestionnaireVersion)
        .options(undefer(QuestionnaireVersion.definition))
        .where(QuestionnaireVersion.key == key, QuestionnaireVersion.version == version)
        .execution_options(populate_existing=True)
    )
    if found is None:
        return None
    from_stored(found)
    session.expunge(found)
    cache[(key, version)] = found
    return found


__all__ = [
    "LoadResult",
    "PublishedVersionChanged",
    "checksum",
    "from_stored",
    "get_version",
    "latest_version",
    "load_directory",
    "published_version",
    "read_directory",
    "read_file",
]
