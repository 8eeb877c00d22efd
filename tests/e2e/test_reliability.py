"""What people notice when things break: a killed server, a closed tab."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.e2e.test_call import join_as_citizen, logged_in_clerk, wait_for
from tests.support.browser import wait_js
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


async def test_killed_server_page_reconnects_and_keeps_the_place(server: ServerProcess, browser: Browser) -> None:
    first = await join_as_citizen(browser, server, "Erste Person")
    second = await join_as_citizen(browser, server, "Zweite Person")
    assert await second.inner_text("#position") == "2"
    number = await second.inner_text("#number")

    server.kill()
    await wait_js(second, "!document.getElementById('connection').hidden", timeout=10)
    assert "wiederhergestellt" in await second.inner_text("#connection")
    server.start()  # same data folder, same port

    await wait_js(second, "document.getElementById('connection').hidden", timeout=20)
    assert await second.inner_text("#position") == "2"
    assert await second.inner_text("#number") == number

    # and the queue still moves: the clerk calls the first, the second moves up
    clerk = await logged_in_clerk(server)
    try:
        await wait_for(lambda: len(clerk.tickets) == 2, what="both tickets in the clerk's queue")
        await clerk.call_in(clerk.tickets[0]["id"])
        await wait_js(second, "document.getElementById('position').textContent === '1'")
        await wait_js(first, "document.body.dataset.phase === 'call'")
    finally:
        await clerk.close()


async def test_closed_tab_ends_the_call_for_the_clerk(server: ServerProcess, browser: Browser) -> None:
    page = await join_as_citizen(browser, server)
    clerk = await logged_in_clerk(server)
    states: list[tuple[str, str]] = []
    clerk.call_changed.connect(lambda state, text: states.append((state, text)))
    try:
        await wait_for(lambda: len(clerk.tickets) == 1, what="queue entry")
        await clerk.call_in(clerk.tickets[0]["id"])
        await wait_for(lambda: clerk.call is not None and clerk.call.video_frames > 5, timeout=20, what="media")
        await page.close(run_before_unload=True)
        await wait_for(lambda: clerk.call is None, timeout=10, what="call ended")
        assert states[-1][0] == "ended" and "Fenster geschlossen" in states[-1][1]
    finally:
        await clerk.close()


async def test_reloaded_page_resumes_the_call(server: ServerProcess, browser: Browser) -> None:
    """A reload fires ``pagehide`` like a closed tab; the call must survive it, video and all."""
    page = await join_as_citizen(browser, server)
    clerk = await logged_in_clerk(server)
    try:
        await wait_for(lambda: len(clerk.tickets) == 1, what="queue entry")
        await clerk.call_in(clerk.tickets[0]["id"])
        await wait_for(lambda: clerk.call is not None and clerk.call.video_frames > 5, timeout=20, what="media")
        call = clerk.call
        await page.reload()
        await wait_js(page, "document.body.dataset.phase === 'call'", timeout=15)
        frames = call.video_frames  # counted afresh by the renegotiated connection
        await wait_for(lambda: clerk.call is call and call.video_frames > frames + 10, timeout=20,
                       what="video again after the reload")
        await page.wait_for_timeout(6000)  # past the closed-page grace: the call still runs
        assert clerk.call is call and not call.closed
    finally:
        await clerk.close()
