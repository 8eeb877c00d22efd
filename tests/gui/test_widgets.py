"""Clerk app widgets, offscreen, without a server."""

from __future__ import annotations

import asyncio
import datetime as dt

import numpy as np
import pytest
from PySide6.QtGui import QColor

from clerk_app.audio import MicrophoneTrack, Speaker
from clerk_app.controller import ClerkController
from clerk_app.main_window import MainWindow
from clerk_app.queue_model import QueueModel, waited
from clerk_app.video_widget import VideoWidget
from hardware.camera import LocalVideo, TestPattern

pytestmark = pytest.mark.gui

TICKETS = [
    {"id": 7, "number": 3, "name": "<script>alert(1)</script>", "department": "buergeramt", "state": "waiting",
     "created_at": "2026-11-23T08:00:00.000+00:00", "position": 1, "online": True},
    {"id": 8, "number": 4, "name": "Max", "department": "buergeramt", "state": "called",
     "created_at": "2026-11-23T08:05:00.000+00:00", "position": None, "online": False},
]


def test_queue_model_shows_names_as_plain_text(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = QueueModel({"buergeramt": "Bürgeramt"})
    model.set_tickets(TICKETS)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.data(model.index(0, 1)) == "<script>alert(1)</script>"
    assert model.data(model.index(0, 2)) == "Bürgeramt"
    assert model.data(model.index(1, 4)) == "im Gespräch (nicht verbunden)"


def test_waited_minutes() -> None:
    now = dt.datetime(2026, 11, 23, 8, 12, 30, tzinfo=dt.UTC)
    assert waited("2026-11-23T08:00:00.000+00:00", now) == "12 min"


def test_video_widget_scales_keeping_the_aspect(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = VideoWidget("nichts")
    qtbot.addWidget(widget)
    widget.resize(400, 400)
    red = np.zeros((100, 200, 3), dtype=np.uint8)
    red[..., 0] = 255
    widget.set_rgb(red)
    image = widget.grab().toImage()
    assert image.pixelColor(200, 200) == QColor(255, 0, 0)  # centre: the frame
    assert image.pixelColor(200, 10) == QColor(20, 20, 20)  # letterbox above it
    assert widget.frames_shown == 1


def test_test_pattern_moves_and_is_labelled() -> None:
    pattern = TestPattern()
    first = pattern.frame()
    assert first.shape == (480, 640, 3)
    video = LocalVideo(use_camera=False)
    assert video.is_test_pattern


def test_main_window_buttons_follow_the_call(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = ClerkController("http://127.0.0.1:9", local_video=LocalVideo(use_camera=False))
    window = MainWindow(controller)
    qtbot.addWidget(window)
    controller.departments = [{"id": "buergeramt", "name": "Bürgeramt"}]
    controller.queue_changed.emit(TICKETS)
    assert window.queue_model.rowCount() == 2 and "1 wartend" in window.windowTitle()
    assert window.call_button.isEnabled() and not window.hangup_button.isEnabled()
    controller.call_ticket = TICKETS[0]
    controller.call_changed.emit("calling", "Verbindung wird aufgebaut …")
    assert not window.call_button.isEnabled() and window.hangup_button.isEnabled()
    assert "Nr. 3" in window.call_label.text()
    controller.call_changed.emit("ended", "Die Bürgerin / der Bürger hat aufgelegt.")
    assert window.call_button.isEnabled() and "aufgelegt" in window.call_label.text()
    controller.connection_changed.emit("reconnecting")
    assert "wiederhergestellt" in window.connection_label.text()
    window.refresh_self_view()
    assert window.self_view.frames_shown == 1


def test_audio_without_devices_plays_nothing_and_sends_silence(qapp) -> None:  # type: ignore[no-untyped-def]
    speaker = Speaker()
    mic = MicrophoneTrack()

    async def two_frames() -> list:  # type: ignore[type-arg]
        return [await mic.recv(), await mic.recv()]

    frames = asyncio.run(two_frames())
    assert [f.samples for f in frames] == [960, 960] and frames[1].pts == 960
    if not mic.available:
        assert not np.any(frames[0].to_ndarray())
    mic.stop()
    speaker.close()


def test_dialogs(qtbot) -> None:  # type: ignore[no-untyped-def]
    from clerk_app.dialogs import DayOverviewDialog, MessageDialog, TransferDialog

    departments = [{"id": "buergeramt", "name": "Bürgeramt"}, {"id": "bauamt", "name": "Bauamt"}]
    colleagues = [{"id": 1, "display_name": "Anna", "departments": ["buergeramt"]},
                  {"id": 2, "display_name": "Bernd", "departments": ["bauamt"]}]
    transfer = TransferDialog(TICKETS[0], departments, colleagues)
    qtbot.addWidget(transfer)
    transfer.department.setCurrentIndex(1)
    assert [transfer.colleague.itemText(i) for i in range(transfer.colleague.count())] == ["alle der Abteilung",
                                                                                          "Bernd"]
    transfer.colleague.setCurrentIndex(1)
    assert transfer.choice() == ("bauamt", 2)

    message = MessageDialog("alle")
    qtbot.addWidget(message)
    ok = message.buttons.buttons()[0]
    message.text.setPlainText("x" * 301)
    assert not ok.isEnabled() and message.counter.text() == "301 / 300"
    message.text.setPlainText("  Gleich geht es weiter  ")
    assert ok.isEnabled() and message.message() == "Gleich geht es weiter"

    day = {"date": "2026-11-23", "served": 4, "waiting": 2, "in_call": 1, "no_show": 0, "avg_wait_s": 390,
           "avg_duration_s": None, "appointments": [
               {"start": "2026-11-23T09:00:00+00:00", "service": "Meldebescheinigung", "name": "Berta",
                "status": "booked", "arrived": True}]}
    overview = DayOverviewDialog(day)
    qtbot.addWidget(overview)
    assert overview.values["Bedient"].text() == "<b>4</b>" and overview.values["Ø Wartezeit"].text() == "<b>6.5 min</b>"
    assert overview.table.item(0, 3).text() == "im Warteraum"


def test_arrival_notification_and_pause(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = ClerkController("http://127.0.0.1:9", local_video=LocalVideo(use_camera=False))
    window = MainWindow(controller)
    qtbot.addWidget(window)

    async def feed() -> None:
        await controller._handle({"type": "queue", "department": "buergeramt", "tickets": TICKETS[:1]})
        await controller._handle({"type": "queue", "department": "buergeramt", "tickets": TICKETS})
        await controller._handle({"type": "queue", "department": "buergeramt", "tickets": [
            *TICKETS, {**TICKETS[0], "id": 9, "name": "Neu"}]})
        await controller._handle({"type": "clerk_status", "state": "pause"})

    asyncio.run(feed())
    assert window.notifier.count == 1  # only "Neu": the first snapshot and a called ticket do not chime
    assert window.pause_button.isChecked() and window.pause_button.text() == "Pause beenden"
    assert not window.notifier.enabled
