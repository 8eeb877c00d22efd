"""The real clerk window under qasync (offscreen) with a real Chromium citizen."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import async_playwright
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop

from clerk_app.controller import ClerkController
from clerk_app.main_window import MainWindow
from hardware.camera import LocalVideo
from tests.e2e.test_call import join_as_citizen, wait_for
from tests.support.browser import CHROMIUM, chromium_args, wait_js
from tests.support.server import CLERK_PASSWORD, ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.gui]


def test_window_shows_queue_calls_in_and_shows_video(server: ServerProcess, qapp: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    qapp.setQuitOnLastWindowClosed(False)  # as clerk_app.main does; the loop must outlive window changes
    loop = QEventLoop(qapp)
    asyncio.set_event_loop(loop)

    async def scenario() -> None:
        controller = ClerkController(server.url, ice_hosts=["127.0.0.1"], local_video=LocalVideo(use_camera=False),
                                 read_ids=False)
        await controller.login("anna", CLERK_PASSWORD)
        window = MainWindow(controller)
        qtbot.addWidget(window)
        window.show()
        controller.start()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=chromium_args(fps=30))
            try:
                page = await join_as_citizen(browser, server, "Jürgen <b>Test</b>")
                await wait_for(lambda: window.queue_model.rowCount() == 1, what="queue row")
                assert window.queue_model.data(window.queue_model.index(0, 1)) == "Jürgen <b>Test</b>"
                window.queue_view.selectRow(0)
                # QAbstractButton.click(): a real click without QTest's nested event processing,
                # which would re-enter the qasync loop
                window.call_button.click()
                await wait_for(lambda: window.remote.frames_shown >= 10, timeout=20, what="frames in the window")
                assert window.remote.image is not None and window.remote.image.width() > 0
                assert not window.call_button.isEnabled() and window.hangup_button.isEnabled()
                assert "Jürgen" in window.call_label.text()
                await wait_js(page, "document.getElementById('remote').videoWidth > 0")

                # the citizen hangs up: the window says so and is ready for the next person
                await page.click("#hangup")
                await wait_for(lambda: not window.hangup_button.isEnabled(), what="call ended in the window")
                assert "aufgelegt" in window.call_label.text()
                assert window.self_view.frames_shown > 0
            finally:
                await browser.close()
                await controller.close()
                window.close()

    with loop:
        loop.run_until_complete(asyncio.wait_for(scenario(), 90))
