"""The counter's signature tablet: synthesised pen events (with pressure) and the mouse fallback."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from clerk_app.case_signature import SignatureDialog, SignaturePad
from hardware.signature_pad import StrokeRecorder

pytestmark = pytest.mark.gui


def pen() -> QPointingDevice:
    caps = QInputDevice.Capability.Position | QInputDevice.Capability.Pressure
    return QPointingDevice("Testtablett", 4711, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
                           caps, 1, 3)


def tablet(widget: SignaturePad, device: QPointingDevice, kind: QEvent.Type, x: float, y: float,
           pressure: float, t: int) -> bool:
    pos = QPointF(x, y)
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
    event = QTabletEvent(kind, device, pos, QPointF(widget.mapToGlobal(pos)), pressure, 0.0, 0.0, 0.0, 0.0, 0.0,
                         Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, buttons)
    event.setTimestamp(t)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_pen_strokes_keep_pressure_and_time(qtbot) -> None:  # type: ignore[no-untyped-def]
    pad = SignaturePad()
    qtbot.addWidget(pad)
    device = pen()
    assert tablet(pad, device, QEvent.Type.TabletPress, 50, 100, 0.2, 10_000)
    for i, pressure in enumerate((0.4, 0.8, 1.0)):
        tablet(pad, device, QEvent.Type.TabletMove, 60 + 20 * i, 100 - 5 * i, pressure, 10_010 + 10 * i)
    tablet(pad, device, QEvent.Type.TabletRelease, 120, 90, 0.0, 10_050)
    body = pad.recorder.to_json()
    assert body["width"] == 600 and body["height"] == 200
    [stroke] = body["strokes"]
    assert [p[3] for p in stroke] == [0.2, 0.4, 0.8, 1.0, 0.0]
    assert [p[2] for p in stroke] == [0, 10, 20, 30, 50]
    assert stroke[0][:2] == [50.0, 100.0]
    assert pad.tablet_events == 5
    # a hovering pen (moves without a press) draws nothing
    tablet(pad, device, QEvent.Type.TabletMove, 300, 50, 0.0, 10_100)
    assert pad.recorder.points == 5
    # the pressure shows as ink: the pixel on the heavy end of the line is dark
    image = pad.grab().toImage()
    assert image.pixelColor(100, 90).lightness() < 200
    assert image.pixelColor(400, 30) == QColor("white")


def test_mouse_fallback_has_browser_pressure(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = SignatureDialog("Antrag auf eine einfache Meldebescheinigung")
    qtbot.addWidget(dialog)
    pad = dialog.pad
    assert not dialog.ok_button.isEnabled()
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    qtbot.mouseMove(pad, QPoint(80, 60))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(120, 70))
    [stroke] = pad.recorder.to_json()["strokes"]
    assert stroke[0][:2] == [20.0, 20.0] and stroke[-1][:2] == [120.0, 70.0]
    assert {p[3] for p in stroke} == {0.5} and pad.tablet_events == 0
    assert dialog.ok_button.isEnabled()
    dialog.clear_button.click()
    assert pad.recorder.is_empty and not dialog.ok_button.isEnabled()


def test_recorder_clamps_and_bounds() -> None:
    recorder = StrokeRecorder(100, 50)
    recorder.move(1, 1, 0)  # pen up: ignored
    assert recorder.is_empty
    recorder.begin(-5, 70, 100, 1.7)
    recorder.end(10, 10, 120)
    assert recorder.to_json()["strokes"] == [[[0.0, 50.0, 0, 1.0], [10.0, 10.0, 20, 0.0]]]
    recorder.begin(0, 0, 200)
    for i in range(6000):
        recorder.move(i % 100, 1, 200 + i)
    assert recorder.points == 5000
