"""The clerk's view of the ID check: the hint, the read data, one click to take it over."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

HINT_TEXT = {
    "none": "Kein Ausweis im Bild – die Person wird gebeten, ihn in die Kamera zu halten.",
    "closer": "Ausweis zu klein im Bild – näher an die Kamera.",
    "steady": "Bild verwackelt – ruhig halten.",
    "glare": "Spiegelung auf der maschinenlesbaren Zone.",
    "reading": "Maschinenlesbare Zone erkannt, wird gelesen …",
    "read": "Ausweis gelesen; alle Prüfziffern stimmen.",
    "off": "Das Lesen des Ausweises ist ausgeschaltet.",
}
FIELDS = (("surname", "Familienname"), ("given_names", "Vornamen"), ("birth_date", "Geburtsdatum"),
          ("nationality", "Staatsangehörigkeit"), ("sex", "Geschlecht"), ("document_number", "Dokumentnummer"),
          ("issuing_state", "Ausstellender Staat"), ("expiry_date", "Gültig bis"))


def german_date(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d.%m.%Y")


class IdPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None):
        super().__init__("Ausweis (maschinenlesbare Zone)", parent)
        self.setMaximumWidth(480)
        self.hint = QLabel("Liest den Ausweis aus dem Video, sobald ein Gespräch läuft.")
        self.hint.setWordWrap(True)
        self.expired = QLabel("")
        self.expired.setStyleSheet("color: #b00020; font-weight: bold")
        self.values: dict[str, QLabel] = {}
        form = QGridLayout()  # two columns of label/value pairs: compact beside the video
        for i, (key, label) in enumerate(FIELDS):
            value = QLabel("–")
            value.setObjectName(f"id_{key}")
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setWordWrap(True)
            self.values[key] = value
            form.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            form.addWidget(value, i // 2, (i % 2) * 2 + 1)
        self.accept_button = QPushButton("Übernehmen")
        self.accept_button.setObjectName("accept_id")
        self.again_button = QPushButton("Erneut lesen")
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.again_button)
        # PAuswG §20: no image of the card is stored, unless the citizen consents to this one copy
        self.copy_button = QPushButton("Ausweiskopie (mit Einwilligung)")
        self.copy_button.setObjectName("id_copy")
        self.copy_button.setToolTip("Fragt die Person um Einwilligung; nur dann wird ein Bild gespeichert, "
                                    "sichtbar als Kopie gekennzeichnet.")
        self.copy_button.setEnabled(False)
        self._in_call = False
        self.copy_status = QLabel("")
        self.copy_status.setObjectName("id_copy_status")
        self.copy_status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addWidget(self.expired)
        layout.addLayout(buttons)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.copy_status)
        self.show_result(None, None)

    def show_hint(self, hint: str) -> None:
        self.hint.setText(HINT_TEXT.get(hint, hint))

    def show_result(self, result: dict[str, Any] | None, expired: bool | None) -> None:
        for key, label in self.values.items():
            value = "–" if result is None else str(result.get(key, ""))
            if result is not None and key.endswith("_date"):
                value = german_date(value)
            label.setText(value)  # QLabel shows plain text here: names are data, not markup
        self.expired.setText("Achtung: Das Dokument ist abgelaufen." if expired else "")
        self.accept_button.setEnabled(result is not None)

    def show_confirmed(self) -> None:
        self.accept_button.setEnabled(False)
        self.hint.setText("Daten übernommen – sie stehen im Vorgang und im Formular.")

    def set_in_call(self, in_call: bool) -> None:
        if in_call == self._in_call:
            return
        self._in_call = in_call
        self.copy_button.setEnabled(in_call)
        if not in_call:
            self.show_copy_state("idle", "")

    def show_copy_state(self, state: str, text: str) -> None:
        """The ID copy's progress (``clerk_app.id_copy``): asked, refused, stored or why not.

        Asking again stays possible while the question is open (the person may have closed the page).
        """
        self.copy_status.setText(text)
        color = {"refused": "#a15c00", "failed": "#b00020", "stored": "#1b7f3b"}.get(state, "")
        self.copy_status.setStyleSheet(f"color: {color}; font-weight: bold" if color else "")
        self.copy_button.setEnabled(self._in_call and state != "capturing")
