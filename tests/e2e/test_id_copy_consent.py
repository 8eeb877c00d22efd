"""The citizen's consent dialog for a copy of the ID card (PAuswG §20) in real Chromium.

The clerk is a plain WebSocket client (``ClerkSocket``), so this depends only on the server and the page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import sqlite3
from collections.abc import AsyncIterator

import pytest
from PIL import Image
from playwright.async_api import Browser, Page

from tests.e2e.test_case_citizen import ClerkSocket, HeldBack, citizen_in_call, csp_watch
from tests.support.browser import wait_js
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e
QUESTION = "Die Sachbearbeitung möchte eine Kopie Ihres Ausweises zur Akte nehmen."


@pytest.fixture
async def clerk(server: ServerProcess) -> AsyncIterator[ClerkSocket]:
    sock = await ClerkSocket(server).open()
    yield sock
    await sock.close()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (120, 130, 140)).save(out, "PNG")
    return out.getvalue()


async def upload_copy(clerk: ClerkSocket, ticket_id: int, png: bytes) -> int:
    headers = {"Authorization": f"Bearer {clerk.token}", "X-Filename": "ausweis.png"}
    async with clerk.session.post(f"{clerk.server.url}/api/v1/clerk/cases/{ticket_id}/documents?kind=id_copy",
                                  data=png, headers=headers) as res:
        return res.status


async def test_refuse_with_escape_then_consent_with_the_button(server: ServerProcess, browser: Browser,
                                                               clerk: ClerkSocket) -> None:
    page, ticket_id = await citizen_in_call(browser, server, clerk)
    problems = csp_watch(page)
    dialog = page.get_by_role("dialog", name="Kopie Ihres Ausweises")
    assert await dialog.count() == 0 or not await dialog.is_visible()

    mark = len(clerk.messages)
    await clerk.send("id_copy_request", ticket_id=ticket_id)
    await dialog.wait_for(state="visible")
    assert QUESTION in (await dialog.inner_text())
    assert "mit dem Vorgang gelöscht" in (await dialog.inner_text())
    # the safe answer has the focus; the rest of the page is inert behind the modal dialog
    assert await page.evaluate("document.activeElement.textContent") == "Nicht einverstanden"
    assert await page.evaluate("document.querySelector('#id-copy-dialog').matches(':modal')")
    await page.keyboard.press("Escape")
    answer = await clerk.wait("id_copy_consent", after=mark)
    assert (answer["ticket_id"], answer["granted"]) == (ticket_id, False)
    await wait_js(page, "document.body.dataset.idCopy === 'refused'")
    assert "abgelehnt" in await page.text_content("#case-announce")
    tiny = png()
    assert await upload_copy(clerk, ticket_id, tiny) == 403

    mark = len(clerk.messages)
    await clerk.send("id_copy_request", ticket_id=ticket_id)
    await dialog.wait_for(state="visible")
    await page.get_by_role("button", name="Einverstanden", exact=True).click()
    answer = await clerk.wait("id_copy_consent", after=mark)
    assert answer["granted"] is True
    assert not await dialog.is_visible()
    assert await upload_copy(clerk, ticket_id, tiny) == 201
    await wait_js(page, "[...document.querySelectorAll('[data-kind=id_copy]')].length === 1")
    assert await upload_copy(clerk, ticket_id, tiny) == 403  # one consent, one copy
    assert problems == []


async def test_the_dialog_speaks_english(server: ServerProcess, browser: Browser, clerk: ClerkSocket) -> None:
    page = await browser.new_page(locale="en-GB")
    await page.goto(server.url + "/?lang=en")  # remembered for the waiting page
    await page.wait_for_selector("body[data-ready='1']")
    await page.fill("#name", "Erika English")
    await page.click("#submit")
    await page.wait_for_url("**/w/*")
    await page.wait_for_selector("body[data-ready='1']")
    ticket_id = await clerk.ticket_id("Erika English")
    await clerk.send("call", ticket_id=ticket_id)
    await page.wait_for_selector("#case:not([hidden])")
    await clerk.send("id_copy_request", ticket_id=ticket_id)
    dialog = page.get_by_role("dialog", name="Copy of your ID card")
    await dialog.wait_for(state="visible")
    assert "marked as a copy" in await dialog.inner_text()
    await page.get_by_role("button", name="I agree", exact=True).click()
    assert (await clerk.wait("id_copy_consent"))["granted"] is True



def age_question(server: ServerProcess, seconds: float) -> None:
    """Make the latest consent question ``seconds`` old, as if it had been asked that long ago."""
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)).isoformat()
    with sqlite3.connect(server.data / "videoschalter.db") as db:
        row = db.execute("select max(id) from case_events where kind = 'id_copy_requested'").fetchone()
        db.execute("update case_events set at = ? where id = ?", [at, row[0]])


async def same_link_again(browser: Browser, page: Page) -> Page:
    """The citizen opens their link again (a new tab): a fresh page that knows only the server's snapshot."""
    fresh = await browser.new_page(locale="de-DE")
    await fresh.goto(page.url)
    await fresh.wait_for_selector("body[data-phase='call']")
    await wait_js(fresh, "Number(document.body.dataset.caseSnapshots) >= 1")
    return fresh


async def test_a_question_lost_in_a_network_drop_is_asked_after_the_reconnect(
        server: ServerProcess, browser: Browser, clerk: ClerkSocket) -> None:
    relay = HeldBack()
    page, ticket_id = await citizen_in_call(browser, server, clerk, relay=relay)
    dialog = page.get_by_role("dialog", name="Kopie Ihres Ausweises")
    relay.types.add("id_copy_request")  # the question is on its way when the connection breaks
    await clerk.send("id_copy_request", ticket_id=ticket_id)
    for _ in range(100):
        if relay.held:
            break
        await asyncio.sleep(0.05)
    assert relay.held and not await dialog.is_visible()
    relay.held.clear()
    relay.types.clear()
    seen = int(await page.get_attribute("body", "data-case-snapshots") or 0)
    await relay.drop()
    await wait_js(page, f"Number(document.body.dataset.caseSnapshots) > {seen}")
    await dialog.wait_for(state="visible")
    assert await page.evaluate("document.activeElement.textContent") == "Nicht einverstanden"
    mark = len(clerk.messages)
    await page.get_by_role("button", name="Einverstanden", exact=True).click()
    assert (await clerk.wait("id_copy_consent", after=mark))["granted"] is True

    # answered: the next reconnect does not ask again
    seen = int(await page.get_attribute("body", "data-case-snapshots") or 0)
    await relay.drop()
    await wait_js(page, f"Number(document.body.dataset.caseSnapshots) > {seen}")
    assert not await dialog.is_visible() and await page.get_attribute("body", "data-id-copy") == "granted"


async def test_a_fresh_page_shows_the_open_question_not_an_answered_one(
        server: ServerProcess, browser: Browser, clerk: ClerkSocket) -> None:
    page, ticket_id = await citizen_in_call(browser, server, clerk)
    await clerk.send("id_copy_request", ticket_id=ticket_id)
    await page.get_by_role("dialog", name="Kopie Ihres Ausweises").wait_for(state="visible")

    fresh = await same_link_again(browser, page)
    problems = csp_watch(fresh)
    dialog = fresh.get_by_role("dialog", name="Kopie Ihres Ausweises")
    await dialog.wait_for(state="visible")
    assert QUESTION in await dialog.inner_text()
    await page.wait_for_selector("body[data-phase='ended']")  # the old tab stepped back
    assert not await page.get_by_role("dialog").is_visible()
    mark = len(clerk.messages)
    await fresh.keyboard.press("Escape")
    assert (await clerk.wait("id_copy_consent", after=mark))["granted"] is False

    again = await same_link_again(browser, fresh)
    await asyncio.sleep(0.3)
    assert not await again.get_by_role("dialog", name="Kopie Ihres Ausweises").is_visible()
    assert await again.get_attribute("body", "data-id-copy") is None
    assert problems == []


async def test_an_expired_question_does_not_come_back_and_an_open_one_lapses(
        server: ServerProcess, browser: Browser, clerk: ClerkSocket) -> None:
    page, ticket_id = await citizen_in_call(browser, server, clerk)
    await clerk.send("id_copy_request", ticket_id=ticket_id)
    await page.get_by_role("dialog", name="Kopie Ihres Ausweises").wait_for(state="visible")
    age_question(server, 125)  # older than the 2 minutes it is open
    fresh = await same_link_again(browser, page)
    await asyncio.sleep(0.3)
    assert not await fresh.get_by_role("dialog", name="Kopie Ihres Ausweises").is_visible()

    # asked again, nearly lapsed when the page comes back: shown, then closed by itself when the time is up
    await clerk.send("id_copy_request", ticket_id=ticket_id)
    dialog = fresh.get_by_role("dialog", name="Kopie Ihres Ausweises")
    await dialog.wait_for(state="visible")
    age_question(server, 117)
    third = await same_link_again(browser, fresh)
    dialog = third.get_by_role("dialog", name="Kopie Ihres Ausweises")
    await dialog.wait_for(state="visible")
    await dialog.wait_for(state="hidden", timeout=10000)
    assert await third.get_attribute("body", "data-id-copy") == "expired"
    assert "nicht mehr offen" in await third.text_content("#case-announce")
    mark = len(clerk.messages)
    await asyncio.sleep(0.3)
    assert not [m for m in clerk.messages[mark:] if m["type"] == "id_copy_consent"]  # no answer was made up
