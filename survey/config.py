"""The one catalogue of settings: defaults here, overridden by environment variables.

Each setting named ``X`` below can be set with the variable ``SURVEY_X``; a test
passes a dict to ``create_app`` instead.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

# The checkout that holds questionnaires/, agencies/ and templates/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    # SQLAlchemy URL. Empty means SQLite in the instance folder.
    "DATABASE_URL": "",
    # Signs sessions and anti-forgery tokens. Empty means a random key kept in
    # the instance folder, so that sessions survive a restart.
    "SECRET_KEY": "",
    # The zone in which periods, quarters and days are counted.
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    # Shared store for rate limits across processes; empty keeps them in memory.
    "REDIS_URL": "",
    "QUESTIONNAIRE_DIR": str(PROJECT_ROOT / "questionnaires"),
    "AGENCY_FILE": str(PROJECT_ROOT / "agencies" / "binh-dinh-2021.yaml"),
    # Questionnaire a public survey page shows when the link names none.
    "DEFAULT_QUESTIONNAIRE": "sipas-2017",
    # Largest request body accepted, in bytes.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Seconds without a touch after which a kiosk returns to its start page.
    "KIOSK_IDLE_SECONDS": 90,
    # Seconds the kiosk's thank-you page stays before the next respondent.
    "KIOSK_THANKS_SECONDS": 8,
    # Characters kept of one free-text answer; longer text is rejected.
    "TEXT_MAX_LENGTH": 2000,
    "BABEL_DEFAULT_LOCALE": "vi",
    "LANGUAGES": ["vi", "en"],
}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the defaults with every ``SURVEY_*`` variable applied."""
    environ = dict(os.environ if environ is None else environ)
    settings = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        raw = environ.get(f"SURVEY_{name}")
        if raw is not None:
            try:
                settings[name] = _coerce(raw, default)
            except ValueError as error:
                raise ValueError(
                    f"SURVEY_{name}={raw!r} is invalid: expected {type(default).__name__}"
                ) from error
    return settings


def finish(settings: dict[str, Any], instance_path: Path) -> dict[str, Any]:
    """Fill in the settings whose defaults depend on the instance folder."""
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance_path / 'survey.sqlite3'}"
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _instance_secret(instance_path)
    return settings


def _instance_secret(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
