"""Small non-modal dialogs: transfer, message to waiting citizens, the day overview.

They are opened with ``open()`` and report through ``accepted``: a modal
``exec()`` would start a nested event loop, which the qasync loop must not see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

MAX_MESSAGE = 300


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class TransferDialog(QDialog):
    """Where to: another department, optionally one colleague in particular."""

    def __init__(self, ticket: dict[str, Any], departments: list[dict[str, Any]], colleagues: list[dict[str, Any]],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Weiterleiten")
        self.department = QComboBox()
        for dept in departments:
            self.department.addItem(dept["name"], dept["id"])
        self.colleague = QComboBox()
        self._colleagues = colleagues
        self.department.currentIndexChanged.connect(self._fill_colleagues)
        self._fill_colleagues()
        form = QFormLayout()
        form.addRow(QLabel(f"{ticket['name']} (Nr. {ticket['number']})"))
        form.addRow("Abteilung", self.department)
        form.addRow("Sachbearbeitung", self.colleague)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, "Weiterleiten"))

    def _fill_colleagues(self) -> None:
        dept = self.department.currentData()
        self.colleague.clear()
        self.colleague.addItem("alle der Abteilung", None)
        for clerk in self._colleagues:
            if dept in clerk["departments"]:
                self.colleague.addItem(clerk["display_name"], clerk["id"])

    def choice(self) -> tuple[str, int | None]:
        return self.department.currentData(), self.colleague.currentData()


class MessageDialog(QDialog):
    """A short text to one waiting citizen or to everybody waiting in my departments."""

    def __init__(self, recipient: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Nachricht an Wartende")
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("z. B. „Wir sind in 10 Minuten wieder für Sie da.“")
        self.counter = QLabel(f"0 / {MAX_MESSAGE}")
        self.text.textChanged.connect(self._count)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"An: {recipient}"))
        layout.addWidget(self.text)
        layout.addWidget(self.counter)
        self.buttons = _buttons(self, "Senden")
        layout.addWidget(self.buttons)

    def _count(self) -> None:
        length = len(self.text.toPlainText())
        self.counter.setText(f"{length} / {MAX_MESSAGE}")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(0 < length <= MAX_MESSAGE)

    def message(self) -> str:
        return self.text.toPlainText().strip()


def minutes(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.1f} min"


class DayOverviewDialog(QDialog):
    """Today's appointments and the figures of the day."""

    def __init__(self, day: dict[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Tagesübersicht {day['date']}")
        self.resize(640, 480)
        figures = QGridLayout()
        items = [("Bedient", day["served"]), ("Wartend", day["waiting"]), ("Im Gespräch", day["in_call"]),
                 ("Nicht erschienen", day["no_show"]), ("Ø Wartezeit", minutes(day["avg_wait_s"])),
                 ("Ø Gesprächsdauer", minutes(day["avg_duration_s"]))]
        self.values: dict[str, QLabel] = {}
        for i, (label, value) in enumerate(items):
            figures.addWidget(QLabel(label), i // 3 * 2, i % 3)
            value_label = QLabel(f"<b>{value}</b>")
            self.values[label] = value_label
            figures.addWidget(value_label, i // 3 * 2 + 1, i % 3)
        self.table = QTableWidget(len(day["appointments"]), 4)
        self.table.setHorizontalHeaderLabels(["Uhrzeit", "Anliegen", "Name", "Stand"])
        status_text = {"booked": "gebucht", "done": "erledigt", "no_show": "nicht erschienen"}
        for row, appt in enumerate(day["appointments"]):
            when = dt.datetime.fromisoformat(appt["start"]).astimezone().strftime("%H:%M")
            state = "im Warteraum" if appt["arrived"] and appt["status"] == "booked" else status_text.get(
                appt["status"], appt["status"])
            for col, text in enumerate((when, appt["service"], appt["name"], state)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        layout = QVBoxLayout(self)
        layout.addLayout(figures)
        layout.addWidget(QLabel("<b>Termine heute</b>"))
        layout.addWidget(self.table)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
