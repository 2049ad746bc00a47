"""Write the screenshots of the public pages shown in the README.

Run from the repository root with ``.venv/bin/python -m tests.browser.screenshots``.
It builds a throw-away SQLite database with the questionnaires and agencies,
serves the app on 127.0.0.1 and drives Debian's Chromium, writing PNG files to
docs/screenshots/.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright

from survey import create_app
from survey.cli import load_agencies, load_questionnaires, upgrade_database
from survey.config import PROJECT_ROOT
from tests.browser.answering import answer_current_step, enrol_kiosk
from tests.browser.live import (
    KIOSK_LANDSCAPE,
    KIOSK_PORTRAIT,
    PHONE,
    launch_chromium,
    serve,
)

OUTPUT = PROJECT_ROOT / "docs" / "screenshots"


def _build_app(folder: Path) -> Flask:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'screens.sqlite3'}",
            "SECRET_KEY": "screenshots",
            "KIOSK_IDLE_SECONDS": 25,
            "KIOSK_COUNTDOWN_SECONDS": 20,
        }
    )
    app.instance_path = str(folder)
    upgrade_database(app)
    with app.app_context():
        load_questionnaires(app)
        load_agencies(app)
    return app


def _page(browser: Browser, viewport: dict[str, int], **options: object) -> Page:
    context = browser.new_context(
        viewport=viewport, locale="vi-VN", has_touch=True, **options
    )
    return context.new_page()


def _kiosk_page(
    app: Flask, browser: Browser, base: str, viewport: dict[str, int]
) -> Page:
    page = _page(browser, viewport)
    enrol_kiosk(app, page.context, base, "STP", "1")
    page.goto(f"{base}/kiosk/STP/1")
    return page


def _shoot(page: Page, name: str, top: bool = True) -> None:
    path = OUTPUT / name
    if top:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    page.context.close()


def take(app: Flask, browser: Browser, base: str) -> None:
    page = _kiosk_page(app, browser, base, KIOSK_PORTRAIT)
    page.locator("#q-TC1 input[value='4']").locator("..").tap()
    page.locator("#q-TC2 input[value='5']").locator("..").tap()
    _shoot(page, "kiosk.png")

    page = _kiosk_page(app, browser, base, KIOSK_LANDSCAPE)
    answer_current_step(page, 0, lambda target: target.tap())
    page.get_by_role("button", name="Tiếp tục").tap()
    _shoot(page, "kiosk-landscape.png")

    page = _kiosk_page(app, browser, base, KIOSK_PORTRAIT)
    page.locator("#q-TC1 input[value='3']").locator("..").tap()
    page.get_by_role("dialog").wait_for(timeout=10_000)
    page.wait_for_timeout(1500)
    _shoot(page, "kiosk-idle.png")

    page = _page(browser, PHONE, is_mobile=True, device_scale_factor=2)
    page.goto(f"{base}/s/STP?quay=1")
    page.locator("#q-TC1 input[value='4']").locator("..").tap()
    # The privacy notice fills the first screen, so the picture starts at the
    # progress bar to show the questions.
    page.locator(".step-progress").evaluate("(node) => node.scrollIntoView()")
    _shoot(page, "phone.png", top=False)

    page = _page(browser, PHONE, is_mobile=True, device_scale_factor=2)
    page.goto(f"{base}/s/STP")
    page.locator("#q-TC1 input[value='4']").locator("..").tap()
    page.get_by_role("button", name="Tiếp tục").tap()
    _shoot(page, "phone-error.png", top=False)

    page = _page(browser, {"width": 900, "height": 1200})
    page.goto(f"{base}/s/STP/qr")
    _shoot(page, "qr.png")


def main() -> int:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        app = _build_app(Path(folder))
        with serve(app) as base, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            take(app, browser, base)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
