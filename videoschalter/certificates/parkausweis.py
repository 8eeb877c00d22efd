"""The Bewohnerparkausweis: a card to lay behind the windscreen, printed at home on A4 and cut out.

Why A4 with a cut line and not an A6 page: citizens print on A4 home printers, and PDF viewers
scale a page of another size ("an Seite anpassen") or put it in a corner, so an A6 file would come
out at an unpredictable size. An A4 page printed at 100 % gives the card exactly A6 (148 × 105 mm,
the size of the cards towns hand out), and the rest of the same signed page carries what does not
belong behind a windscreen: the holder's name and address, the fee and how to use the card.

The card itself shows only what a parking warden needs — zone, licence plate, validity, number,
issuing office, a QR code to the check page — and no name or address, since it lies in plain view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from videoschalter.certificates.fonts import DocumentFonts, register_fonts
from videoschalter.certificates.formatting import german_date, require_aware
from videoschalter.certificates.layout import (
    GREY,
    LEFT,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RIGHT,
    RULE,
    TEXT_WIDTH,
    Row,
    draw_data_table,
    draw_paragraph,
    draw_qr,
    draw_reference_block,
)
from videoschalter.certificates.models import IssueInfo, Office
from videoschalter.certificates.page import LayoutError, address_text, closing, fee_line, finish, new_canvas

CARD_WIDTH, CARD_HEIGHT = 148 * mm, 105 * mm  # DIN A6 landscape
CARD_X = (PAGE_WIDTH - CARD_WIDTH) / 2
CARD_TOP = PAGE_HEIGHT - 13 * mm
LEGAL_BASIS = "§ 45 Abs. 1b Satz 1 Nr. 2a StVO"
NOTE = "Dieser Parkausweis wurde elektronisch erstellt und ist ohne Unterschrift und Dienstsiegel gültig."
LOWEST_TEXT = 22 * mm  # the footer's rule is at 18 mm


@dataclass(frozen=True)
class ParkingPermitData:
    """One Bewohnerparkausweis for one vehicle in one zone."""

    info: IssueInfo  # document_id doubles as the permit number
    zone: str  # "A", as on the signs ("Bewohner mit Parkausweis Nr. A")
    zone_name: str  # "Altstadt"
    license_plate: str  # "B-AB 1234"
    valid_from: dt.date
    valid_until: dt.date
    holder_name: str
    address: tuple[str, ...]  # the residence in the zone
    vehicle_of_holder: bool = True  # False: a car of another person or firm used permanently


def render_parking_permit(data: ParkingPermitData, office: Office) -> bytes:
    """One A4 page: the A6 card with a dashed cut line on top, the holder's part below."""
    info = data.info
    issued = require_aware(info.issued_at, "issued_at")
    if data.valid_until < data.valid_from:
        raise ValueError("Gültig bis liegt vor Gültig ab")
    fonts = register_fonts()
    c, out = new_canvas(issued, title=f"Bewohnerparkausweis {info.document_id}", office=office,
                        subject=f"Bewohnerparkausweis Zone {data.zone} nach {LEGAL_BASIS}")
    _card(c, fonts, data, office)
    y = _holder_part(c, fonts, data, office, CARD_TOP - CARD_HEIGHT - 12 * mm)
    if y < LOWEST_TEXT:
        raise LayoutError(f"Die Angaben passen nicht auf eine Seite ({info.document_id}); bitte kürzen.")
    return finish(c, fonts, y, office, info, None, out)


def _card(c: Canvas, fonts: DocumentFonts, data: ParkingPermitData, office: Office) -> None:
    x0, y0 = CARD_X, CARD_TOP - CARD_HEIGHT
    c.saveState()
    c.translate(x0, y0)
    # the cut line: dashed, on the card's edge, with scissors on the top left
    c.setStrokeColor(GREY)
    c.setLineWidth(0.5)
    c.setDash(3, 2)
    c.rect(0, 0, CARD_WIDTH, CARD_HEIGHT, stroke=1, fill=0)
    c.setDash()
    c.setFillColor(GREY)
    c.setFont(fonts.regular, 11)
    c.drawString(-5 * mm, CARD_HEIGHT - 1.4 * mm, "✂")
    c.setFont(fonts.regular, 7)
    c.drawString(2 * mm, CARD_HEIGHT + 1.5 * mm, "Entlang der gestrichelten Linie ausschneiden")
    c.setFillColor("black")

    pad, w, h = 6 * mm, CARD_WIDTH, CARD_HEIGHT
    c.setFont(fonts.bold, 10)
    c.drawString(pad, h - 10 * mm, office.name)
    c.setFont(fonts.regular, 8)
    c.drawString(pad, h - 14 * mm, office.department)
    c.setFont(fonts.bold, 15)
    c.drawRightString(w - pad, h - 11.5 * mm, "Bewohnerparkausweis")
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(pad, h - 17.5 * mm, w - pad, h - 17.5 * mm)

    _zone_box(c, fonts, data, pad, 41 * mm, 40 * mm, 42 * mm)
    x = pad + 46 * mm
    right = w - pad
    _label(c, fonts, x, h - 23 * mm, "Amtliches Kennzeichen")
    c.setStrokeColor("black")
    c.setLineWidth(1.4)
    c.roundRect(x, h - 39 * mm, right - x, 13.5 * mm, 1.5 * mm, stroke=1, fill=0)
    _fitted(c, fonts.bold, 24, data.license_plate, (x + right) / 2, h - 35 * mm, right - x - 6 * mm)
    _label(c, fonts, x, h - 45 * mm, "Gültig bis")
    c.setFont(fonts.bold, 21)
    c.drawString(x, h - 53 * mm, german_date(data.valid_until))
    c.setFont(fonts.regular, 8.5)
    c.drawRightString(right, h - 53 * mm, f"gültig ab {german_date(data.valid_from)}")
    _label(c, fonts, x, h - 59.5 * mm, "Ausweis-Nr.")
    c.setFont(fonts.bold, 9)
    c.drawString(x + 19 * mm, h - 59.5 * mm, data.info.document_id)

    qr = 27 * mm
    draw_qr(c, data.info.verification_url, w - pad - qr + 2 * mm, 4 * mm, qr)
    c.setFont(fonts.regular, 6.5)
    c.setFillColor(GREY)
    c.drawCentredString(w - pad - qr / 2 + 2 * mm, 3 * mm, "Echtheit prüfen")
    c.setFillColor("black")
    text_width = w - 2 * pad - qr - 2 * mm
    y = draw_paragraph(c, fonts.regular, 7.5, 32 * mm,
                       f"Berechtigt zum Parken im Bewohnerparkgebiet {data.zone} nach Maßgabe der Beschilderung "
                       f"(Zusatzzeichen „Bewohner mit Parkausweis Nr. {data.zone}“), {LEGAL_BASIS}. Nur gültig "
                       "für das Fahrzeug mit dem angegebenen Kennzeichen.", width=text_width, x=pad)
    y = draw_paragraph(c, fonts.bold, 7.5, y - 1 * mm,
                       "Gut lesbar von außen hinter der Windschutzscheibe auslegen.", width=text_width, x=pad)
    draw_paragraph(c, fonts.regular, 7, y - 1 * mm,
                   f"Ausgestellt am {german_date(data.info.issued_at)}, {office.town}", width=text_width, x=pad,
                   color=GREY)
    c.restoreState()


def _zone_box(c: Canvas, fonts: DocumentFonts, data: ParkingPermitData, x: float, y: float, w: float,
              h: float) -> None:
    c.setStrokeColor("black")
    c.setLineWidth(1.4)
    c.rect(x, y, w, h, stroke=1, fill=0)
    c.setFont(fonts.bold, 9)
    c.drawCentredString(x + w / 2, y + h - 6 * mm, "ZONE")
    _fitted(c, fonts.bold, 66, data.zone, x + w / 2, y + 13 * mm, w - 6 * mm)
    _fitted(c, fonts.regular, 9, data.zone_name, x + w / 2, y + 4.5 * mm, w - 3 * mm)


def _fitted(c: Canvas, font: str, size: float, text: str, centre_x: float, y: float, width: float) -> None:
    """Centred text, shrunk until it fits the width (a long zone name or plate must not run out)."""
    while size > 6 and stringWidth(text, font, size) > width:
        size -= 1
    c.setFont(font, size)
    c.drawCentredString(centre_x, y, text)


def _label(c: Canvas, fonts: DocumentFonts, x: float, y: float, text: str) -> None:
    c.setFont(fonts.regular, 8)
    c.setFillColor(GREY)
    c.drawString(x, y, text)
    c.setFillColor("black")


def _holder_part(c: Canvas, fonts: DocumentFonts, data: ParkingPermitData, office: Office, top: float) -> float:
    info = data.info
    refs = [Row("Dokument-Nr.", info.document_id), Row("Datum", german_date(info.issued_at))]
    if info.clerk:
        refs.append(Row("Sachbearbeitung", info.clerk))
    below_refs = draw_reference_block(c, fonts, top, refs)
    c.setFont(fonts.bold, 15)
    c.drawString(LEFT, top - 1 * mm, "Ihr Bewohnerparkausweis")
    y = draw_paragraph(c, fonts.regular, 9, top - 6.5 * mm, f"Bewohnerparken nach {LEGAL_BASIS}",
                       width=RIGHT - 72 * mm - LEFT, color=GREY)
    y = min(y, below_refs) - 3 * mm
    y = draw_paragraph(c, fonts.regular, 9.5, y,
                       "So verwenden Sie den Ausweis: Diese Seite in Originalgröße („Tatsächliche Größe“, 100 %) "
                       "auf weißes Papier drucken, den Ausweis oben entlang der gestrichelten Linie ausschneiden und "
                       "gut lesbar hinter die Windschutzscheibe legen. Dieser untere Teil ist für Ihre Unterlagen.")
    rows = [Row("Inhaber/in", data.holder_name), Row("Anschrift", address_text(data.address)),
            Row("Bewohnerparkgebiet", f"Zone {data.zone} – {data.zone_name}" if data.zone_name else data.zone),
            Row("Amtliches Kennzeichen", data.license_plate)]
    if not data.vehicle_of_holder:
        rows.append(Row("Fahrzeughalter/in", "eine andere Person oder Firma; dauerhaft von der Inhaberin / "
                                              "dem Inhaber genutzt"))
    rows.append(Row("Gültigkeit", f"{german_date(data.valid_from)} bis {german_date(data.valid_until)}"))
    y = draw_data_table(c, fonts, y - 2 * mm, rows, compact=True) - 6 * mm
    y = fee_line(c, fonts, y, info.fee_cents, info.payment_reference) - 5 * mm
    y = closing(c, fonts, y, office, info.issued_at, NOTE) - 2 * mm
    y = draw_paragraph(c, fonts.regular, 8.5, y,
                       "Echtheit prüfen: Der QR-Code auf dem Ausweis führt zur Prüfseite "
                       f"{info.verification_url} – dort steht, ob der Ausweis von uns ausgestellt wurde und noch "
                       f"gültig ist. Die PDF-Datei trägt eine elektronische Signatur der {office.name}; jede "
                       "nachträgliche Änderung macht sie ungültig.", width=TEXT_WIDTH, color=GREY)
    return y
