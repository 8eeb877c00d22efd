"""Drawing blocks shared by our official documents: letterhead, data table, check box with QR code, footer.

Positions follow DIN 5008 margins (25 mm left, 20 mm right) so the page looks like
the letters a town already sends; everything is drawn with absolute coordinates,
which keeps the output byte-for-byte reproducible.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from videoschalter.certificates.fonts import DocumentFonts
from videoschalter.certificates.models import Office

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 25 * mm
RIGHT = PAGE_WIDTH - 20 * mm
TEXT_WIDTH = RIGHT - LEFT
INK = Color(0, 0, 0)
GREY = Color(0.35, 0.35, 0.35)
RULE = Color(0.6, 0.6, 0.6)
LIGHT_RULE = Color(0.82, 0.82, 0.82)
ACCENT = Color(0.08, 0.2, 0.4)  # a sober dark blue for the office name only


@dataclass(frozen=True)
class Row:
    """One line of the data table: label left, value (may wrap) right."""

    label: str
    value: str


def draw_letterhead(c: Canvas, office: Office, fonts: DocumentFonts) -> float:
    """Office name left, contact block right, a rule below; returns the y below the rule."""
    top = PAGE_HEIGHT - 18 * mm
    c.setFillColor(GREY)
    c.setFont(fonts.regular, 8.5)
    c.drawString(LEFT, top, office.authority_line)
    c.setFillColor(ACCENT)
    c.setFont(fonts.bold, 17)
    c.drawString(LEFT, top - 7 * mm, office.name)
    c.setFillColor(INK)
    c.setFont(fonts.regular, 11)
    c.drawString(LEFT, top - 12.5 * mm, office.department)

    contact = [office.street, f"{office.postal_code} {office.town}"]
    contact += [line for line in (_prefixed("Telefon", office.phone), office.email, office.website) if line]
    c.setFont(fonts.regular, 8.5)
    c.setFillColor(GREY)
    y = top
    for line in contact:
        c.drawRightString(RIGHT, y, line)
        y -= 3.8 * mm
    c.setFillColor(INK)

    rule_y = min(top - 17 * mm, y - 1 * mm)
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(LEFT, rule_y, RIGHT, rule_y)
    return rule_y


def draw_reference_block(c: Canvas, fonts: DocumentFonts, y: float, rows: Sequence[Row]) -> float:
    """Right-hand 'Ihr Zeichen / Datum' block of a German letter; returns the y below it."""
    label_x = RIGHT - 68 * mm
    for row in rows:
        c.setFont(fonts.regular, 8.5)
        c.setFillColor(GREY)
        c.drawString(label_x, y, row.label)
        c.setFillColor(INK)
        c.setFont(fonts.regular, 9)
        c.drawRightString(RIGHT, y, row.value)
        y -= 4.4 * mm
    return y


def draw_title(c: Canvas, fonts: DocumentFonts, y: float, title: str, subtitle: str) -> float:
    """Document title and its legal basis; returns the y below."""
    c.setFillColor(INK)
    c.setFont(fonts.bold, 20)
    c.drawString(LEFT, y, title)
    c.setFont(fonts.regular, 10)
    c.setFillColor(GREY)
    c.drawString(LEFT, y - 6.5 * mm, subtitle)
    c.setFillColor(INK)
    return y - 6.5 * mm


def draw_paragraph(c: Canvas, font: str, size: float, y: float, text: str, *, width: float = TEXT_WIDTH,
                   x: float = LEFT, leading: float | None = None, color: Color = INK) -> float:
    """Left-aligned text wrapped to width; returns the baseline y of the next line."""
    leading = leading or size * 1.35
    c.setFont(font, size)
    c.setFillColor(color)
    for line in simpleSplit(text, font, size, width):
        c.drawString(x, y, line)
        y -= leading
    c.setFillColor(INK)
    return y


def draw_data_table(c: Canvas, fonts: DocumentFonts, y: float, rows: Sequence[Row], *,
                    compact: bool = False) -> float:
    """Label/value rows with hairlines between them, as on a printed register extract; returns y below.

    ``compact`` (10 pt, tighter rows) is for documents with more rows than the Meldebescheinigung.
    """
    label_width = 52 * mm
    value_x = LEFT + label_width
    value_width = RIGHT - value_x
    size, leading = (10, 4.6 * mm) if compact else (11, 5.2 * mm)
    above, below = (4.9 * mm, 2.5 * mm) if compact else (5.6 * mm, 3.2 * mm)
    c.setStrokeColor(LIGHT_RULE)
    c.setLineWidth(0.5)
    c.line(LEFT, y, RIGHT, y)
    for row in rows:
        lines: list[str] = []
        for part in row.value.split("\n"):
            lines += simpleSplit(part, fonts.bold, size, value_width) or [""]
        baseline = y - above
        c.setFont(fonts.regular, 9 if compact else 9.5)
        c.setFillColor(GREY)
        c.drawString(LEFT + 1 * mm, baseline, row.label)
        c.setFillColor(INK)
        c.setFont(fonts.bold, size)
        for i, line in enumerate(lines):
            c.drawString(value_x, baseline - i * leading, line)
        y = baseline - (len(lines) - 1) * leading - below
        c.line(LEFT, y, RIGHT, y)
    return y


@dataclass(frozen=True)
class CheckBox:
    """The framed 'Echtheit prüfen' block: QR code of the check URL, explanations, the URL, the id."""

    url: str
    document_id: str
    lines: Sequence[str]

    qr_size = 32 * mm
    pad = 4 * mm
    small = 8.5
    small_leading = 8.5 * 1.35

    def _text_x(self) -> tuple[float, float]:
        x = LEFT + self.pad + self.qr_size + 6 * mm
        return x, RIGHT - self.pad - x

    def height(self, fonts: DocumentFonts) -> float:
        """Height of the box: the QR code's, or more if the text needs it."""
        _, width = self._text_x()
        text = sum(len(simpleSplit(t, fonts.regular, self.small, width)) * self.small_leading + 1 * mm
                   for t in self.lines)
        url = len(simpleSplit(self.url, fonts.condensed_bold, 9, width)) * 9 * 1.35
        return max(self.qr_size, 3.5 * mm + 5.5 * mm + text + 0.5 * mm + url + 3 * mm) + 2 * self.pad

    def draw(self, c: Canvas, fonts: DocumentFonts, bottom: float) -> None:
        height = self.height(fonts)
        top = bottom + height
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.rect(LEFT, bottom, TEXT_WIDTH, height, stroke=1, fill=0)
        draw_qr(c, self.url, LEFT + self.pad, top - self.pad - self.qr_size, self.qr_size)

        x, width = self._text_x()
        y = top - self.pad - 3.5 * mm
        c.setFont(fonts.bold, 10.5)
        c.drawString(x, y, "Echtheit prüfen")
        y -= 5.5 * mm
        for text in self.lines:
            y = draw_paragraph(c, fonts.regular, self.small, y, text, width=width, x=x,
                               leading=self.small_leading) - 1 * mm
        y = draw_paragraph(c, fonts.condensed_bold, 9, y - 0.5 * mm, self.url, width=width, x=x)
        c.setFont(fonts.regular, 8.5)
        c.setFillColor(GREY)
        c.drawString(x, y - 0.5 * mm, "Dokument-Nr.:")
        c.setFillColor(INK)
        c.setFont(fonts.bold, 9)
        c.drawString(x + 24 * mm, y - 0.5 * mm, self.document_id)


def draw_qr(c: Canvas, value: str, x: float, y: float, size: float, *, border: int = 2) -> None:
    """A QR code (error correction M) filling size × size including a quiet zone of border modules.

    Encodes once with reportlab's encoder and fills each dark run as one rectangle of a single
    path: reportlab's QrCodeWidget encodes twice and builds thousands of shape objects, which
    made it 80 % of the render time.
    """
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(value)
    qr.make()
    count = qr.getModuleCount()
    module = size / (count + 2 * border)
    c.saveState()
    c.translate(x, y)
    c.scale(module, module)  # from here on one unit is one module: short integer coordinates
    path = c.beginPath()
    top = count + border
    for r, row in enumerate(qr.modules):
        col = border
        for dark, run in itertools.groupby(bool(m) for m in row):
            length = len(list(run))
            if dark:
                path.rect(col, top - r - 1, length, 1)
            col += length
    c.setFillColor(INK)
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def draw_footer(c: Canvas, office: Office, fonts: DocumentFonts, note: str) -> None:
    """Office identity and a page note at the bottom, small and grey."""
    y = 14 * mm
    c.setStrokeColor(RULE)
    c.setLineWidth(0.4)
    c.line(LEFT, y + 4 * mm, RIGHT, y + 4 * mm)
    c.setFont(fonts.regular, 7.5)
    c.setFillColor(GREY)
    parts = [office.name, office.department, office.street, f"{office.postal_code} {office.town}"]
    c.drawString(LEFT, y, " · ".join(p for p in parts if p))
    c.drawRightString(RIGHT, y, note)
    c.setFillColor(INK)


def _prefixed(label: str, value: str) -> str:
    return f"{label} {value}" if value else ""
