"""Fixtures of the browser tests: a live server over the ``app`` database and
one Chromium per test session.

Browser tests check pages and scripts, and a Chromium run costs seconds, so
they run on SQLite only, except those marked with ``both_backends``: those
complete the survey and read the stored response on PostgreSQL as well. The
storage rules themselves are tested on both backends in tests/responses/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from tests.browser.answering import enrol_kiosk
from tests.browser.live import (
    KIOSK_LANDSCAPE,
    KIOSK_PORTRAIT,
    PHONE,
    launch_chromium,
    serve,
)


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        in_browser = "tests/browser/" in item.nodeid
        wanted = getattr(getattr(item, "function", None), "both_backends", False)
        if in_browser and backend == "postgresql" and not wanted:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


def _context(browser: Browser, **options: object) -> Iterator[BrowserContext]:
    context = browser.new_context(locale="vi-VN", **options)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def kiosk(app: Flask, live_server: str, browser: Browser) -> Iterator[BrowserContext]:
    """A portrait touch screen enrolled as the kiosk of counter 1 of STP."""
    for context in _context(browser, viewport=KIOSK_PORTRAIT, has_touch=True):
        enrol_kiosk(app, context, live_server, "STP", "1")
        yield context


@pytest.fixture
def kiosk_landscape(
    app: Flask, live_server: str, browser: Browser
) -> Iterator[BrowserContext]:
    for context in _context(browser, viewport=KIOSK_LANDSCAPE, has_touch=True):
        enrol_kiosk(app, context, live_server, "STP", "1")
        yield context


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A small, cheap phone: 360 CSS pixels wide, touch, mobile viewport."""
    yield from _context(
        browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    """A desktop browser used with the keyboard only."""
    yield from _context(browser, viewport={"width": 1280, "height": 900})
