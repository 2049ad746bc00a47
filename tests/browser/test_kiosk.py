"""What the next person at a kiosk or a shared phone can see of the one before:
the idle reset, the thank-you page and the back button."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.answering import CURRENT_STEP, complete_by_touch, step_count

pytestmark = pytest.mark.browser


def _open(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    expect(page.locator("form.stepped")).to_be_visible()
    return page


def _half_fill(page: Page) -> None:
    page.locator("#q-TC1 input[value='2']").locator("..").tap()
    page.locator("#q-TC2 input[value='5']").locator("..").tap()


def test_idle_reset_clears_form(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    app.config["KIOSK_IDLE_SECONDS"] = 4
    app.config["KIOSK_COUNTDOWN_SECONDS"] = 3
    page = _open(kiosk, f"{live_server}/kiosk/STP/1")
    first_id = page.input_value("input[name=submission_id]")
    _half_fill(page)
    for code in ("TC1", "TC2", "TC3", "TC4", "TC_HL"):
        page.locator(f"#q-{code} input[value='4']").locator("..").tap()
    page.get_by_role("button", name="Tiếp tục").tap()
    page.locator("#q-TT1 input[value='3']").locator("..").tap()
    assert step_count(page)[0] == 2

    dialog = page.get_by_role("dialog", name="Ông/bà còn trả lời tiếp không?")
    expect(dialog).to_be_visible(timeout=3000)
    seconds = page.locator("#idle-seconds")
    assert int(seconds.inner_text()) in (1, 2, 3)
    page.evaluate("window.sameDocument = true")
    expect(dialog).to_be_hidden(timeout=6000)

    # Cleared in place: the same document, no reload.
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator("form.stepped")).to_be_visible()
    expect(page.locator(f"{CURRENT_STEP} h2")).to_be_focused()
    expect(page.locator("form.survey input:checked")).to_have_count(0)
    assert step_count(page)[0] == 1
    assert page.input_value("input[name=submission_id]") != first_id
    expect(dialog).to_be_hidden()


def test_touch_during_countdown_keeps_answers(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    app.config["KIOSK_IDLE_SECONDS"] = 4
    app.config["KIOSK_COUNTDOWN_SECONDS"] = 3
    page = _open(kiosk, f"{live_server}/kiosk/STP/1")
    first_id = page.input_value("input[name=submission_id]")
    _half_fill(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=3000)

    page.get_by_role("button", name="Tiếp tục trả lời").tap()

    expect(dialog).to_be_hidden()
    page.wait_for_timeout(500)
    expect(page.locator("form.survey input:checked")).to_have_count(2)
    assert page.input_value("input[name=submission_id]") == first_id


def test_blank_kiosk_is_not_reset(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    app.config["KIOSK_IDLE_SECONDS"] = 2
    app.config["KIOSK_COUNTDOWN_SECONDS"] = 1
    page = _open(kiosk, f"{live_server}/kiosk/STP/1")
    first_id = page.input_value("input[name=submission_id]")
    page.wait_for_timeout(3000)
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert page.input_value("input[name=submission_id]") == first_id


def test_thanks_returns_to_blank_form(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    app.config["KIOSK_THANKS_SECONDS"] = 3
    page = _open(kiosk, f"{live_server}/kiosk/STP/1")
    complete_by_touch(page)
    expect(page.locator("#restart-seconds")).to_have_text("3")
    expect(page.locator("#restart-seconds")).to_have_text("2", timeout=2000)

    page.wait_for_url(f"{live_server}/kiosk/STP/1", timeout=5000)

    expect(page.locator("form.stepped")).to_be_visible()
    expect(page.locator("form.survey input:checked")).to_have_count(0)
    assert step_count(page)[0] == 1


@pytest.mark.parametrize(
    ("fixture", "path"), [("kiosk", "/kiosk/STP/1"), ("phone", "/s/STP")]
)
def test_back_after_submit_is_blank(
    live_server: str, request: pytest.FixtureRequest, fixture: str, path: str
) -> None:
    context: BrowserContext = request.getfixturevalue(fixture)
    page = _open(context, f"{live_server}{path}")
    sent_id = page.input_value("input[name=submission_id]")
    complete_by_touch(page)
    assert page.url.endswith("/cam-on")

    page.go_back()

    expect(page.locator("form.stepped")).to_be_visible()
    assert page.url == f"{live_server}{path}"
    expect(page.locator("form.survey input:checked")).to_have_count(0)
    texts = page.locator("form.survey textarea")
    for index in range(texts.count()):
        expect(texts.nth(index)).to_have_value("")
    assert step_count(page)[0] == 1
    assert page.input_value("input[name=submission_id]") != sent_id


def test_form_turns_autocomplete_off(live_server: str, phone: BrowserContext) -> None:
    page = _open(phone, f"{live_server}/s/STP")
    expect(page.locator("form.survey")).to_have_attribute("autocomplete", "off")
    expect(page.locator("textarea[name=YK]")).to_have_attribute("autocomplete", "off")
    response = page.request.get(f"{live_server}/s/STP")
    assert "no-store" in response.headers["cache-control"]
