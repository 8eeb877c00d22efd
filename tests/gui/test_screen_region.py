"""Bildschirmausschnitt zeigen: the overlay on a frozen screenshot, the clerk's windows kept out of the picture, and
the region arriving at the citizen through the real server.

The offscreen platform has one 800×800 screen whose ``grabWindow(0)`` composes the visible windows, so a "site
plan" window stands in for another program, and a red window with a name in it for the clerk app.
"""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from clerk_app import screen_region
from clerk_app.screen_region import RegionPicker, ScreenRegionShare, app_windows, crop, fit_png
from tests.gui.test_case_server import Citizen, call_in, clerk_window, run
from tests.support.waiting import wait_for

pytestmark = pytest.mark.gui
GREEN, BLUE, RED = (0, 160, 0), (0, 0, 192), (220, 0, 0)
PLAN = QRect(100, 100, 300, 200)  # the "site plan" in another program, screen coordinates


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def share_of(color: tuple[int, int, int], image: np.ndarray) -> float:
    return float((image == np.array(color, np.uint8)).all(axis=2).mean())


def plan_window(qtbot: Any) -> QWidget:
    plan = QWidget(None, Qt.WindowType.FramelessWindowHint)
    plan.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
    plan.setStyleSheet(f"background: rgb{GREEN}")
    qtbot.addWidget(plan)
    plan.setGeometry(PLAN)
    plan.show()
    wait_color(qtbot, PLAN.center(), GREEN)
    return plan


def wait_color(qtbot: Any, point: QPoint, color: tuple[int, int, int]) -> None:
    """Until the screen shows ``color`` at ``point`` (a window paints a moment after it is shown)."""
    qtbot.waitUntil(lambda: QApplication.primaryScreen().grabWindow(0).toImage().pixelColor(point) == QColor(*color),
                    timeout=5000)


def paint(plan: QWidget, color: tuple[int, int, int]) -> None:
    plan.setStyleSheet(f"background: rgb{color}")
    plan.repaint()


class Clerk:
    """A red clerk window showing another citizen's name, with the two buttons in it."""

    def __init__(self, qtbot: Any):
        self.shown: list[tuple[str, bytes]] = []
        self.said: list[str] = []
        self.window = QWidget(None, Qt.WindowType.FramelessWindowHint)
        self.window.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.window.setStyleSheet(f"background: rgb{RED}; color: white")
        self.share = ScreenRegionShare(lambda name, png: self.shown.append((name, png)),
                                       hide_windows=lambda: [self.window])
        self.share.info.connect(self.said.append)
        layout = QVBoxLayout(self.window)
        layout.addWidget(QLabel("Wartend: Erika Mustermann (Ticket 7)"))
        layout.addWidget(self.share)
        qtbot.addWidget(self.window)
        self.window.setGeometry(250, 150, 320, 200)  # over the right part of the plan
        self.window.show()
        self.window.raise_()

    def picker(self, qtbot: Any) -> RegionPicker:
        qtbot.waitUntil(lambda: self.share.picker is not None and self.share.picker.isVisible(), timeout=5000)
        assert self.share.picker is not None
        return self.share.picker


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_region, "HIDE_DELAY_MS", 30)


def drag(qtbot: Any, picker: QWidget, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(picker, (start + end) / 2)
    qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=end)


def test_the_offscreen_screen_can_be_grabbed(qtbot) -> None:  # type: ignore[no-untyped-def]
    plan = plan_window(qtbot)  # waits until the grab shows it
    shot = plan.screen().grabWindow(0)
    assert not shot.isNull() and shot.size() == plan.screen().geometry().size() * plan.screen().devicePixelRatio()


def test_region_is_sent_without_the_clerk_window_and_refreshed(qtbot) -> None:  # type: ignore[no-untyped-def]
    plan = plan_window(qtbot)
    clerk = Clerk(qtbot)
    wait_color(qtbot, QPoint(300, 200), RED)  # the clerk window is in the way
    assert not clerk.share.refresh_button.isEnabled()

    clerk.share.pick_button.click()
    assert not clerk.window.isVisible()  # hidden before the screen is grabbed
    picker = clerk.picker(qtbot)
    assert picker.geometry() == plan.screen().geometry()
    drag(qtbot, picker, QPoint(120, 120), QPoint(379, 279))  # inside the plan, across where the clerk window was
    qtbot.waitUntil(lambda: len(clerk.shown) == 1, timeout=5000)

    name, png = clerk.shown[0]
    image = rgb(png)
    assert name == "Bildschirmausschnitt.png" and image.shape == (160, 260, 3)
    assert share_of(GREEN, image) == 1.0  # all plan, nothing of the clerk's red window or its text
    assert clerk.window.isVisible() and clerk.share.picker is None
    assert clerk.share.refresh_button.isEnabled()
    assert "gezeigt" in clerk.said[-1]

    # "Aktualisieren": the same rectangle again, without the overlay, with what the plan shows now
    paint(plan, BLUE)
    wait_color(qtbot, PLAN.topLeft() + QPoint(5, 5), BLUE)
    clerk.share.refresh_button.click()
    assert not clerk.window.isVisible()
    qtbot.waitUntil(lambda: len(clerk.shown) == 2, timeout=5000)
    again = rgb(clerk.shown[1][1])
    assert again.shape == image.shape and share_of(BLUE, again) == 1.0
    assert clerk.window.isVisible() and clerk.share.picker is None

    clerk.share.forget()  # a new case: no one-click re-send of the last citizen's region
    assert not clerk.share.refresh_button.isEnabled()


def test_escape_cancels_and_a_click_is_no_region(qtbot) -> None:  # type: ignore[no-untyped-def]
    plan_window(qtbot)
    clerk = Clerk(qtbot)
    clerk.share.pick_button.click()
    picker = clerk.picker(qtbot)
    drag(qtbot, picker, QPoint(200, 200), QPoint(203, 202))  # a click, not a rectangle: keep waiting
    assert clerk.share.picker is picker and picker.isVisible() and not clerk.shown
    qtbot.keyClick(picker, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: clerk.window.isVisible(), timeout=5000)
    assert clerk.share.picker is None and not clerk.shown and "abgebrochen" in clerk.said[-1]
    assert not clerk.share.refresh_button.isEnabled()

    clerk.share.pick_button.click()  # the right mouse button cancels too, and a new pick works after a cancel
    picker = clerk.picker(qtbot)
    qtbot.mouseClick(picker, Qt.MouseButton.RightButton, pos=QPoint(10, 10))
    qtbot.waitUntil(lambda: clerk.window.isVisible(), timeout=5000)
    assert not clerk.shown


def test_app_windows_are_the_visible_ones_but_not_the_picker(qtbot) -> None:  # type: ignore[no-untyped-def]
    plan = plan_window(qtbot)
    hidden = QWidget()
    qtbot.addWidget(hidden)
    picker = RegionPicker(QPixmap(10, 10), plan.screen())
    qtbot.addWidget(picker)
    picker.show()
    windows = app_windows()
    assert plan in windows and hidden not in windows and picker not in windows


def test_crop_maps_logical_to_device_pixels() -> None:
    shot = QPixmap(200, 100)  # a HiDPI screen with ratio 2: 100×50 logical
    shot.fill(QColor(*RED))
    painter = QPainter(shot)
    painter.fillRect(100, 0, 100, 100, QColor(*BLUE))
    painter.end()
    shot.setDevicePixelRatio(2.0)
    image = crop(shot, QRect(40, 10, 20, 10))
    assert (image.width(), image.height()) == (40, 20)
    assert image.pixelColor(5, 5) == QColor(*RED) and image.pixelColor(35, 5) == QColor(*BLUE)


def test_fit_png_scales_a_busy_picture_below_the_limit() -> None:
    noise = np.random.default_rng(3).integers(0, 255, (400, 400, 3), dtype=np.uint8)
    from PySide6.QtGui import QImage

    image = QImage(noise.data, 400, 400, 1200, QImage.Format.Format_RGB888).copy()
    assert len(fit_png(image, limit=10**7)) > 200_000  # unchanged when it fits
    small = fit_png(image, limit=100_000)
    assert len(small) <= 100_000 and rgb(small).shape[0] < 400


@pytest.mark.e2e
def test_region_reaches_the_citizen_through_the_server(server, qapp: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with aiohttp.ClientSession() as http, clerk_window(server, qtbot, read_ids=False) as (controller, window):
            citizen = Citizen(server, http)
            await citizen.join("Bauherr Beispiel")
            try:
                await call_in(controller, window, citizen)
                share = window.case_panel.screen_share
                assert share.isEnabled()
                # the plan window belongs to this process, so it stands in for another program here:
                # only the clerk's main window is taken off the screen while grabbing
                share.hide_windows = lambda: [window]
                plan = plan_window(qtbot)
                plan.raise_()
                await shows(citizen, share, plan, qtbot, window)
                assert controller.case.actions["show"] == 2
            finally:
                await citizen.close()

    run(qapp, scenario)


async def shown_png(citizen: Citizen, count: int) -> tuple[str, np.ndarray]:
    await wait_for(lambda: len([m for m in citizen.messages if m.get("type") == "show" and m.get("document_id")])
                   >= count, what=f"show #{count} at the citizen")
    message = citizen.last("show")
    assert message is not None and message["url"]
    async with citizen.http.get(citizen.server.url + message["url"],
                                headers={"Authorization": f"Bearer {citizen.token}"}) as res:
        assert res.status == 200
        return str(message["document_id"]), rgb(await res.read())


async def shows(citizen: Citizen, share: ScreenRegionShare, plan: QWidget, qtbot: Any, window: QWidget) -> None:
    share.pick_button.click()
    assert not window.isVisible()
    await wait_for(lambda: share.picker is not None and share.picker.isVisible(), what="overlay")
    assert share.picker is not None
    drag(qtbot, share.picker, QPoint(110, 110), QPoint(309, 259))
    first_id, image = await shown_png(citizen, 1)
    assert image.shape == (150, 200, 3) and share_of(GREEN, image) == 1.0
    await wait_for(window.isVisible, what="clerk window back")

    paint(plan, BLUE)
    share.refresh_button.click()
    second_id, image = await shown_png(citizen, 2)
    assert second_id != first_id and image.shape == (150, 200, 3) and share_of(BLUE, image) == 1.0
    await wait_for(window.isVisible, what="clerk window back again")
