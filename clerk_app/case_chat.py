"""The chat tab: history and input, text only.

Everything the citizen writes is shown with ``appendPlainText`` in a QPlainTextEdit: no rich text,
so "<b>" or "<img onerror=…>" appears literally and can never become markup.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Coroutine
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from clerk_app.case_controller import CaseController

MAX_CHARS = 2000
_tasks: set[asyncio.Future[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
    """Run a controller coroutine from a slot on the (qasync) loop; the UI never waits for the network."""
    task = asyncio.ensure_future(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


def clock(at: str | None) -> str:
    try:
        return dt.datetime.fromisoformat(at or "").astimezone().strftime("%H:%M")
    except ValueError:
        return ""


class ChatTab(QWidget):
    def __init__(self, controller: CaseController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.history = QPlainTextEdit()
        self.history.setObjectName("chat_history")
        self.history.setReadOnly(True)
        self.history.setMaximumBlockCount(2000)
        self.input = QLineEdit()
        self.input.setObjectName("chat_input")
        self.input.setMaxLength(MAX_CHARS)
        self.input.setPlaceholderText("Nachricht an die Bürgerin / den Bürger")
        self.send_button = QPushButton("Senden")
        self.send_button.setObjectName("chat_send")
        row = QHBoxLayout()
        row.addWidget(self.input, stretch=1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.history, stretch=1)
        layout.addLayout(row)
        self.send_button.clicked.connect(self.send)
        self.input.returnPressed.connect(self.send)
        self.input.textChanged.connect(lambda text: self.send_button.setEnabled(bool(text.strip())))
        self.send_button.setEnabled(False)
        self._shown: set[Any] = set()

    def show_all(self, lines: list[dict[str, Any]]) -> None:
        self.history.clear()
        self._shown.clear()
        for line in lines:
            self.add(line)

    def add(self, line: dict[str, Any]) -> None:
        if line.get("id") is not None and line["id"] in self._shown:
            return
        self._shown.add(line.get("id"))
        who = "Sie" if line.get("from") == "clerk" else (line.get("name") or "Bürger/in")
        self.history.appendPlainText(f"[{clock(line.get('at'))}] {who}: {line.get('text', '')}")

    def send(self) -> None:
        text = self.input.text().strip()
        if not text:
            return
        self.input.clear()

        async def go() -> None:
            if not await self.controller.send_chat(text):
                self.input.setText(text)  # not sent: keep it for another try

        spawn(go())
