"""Start the clerk app: one QApplication, one qasync loop, login, main window."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication, QDialog
from qasync import QEventLoop

from clerk_app.audio import MicrophoneTrack
from clerk_app.controller import ClerkController
from clerk_app.gui_gc import GuiThreadGc
from clerk_app.login_dialog import LoginDialog
from clerk_app.main_window import MainWindow


async def run_app(app: QApplication, controller: ClerkController, username: str = "", password: str = "") -> int:
    dialog = LoginDialog(controller, username, password)
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda result: done.done() or done.set_result(result))
    dialog.show()
    if await done != QDialog.DialogCode.Accepted:
        await controller.close()
        return 1
    window = MainWindow(controller)
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    app.lastWindowClosed.connect(lambda: closed.done() or closed.set_result(None))
    controller.start()
    window.show()
    await closed
    await controller.close()
    return 0


def run(server_url: str, username: str | None = None, ice_hosts: Sequence[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Videoschalter")
    app.setQuitOnLastWindowClosed(False)
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    controller = ClerkController(server_url, ice_hosts=ice_hosts, audio_source=MicrophoneTrack)
    # The demo hands its generated password over this way, so a newcomer only clicks "Anmelden".
    password = os.environ.pop("VIDEOSCHALTER_PASSWORD", "")
    collector = GuiThreadGc(app)
    collector.start()
    try:
        with loop:
            return loop.run_until_complete(run_app(app, controller, username or "", password))
    finally:
        collector.stop()
