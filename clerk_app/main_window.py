"""The clerk's main window: the queue on the left, the call on the right."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from av import VideoFrame
from PySide6.QtCore import QItemSelectionModel, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from clerk_app.audio import Speaker
from clerk_app.case_panel import CasePanel
from clerk_app.controller import ClerkController
from clerk_app.dialogs import DayOverviewDialog, MessageDialog, TransferDialog
from clerk_app.id_check import IdFeedback
from clerk_app.id_panel import IdPanel
from clerk_app.notify import Notifier
from clerk_app.queue_model import QueueModel
from clerk_app.video_widget import VideoWidget

CONNECTION_TEXT = {
    "connecting": "Verbindung wird aufgebaut …",
    "connected": "Verbunden",
    "reconnecting": "Verbindung unterbrochen – wird wiederhergestellt …",
    "unauthorized": "Anmeldung abgelaufen – bitte neu starten und anmelden",
}


class MainWindow(QMainWindow):
    def __init__(self, controller: ClerkController):
        super().__init__()
        self.controller = controller
        self.setWindowTitle("Videoschalter – Sachbearbeitung")
        self.resize(1280, 760)

        self.queue_model = QueueModel()
        self.queue_view = QTableView()
        self.queue_view.setObjectName("queue")
        self.queue_view.setModel(self.queue_model)
        self.queue_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.queue_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.queue_view.verticalHeader().hide()
        self.call_button = QPushButton("Aufrufen")
        self.call_button.setObjectName("call")
        self.next_button = QPushButton("Nächste Person aufrufen")
        self.next_button.setObjectName("call_next")
        self.no_show_button = QPushButton("Nicht erschienen")
        self.transfer_button = QPushButton("Weiterleiten …")
        self.message_button = QPushButton("Nachricht …")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.setObjectName("pause")
        self.day_button = QPushButton("Tagesübersicht")

        self.remote = VideoWidget("Kein Gespräch")
        self.remote.setObjectName("remote_video")
        self.self_view = VideoWidget("Eigene Kamera")
        self.self_view.setObjectName("self_view")
        self.self_view.setFixedSize(160, 120)
        self.call_label = QLabel("Kein Gespräch")
        self.call_label.setObjectName("call_status")
        self.call_label.setWordWrap(True)
        self.mute_button = QPushButton("Stumm")
        self.mute_button.setCheckable(True)
        self.camera_button = QPushButton("Kamera aus")
        self.camera_button.setCheckable(True)
        self.hangup_button = QPushButton("Auflegen")
        self.hangup_button.setObjectName("hangup")
        self.hangup_button.setStyleSheet("background: #b00020; color: white; padding: 6px 18px")
        self._set_in_call(False)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Warteschlange</b>"))
        top.addStretch()
        top.addWidget(self.pause_button)
        top.addWidget(self.day_button)
        left_layout.addLayout(top)
        left_layout.addWidget(self.queue_view)
        for row in ((self.call_button, self.next_button), (self.no_show_button, self.transfer_button,
                                                           self.message_button)):
            buttons = QHBoxLayout()
            for button in row:
                buttons.addWidget(button)
            left_layout.addLayout(buttons)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.remote, stretch=1)
        row = QHBoxLayout()
        row.addWidget(self.self_view)
        controls = QVBoxLayout()
        controls.addWidget(self.call_label)
        controls.addStretch()
        control_row = QHBoxLayout()
        for button in (self.mute_button, self.camera_button, self.hangup_button):
            control_row.addWidget(button)
        controls.addLayout(control_row)
        row.addLayout(controls, stretch=1)
        right_layout.addLayout(row)

        # the case beside the video: the ID read on top (it fills the case), then the case's tabs
        self.id_panel = IdPanel()
        self.case_panel = CasePanel(controller.case)
        case_column = QWidget()
        case_layout = QVBoxLayout(case_column)
        case_layout.setContentsMargins(0, 0, 0, 0)
        case_layout.addWidget(self.id_panel)
        case_layout.addWidget(self.case_panel, stretch=1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.addWidget(case_column)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([290, 530, 460])
        self.setCentralWidget(splitter)
        self.connection_label = QLabel(CONNECTION_TEXT["connecting"])
        self.statusBar().addPermanentWidget(self.connection_label)

        self.speaker = Speaker()
        self.notifier = Notifier(self)
        self._dialog: QDialog | None = None
        self.self_view_timer = QTimer(self)
        self.self_view_timer.setInterval(100)
        self._connect_signals()
        self.self_view_timer.start()

    def _connect_signals(self) -> None:
        c = self.controller
        c.queue_changed.connect(self.show_queue)
        c.connection_changed.connect(self.show_connection)
        c.call_changed.connect(self.show_call)
        c.remote_video.connect(self.show_remote_frame)
        c.remote_audio.connect(self.speaker.play)
        c.error.connect(lambda text: self.statusBar().showMessage(text, 8000))
        c.info.connect(lambda text: self.statusBar().showMessage(text, 4000))
        c.arrived.connect(self.someone_arrived)
        c.paused_changed.connect(self.show_paused)
        self.pause_button.toggled.connect(self.toggle_pause)
        self.day_button.clicked.connect(self.show_day)
        self.no_show_button.clicked.connect(self.mark_no_show)
        self.transfer_button.clicked.connect(self.open_transfer)
        self.message_button.clicked.connect(self.open_message)
        c.id_feedback.connect(self.show_id_feedback)
        c.identity_confirmed.connect(lambda identity: self.id_panel.show_confirmed())
        self.id_panel.accept_button.clicked.connect(c.confirm_identity)
        self.id_panel.again_button.clicked.connect(self.read_id_again)
        self.id_panel.copy_button.clicked.connect(self.request_id_copy)
        c.id_copy.changed.connect(self.id_panel.show_copy_state)
        self.call_button.clicked.connect(self.call_selected)
        self.next_button.clicked.connect(self.call_next)
        self.queue_view.doubleClicked.connect(self.call_selected)
        self.hangup_button.clicked.connect(self.hang_up)
        self.mute_button.toggled.connect(c.set_muted)
        self.camera_button.toggled.connect(lambda off: c.set_camera(not off))
        self.self_view_timer.timeout.connect(self.refresh_self_view)

    # --- views ------------------------------------------------------------
    def show_queue(self, tickets: list[dict[str, Any]]) -> None:
        selected = self.selected_ticket_id()
        self.queue_model.department_names = {d["id"]: d["name"] for d in self.controller.departments}
        self.queue_model.set_tickets(tickets)
        for row, ticket in enumerate(tickets):
            if ticket["id"] == selected:
                self.queue_view.selectionModel().select(
                    self.queue_model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        shown = sum(t["state"] == "waiting" for t in tickets)
        waiting = max(shown, sum(self.controller.waiting_total.values()))
        more = f", die ersten {shown} angezeigt" if waiting > shown else ""
        self.setWindowTitle(f"Videoschalter – Sachbearbeitung ({waiting} wartend{more})")

    def show_connection(self, state: str) -> None:
        self.connection_label.setText(CONNECTION_TEXT.get(state, state))

    def show_call(self, state: str, text: str) -> None:
        ticket = self.controller.call_ticket
        who = f"{ticket['name']} (Nr. {ticket['number']})" if ticket else ""
        if state == "ended":
            self.remote.clear("Kein Gespräch")
            self.id_panel.show_result(None, None)
            self.call_label.setText(text)
            self._set_in_call(False)
            self.id_panel.set_in_call(False)
        else:
            if state == "calling":
                self.id_panel.show_hint("none" if self.controller.id_check else "off")
            self.call_label.setText(f"Gespräch mit {who}" + (f"\n{text}" if text else ""))
            self._set_in_call(True)
            self.id_panel.set_in_call(True)

    def someone_arrived(self, ticket: dict[str, Any]) -> None:
        names = {d["id"]: d["name"] for d in self.controller.departments}
        self.notifier.arrived(ticket["name"], names.get(ticket["department"], ticket["department"]))

    def show_paused(self, paused: bool) -> None:
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.setText("Pause beenden" if paused else "Pause")
        self.pause_button.blockSignals(False)
        self.notifier.enabled = not paused

    def show_id_feedback(self, feedback: IdFeedback) -> None:
        self.remote.set_overlay(feedback.quad, feedback.frame_size, done=feedback.result is not None)
        self.id_panel.show_hint(feedback.hint)
        if feedback.result is not None and not self.id_panel.accept_button.isEnabled():
            self.id_panel.show_result(feedback.result, feedback.expired)

    def read_id_again(self) -> None:
        self.id_panel.show_result(None, None)
        self.remote.set_overlay(None, (1, 1))
        self.controller.read_id_again()

    def show_remote_frame(self, frame: VideoFrame) -> None:
        self.remote.set_frame(frame)

    def refresh_self_view(self) -> None:
        video = self.controller.local_video
        if video is not None:
            self.self_view.set_rgb(video.latest_rgb())

    def _set_in_call(self, in_call: bool) -> None:
        self.hangup_button.setEnabled(in_call)
        self.call_button.setEnabled(not in_call)
        self.next_button.setEnabled(not in_call)
        self.mute_button.setEnabled(in_call)
        self.camera_button.setEnabled(in_call)

    def selected_ticket(self) -> dict[str, Any] | None:
        rows = self.queue_view.selectionModel().selectedRows()
        return self.queue_model.ticket(rows[0].row()) if rows else None

    def selected_ticket_id(self) -> int | None:
        ticket = self.selected_ticket()
        return ticket["id"] if ticket else None

    def _need_selection(self) -> dict[str, Any] | None:
        ticket = self.selected_ticket() or self.controller.call_ticket
        if ticket is None:
            self.statusBar().showMessage("Bitte zuerst eine Person in der Warteschlange auswählen.", 5000)
        return ticket

    # --- actions ------------------------------------------------------------
    @asyncSlot()
    async def call_selected(self) -> None:
        ticket_id = self.selected_ticket_id()
        if ticket_id is None:
            self.statusBar().showMessage("Bitte zuerst eine Person in der Warteschlange auswählen.", 5000)
            return
        await self.controller.call_in(ticket_id)

    @asyncSlot()
    async def request_id_copy(self) -> None:
        await self.controller.id_copy.request()

    @asyncSlot()
    async def call_next(self) -> None:
        await self.controller.call_next()

    @asyncSlot()
    async def hang_up(self) -> None:
        await self.controller.hang_up()

    @asyncSlot(bool)
    async def toggle_pause(self, paused: bool) -> None:
        await self.controller.set_paused(paused)

    @asyncSlot()
    async def mark_no_show(self) -> None:
        ticket = self._need_selection()
        if ticket is not None:
            await self.controller.mark_no_show(ticket["id"])

    def open_transfer(self) -> None:
        ticket = self._need_selection()
        if ticket is None:
            return
        dialog = TransferDialog(ticket, self.controller.all_departments, self.controller.colleagues, self)

        async def send() -> None:
            department, clerk_id = dialog.choice()
            await self.controller.transfer(ticket["id"], department, clerk_id)

        self._open(dialog, send)

    def open_message(self) -> None:
        ticket = self.selected_ticket()
        recipient = f"{ticket['name']} (Nr. {ticket['number']})" if ticket else "alle Wartenden meiner Abteilungen"
        dialog = MessageDialog(recipient, self)

        async def send() -> None:
            await self.controller.announce(dialog.message(), ticket["id"] if ticket else None)

        self._open(dialog, send)

    @asyncSlot()
    async def show_day(self) -> None:
        try:
            day = await self.controller.day_overview()
        except ConnectionError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self._open(DayOverviewDialog(day, self), None)

    def _open(self, dialog: QDialog, on_accept: Callable[[], Awaitable[None]] | None) -> None:
        """Non-modal (see clerk_app.dialogs); the coroutine runs when the dialog is accepted."""
        self._dialog = dialog
        if on_accept is not None:
            dialog.accepted.connect(lambda: asyncio.ensure_future(on_accept()))
        dialog.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.self_view_timer.stop()
        self.speaker.close()
        self.notifier.close()
        super().closeEvent(event)
