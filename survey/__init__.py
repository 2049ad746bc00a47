"""Citizen satisfaction surveys of public administrative services."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from survey import config as settings
from survey import db, i18n

log = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application; ``test_config`` replaces settings from the environment."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(settings.PROJECT_ROOT / "templates"),
    )
    values = settings.from_environment()
    if test_config:
        values.update(test_config)
    app.config.update(settings.finish(values, Path(app.instance_path)))

    db.init_app(app)
    i18n.init_app(app)
    from survey import security

    security.init_app(app)

    from survey import api, cli, errors, ops, public

    errors.init_app(app)
    ops.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    from survey.indices import bp as indices_bp

    app.register_blueprint(indices_bp)
    from survey.counter_ratings import bp as counter_ratings_bp

    app.register_blueprint(counter_ratings_bp, url_prefix="/staff/counter-ratings")
    from survey.staff import bp as staff_bp

    app.register_blueprint(staff_bp)
    from survey.integrity import bp as integrity_bp

    app.register_blueprint(integrity_bp)
    from survey.exports import bp as exports_bp

    app.register_blueprint(exports_bp)
    from survey.reports import bp as reports_bp

    app.register_blueprint(reports_bp)
    from survey import rounds

    rounds.init_app(app)
    cli.init_app(app)
    return app
