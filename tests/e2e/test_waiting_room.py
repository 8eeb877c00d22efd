"""The waiting room and booking pages in real Chromium."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser

from tests.e2e.test_call import join_as_citizen, logged_in_clerk, wait_for
from tests.support.browser import wait_js
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

XSS = '<img src=x onerror="document.body.dataset.pwned=1">'


async def test_waiting_room_follows_the_clerk(server: ServerProcess, browser: Browser) -> None:
    first = await join_as_citizen(browser, server, "Erste")
    second = await join_as_citizen(browser, server, XSS)
    clerk = await logged_in_clerk(server)
    try:
        await wait_js(second, "document.getElementById('status').dataset.state === 'open'")
        assert await second.inner_text("#position") == "2"
        assert "Wartezeit" in await second.inner_text("#estimate")
        await wait_js(second, "document.getElementById('pictures').hidden === false")  # town pictures
        await wait_js(second, "document.getElementById('quality').textContent.includes('ms')")

        await clerk.set_paused(True)
        await wait_js(second, "document.getElementById('status').dataset.state === 'pause'")
        assert "Pause" in await second.inner_text("#status")
        await clerk.set_paused(False)
        await wait_js(second, "document.getElementById('status').dataset.state === 'open'")

        await clerk.announce(f"Hinweis {XSS}")
        await wait_js(second, "document.querySelectorAll('#announcements li').length === 1")
        assert await second.inner_text("#announcements li") == f"Hinweis {XSS}"  # shown as text
        await asyncio.sleep(0.3)
        assert await second.evaluate("document.body.dataset.pwned") is None
        assert await second.evaluate("document.querySelectorAll('#announcements img').length") == 0

        await wait_for(lambda: len(clerk.tickets) == 2, what="queue")
        await clerk.call_next()  # the first in line
        await wait_js(first, "document.body.dataset.phase === 'call'")
        await wait_js(second, "document.body.dataset.position === '1'")
        assert await second.inner_text("#estimate") == "Sie sind als Nächstes an der Reihe."
    finally:
        await clerk.close()


async def test_book_an_appointment_in_the_browser(server: ServerProcess, browser: Browser) -> None:
    page = await browser.new_page(locale="de-DE")
    await page.goto(server.url + "/termine?service=meldebescheinigung")
    await page.wait_for_selector("body[data-ready='1']")
    assert "Personalausweis" in await page.inner_text("#service-info")
    await page.click("#days .chip >> nth=1")
    await page.wait_for_selector("#slots .chip")
    await page.click("#slots .chip >> nth=0")
    await page.fill("#name", "Berta Bucher")
    await page.fill("#email", "berta@example.org")
    await page.click("#submit")
    await page.wait_for_selector("body[data-booked]")
    link = await page.get_attribute("body", "data-booked")
    assert link.startswith("/termin/")

    await page.goto(server.url + link)
    await page.wait_for_selector("body[data-ready='1']")
    assert await page.get_attribute("body", "data-status") == "booked"
    assert "Warteraum öffnet" in await page.inner_text("#opens")
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.click("#cancel")
    await page.wait_for_selector("body[data-status='cancelled']")
    assert "abgesagt" in await page.inner_text("#message")

    # the reisepass cannot be done by video: the page says where to go instead
    await page.goto(server.url + "/termine?service=reisepass")
    await page.wait_for_selector("#not-by-video:not([hidden])")
    assert "Bürgeramt" in await page.inner_text("#not-by-video")


async def test_english_page(server: ServerProcess, browser: Browser) -> None:
    page = await join_as_citizen(browser, server, "Ann", locale="en-GB")
    assert await page.inner_text("#waiting h1") == "Virtual waiting room"
    assert await page.evaluate("document.documentElement.lang") == "en"
