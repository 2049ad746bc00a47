"""Published questionnaire versions never change once stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from survey.config import PROJECT_ROOT
from survey.db import new_session
from survey.models import QuestionnaireVersion
from survey.questionnaire.store import (
    PublishedVersionChanged,
    from_stored,
    load_directory,
    published_version,
)


def test_reloading_same_files_adds_nothing(session):
    result = load_directory(session, PROJECT_ROOT / "questionnaires")
    assert result.added == []
    assert len(result.unchanged) == 3
    assert session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 3


def test_changed_published_version_is_rejected(session, tmp_path: Path):
    copy = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", copy)
    path = copy / "sipas-2017" / "v1.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Nơi ngồi chờ", "Chỗ ngồi chờ"),
        encoding="utf-8",
    )
    with pytest.raises(PublishedVersionChanged, match="v2.yaml"):
        load_directory(session, copy)
    stored = session.scalar(
        select(QuestionnaireVersion).where(QuestionnaireVersion.key == "sipas-2017")
    )
    assert "Nơi ngồi chờ" in str(stored.definition)


def test_published_version_cached_detached(app, session, tmp_path: Path):
    first = published_version(session, "sipas-2017", 1)
    assert first is not None
    assert inspect(first).detached
    # Its definition was loaded before it left the session, so reading it
    # needs no database, and the parsed form is at hand.
    assert first.definition["key"] == "sipas-2017"
    assert from_stored(first).key == "sipas-2017"
    with new_session(app) as other:
        assert published_version(other, "sipas-2017", 1) is first
        assert other.get(QuestionnaireVersion, first.id) is not first

    # An unknown version is not remembered: once loaded, it is found.
    assert published_version(session, "sipas-2017", 2) is None
    copy = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", copy)
    second = copy / "sipas-2017" / "v2.yaml"
    second.write_text(
        (copy / "sipas-2017" / "v1.yaml")
        .read_text(encoding="utf-8")
        .replace("version: 1", "version: 2", 1),
        encoding="utf-8",
    )
    load_directory(session, copy)
    session.commit()
    found = published_version(session, "sipas-2017", 2)
    assert found is not None and found.version == 2
