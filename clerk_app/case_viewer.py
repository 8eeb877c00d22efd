"""Looking at a case document in the app, and turning what the clerk sees into a picture for the citizen.

PDFs are rendered with QtPdf (QPdfDocument); images are shown as they are. "Seite zeigen" renders the
current PDF page to PNG, "Ausschnitt zeigen" grabs the visible part of the viewer (e.g. the zoomed-in
corner of a site plan) – both go to the citizen as a shared image document.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

try:  # a packaged build may leave QtPdf out: PDFs then open in the desktop's viewer
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

    HAVE_PDF = True
except ImportError:  # pragma: no cover - depends on the build
    HAVE_PDF = False

RENDER_DPI = 150  # sharp enough on a phone, a page stays a few hundred KB as PNG

ShowPng = Callable[[str, bytes], None]


class PdfFile:
    """A PDF held in memory; ``QPdfDocument`` reads from the buffer.

    With a ``parent`` (the viewer) Qt owns buffer and document, so a QPdfView never outlives the document
    it draws – Python's garbage collector would otherwise free it under a still visible view."""

    def __init__(self, data: bytes, parent: QObject | None = None):
        if not HAVE_PDF:
            raise ValueError("PDF-Anzeige ist in dieser Installation nicht enthalten.")
        self.buffer = QBuffer(parent)
        self.buffer.setData(QByteArray(data))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(parent)
        self.document.load(self.buffer)
        if self.document.status() != QPdfDocument.Status.Ready:
            raise ValueError("Das PDF lässt sich nicht öffnen.")

    @property
    def pages(self) -> int:
        return self.document.pageCount()

    def render(self, page: int, dpi: int = RENDER_DPI) -> QImage:
        size = self.document.pagePointSize(page)
        return self.document.render(page, QSize(round(size.width() * dpi / 72), round(size.height() * dpi / 72)))


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def render_pdf_page(data: bytes, page: int = 0) -> bytes:
    """One page of a PDF as PNG (for "Seite zeigen" straight from the document list)."""
    return png_bytes(PdfFile(data).render(page))


def is_pdf(data: bytes, mime: str) -> bool:
    return mime == "application/pdf" or data[:5] == b"%PDF-"


def open_externally(name: str, data: bytes) -> Path:
    """Hand a file to the desktop's viewer; it stays in a private temporary folder until the OS clears it."""
    folder = Path(tempfile.mkdtemp(prefix="videoschalter-"))
    path = folder / (Path(name).name or "dokument")
    path.write_bytes(data)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
    return path


class DocumentViewer(QDialog):
    """Non-modal (the qasync loop keeps running); ``on_show`` receives a PNG to put into the citizen's view."""

    def __init__(self, name: str, data: bytes, mime: str, on_show: ShowPng | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Dokument: {name}")
        self.resize(760, 720)
        self.name, self.data, self.mime = name, data, mime
        self.on_show = on_show
        self.pdf: PdfFile | None = None
        self.page = QSpinBox()
        self.page.setPrefix("Seite ")
        self.show_page_button = QPushButton("Seite zeigen")
        self.show_region_button = QPushButton("Ausschnitt zeigen")
        self.external_button = QPushButton("Extern öffnen")
        self.message = QLabel("")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        if is_pdf(data, mime):
            self.pdf = PdfFile(data, self)
            self.view: QWidget = QPdfView()
            self.view.setDocument(self.pdf.document)  # type: ignore[attr-defined]
            self.view.setPageMode(QPdfView.PageMode.SinglePage)  # type: ignore[attr-defined]
            self.view.setZoomMode(QPdfView.ZoomMode.FitInView)  # type: ignore[attr-defined]
            self.page.setRange(1, max(1, self.pdf.pages))
            self.page.setSuffix(f" von {self.pdf.pages}")
            self.page.valueChanged.connect(self._go_to_page)
        else:
            image = QImage.fromData(data)
            if image.isNull():
                raise ValueError("Das Bild lässt sich nicht anzeigen.")
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            scroll = QScrollArea()
            scroll.setWidget(label)
            scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.view = scroll
            self.page.setVisible(False)
            self.show_page_button.setText("Bild zeigen")
        layout.addWidget(self.view, stretch=1)
        row = QHBoxLayout()
        for widget in (self.page, self.show_page_button, self.show_region_button, self.external_button):
            row.addWidget(widget)
        row.addStretch()
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.show_page_button.setEnabled(on_show is not None)
        self.show_region_button.setEnabled(on_show is not None)
        self.show_page_button.clicked.connect(self.show_page)
        self.show_region_button.clicked.connect(self.show_region)
        self.external_button.clicked.connect(lambda: open_externally(self.name, self.data))

    def _go_to_page(self, number: int) -> None:
        navigator = self.view.pageNavigator()  # type: ignore[attr-defined]
        navigator.jump(number - 1, navigator.currentLocation())

    def page_png(self) -> bytes:
        if self.pdf is not None:
            return png_bytes(self.pdf.render(self.page.value() - 1))
        return png_bytes(QImage.fromData(self.data))

    def region_png(self) -> bytes:
        """What the clerk sees right now in the viewer, at screen resolution."""
        target = self.view.viewport() if hasattr(self.view, "viewport") else self.view
        return png_bytes(target.grab().toImage())

    def show_page(self) -> None:
        if self.on_show is not None:
            stem = Path(self.name).stem
            suffix = f" Seite {self.page.value()}" if self.pdf is not None else ""
            self.on_show(f"{stem}{suffix}.png", self.page_png())
            self.message.setText("Wird der Bürgerin / dem Bürger gezeigt.")

    def show_region(self) -> None:
        if self.on_show is not None:
            self.on_show(f"{Path(self.name).stem} Ausschnitt.png", self.region_png())
            self.message.setText("Ausschnitt wird der Bürgerin / dem Bürger gezeigt.")
