"""The counter's signature tablet as a Qt widget: pen events with pressure, a mouse as fallback.

The strokes are collected by ``hardware.signature_pad.StrokeRecorder`` (Qt-free), in the same format
the citizen's browser canvas posts, so the server treats a counter signature like any other.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QTabletEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from hardware.signature_pad import MOUSE_PRESSURE, StrokeRecorder

PAD_WIDTH, PAD_HEIGHT = 600, 200


class SignaturePad(QWidget):
    """Draws what it records. Tablet events are accepted, so Qt does not also synthesise mouse events."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, width: int = PAD_WIDTH, height: int = PAD_HEIGHT):
        super().__init__(parent)
        self.setObjectName("signature_pad")
        self.setFixedSize(width, height)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.recorder = StrokeRecorder(width, height)
        self.tablet_events = 0  # tells a test (and the status line) that a pen, not a mouse, drew

    def clear(self) -> None:
        self.recorder.clear()
        self.update()
        self.changed.emit()

    # --- input ---------------------------------------------------------------------
    def tabletEvent(self, event: QTabletEvent) -> None:
        pos, t, pressure = event.position(), event.timestamp(), event.pressure()
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self.recorder.begin(pos.x(), pos.y(), t, pressure)
        elif kind == QEvent.Type.TabletMove:
            self.recorder.move(pos.x(), pos.y(), t, pressure)
        elif kind == QEvent.Type.TabletRelease:
            self.recorder.end(pos.x(), pos.y(), t, pressure)
        else:
            event.ignore()
            return
        self.tablet_events += 1
        event.accept()
        self.update()
        self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            pos = event.position()
            self.recorder.begin(pos.x(), pos.y(), event.timestamp(), MOUSE_PRESSURE)
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            pos = event.position()
            self.recorder.move(pos.x(), pos.y(), event.timestamp(), MOUSE_PRESSURE)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            pos = event.position()
            self.recorder.end(pos.x(), pos.y(), event.timestamp(), MOUSE_PRESSURE)
            self.update()
            self.changed.emit()

    # --- drawing -----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor("#999999"), 1, Qt.PenStyle.DashLine))
        baseline = int(self.height() * 0.75)
        painter.drawLine(20, baseline, self.width() - 20, baseline)
        for stroke in self.recorder.strokes:
            for (x0, y0, _, _), (x1, y1, _, p1) in itertools.pairwise(stroke):
                # thicker where the pen pressed harder, as ink would be
                painter.setPen(QPen(QColor("#10205a"), 1.0 + 3.0 * p1, Qt.PenStyle.SolidLine,
                                    Qt.PenCapStyle.RoundCap))
                painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))
            if len(stroke) == 1:
                x, y, _, p = stroke[0]
                painter.setPen(QPen(QColor("#10205a"), 1.0 + 3.0 * p, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                painter.drawPoint(QPointF(x, y))
        painter.end()


class SignatureDialog(QDialog):
    """The citizen signs at the counter; "Übernehmen" is enabled once there is something on the pad."""

    def __init__(self, what: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Unterschrift am Tablet")
        text = QLabel(f"Bitte unterschreiben Sie hier: {what}")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        self.pad = SignaturePad(self)
        self.clear_button = QPushButton("Löschen")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Übernehmen")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        self.buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ResetRole)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.pad)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.clear_button.clicked.connect(self.pad.clear)
        self.pad.changed.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(not self.pad.recorder.is_empty and not self.pad.recorder.drawing)
