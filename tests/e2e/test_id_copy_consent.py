"""The citizen's consent dialog for a copy of the ID card (PAuswG §20) in real Chromium.

The clerk is a plain WebSocket client (``ClerkSocket``), so this depends only on the server and the page.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image
from playwright.async_api import Browser

from tests.e2e.test_case_citizen import ClerkSocket, citizen_in_call, csp_watch
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

