"""Make the README's screenshots from the real thing.

The clerk app runs as a real window on a virtual X screen (Xvfb) and the
screen is grabbed; the citizen's pages come from headless Chromium with a
fake camera. Run: .venv/bin/python scripts/screenshots.py [--out docs/img]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def start_xvfb(display: str = ":97") -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{display[1:]}").exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = display
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return proc


async def scenario(server, out: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright
    from PySide6.QtWidgets import QApplication

    from clerk_app.controller import ClerkController
    from clerk_app.main_window import MainWindow
    from hardware.camera import LocalVideo
    from tests.support.browser import CHROMIUM, chromium_args, wait_js
    from tests.support.server import CLERK_PASSWORD

    async def settle(seconds: float) -> None:
        await asyncio.sleep(seconds)

    from tests.mrzgen.video import make_y4m

    clip, _ = make_y4m(Path(server.data), seed=7, kind="TD1", seconds=4.0, fps=20)  # a card held up to the camera
    controller = ClerkController(server.url, ice_hosts=["127.0.0.1"], local_video=LocalVideo(use_camera=False),
                                 read_ids=True)
    await controller.login("anna", CLERK_PASSWORD)
    window = MainWindow(controller)
    window.move(0, 0)
    window.show()
    controller.start()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=chromium_args(video_file=clip))
        pages = []
        for name in ("Erika Mustermann", "Mehmet Yılmaz", "Olena Kowalenko"):
            page = await browser.new_page(locale="de-DE", viewport={"width": 1000, "height": 800})
            await page.goto(server.url + "/")
            await page.wait_for_selector("body[data-ready='1']")
            if not pages:
                await page.screenshot(path=str(out / "citizen-start.png"))
            await page.fill("#name", name)
            await page.click("#submit")
            await page.wait_for_selector("body[data-ready='1'][data-devices]")
            pages.append(page)
        await settle(1.0)
        await pages[1].screenshot(path=str(out / "citizen-waiting.png"))
        window.queue_view.selectRow(0)
        window.call_button.click()
        await wait_js(pages[0], "document.getElementById('remote').videoWidth > 0")
        deadline = time.monotonic() + 40  # the ID may not be read (e.g. a busy machine): shoot anyway
        while window.remote.frames_shown < 30 or (controller.id_check and controller.id_check.result is None
                                                   and time.monotonic() < deadline):
            await settle(0.1)
        await settle(0.3)  # the green frame around the read MRZ shows for 1.5 s
        await pages[0].screenshot(path=str(out / "citizen-call.png"))
        screen = QApplication.primaryScreen()
        screen.grabWindow(0, 0, 0, window.width(), window.height()).save(str(out / "clerk-app.png"))
        await controller.hang_up()
        await browser.close()
    await controller.close()
    window.close()


async def case_scenario(server, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The citizen's session panel (chat, form in Arabic, signature), the clerk played by a plain socket."""
    from playwright.async_api import async_playwright

    from tests.e2e.test_case_citizen import ClerkSocket, citizen_in_call, draw, fill_form
    from tests.support.browser import CHROMIUM, chromium_args, wait_js

    clerk = await ClerkSocket(server).open()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=chromium_args(fps=30))
        page, ticket = await citizen_in_call(browser, server, clerk, viewport={"width": 1280, "height": 800})
        await clerk.send("case_service", ticket_id=ticket, service="meldebescheinigung")
        await clerk.send("chat", ticket_id=ticket, text="Guten Tag! Ich fülle das Formular aus, Sie sehen es gleich.")
        await page.fill("#chat-input", "Danke, ich habe meinen Ausweis bereit.")
        await page.press("#chat-input", "Enter")
        await wait_js(page, "document.querySelectorAll('#chat-log li').length === 2")
        await asyncio.sleep(0.5)
        await page.screenshot(path=str(out / "citizen-case-chat.png"))
        await page.close()

        phone = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True,
                 "device_scale_factor": 2}
        await clerk.send("hangup", call_id=(await clerk.wait("call_started"))["call_id"])
        page, ticket = await citizen_in_call(browser, server, clerk, name="Mehmet Yılmaz", **phone)
        form = await fill_form(clerk, ticket)
        await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
        await page.tap("#tab-form")
        await page.select_option("#form-lang", "ar")
        await page.wait_for_selector("#form-view[dir='rtl']")
        await page.locator("#case").scroll_into_view_if_needed()
        await page.locator("#case").screenshot(path=str(out / "citizen-case-form-ar.png"))
        await page.tap("#form-confirm")
        await page.wait_for_selector("#form-msg[data-code='confirmed']")
        await clerk.send("sign_request", ticket_id=ticket)
        await page.wait_for_selector("#sig-pad[data-state='requested']")
        await draw(page, [(0.1, 0.6), (0.18, 0.3), (0.26, 0.62), (0.34, 0.32), (0.45, 0.6), (0.6, 0.4), (0.85, 0.5)])
        await page.locator("#case").screenshot(path=str(out / "citizen-case-sign.png"))
        await browser.close()
    await clerk.close()


def case_only(out: Path) -> None:
    """Only the session panel shots: no clerk app, no X screen."""
    from tests.support.server import ServerProcess

    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp) / "data")
        server.write_config()
        server.add_clerk("anna")
        server.start()
        try:
            asyncio.run(case_scenario(server, out))
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--case-only", action="store_true", help="only the citizen's session panel")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.case_only:
        case_only(args.out)
        print(f"screenshots written to {args.out}")
        return
    xvfb = start_xvfb()
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    from tests.support.server import ServerProcess

    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp) / "data")
        server.write_config()
        server.add_clerk("anna")
        server.start()
        app = QApplication(sys.argv)
        app.setQuitOnLastWindowClosed(False)
        loop = QEventLoop(app)
        asyncio.set_event_loop(loop)
        try:
            with loop:
                loop.run_until_complete(scenario(server, args.out))
        finally:
            server.stop()
            xvfb.terminate()
    print(f"screenshots written to {args.out}")


if __name__ == "__main__":
    main()
