"""Translation and locale formatting: Vietnamese first, English second."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale


def select_locale() -> str:
    """Pick the locale from ?lang=, then the session; commands get the default."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    stored = session.get("lang")
    if stored in languages:
        return stored
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_percent(value: float | None, digits: int = 1) -> str:
    """Format an index on the 0-100 scale the way the current locale writes it."""
    if value is None:
        return "–"
    number = format_decimal(
        round(value, digits),
        format="#,##0." + "0" * digits,
        locale=str(get_locale() or "vi"),
    )
    return f"{number} %"


def local_time(value: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return value.astimezone(zone).strftime(pattern)


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations")
    )
    Babel(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: app.config["TIMEZONE"],
    )
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["local_time"] = local_time
    app.context_processor(lambda: {"current_locale": str(get_locale() or "vi")})
