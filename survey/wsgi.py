"""The WSGI entry point (`gunicorn survey.wsgi:app`) and an embedded gunicorn runner."""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from survey import create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        return server_app()


def run_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "graceful_timeout": 10,
        }
    ).run()


def configure_logging() -> None:
    """Send INFO records, among them the per-request lines, to standard error.

    gunicorn configures only its own loggers, so without this the request lines
    of survey.ops would be dropped. A logging setup made before (by a
    --log-config file, for example) is kept as it is.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO,
            stream=sys.stderr,
            format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
        )


def server_app() -> Flask:
    """Build the app for a server process, with logging and proxy headers set up."""
    configure_logging()
    app = create_app()
    proxies = app.config["PROXY_COUNT"]
    if proxies:
        # The client address then comes from X-Forwarded-For, so the limits per
        # address count phones, not the proxy.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )
    return app


def __getattr__(name: str) -> Any:
    # Build the app only when a server asks for it, never at import time.
    if name == "app":
        return server_app()
    raise AttributeError(name)
