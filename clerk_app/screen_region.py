"""Bildschirmausschnitt zeigen: the clerk draws a rectangle on a frozen picture of their screen, and that region
goes to the citizen the way a rendered page does (``ShowPng`` → ``CaseController.show_image``: a ``snapshot``
document, then ``show``). "Aktualisieren" takes the same rectangle again and shows the new picture.

Privacy: every window of the clerk app is hidden while the screen is grabbed, and shown again afterwards. The
app's main window lists the waiting citizens by name and may hold other cases' viewers, so grabbing "around" it
could leak another person's data into a region that happens to cover it. Hiding costs a flicker of about
``HIDE_DELAY_MS`` (the window manager needs that long to take the windows off the screen); nothing else can make a
picture of the desktop without them. What other programs show is the clerk's choice: the frozen picture in
the overlay is exactly what will be sent. No picture is kept after it was handed on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QRegion,
    QScreen,
)
from PySide6.QtWidgets import QApplication, QHBoxLayout, QPushButton, QWidget

from clerk_app.case_viewer import ShowPng, png_bytes

HIDE_DELAY_MS = 300         # a compositor animates unmapping; 300 ms covers GNOME/KDE/Windows defaults
MIN_SIDE = 8                # a click without dragging is no region
MAX_PNG_BYTES = 8 << 20     # below the server's upload limit (cases.max_upload_mb, default 10)
NAME = "Bildschirmausschnitt.png"
HINT = "Bereich mit der Maus aufziehen – Esc bricht ab"


def app_windows() -> list[QWidget]:
    """Every visible window of this app (main window, document viewers, dialogs), not the picker itself."""
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and not isinstance(w, RegionPicker)]


def crop(shot: QPixmap, rect: QRect) -> QImage:
    """``rect`` in the screen's logical coordinates; the screenshot has device pixels (HiDPI: ratio > 1)."""
    ratio = shot.devicePixelRatio()
    physical = QRect(round(rect.x() * ratio), round(rect.y() * ratio),
                     round(rect.width() * ratio), round(rect.height() * ratio))
    image = shot.copy(physical.intersected(QRect(QPoint(0, 0), shot.size()))).toImage()
    image.setDevicePixelRatio(1.0)
    return image


def fit_png(image: QImage, limit: int = MAX_PNG_BYTES) -> bytes:
    """PNG of the region, scaled down in steps if a busy full-screen region would exceed the upload limit."""
    png = png_bytes(image)
    while len(png) > limit and image.width() > 64:
        image = image.scaled(image.size() * 0.7, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        png = png_bytes(image)
    return png


class RegionPicker(QWidget):
    """Frameless full-screen overlay over one screen, showing a frozen screenshot; drag a rectangle, Esc cancels."""

    picked = Signal(QRect)  # logical coordinates relative to the screen's top left
    cancelled = Signal()

    def __init__(self, shot: QPixmap, screen: QScreen):
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)  # the app's windows are hidden meanwhile
        self.setWindowTitle("Bildschirmausschnitt wählen")
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.shot, self.target = shot, screen
        self.selection = QRect()
        self._origin: QPoint | None = None
        self._done = False

    def open(self) -> None:
        self.setScreen(self.target)
        self.setGeometry(self.target.geometry())
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self.setFocus()
        self.grabKeyboard()  # Esc must reach the overlay even if the window manager keeps focus elsewhere

    def finish(self, rect: QRect | None) -> None:
        if self._done:
            return
        self._done = True
        self.releaseKeyboard()
        self.hide()
        if rect is None:
            self.cancelled.emit()
        else:
            self.picked.emit(rect)
        self.deleteLater()

    # --- events ---------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawPixmap(self.rect(), self.shot)
        outside = QRegion(self.rect()).subtracted(QRegion(self.selection)) if self.selection.isValid() \
            else QRegion(self.rect())
        painter.setClipRegion(outside)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 110))
        painter.setClipping(False)
        if self.selection.isValid():  # the rubber band: a frame only, the region itself stays undimmed
            painter.setPen(QPen(QColor(255, 200, 0), 2, Qt.PenStyle.SolidLine))
            painter.drawRect(self.selection.adjusted(-1, -1, 0, 0))
            return
        font = painter.font()
        font.setPointSize(14)
        painter.setFont(font)
        text = painter.fontMetrics().boundingRect(HINT)
        box = QRect(0, 0, text.width() + 32, text.height() + 16)
        box.moveCenter(QPoint(self.width() // 2, 24 + box.height() // 2))
        painter.fillRect(box, QColor(0, 0, 0, 190))
        painter.setPen(Qt.GlobalColor.white)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, HINT)

    def _span(self, pos: QPoint) -> QRect:
        assert self._origin is not None
        return QRect(self._origin, pos).normalized().intersected(self.rect())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            self.finish(None)
        elif event.button() == Qt.MouseButton.LeftButton:
            self._origin = event.position().toPoint()
            self.selection = QRect(self._origin, QSize(0, 0))
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._origin is not None:
            self.selection = self._span(event.position().toPoint())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._origin is None or event.button() != Qt.MouseButton.LeftButton:
            return
        rect = self._span(event.position().toPoint())
        self._origin = None
        if rect.width() >= MIN_SIDE and rect.height() >= MIN_SIDE:
            self.finish(rect)
        else:  # a click: start again
            self.selection = QRect()
            self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.finish(None)
        else:
            super().keyPressEvent(event)


@dataclass
class Region:
    screen: QScreen
    rect: QRect


class ScreenRegionShare(QWidget):
    """The buttons "Bildschirmausschnitt zeigen" and "Aktualisieren"; ``on_show`` gets the PNG to show.

    ``hide_windows`` names the windows to take off the screen while grabbing (default: all of this app's)."""

    info = Signal(str)

    def __init__(self, on_show: ShowPng, parent: QWidget | None = None,
                 hide_windows: Callable[[], list[QWidget]] = app_windows):
        super().__init__(parent)
        self.on_show, self.hide_windows = on_show, hide_windows
        self.pick_button = QPushButton("Bildschirmausschnitt zeigen")
        self.pick_button.setObjectName("screen_region")
        self.pick_button.setToolTip("Einen Bereich des Bildschirms (z. B. einen Lageplan in einem anderen Programm) "
                                    "in die Ansicht der Bürgerin / des Bürgers legen")
        self.refresh_button = QPushButton("Aktualisieren")
        self.refresh_button.setObjectName("screen_region_refresh")
        self.refresh_button.setToolTip("Denselben Bildschirmausschnitt neu aufnehmen und zeigen")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pick_button)
        layout.addWidget(self.refresh_button)
        layout.addStretch()
        self.region: Region | None = None
        self.picker: RegionPicker | None = None
        self._hidden: list[QWidget] = []
        self._busy = False
        # a child timer, not QTimer.singleShot with a lambda: it dies with this widget, so a panel closed
        # while the windows are hidden (the app quits, a test ends) never runs the step on a dead widget
        self._grab_timer = QTimer(self)
        self._grab_timer.setSingleShot(True)
        self._grab_timer.timeout.connect(self._grab_now)
        self._step: tuple[Callable[[QScreen, QPixmap], None], QScreen] | None = None
        self.pick_button.clicked.connect(self.pick)
        self.refresh_button.clicked.connect(self.refresh)
        self.forget()

    def forget(self) -> None:
        """A new case: the next citizen must not get a region picked for the last one by one click."""
        self.region = None
        self.refresh_button.setEnabled(False)

    def pick(self) -> None:
        self._grab_then(self._open_picker)

    def refresh(self) -> None:
        if self.region is not None:
            self._grab_then(self._send_again, self.region.screen)

    # --- steps ----------------------------------------------------------------------------------
    def _grab_then(self, step: Callable[[QScreen, QPixmap], None], screen: QScreen | None = None) -> None:
        if self._busy:
            return
        screen = screen or self.screen() or QGuiApplication.primaryScreen()
        if screen not in QGuiApplication.screens():
            self.forget()
            self.info.emit("Der Bildschirm dieses Ausschnitts ist nicht mehr angeschlossen.")
            return
        self._busy = True
        self._hidden = [w for w in self.hide_windows() if w.isVisible()]
        for window in self._hidden:
            window.hide()
        self._step = (step, screen)
        self._grab_timer.start(HIDE_DELAY_MS if self._hidden else 0)

    def _grab_now(self) -> None:
        if self._step is not None:
            step, screen = self._step
            self._step = None
            step(screen, screen.grabWindow(0))

    def _restore(self) -> None:
        for window in self._hidden:
            window.show()
        if self.window() in self._hidden:
            self.window().activateWindow()  # the clerk goes on where they clicked
        self._hidden = []
        self._busy = False

    def _open_picker(self, screen: QScreen, shot: QPixmap) -> None:
        shot.setDevicePixelRatio(screen.devicePixelRatio())
        self.picker = RegionPicker(shot, screen)
        self.picker.picked.connect(lambda rect: self._picked(screen, shot, rect))
        self.picker.cancelled.connect(self._cancelled)
        self.picker.open()

    def _cancelled(self) -> None:
        self.picker = None
        self._restore()
        self.info.emit("Bildschirmausschnitt abgebrochen.")

    def _picked(self, screen: QScreen, shot: QPixmap, rect: QRect) -> None:
        self.picker = None
        self._restore()
        self.region = Region(screen, rect)
        self.refresh_button.setEnabled(True)
        self._send(crop(shot, rect))

    def _send_again(self, screen: QScreen, shot: QPixmap) -> None:
        self._restore()
        if self.region is not None:
            shot.setDevicePixelRatio(screen.devicePixelRatio())
            self._send(crop(shot, self.region.rect))

    def _send(self, image: QImage) -> None:
        self.on_show(NAME, fit_png(image))
        self.info.emit("Bildschirmausschnitt wird der Bürgerin / dem Bürger gezeigt.")
