"""The kiosk keeps completed responses in IndexedDB until the server has them."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from survey.db import new_session
from survey.models import Response
from survey.public import offline
from tests.browser.answering import CURRENT_STEP, answer_current_step, step_count
from tests.browser.live import KIOSK_PORTRAIT, both_backends

pytestmark = pytest.mark.browser

OUTBOX_COUNT = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("survey-kiosk-queue", 1);
  open.onsuccess = () => {
    const request = open.result.transaction("outbox").objectStore("outbox").count();
    request.onsuccess = () => { open.result.close(); resolve(request.result); };
    request.onerror = () => reject(request.error);
  };
  open.onerror = () => reject(open.error);
})"""


def _answer_and_send(page: Page, position: int) -> None:
    _, total = step_count(page)
    for step in range(total):
        answer_current_step(page, position + step * 7, lambda target: target.tap())
        if step < total - 1:
            page.get_by_role("button", name="Tiếp tục").tap()
    page.get_by_role("button", name="Gửi phiếu").tap()


def _next_person(page: Page) -> None:
    thanks = page.locator("#kiosk-thanks")
    expect(thanks).to_be_visible()
    thanks.get_by_role("button", name="Người tiếp theo").tap()
    expect(thanks).to_be_hidden()
    expect(page.locator("form.stepped")).to_be_visible()


def _stored(app: Flask) -> list[Response]:
    with new_session(app) as session:
        return list(session.scalars(select(Response)))


def test_offline_responses_survive_reload(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    app.config["SUBMISSION_LIMITS_ENABLED"] = True
    app.config["KIOSK_MIN_GAP_SECONDS"] = 1
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    expect(page.locator("form.stepped")).to_be_visible()
    status = page.locator("#queue-status")

    kiosk.set_offline(True)
    ids = []
    for number in range(3):
        ids.append(page.input_value("input[name=submission_id]"))
        _answer_and_send(page, number)
        expect(status).to_have_attribute("data-count", str(number + 1))
        _next_person(page)
        assert step_count(page)[0] == 1
    assert len(set(ids)) == 3
    expect(status).to_have_text("Đang chờ gửi: 3 phiếu", timeout=8000)
    assert _stored(app) == []

    # The browser is back online but the server cannot be reached while the
    # page reloads: the queue must come back from IndexedDB, not from memory.
    kiosk.set_offline(False)
    page.route("**/api/v1/**", lambda route: route.abort())
    page.reload()
    expect(page.locator("form.stepped")).to_be_visible()
    expect(status).to_have_text("Đang chờ gửi: 3 phiếu")
    assert page.evaluate(OUTBOX_COUNT) == 3
    assert _stored(app) == []

    page.unroute("**/api/v1/**")
    expect(status).to_have_attribute("data-count", "0", timeout=45_000)
    assert page.evaluate(OUTBOX_COUNT) == 0
    stored = _stored(app)
    assert sorted(str(r.submission_id) for r in stored) == sorted(ids)
    assert {r.channel for r in stored} == {"kiosk"}


def test_online_response_goes_to_thanks_page(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    submission_id = page.input_value("input[name=submission_id]")
    with page.expect_navigation(url="**/kiosk/STP/1/cam-on"):
        _answer_and_send(page, 0)
    stored = _stored(app)
    assert [str(r.submission_id) for r in stored] == [submission_id]
    assert page.evaluate(OUTBOX_COUNT) == 0


OUTBOX_BODIES = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("survey-kiosk-queue", 1);
  open.onsuccess = () => {
    const request = open.result.transaction("outbox").objectStore("outbox").getAll();
    request.onsuccess = () => {
      open.result.close();
      resolve(request.result.map((entry) => entry.body));
    };
    request.onerror = () => reject(request.error);
  };
  open.onerror = () => reject(open.error);
})"""


def _assert_blank_kiosk(page: Page, live_server: str, old_ids: list[str]) -> str:
    """Check the page is the same kiosk document, blank, on step 1; return its id."""
    assert page.url == f"{live_server}/kiosk/STP/1"
    # A reload or the browser's error page would have lost this variable.
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator("form.stepped")).to_be_visible()
    expect(page.locator("form.survey input:checked")).to_have_count(0)
    for field in page.locator("form.survey textarea, #receipt_code, #contact").all():
        expect(field).to_have_value("")
    assert step_count(page)[0] == 1
    expect(page.locator(f"{CURRENT_STEP} h2")).to_be_focused()
    submission_id = page.input_value("input[name=submission_id]")
    assert submission_id not in old_ids
    return submission_id


def test_offline_kiosk_resets_in_place(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    app.config["KIOSK_IDLE_SECONDS"] = 4
    app.config["KIOSK_COUNTDOWN_SECONDS"] = 2
    app.config["KIOSK_THANKS_SECONDS"] = 2
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    expect(page.locator("form.stepped")).to_be_visible()
    page.evaluate("window.sameDocument = true")
    kiosk.set_offline(True)

    # First person: answers, receipt code, contact; the response is queued and
    # thanked in place, then the thank-you panel returns to a blank form.
    ids = [page.input_value("input[name=submission_id]")]
    _, total = step_count(page)
    for step in range(total):
        answer_current_step(page, step * 7, lambda target: target.tap())
        if step < total - 1:
            page.get_by_role("button", name="Tiếp tục").tap()
    page.locator("#receipt_code").fill("000.00.01.H08-211105-0001")
    page.locator("#contact_opt_in").check()
    page.locator("#contact").fill("0912345678")
    page.get_by_role("button", name="Gửi phiếu").tap()
    thanks = page.locator("#kiosk-thanks")
    expect(thanks).to_be_visible()
    expect(thanks.locator("h1")).to_be_focused()
    expect(page.locator("form.survey")).to_be_hidden()
    expect(page.locator("#queue-status")).to_have_attribute("data-count", "1")
    expect(thanks).to_be_hidden(timeout=5000)
    ids.append(_assert_blank_kiosk(page, live_server, ids))
    expect(page.locator("#contact_opt_in")).not_to_be_checked()

    # Someone starts and walks away: the idle reset clears the form in place.
    page.locator("#q-TC1 input[value='2']").locator("..").tap()
    expect(page.get_by_role("dialog")).to_be_visible(timeout=4000)
    expect(page.get_by_role("dialog")).to_be_hidden(timeout=5000)
    ids.append(_assert_blank_kiosk(page, live_server, ids))

    # Second person, still offline.
    _answer_and_send(page, 3)
    expect(page.locator("#queue-status")).to_have_attribute("data-count", "2")
    expect(thanks).to_be_hidden(timeout=5000)
    _assert_blank_kiosk(page, live_server, ids)

    # Each queued body carries the start of its own form by the kiosk's clock,
    # before its own capture and after the capture of the response before.
    bodies = sorted(page.evaluate(OUTBOX_BODIES), key=lambda b: b["captured_at"])
    assert [b["submission_id"] for b in bodies] == [ids[0], ids[2]]
    assert bodies[0]["started_at"] < bodies[0]["captured_at"]
    assert bodies[0]["captured_at"] < bodies[1]["started_at"]
    assert bodies[1]["started_at"] < bodies[1]["captured_at"]
    assert _stored(app) == []

    kiosk.set_offline(False)
    expect(page.locator("#queue-status")).to_have_attribute(
        "data-count", "0", timeout=30_000
    )
    assert page.evaluate(OUTBOX_COUNT) == 0
    stored = {str(r.submission_id): r for r in _stored(app)}
    assert sorted(stored) == sorted([ids[0], ids[2]])
    for response in stored.values():
        assert response.channel == "kiosk"
        assert "invalid_start" not in (response.flag_reason or "")


def test_thanks_page_waits_for_network(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    app.config["KIOSK_THANKS_SECONDS"] = 1
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    with page.expect_navigation(url="**/kiosk/STP/1/cam-on"):
        _answer_and_send(page, 0)
    kiosk.set_offline(True)
    page.wait_for_timeout(2500)
    # Still the thank-you page, not the browser's error page.
    assert page.url.endswith("/kiosk/STP/1/cam-on")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cảm ơn ông/bà đã trả lời khảo sát!"
    )

    kiosk.set_offline(False)
    page.wait_for_url(f"{live_server}/kiosk/STP/1", timeout=10_000)
    expect(page.locator("form.stepped")).to_be_visible()


# Whether the kiosk's service worker has a copy of the current page.
PAGE_KEPT = "await caches.match(location.href, { ignoreVary: true })"
# Whether the page's registration has one worker, active and done activating.
WORKER_SETTLED = """await navigator.serviceWorker.getRegistration().then((r) =>
  r && !r.installing && !r.waiting && r.active && r.active.state === "activated")"""
# The submission id inside the worker's copy of the current page.
KEPT_SUBMISSION_ID = """() => caches.match(location.href, { ignoreVary: true })
  .then((response) => response.text())
  .then((html) => new DOMParser().parseFromString(html, "text/html")
    .querySelector("input[name=submission_id]").value)"""
# Whether a request that the worker passes to the network gets a response.
NETWORK_REACHABLE = """() => fetch("/healthz", { cache: "no-store" })
  .then(() => true, () => false)"""


def _wait_in_page(page: Page, condition: str, timeout_ms: int = 10_000) -> None:
    """Poll the async JavaScript expression ``condition`` in ``page`` until truthy.

    Page.wait_for_function takes a returned promise as a truthy value without
    awaiting it (Playwright 1.65), so the polling runs inside the page.
    """
    poll = f"""async () => {{
      const deadline = Date.now() + {timeout_ms};
      while (Date.now() < deadline) {{
        if ({condition}) {{ return true; }}
        await new Promise((resolve) => setTimeout(resolve, 100));
      }}
      return false;
    }}"""
    assert page.evaluate(poll), f"still false after {timeout_ms} ms: {condition}"


def _wait_for_offline_copy(page: Page) -> None:
    """Wait until the service worker is active and keeps a copy of ``page``.

    The active worker handles the next navigation whether or not it controls
    the page yet.
    """
    _wait_in_page(page, WORKER_SETTLED)
    _wait_in_page(page, PAGE_KEPT)


@both_backends
def test_offline_reload_served_by_worker(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    expect(page.locator("form.stepped")).to_be_visible()
    _wait_for_offline_copy(page)
    status = page.locator("#queue-status")

    kiosk.set_offline(True)
    ids = []
    for number in range(3):
        ids.append(page.input_value("input[name=submission_id]"))
        _answer_and_send(page, number)
        expect(status).to_have_attribute("data-count", str(number + 1))
        _next_person(page)
    assert len(set(ids)) == 3

    reloaded = page.reload()
    assert reloaded is not None
    assert reloaded.from_service_worker
    assert page.evaluate(NETWORK_REACHABLE) is False
    expect(page.locator("form.stepped")).to_be_visible()
    expect(status).to_have_text("Đang chờ gửi: 3 phiếu")
    assert page.evaluate(OUTBOX_COUNT) == 3
    assert page.input_value("input[name=submission_id]") not in ids
    assert _stored(app) == []

    kiosk.set_offline(False)
    expect(status).to_have_attribute("data-count", "0", timeout=45_000)
    assert page.evaluate(OUTBOX_COUNT) == 0
    stored = _stored(app)
    assert sorted(str(r.submission_id) for r in stored) == sorted(ids)
    for response in stored:
        assert response.channel == "kiosk"
        assert "invalid_start" not in (response.flag_reason or "")


def test_new_deployment_replaces_cache(
    app: Flask, live_server: str, kiosk: BrowserContext
) -> None:
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    _wait_for_offline_copy(page)
    first = page.evaluate("caches.keys()")
    assert first == [app.extensions[offline.EXTENSION]]

    # A deployment with other static files: the worker script names another cache.
    renamed = offline.CACHE_PREFIX + "next-deployment"
    app.extensions[offline.EXTENSION] = renamed
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    _wait_in_page(page, f"(await caches.keys()).join() === {renamed!r}")
    _wait_for_offline_copy(page)

    kiosk.set_offline(True)
    reloaded = page.reload()
    assert reloaded is not None
    assert reloaded.from_service_worker
    expect(page.locator("form.stepped")).to_be_visible()


def test_each_offline_load_has_new_id(live_server: str, kiosk: BrowserContext) -> None:
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    expect(page.locator("form.stepped")).to_be_visible()
    _wait_for_offline_copy(page)
    kept_id = page.evaluate(KEPT_SUBMISSION_ID)

    kiosk.set_offline(True)
    seen = []
    for _ in range(2):
        reloaded = page.reload()
        assert reloaded is not None
        assert reloaded.from_service_worker
        expect(page.locator("form.stepped")).to_be_visible()
        seen.append(page.input_value("input[name=submission_id]"))
    assert seen[0] != seen[1]
    assert kept_id not in seen


def test_offline_thanks_reload_opens_form(
    live_server: str, kiosk: BrowserContext
) -> None:
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    _wait_for_offline_copy(page)
    with page.expect_navigation(url="**/kiosk/STP/1/cam-on"):
        _answer_and_send(page, 0)
    kiosk.set_offline(True)
    page.reload()
    assert page.url == f"{live_server}/kiosk/STP/1"
    expect(page.locator("form.stepped")).to_be_visible()


def test_queue_works_without_service_worker(
    app: Flask, live_server: str, kiosk: BrowserContext, browser: Browser
) -> None:
    context = browser.new_context(
        service_workers="block",
        storage_state=kiosk.storage_state(),
        viewport=KIOSK_PORTRAIT,
        has_touch=True,
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/kiosk/STP/1")
        expect(page.locator("form.stepped")).to_be_visible()
        submission_id = page.input_value("input[name=submission_id]")
        context.set_offline(True)
        _answer_and_send(page, 0)
        status = page.locator("#queue-status")
        expect(status).to_have_attribute("data-count", "1")
        assert page.evaluate("navigator.serviceWorker.controller") is None
        context.set_offline(False)
        expect(status).to_have_attribute("data-count", "0", timeout=30_000)
    finally:
        context.close()
    assert [str(r.submission_id) for r in _stored(app)] == [submission_id]
