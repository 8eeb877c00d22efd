"""A widget that shows the newest video frame, scaled, without stalling the UI.

Frames arrive faster than a slow machine may paint them. Only the newest
one is kept; its conversion to RGB runs on a worker thread, and a new
conversion starts only when the previous one is done (latest wins).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from av import VideoFrame
from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

_converter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frame-convert")


def to_rgb(frame: VideoFrame) -> np.ndarray:
    return frame.to_ndarray(format="rgb24")


def qimage_from_rgb(rgb: np.ndarray) -> QImage:
    """Copy the pixels into a QImage Qt owns.

    Writing into ``bits()`` avoids QImage's constructor from a foreign buffer
    (whose buffer ownership has been a source of crashes in Qt bindings) and
    copies once instead of twice. Rows are padded to 4 bytes in a QImage.
    """
    height, width, _ = rgb.shape
    image = QImage(width, height, QImage.Format.Format_RGB888)
    stride = image.bytesPerLine()
    target = np.frombuffer(image.bits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    target[:, : width * 3] = rgb.reshape(height, width * 3)
    return image


class VideoWidget(QWidget):
    def __init__(self, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.placeholder = placeholder
        self.image: QImage | None = None
        self.frames_shown = 0
        self._pending: VideoFrame | None = None
        self._converting = False
        self.overlay: list[list[float]] | None = None  # a quadrilateral in frame pixels (the MRZ band)
        self.overlay_size: tuple[int, int] = (1, 1)
        self.overlay_done = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)

    def set_frame(self, frame: VideoFrame) -> None:
        """Accept a decoded frame from any coroutine on the UI loop; never blocks."""
        self._pending = frame
        if not self._converting:
            self._converting = True
            asyncio.get_running_loop().create_task(self._convert_loop())

    async def _convert_loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending is not None:
                frame, self._pending = self._pending, None
                rgb = await loop.run_in_executor(_converter, to_rgb, frame)
                self.set_rgb(rgb)
        finally:
            self._converting = False

    def set_rgb(self, rgb: np.ndarray) -> None:
        self.image = qimage_from_rgb(rgb)
        self.frames_shown += 1
        self.update()

    def clear(self, placeholder: str | None = None) -> None:
        self.image = None
        self.overlay = None
        self._pending = None
        if placeholder is not None:
            self.placeholder = placeholder
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 20, 20))
        if self.image is None:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(self.rect().center())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self.image)
        if self.overlay:
            sx, sy = target.width() / self.overlay_size[0], target.height() / self.overlay_size[1]
            points = [QPointF(target.left() + x * sx, target.top() + y * sy) for x, y in self.overlay]
            painter.setPen(QPen(QColor(40, 200, 90) if self.overlay_done else QColor(255, 200, 0), 3))
            painter.drawPolygon(QPolygonF(points))

    def set_overlay(self, quad: list[list[float]] | None, size: tuple[int, int], done: bool = False) -> None:
        self.overlay, self.overlay_size, self.overlay_done = quad, size, done
        self.update()
