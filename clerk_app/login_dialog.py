"""Login: server address, user name, password. The login itself runs async."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget
from qasync import asyncSlot

from clerk_app.client import LoginError
from clerk_app.controller import ClerkController


class LoginDialog(QDialog):
    def __init__(self, controller: ClerkController, username: str = "", password: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Videoschalter – Anmeldung")
        self.server = QLineEdit(controller.client.server_url)
        self.server.setReadOnly(True)
        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.password = QLineEdit(password)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Anmelden")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("Benutzername", self.username)
        form.addRow("Passwort", self.password)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        (self.password if username else self.username).setFocus()

    @asyncSlot()
    async def submit(self) -> None:
        self.buttons.setEnabled(False)
        self.message.setText("Anmeldung läuft …")
        try:
            await self.controller.login(self.username.text().strip(), self.password.text())
        except LoginError as exc:
            self.message.setText(str(exc))
            self.password.selectAll()
            self.password.setFocus()
        else:
            self.accept()
        finally:
            self.buttons.setEnabled(True)
