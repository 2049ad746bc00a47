"""The questionnaire answered in Chromium by touch on a kiosk, on a small phone,
with the keyboard alone and without JavaScript.

Each test reads the stored response back from the database.
"""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from survey.agencies.queries import agency_by_code, counter_by_code
from survey.db import new_session
from tests.browser.answering import (
    COMMENT,
    answer_current_step,
    choose,
    complete_by_touch,
    enrol_kiosk,
    step_count,
    stored_answers,
)
from tests.browser.live import PHONE, both_backends
from tests.factories import questionnaire

pytestmark = pytest.mark.browser


def _counter_id(app: Flask, agency_code: str, counter_code: str) -> int:
    with new_session(app) as session:
        agency = agency_by_code(session, agency_code)
        return counter_by_code(session, agency, counter_code).id


def _open(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    expect(page.locator("form.stepped")).to_be_visible()
    return page


@both_backends
@pytest.mark.parametrize("viewport", ["kiosk", "kiosk_landscape"])
def test_kiosk_by_touch(
    app: Flask, live_server: str, request: pytest.FixtureRequest, viewport: str
) -> None:
    context: BrowserContext = request.getfixturevalue(viewport)
    page = _open(context, f"{live_server}/kiosk/STP/1")
    submission_id = page.input_value("input[name=submission_id]")
    assert step_count(page) == (1, 9)

    expected = complete_by_touch(page)

    assert page.url == f"{live_server}/kiosk/STP/1/cam-on"
    expect(page.get_by_role("status")).to_have_text(
        "Phiếu của ông/bà đã được ghi nhận."
    )
    response, stored = stored_answers(app, submission_id)
    assert response.channel == "kiosk"
    assert response.counter_id == _counter_id(app, "STP", "1")
    assert stored == expected
    assert set(stored) == set(questionnaire().item_codes)


@both_backends
def test_phone_by_touch(app: Flask, live_server: str, phone: BrowserContext) -> None:
    page = _open(phone, f"{live_server}/s/STP")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide, wider than the phone"
    submission_id = page.input_value("input[name=submission_id]")

    expected = complete_by_touch(page)

    assert page.url == f"{live_server}/s/STP/cam-on"
    response, stored = stored_answers(app, submission_id)
    assert response.channel == "online"
    assert response.counter_id is None
    assert stored == expected


def test_phone_link_of_counter(
    app: Flask, live_server: str, phone: BrowserContext
) -> None:
    page = _open(phone, f"{live_server}/s/STP?quay=2")
    expect(page.locator(".site-name")).to_have_text("Sở Tư pháp · Quầy số 2")
    submission_id = page.input_value("input[name=submission_id]")

    expected = complete_by_touch(page)

    response, stored = stored_answers(app, submission_id)
    assert response.channel == "online"
    assert response.counter_id == _counter_id(app, "STP", "2")
    assert stored == expected


def _tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _outline(page: Page, script: str) -> str:
    return page.evaluate(f"getComputedStyle({script}).outlineStyle")


def test_keyboard_only(app: Flask, live_server: str, desktop: BrowserContext) -> None:
    page = _open(desktop, f"{live_server}/s/STP")
    submission_id = page.input_value("input[name=submission_id]")
    _, total = step_count(page)
    expected: dict[str, object] = {}
    for step in range(total):
        fieldsets = page.locator("section.step:not([hidden]) fieldset.item")
        for index in range(fieldsets.count()):
            fieldset = fieldsets.nth(index)
            code, answer = choose(fieldset, step * 5 + index)
            values = [
                fieldset.locator("input").nth(i).get_attribute("value")
                for i in range(fieldset.locator("input").count())
            ]
            if isinstance(answer, list):
                for value in answer:
                    _tab_to(page, f"input[name='{code}'][value='{value}']")
                    page.keyboard.press("Space")
            else:
                # Tab enters a radio group on its first option; Space chooses
                # it and each arrow key moves the choice one option on.
                _tab_to(page, f"input[name='{code}']")
                page.keyboard.press("Space")
                for _ in range(values.index(str(answer))):
                    page.keyboard.press("ArrowDown")
                label = "document.activeElement.parentElement"
                assert _outline(page, label) == "solid", f"no focus ring on {code}"
            expected[code] = answer
        if page.locator("section.step:not([hidden]) textarea").count():
            _tab_to(page, "textarea")
            page.keyboard.type(COMMENT)
            expected["YK"] = COMMENT
        if step < total - 1:
            _tab_to(page, "button[data-step='next']")
            assert _outline(page, "document.activeElement") == "solid"
            page.keyboard.press("Enter")
            heading = page.locator("section.step:not([hidden]) h2")
            expect(heading).to_be_focused()
    _tab_to(page, "button[type='submit']")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith("/s/STP/cam-on")
    response, stored = stored_answers(app, submission_id)
    assert response.channel == "online"
    assert stored == expected


def test_next_blocked_on_missing(live_server: str, phone: BrowserContext) -> None:
    page = _open(phone, f"{live_server}/s/STP")
    answered = page.locator("#q-TC1 input[value='4']").locator("..")
    answered.tap()
    page.get_by_role("button", name="Tiếp tục").tap()

    assert step_count(page)[0] == 1
    expect(page.locator(".step-alert")).to_have_text(
        "Còn 4 câu cần trả lời ở bước này."
    )
    first_missing = page.locator("#q-TC2")
    expect(first_missing).to_have_attribute("aria-describedby", "err-TC2")
    expect(page.locator("#err-TC2")).to_have_text(
        "Vui lòng chọn một câu trả lời cho câu này."
    )
    expect(page.locator("#q-TC2 input").first).to_be_focused()
    expect(page.locator("#q-TC1")).not_to_have_class("item item-scale has-error")

    page.locator("#q-TC2 input[value='3']").locator("..").tap()
    expect(page.locator("#err-TC2")).to_have_count(0)
    expect(page.locator(".step-alert")).to_have_text(
        "Còn 3 câu cần trả lời ở bước này."
    )
    for code in ("TC3", "TC4", "TC_HL"):
        page.locator(f"#q-{code} input[value='5']").locator("..").tap()
    expect(page.locator(".step-alert")).to_have_text("")


def test_server_errors_open_their_step(
    app: Flask, live_server: str, phone: BrowserContext
) -> None:
    page = _open(phone, f"{live_server}/s/STP")
    answer_current_step(page, 0, lambda target: target.tap())
    # form.submit() skips the submit event, as a browser without the step
    # script would, so the server itself rejects the missing answers.
    with page.expect_navigation():
        page.evaluate("document.querySelector('form.survey').submit()")

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    assert step_count(page)[0] == 2, "the first step with an error is shown"
    expect(page.locator("#q-TT1")).to_have_attribute("aria-describedby", "err-TT1")
    expect(page.locator("#q-TC1 input:checked")).to_have_count(1)

    summary.get_by_role("link").filter(has_text="Câu KQ1").tap()
    assert step_count(page)[0] == 4
    expect(page.locator("#q-KQ1 input").first).to_be_focused()


def test_without_javascript(app: Flask, live_server: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        enrol_kiosk(app, context, live_server, "STP", "2")
        page = context.new_page()
        page.goto(f"{live_server}/kiosk/STP/2")
        # One long form: every section shows and only the send button exists.
        sections = page.locator("section.step")
        expect(sections).to_have_count(9)
        for index in range(9):
            expect(sections.nth(index)).to_be_visible()
        expect(page.get_by_role("button", name="Tiếp tục")).to_be_hidden()
        expect(page.locator("#step-bar")).to_be_hidden()
        submission_id = page.input_value("input[name=submission_id]")
        expected = answer_current_step(page, 0, lambda target: target.click())
        with page.expect_navigation():
            page.get_by_role("button", name="Gửi phiếu").click()
        assert page.url.endswith("/kiosk/STP/2/cam-on")
    finally:
        context.close()
    response, stored = stored_answers(app, submission_id)
    assert response.channel == "kiosk"
    assert response.counter_id == _counter_id(app, "STP", "2")
    assert stored == expected
