"""The case beside the video: Chat, Dokumente, Formular, Gebühr, and "Bescheinigung ausstellen".

The panel only shows ``CaseController`` state and starts its coroutines (``spawn``); it never waits
for the network itself. The issue button is the one prominent action and says what is still missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clerk_app.case_chat import ChatTab, spawn
from clerk_app.case_controller import CaseController
from clerk_app.case_documents import DocumentsTab
from clerk_app.case_form import FormTab
from clerk_app.case_signature import SignatureDialog
from clerk_app.case_state import PAYMENT_TEXT, CaseState, euro
from clerk_app.case_viewer import HAVE_PDF, DocumentViewer, open_externally
from clerk_app.screen_region import ScreenRegionShare
from videoschalter.certificates.kinds import issue_button_label

ISSUE_STYLE = "QPushButton {background: #1b5e20; color: white; font-weight: bold; padding: 10px}" \
              " QPushButton:disabled {background: #9e9e9e; color: #eeeeee}"


class FeeTab(QWidget):
    def __init__(self, controller: CaseController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.fee = QLabel("–")
        self.fee.setObjectName("fee")
        self.fee.setStyleSheet("font-size: 16pt")
        self.state = QLabel("Noch keine Zahlung angefordert.")
        self.state.setObjectName("payment_state")
        self.state.setWordWrap(True)
        self.request_button = QPushButton("Zahlung anfordern")
        self.request_button.setObjectName("pay_request")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Gebühr laut Gebührenverzeichnis"))
        layout.addWidget(self.fee)
        layout.addWidget(self.state)
        layout.addWidget(self.request_button)
        layout.addStretch()
        self.request_button.clicked.connect(lambda: spawn(self.controller.request_payment()))

    def show_case(self, state: CaseState) -> None:
        self.fee.setText(euro(state.fee_cents) if state.fee_cents else "gebührenfrei")
        payment = state.payment
        if payment is None:
            self.state.setText("Noch keine Zahlung angefordert." if state.fee_cents else "Keine Zahlung nötig.")
        else:
            text = PAYMENT_TEXT.get(payment.get("state", ""), payment.get("state", ""))
            sandbox = " (Testmodus)" if payment.get("sandbox") else ""
            self.state.setText(f"Zahlung über {euro(int(payment.get('amount_cents') or 0))}: {text}{sandbox}")
        self.request_button.setEnabled(state.can_request_payment)


class CasePanel(QWidget):
    def __init__(self, controller: CaseController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.title = QLabel("Kein Vorgang")
        self.title.setObjectName("case_title")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-weight: bold")
        self.menu_button = QToolButton()
        self.menu_button.setText("Vorgang")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        self.export_action = menu.addAction("Export (JSON) speichern …")
        self.erase_action = menu.addAction("Personenbezogene Daten löschen …")
        self.menu_button.setMenu(menu)
        self.screen_share = ScreenRegionShare(lambda name, png: spawn(controller.show_image(name, png)))
        self.tabs = QTabWidget()
        self.chat = ChatTab(controller)
        self.documents = DocumentsTab(controller)
        self.form = FormTab(controller)
        self.fee = FeeTab(controller)
        self.tabs.addTab(self.chat, "Chat")
        self.tabs.addTab(self.documents, "Dokumente")
        self.tabs.addTab(self.form, "Formular")
        self.tabs.addTab(self.fee, "Gebühr")
        self.issue_button = QPushButton("Bescheinigung ausstellen")
        self.issue_button.setObjectName("issue")
        self.issue_button.setStyleSheet(ISSUE_STYLE)
        self.issue_state = QLabel("")
        self.issue_state.setObjectName("issue_state")
        self.issue_state.setTextFormat(Qt.TextFormat.PlainText)
        self.issue_state.setWordWrap(True)
        self.issue_state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.certificate_button = QPushButton("PDF öffnen")
        self.certificate_button.setObjectName("open_certificate")
        self.message = QLabel("")
        self.message.setObjectName("case_message")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(self.title, stretch=1)
        header.addWidget(self.menu_button)
        issued = QHBoxLayout()
        issued.addWidget(self.issue_state, stretch=1)
        issued.addWidget(self.certificate_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.tabs, stretch=1)
        layout.addWidget(self.screen_share)
        layout.addWidget(self.issue_button)
        layout.addLayout(issued)
        layout.addWidget(self.message)
        self.viewer: DocumentViewer | None = None
        self.signature_dialog: SignatureDialog | None = None
        self._dialog: QWidget | None = None
        self._connect_signals()
        self.refresh()

    def _connect_signals(self) -> None:
        c = self.controller
        c.opened.connect(lambda state: self.refresh())
        c.opened.connect(lambda state: self.screen_share.forget())
        self.screen_share.info.connect(self.say)
        c.changed.connect(self.on_changed)
        c.chat_added.connect(self.on_chat)
        c.error.connect(lambda text: self.say(text, error=True))
        c.info.connect(self.say)
        self.issue_button.clicked.connect(lambda: spawn(c.issue()))
        self.certificate_button.clicked.connect(lambda: spawn(self.open_certificate()))
        self.form.tablet_button.clicked.connect(self.sign_at_counter)
        self.export_action.triggered.connect(lambda: spawn(self.export()))
        self.tabs.currentChanged.connect(lambda index: index == 0 and self.tabs.setTabText(0, "Chat"))
        self.erase_action.triggered.connect(self.confirm_erase)

    # --- views --------------------------------------------------------------------------
    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020" if error else "color: #1b5e20")
        self.message.setText(text)

    def on_chat(self, line: dict[str, Any]) -> None:
        self.chat.add(line)
        if self.tabs.currentWidget() is not self.chat and line.get("from") == "citizen":
            self.tabs.setTabText(0, "Chat •")

    def on_changed(self, kind: str) -> None:
        state = self.controller.state
        if state is None:
            return
        if kind == "case":
            self.chat.show_all(state.chat)
        if kind == "form" and self.tabs.currentWidget() is self.chat and state.form is not None \
                and not state.chat:
            self.tabs.setCurrentWidget(self.form)
        self.refresh()

    def refresh(self) -> None:
        state = self.controller.state
        enabled = state is not None
        for widget in (self.tabs, self.menu_button, self.screen_share):
            widget.setEnabled(enabled)
        if state is None:
            self.title.setText("Kein Vorgang – er öffnet sich mit dem Aufruf.")
            self.issue_button.setText(issue_button_label(None))
            self.issue_button.setEnabled(False)
            self.certificate_button.setVisible(False)
            return
        service = state.service_name or "Dienstleistung noch nicht gewählt"
        self.title.setText(f"Vorgang: {service} (Ticket {state.ticket_id})" if state.loaded
                           else f"Vorgang wird geladen (Ticket {state.ticket_id}) …")
        self.documents.show_documents(state.documents, state.shown)
        self.form.show_case()
        self.fee.show_case(state)
        certificate = state.certificate
        self.issue_button.setText(issue_button_label(state.form_id))  # "Parkausweis ausstellen", …
        self.issue_button.setEnabled(state.can_issue)
        self.certificate_button.setVisible(certificate is not None)
        if certificate is not None:
            self.issue_state.setText(f"Ausgestellt – Prüfnummer: {certificate.get('document_id')}")
        elif state.loaded:
            missing = state.missing
            self.issue_state.setText("Es fehlt: " + ", ".join(missing) if missing else "Bereit zum Ausstellen.")

    # --- actions --------------------------------------------------------------------------
    def sign_at_counter(self) -> None:
        state = self.controller.state
        if state is None or state.form is None:
            return
        dialog = SignatureDialog(self.form.status.text().split(" · ")[0], self)

        def accepted() -> None:
            spawn(self.controller.sign_at_counter(dialog.pad.recorder.to_json()))

        dialog.accepted.connect(accepted)
        self.signature_dialog = dialog
        dialog.open()

    async def open_certificate(self) -> DocumentViewer | None:
        state = self.controller.state
        certificate = state.certificate if state else None
        if certificate is None:
            return None
        got = await self.controller.download(str(certificate.get("file_id")))
        if got is None:
            return None
        name = f"Bescheinigung {certificate.get('document_id')}.pdf"
        if not HAVE_PDF:
            open_externally(name, got[0])
            return None
        self.viewer = DocumentViewer(name, got[0], got[1], None, self)
        self.viewer.show()
        return self.viewer

    async def export(self, path: Path | None = None) -> Path | None:
        """DSGVO Art. 15: the case as JSON; without ``path`` the clerk chooses where."""
        data = await self.controller.export()
        if data is None:
            return None
        if path is None:
            dialog = QFileDialog(self, "Export speichern")
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.selectFile(f"vorgang-{self.controller.ticket_id}.json")
            dialog.fileSelected.connect(lambda chosen: self._write_export(Path(chosen), data))
            self._dialog = dialog
            dialog.open()
            return None
        return self._write_export(path, data)

    def _write_export(self, path: Path, data: dict[str, Any]) -> Path:
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
        self.say(f"Export gespeichert: {path}")
        return path

    def confirm_erase(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Daten löschen",
                          "Alle personenbezogenen Daten dieses Vorgangs löschen (Dateien, Ausweisdaten, "
                          "Formular, Chat)? Das lässt sich nicht rückgängig machen.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.button(QMessageBox.StandardButton.Yes).setText("Löschen")
        box.button(QMessageBox.StandardButton.Cancel).setText("Abbrechen")
        box.accepted.connect(lambda: spawn(self.controller.erase()))
        self._dialog = box
        box.open()
