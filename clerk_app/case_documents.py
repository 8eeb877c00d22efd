"""The documents tab: what the citizen uploaded and what was shared, open, send, show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clerk_app.case_chat import spawn
from clerk_app.case_controller import CaseController
from clerk_app.case_viewer import HAVE_PDF, DocumentViewer, is_pdf, open_externally, render_pdf_page

FROM_TEXT = {"citizen": "Bürger/in", "clerk": "Sachbearbeitung", "system": "System"}
KIND_TEXT = {"upload": "Hochgeladen", "shared": "Geteilt", "certificate": "Bescheinigung", "receipt": "Quittung",
             "signature": "Unterschrift", "snapshot": "Bildschirmfoto", "id_copy": "Ausweiskopie"}
IMAGE_TYPES = ("image/png", "image/jpeg")


def size_text(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


class DocumentsTab(QWidget):
    def __init__(self, controller: CaseController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("documents")
        self.table.setHorizontalHeaderLabels(["Name", "Von", "Art", "Größe"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.open_button = QPushButton("Öffnen")
        self.send_button = QPushButton("Datei senden …")
        self.show_button = QPushButton("Seite zeigen")
        self.show_button.setToolTip("Die erste Seite (oder das Bild) in die Ansicht der Bürgerin / des Bürgers legen")
        self.unshow_button = QPushButton("Nicht mehr zeigen")
        self.shown_label = QLabel("")
        self.shown_label.setTextFormat(Qt.TextFormat.PlainText)
        self.shown_label.setWordWrap(True)
        row = QHBoxLayout()
        for button in (self.open_button, self.send_button, self.show_button, self.unshow_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, stretch=1)
        layout.addLayout(row)
        layout.addWidget(self.shown_label)
        self.viewer: DocumentViewer | None = None
        self._file_dialog: QFileDialog | None = None
        self.open_button.clicked.connect(lambda: spawn(self.open_selected()))
        self.table.doubleClicked.connect(lambda _: spawn(self.open_selected()))
        self.send_button.clicked.connect(self.choose_file)
        self.show_button.clicked.connect(lambda: spawn(self.show_selected()))
        self.unshow_button.clicked.connect(lambda: spawn(self.controller.show(None)))
        self.table.itemSelectionChanged.connect(self._enable)
        self._documents: list[dict[str, Any]] = []
        self._enable()

    def show_documents(self, documents: list[dict[str, Any]], shown: str | None) -> None:
        selected = self.selected()
        self._documents = list(documents)
        self.table.setRowCount(len(documents))
        for row, doc in enumerate(documents):
            values = (doc.get("name") or "", FROM_TEXT.get(doc.get("from", ""), doc.get("from", "")),
                      KIND_TEXT.get(doc.get("kind", ""), doc.get("kind", "")), size_text(doc.get("size")))
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(str(value)))  # items are plain text
            if selected is not None and doc.get("id") == selected.get("id"):
                self.table.selectRow(row)
        shown_doc = next((d for d in documents if str(d.get("id")) == str(shown)), None) if shown else None
        self.shown_label.setText(f"Wird gezeigt: {shown_doc.get('name') if shown_doc else shown}" if shown else "")
        self.unshow_button.setEnabled(bool(shown))
        self._enable()

    def selected(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        return self._documents[rows[0].row()] if rows and rows[0].row() < len(self._documents) else None

    def _enable(self) -> None:
        doc = self.selected()
        self.open_button.setEnabled(doc is not None)
        showable = doc is not None and (doc.get("mime") in (*IMAGE_TYPES, "application/pdf"))
        self.show_button.setEnabled(showable)

    # --- actions ------------------------------------------------------------------------
    async def open_selected(self) -> DocumentViewer | None:
        doc = self.selected()
        if doc is None:
            return None
        got = await self.controller.download(str(doc["id"]))
        if got is None:
            return None
        data, mime = got
        if is_pdf(data, mime) and not HAVE_PDF:
            open_externally(doc.get("name") or "Dokument.pdf", data)
            return None
        try:
            self.viewer = DocumentViewer(doc.get("name") or "Dokument", data, doc.get("mime") or mime,
                                         self._show_png, self)
        except ValueError as exc:
            self.controller.error.emit(str(exc))
            return None
        self.viewer.show()
        return self.viewer

    async def show_selected(self) -> None:
        """An image goes to the citizen as it is; a PDF's first page is rendered to PNG and shared."""
        doc = self.selected()
        if doc is None:
            return
        if doc.get("mime") in IMAGE_TYPES:
            await self.controller.show(str(doc["id"]))
            return
        got = await self.controller.download(str(doc["id"]))
        if got is None:
            return
        try:
            png = render_pdf_page(got[0], 0)
        except ValueError as exc:
            self.controller.error.emit(str(exc))
            return
        await self.controller.show_image(f"{Path(doc.get('name') or 'Dokument').stem} Seite 1.png", png)

    def _show_png(self, name: str, png: bytes) -> None:
        spawn(self.controller.show_image(name, png))

    def choose_file(self) -> None:
        """Non-modal file dialog: a modal one would run a nested event loop under qasync."""
        dialog = QFileDialog(self, "Datei an die Bürgerin / den Bürger senden")
        dialog.setNameFilter("Dokumente (*.pdf *.png *.jpg *.jpeg)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: spawn(self.send_path(Path(path))))
        self._file_dialog = dialog
        dialog.open()

    async def send_path(self, path: Path) -> dict[str, Any] | None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.controller.error.emit(f"Datei nicht lesbar: {exc.strerror}")
            return None
        return await self.controller.send_file(path.name, data)
