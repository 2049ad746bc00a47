"""The WSGI entry point (`gunicorn survey.wsgi:app`) and an embedded gunicorn runner."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from survey import create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        return create_app()


def run_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "accesslog": "-",
            "graceful_timeout": 10,
        }
    ).run()


def __getattr__(name: str) -> Any:
    # Build the app only when a server asks for it, never at import time.
    if name == "app":
        return create_app()
    raise AttributeError(name)
