"""Published questionnaire versions never change once stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey.config import PROJECT_ROOT
from survey.models import QuestionnaireVersion
from survey.questionnaire.store import PublishedVersionChanged, load_directory


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
