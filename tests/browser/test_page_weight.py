"""Bytes each public page costs on a slow phone connection.

Every request a page makes is counted as Chromium reports it: response headers
and body as transferred, so HTML uncompressed and static files gzipped. The
budget is 60 KiB per page before fonts; the pages use system fonts, so a
font request also fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Request

from tests.browser.answering import complete_by_touch

pytestmark = pytest.mark.browser

BUDGET = 60 * 1024


@dataclass(frozen=True)
class Transfer:
    path: str
    resource_type: str
    headers: int
    body: int


def _load(context: BrowserContext, url: str, live_server: str) -> list[Transfer]:
    """Open ``url`` in a fresh page and return what each request transferred."""
    requests: list[Request] = []
    page = context.new_page()
    # A first visit: nothing may come from the cache of earlier pages.
    devtools = context.new_cdp_session(page)
    devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.on("requestfinished", lambda request: requests.append(request))
    page.goto(url, wait_until="networkidle")
    transfers = []
    origin = urlsplit(live_server).netloc
    for request in requests:
        parts = urlsplit(request.url)
        assert parts.netloc == origin, f"{url} requested another host: {request.url}"
        sizes = request.sizes()
        transfers.append(
            Transfer(
                parts.path,
                request.resource_type,
                sizes["responseHeadersSize"],
                sizes["responseBodySize"],
            )
        )
    page.close()
    fonts = [t.path for t in transfers if t.resource_type == "font"]
    assert not fonts, f"{url} downloaded fonts: {fonts}"
    return transfers


def _total(transfers: list[Transfer]) -> int:
    return sum(t.headers + t.body for t in transfers)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/s/STP",
        "/s/STP?quay=1",
        "/s/STP?q=sipas-2022",
        "/s/STP?q=counter-rating",
        "/s/STP/qr",
        "/s/KHONG-CO",
    ],
)
def test_page_within_budget(live_server: str, phone: BrowserContext, path: str) -> None:
    transfers = _load(phone, f"{live_server}{path}", live_server)
    size = _total(transfers)
    detail = ", ".join(f"{t.path}={t.body}" for t in transfers)
    assert size <= BUDGET, f"{path} transferred {size} bytes: {detail}"
    # The sum means nothing unless it counted the page and its stylesheet. The
    # stylesheet may finish loading before the page does, so look them up by type.
    documents = [t for t in transfers if t.resource_type == "document"]
    assert len(documents) == 1, detail
    assert documents[0].body > 500
    assert "stylesheet" in {t.resource_type for t in transfers}


def test_kiosk_within_budget(
    live_server: str, kiosk: BrowserContext, browser: Browser
) -> None:
    # Enrolment already loaded the kiosk page, so a new context with only the
    # kiosk's cookie measures a first visit.
    fresh = browser.new_context(storage_state=kiosk.storage_state())
    try:
        transfers = _load(fresh, f"{live_server}/kiosk/STP/1", live_server)
    finally:
        fresh.close()
    size = _total(transfers)
    detail = ", ".join(f"{t.path}={t.body}" for t in transfers)
    assert size <= BUDGET, f"kiosk page transferred {size} bytes: {detail}"
    scripts = {t.path: t.body for t in transfers if t.resource_type == "script"}
    assert scripts.get("/static/kiosk.js", 0) > 0, scripts


def test_thanks_within_budget(live_server: str, kiosk: BrowserContext) -> None:
    page = kiosk.new_page()
    page.goto(f"{live_server}/kiosk/STP/1")
    complete_by_touch(page)
    thanks = page.url
    page.close()
    transfers = _load(kiosk, thanks, live_server)
    assert _total(transfers) <= BUDGET
