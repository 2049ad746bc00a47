"""Answer the survey in a browser the way a respondent does, and read back what
was stored."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from playwright.sync_api import BrowserContext, Locator, Page
from sqlalchemy import select

from survey.agencies.queries import agency_by_code, counter_by_code
from survey.db import new_session
from survey.integrity import kiosks
from survey.models import Response

COMMENT = "Cán bộ tận tình, hướng dẫn rõ ràng"
CURRENT_STEP = "section.step:not([hidden])"


def enrol_kiosk(
    app: Flask, context: BrowserContext, base: str, agency: str, counter: str
) -> None:
    """Register a kiosk for the counter and enrol ``context`` as that kiosk."""
    with new_session(app) as session:
        unit = agency_by_code(session, agency)
        desk = counter_by_code(session, unit, counter)
        issued = kiosks.issue(
            session, unit, desk, valid_for=timedelta(minutes=10), actor="test"
        )
    page = context.new_page()
    page.goto(f"{base}/kiosk/enrol/{issued.enrolment_token}")
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng ký máy này").click()
    page.close()


def choose(fieldset: Locator, position: int) -> tuple[str, Any]:
    """Return which option of ``fieldset`` to pick, varied by ``position``.

    Returns the option's index among the fieldset's inputs and the answer the
    database should hold for it.
    """
    code = fieldset.get_attribute("id").removeprefix("q-")
    inputs = fieldset.locator("input")
    values = [inputs.nth(i).get_attribute("value") for i in range(inputs.count())]
    kind = fieldset.get_attribute("class")
    if "item-multichoice" in kind:
        return code, [int(values[0]), int(values[2])]
    if "na" in values and position % 4 == 0:
        return code, "na"
    numbers = [v for v in values if v != "na"]
    return code, int(numbers[(position * 3 + 1) % len(numbers)])


def answer_current_step(
    page: Page, position: int, pick: Callable[[Locator], None]
) -> dict[str, Any]:
    """Answer every question of the visible step with ``pick`` and return them."""
    expected: dict[str, Any] = {}
    fieldsets = page.locator(f"{CURRENT_STEP} fieldset.item")
    for index in range(fieldsets.count()):
        fieldset = fieldsets.nth(index)
        code, answer = choose(fieldset, position + index)
        wanted = answer if isinstance(answer, list) else [answer]
        for value in wanted:
            pick(fieldset.locator(f"input[value='{value}']").locator(".."))
        expected[code] = answer
    texts = page.locator(f"{CURRENT_STEP} textarea")
    for index in range(texts.count()):
        area = texts.nth(index)
        pick(area)
        page.keyboard.type(COMMENT)
        expected[area.get_attribute("name")] = COMMENT
    return expected


def step_count(page: Page) -> tuple[int, int]:
    bar = page.locator("#step-bar")
    return int(bar.get_attribute("value") or 0), int(bar.get_attribute("max") or 0)


def complete_by_touch(page: Page) -> dict[str, Any]:
    """Answer every step by tapping and send the form; return the answers given."""
    expected: dict[str, Any] = {}
    _, total = step_count(page)
    for step in range(total):
        assert (
            page.locator("#step-count").inner_text() == f"Bước {step + 1} trên {total}"
        )
        expected |= answer_current_step(page, step * 7, lambda target: target.tap())
        if step < total - 1:
            page.get_by_role("button", name="Tiếp tục").tap()
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi phiếu").tap()
    return expected


def stored_answers(app: Flask, submission_id: str) -> tuple[Response, dict[str, Any]]:
    """Return the stored response and its answers shaped like ``complete_by_touch``."""
    with new_session(app) as session:
        response = session.scalar(
            select(Response).where(Response.submission_id == uuid.UUID(submission_id))
        )
        assert response is not None, f"no response stored for {submission_id}"
        answers: dict[str, Any] = {}
        for answer in response.answers:
            if answer.not_applicable:
                answers[answer.item_code] = "na"
            elif answer.text is not None:
                answers[answer.item_code] = answer.text
            elif answer.item_code in answers:
                earlier = answers[answer.item_code]
                chosen = earlier if isinstance(earlier, list) else [earlier]
                answers[answer.item_code] = sorted([*chosen, answer.value])
            else:
                answers[answer.item_code] = answer.value
        session.expunge(response)
        return response, answers
