"""axe-core on every public page, in the states a respondent meets them.

axe-core comes inside axe-playwright-python, so no network is used. A
violation of impact "serious" or "critical" fails the test; the rule tags cover
WCAG 2.0, 2.1 and 2.2 at levels A and AA plus axe's best practices.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.answering import answer_current_step, complete_by_touch, step_count

pytestmark = pytest.mark.browser

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": [
            "wcag2a",
            "wcag2aa",
            "wcag21a",
            "wcag21aa",
            "wcag22aa",
            "best-practice",
        ],
    },
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}


def _assert_accessible(page: Page, state: str) -> None:
    results = Axe().run(page, options=AXE_OPTIONS)
    blocking = [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]
    assert not blocking, f"{state}: " + "; ".join(blocking)


def _tap_first_step(page: Page) -> None:
    answer_current_step(page, 0, lambda target: target.tap())


def test_index_and_qr(live_server: str, phone: BrowserContext) -> None:
    page = phone.new_page()
    page.goto(f"{live_server}/")
    _assert_accessible(page, "index")
    page.goto(f"{live_server}/s/STP/qr")
    expect(page.locator(".qr-card")).to_have_count(3)
    _assert_accessible(page, "QR page")
    page.goto(f"{live_server}/s/KHONG-CO")
    _assert_accessible(page, "not-found page")


@pytest.mark.parametrize(
    ("fixture", "path"),
    [
        ("phone", "/s/STP"),
        ("phone", "/s/STP?q=sipas-2022"),
        ("phone", "/s/STP?q=counter-rating"),
        ("kiosk", "/kiosk/STP/1"),
        ("kiosk_landscape", "/kiosk/STP/1"),
    ],
)
def test_survey_steps(
    live_server: str, request: pytest.FixtureRequest, fixture: str, path: str
) -> None:
    context: BrowserContext = request.getfixturevalue(fixture)
    page = context.new_page()
    page.goto(f"{live_server}{path}")
    expect(page.locator("form.stepped")).to_be_visible()
    _assert_accessible(page, f"{path} first step")

    page.get_by_role("button", name="Tiếp tục").tap()
    expect(page.locator(".step-alert")).not_to_be_empty()
    _assert_accessible(page, f"{path} step with errors")

    _tap_first_step(page)
    page.get_by_role("button", name="Tiếp tục").tap()
    _assert_accessible(page, f"{path} second step")


def test_server_error_state(live_server: str, phone: BrowserContext) -> None:
    page = phone.new_page()
    page.goto(f"{live_server}/s/STP")
    _tap_first_step(page)
    with page.expect_navigation():
        page.evaluate("document.querySelector('form.survey').submit()")
    expect(page.locator("#error-summary")).to_be_visible()
    _assert_accessible(page, "server error summary")


def test_idle_warning(app, live_server: str, kiosk: BrowserContext) -> None:
    app.config["KIOSK_IDLE_SECONDS"] = 30
    app.config["KIOSK_COUNTDOWN_SECONDS"] = 29
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    page.locator("#q-TC1 input[value='4']").locator("..").tap()
    expect(page.get_by_role("dialog")).to_be_visible(timeout=3000)
    _assert_accessible(page, "idle countdown")


@pytest.mark.parametrize(
    ("fixture", "path"), [("phone", "/s/STP"), ("kiosk", "/kiosk/STP/1")]
)
def test_thanks(
    app, live_server: str, request: pytest.FixtureRequest, fixture: str, path: str
) -> None:
    app.config["KIOSK_THANKS_SECONDS"] = 60
    context: BrowserContext = request.getfixturevalue(fixture)
    page = context.new_page()
    page.goto(f"{live_server}{path}")
    complete_by_touch(page)
    _assert_accessible(page, f"{path} thank-you")


def test_offline_thanks_panel(app, live_server: str, kiosk: BrowserContext) -> None:
    app.config["KIOSK_THANKS_SECONDS"] = 60
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    expect(page.locator("form.stepped")).to_be_visible()
    kiosk.set_offline(True)
    _, total = step_count(page)
    for step in range(total):
        answer_current_step(page, step * 7, lambda target: target.tap())
        if step < total - 1:
            page.get_by_role("button", name="Tiếp tục").tap()
    page.get_by_role("button", name="Gửi phiếu").tap()
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    _assert_accessible(page, "kiosk thank-you panel while offline")
