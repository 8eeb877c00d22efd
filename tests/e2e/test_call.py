"""The walking skeleton, for real: Chromium citizen ⇄ server ⇄ clerk app call code."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from clerk_app.controller import ClerkController
from hardware.camera import LocalVideo
from tests.support.browser import wait_js
from tests.support.server import CLERK_PASSWORD, ServerProcess
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e


AUDIO_PACKETS_RECEIVED = """(async () => {
  const stats = await window.videoschalter.call.pc.getStats();
  let packets = 0;
  stats.forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "audio") packets += r.packetsReceived; });
  return packets;
})()"""


async def join_as_citizen(browser: Browser, server: ServerProcess, name: str = "Erika Mustermann",
                          locale: str = "de-DE") -> Page:
    page = await browser.new_page(locale=locale)
    await page.goto(server.url + "/")
    await page.wait_for_selector("body[data-ready='1']")
    await page.fill("#name", name)
    await page.click("#submit")
    await page.wait_for_url("**/w/*")
    await page.wait_for_selector("body[data-ready='1']")
    return page


async def logged_in_clerk(server: ServerProcess, read_ids: bool = False) -> ClerkController:
    clerk = ClerkController(server.url, ice_hosts=["127.0.0.1"], local_video=LocalVideo(use_camera=False),
                            read_ids=read_ids)
    await clerk.login("anna", CLERK_PASSWORD)
    clerk.start()
    return clerk


async def test_citizen_and_clerk_see_each_other_and_hang_up(server: ServerProcess, browser: Browser) -> None:
    page = await join_as_citizen(browser, server)
    await page.wait_for_selector("body[data-devices='ok']")  # the camera check runs beside the queue
    clerk = await logged_in_clerk(server)
    try:
        await wait_for(lambda: any(t["name"] == "Erika Mustermann" for t in clerk.tickets), what="queue entry")
        ticket = clerk.tickets[0]
        assert ticket["state"] == "waiting" and ticket["position"] == 1

        await clerk.call_in(ticket["id"])
        await wait_for(lambda: clerk.call is not None and clerk.call.video_frames >= 30, timeout=20,
                       what="30 decoded frames from the browser")
        assert clerk.call.audio_frames > 0

        # the browser plays the clerk's video
        await wait_js(page, "document.getElementById('remote').videoWidth > 0")
        t0 = await page.evaluate("document.getElementById('remote').currentTime")
        await wait_js(page, f"document.getElementById('remote').currentTime > {t0} + 0.5")

        # and hears it: audio RTP from the clerk side arrives
        await wait_js(page, AUDIO_PACKETS_RECEIVED.replace("return packets;", "return packets > 10;"))

        ended: list[str] = []
        clerk.call_changed.connect(lambda state, text: ended.append(state))
        await clerk.hang_up()
        assert ended == ["ended"]
        await page.wait_for_selector("body[data-phase='ended']", timeout=10000)
        assert "beendet" in await page.inner_text("#ended-msg")
    finally:
        await clerk.close()
