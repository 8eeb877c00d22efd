"""The fee paid through a hosted payment platform, in real Chromium, against the real server process.

The platform is the test one from ``tests/support/payment_provider.py`` (127.0.0.1, its own port);
the server is configured with ``[payments] provider = "hosted"`` and reads the shared secret from a
0600 file. The citizen follows the pay link to the platform's page, clicks "Bezahlen", the platform
calls the server back (signed), the browser returns to the town's page, and the clerk sees "paid".
The sandbox stays the default, and only the sandbox says "Testmodus".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Page

from tests.support.payment_provider import PaymentPlatform, write_hosted_config
from tests.support.server import CLERK_PASSWORD, ServerProcess

DONE = re.compile(r".*/payment/done\?p=[\w-]+$")  # back at the town's server, told which payment

pytestmark = pytest.mark.e2e


class Clerk:
    """A logged-in clerk on the clerk WebSocket (docs/case.md); keeps every message to wait for."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.session = aiohttp.ClientSession()
        self.messages: list[dict[str, Any]] = []
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> Clerk:
        async with self.session.post(f"{self.server.url}/api/v1/clerk/login",
                                     json={"username": "anna", "password": CLERK_PASSWORD}) as res:
            token = (await res.json())["token"]
        self.ws = await self.session.ws_connect(f"{self.server.url}/api/v1/ws/clerk")
        self.reader = asyncio.create_task(self._read())
        await self.send("hello", token=token)
        await self.wait("welcome")
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        async for raw in self.ws:
            if raw.type == aiohttp.WSMsgType.TEXT:
                self.messages.append(json.loads(raw.data))

    async def send(self, mtype: str, **fields: Any) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps({"v": 1, "type": mtype, **fields}))

    async def wait(self, mtype: str, timeout: float = 15.0, **match: Any) -> dict[str, Any]:
        for _ in range(int(timeout / 0.05)):
            for msg in self.messages:
                if msg.get("type") == mtype and all(msg.get(k) == v for k, v in match.items()):
                    return msg
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {mtype} {match}; got {[(m.get('type'), m.get('code')) for m in self.messages]}")

    async def ticket_of(self, name: str) -> int:
        for _ in range(200):
            for msg in reversed(self.messages):
                for ticket in msg.get("tickets", []) if msg.get("type") == "queue" else []:
                    if ticket["name"] == name:
                        return int(ticket["id"])
            await asyncio.sleep(0.05)
        raise AssertionError(f"{name} is not in the line")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await self.reader
        await self.session.close()


@pytest.fixture
def hosted_server(tmp_path: Path, platform: PaymentPlatform) -> Iterator[ServerProcess]:
    """The real server process with the hosted provider; the secret in a 0600 file outside the TOML."""
    srv = ServerProcess(tmp_path / "data")
    srv.data.mkdir(parents=True)
    write_hosted_config(srv.data, tmp_path / "payment.secret", srv.url, platform, grace=3.0)
    srv.add_clerk("anna")
    srv.start()
    yield srv
    srv.stop()


async def fee_requested(browser: Browser, server: ServerProcess, clerk: Clerk) -> tuple[Page, int]:
    """Erika draws a number, Anna calls her in and asks for the Meldebescheinigung's fee (5 €)."""
    page = await browser.new_page(locale="de-DE")
    await page.goto(server.url + "/")
    await page.wait_for_selector("body[data-ready='1']")
    await page.fill("#name", "Erika Mustermann")
    await page.click("#submit")
    await page.wait_for_url("**/w/*")
    ticket_id = await clerk.ticket_of("Erika Mustermann")
    await clerk.send("call", ticket_id=ticket_id)
    await page.wait_for_selector("#case:not([hidden])")
    await clerk.send("case_service", ticket_id=ticket_id, service="meldebescheinigung")
    await clerk.send("pay_request", ticket_id=ticket_id)
    await clerk.wait("payment", ticket_id=ticket_id, state="open")
    await page.wait_for_selector("#tab-pay[aria-selected='true']")
    assert await page.inner_text("#pay-amount") == "5,00\u00a0€"
    assert await page.get_attribute("body", "data-payment") == "open"
    return page, ticket_id


async def at_the_platform(page: Page, platform: PaymentPlatform) -> Page:
    """The citizen clicks "Jetzt bezahlen": our /pay/<id> opens a checkout and sends the new tab on (303)."""
    async with page.context.expect_page() as info:
        await page.click("#pay-link")
    pay_page = await info.value
    await pay_page.wait_for_url(f"{platform.url}/p/*")
    await pay_page.wait_for_selector("text=Bezahlen")
    assert "5,00 €" in await pay_page.inner_text("#amount")
    assert "Testmodus" not in await pay_page.inner_text("body")
    return pay_page


async def test_the_citizen_pays_at_the_hosted_platform(hosted_server: ServerProcess, platform: PaymentPlatform,
                                                      browser: Browser) -> None:
    clerk = await Clerk(hosted_server).open()
    try:
        page, ticket_id = await fee_requested(browser, hosted_server, clerk)
        assert await page.is_hidden("#pay-sandbox")
        assert "Testmodus" not in await page.inner_text("body")  # real money: no test mark anywhere

        # first attempt: the citizen changes their mind on the platform's page
        first = await at_the_platform(page, platform)
        await page.wait_for_selector("body[data-payment='pending']")  # the checkout is open at the platform
        await first.click("button[value=cancel]")
        await first.wait_for_url(DONE)  # back at the town's server
        assert "Zahlung nicht abgeschlossen" in await first.inner_text("h1")  # says what happened
        await clerk.wait("payment", ticket_id=ticket_id, state="cancelled")
        await page.wait_for_selector("body[data-payment='cancelled']")
        await first.close()

        # the same link again: a fresh checkout of the same request, and this time "Bezahlen"
        pay_page = await at_the_platform(page, platform)
        await pay_page.click("button[value=pay]")
        await pay_page.wait_for_url(DONE)
        assert "Zahlung abgeschlossen" in await pay_page.inner_text("h1")

        cancelled, tx = platform.transactions.values()
        assert cancelled.status == "cancelled" and cancelled.reference == tx.reference
        assert tx.notify_answers == [(200, "ok")]  # the signed server-to-server callback was accepted
        paid = await clerk.wait("payment", ticket_id=ticket_id, state="paid")
        assert paid["amount_cents"] == 500 and paid["sandbox"] is False and paid["id"] == tx.reference
        await page.wait_for_selector("body[data-payment='paid']")
        assert "Bezahlt" in await page.inner_text("#pay-state")
        assert await page.is_hidden("#pay-link")
        assert "Testmodus" not in await page.inner_text("body")
        await page.wait_for_selector("#doc-list li[data-kind='receipt']", state="attached")  # the Zahlungsbeleg
    finally:
        await clerk.close()


async def test_the_sandbox_stays_the_default_and_says_testmodus(server: ServerProcess, browser: Browser) -> None:
    clerk = await Clerk(server).open()
    try:
        page, ticket_id = await fee_requested(browser, server, clerk)
        assert await page.is_visible("#pay-sandbox")
        assert "Testmodus" in await page.inner_text("#pay-sandbox")
        async with page.context.expect_page() as info:
            await page.click("#pay-link")
        pay_page = await info.value
        await pay_page.wait_for_url(f"{server.url}/sandbox-pay/*")
        assert "Testmodus" in await pay_page.inner_text("body")
        await pay_page.click("button[value=pay]")
        await clerk.wait("payment", ticket_id=ticket_id, state="paid")
        await page.wait_for_selector("body[data-payment='paid']")
        assert "Testmodus" in await page.inner_text("#pay-sandbox")  # still marked after paying
    finally:
        await clerk.close()
