"""The two PDFs a citizen gets after a video session: the Meldebescheinigung and the Zahlungsbeleg.

Output is deterministic: the same input gives the same bytes (reportlab's invariant
mode, the creation date taken from the input), so a document's hash can be recorded
at issue time and re-checked in tests.
"""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from videoschalter.certificates.fonts import DocumentFonts, register_fonts
from videoschalter.certificates.formatting import euro, german_date, german_datetime, pdf_date, require_aware
from videoschalter.certificates.layout import (
    GREY,
    LEFT,
    CheckBox,
    Row,
    draw_data_table,
    draw_footer,
    draw_letterhead,
    draw_paragraph,
    draw_reference_block,
    draw_title,
)
from videoschalter.certificates.models import CertificateData, Office, ReceiptData

CREATOR = "Videoschalter"
CHECK_BOX_BOTTOM = 24 * mm  # the verification box sits at the bottom, above the footer
ELECTRONIC_NOTE = "Diese Bescheinigung wurde elektronisch erstellt und ist ohne Unterschrift gültig."


class LayoutError(ValueError):
    """The data do not fit on the one page a Meldebescheinigung has."""


def certificate_rows(data: CertificateData) -> list[Row]:
    """The register data in the order of a printed Meldebescheinigung; optional fields only if known."""
    rows = [Row("Familienname", data.family_name), Row("Vornamen", data.given_names)]
    if data.birth_name:
        rows.append(Row("Geburtsname", data.birth_name))
    rows.append(Row("Geburtsdatum", german_date(data.birth_date)))
    if data.birth_place:
        rows.append(Row("Geburtsort", data.birth_place))
    label = "Staatsangehörigkeit" if len(data.nationalities) == 1 else "Staatsangehörigkeiten"
    rows.append(Row(label, ", ".join(data.nationalities) or "ungeklärt"))
    street = f"{data.street} {data.house_number}".strip()
    address = "\n".join(p for p in (street, data.address_suffix, f"{data.postal_code} {data.city}") if p)
    rows.append(Row("Anschrift", address))
    rows.append(Row("Einzugsdatum", german_date(data.moved_in)))
    rows.append(Row("Art der Wohnung", str(data.dwelling)))
    return rows


def render_certificate(data: CertificateData, office: Office) -> bytes:
    """A one-page A4 Meldebescheinigung (einfache Melderegisterauskunft an die betroffene Person)."""
    issued = require_aware(data.issued_at, "issued_at")
    fonts = register_fonts()
    c, out = _canvas(issued, title=f"Meldebescheinigung {data.document_id}", office=office,
                     subject="Einfache Meldebescheinigung nach § 18 Abs. 1 BMG")

    top = draw_letterhead(c, office, fonts) - 9 * mm
    refs = [Row("Dokument-Nr.", data.document_id), Row("Datum", german_date(issued))]
    if data.clerk:
        refs.append(Row("Sachbearbeitung", data.clerk))
    below_refs = draw_reference_block(c, fonts, top + 1 * mm, refs)
    below_title = draw_title(c, fonts, top - 8 * mm, "Meldebescheinigung",
                             "Einfache Meldebescheinigung nach § 18 Abs. 1 Bundesmeldegesetz (BMG)")
    y = min(below_refs, below_title) - 10 * mm
    y = draw_paragraph(c, fonts.regular, 10.5, y,
                       f"Für die nachstehend bezeichnete Person sind im Melderegister der {office.name} "
                       "folgende Daten gespeichert:") - 1 * mm
    y = draw_data_table(c, fonts, y, certificate_rows(data)) - 8 * mm

    y = _fee_line(c, fonts, y, data.fee_cents, data.payment_reference) - 6 * mm
    c.setFont(fonts.regular, 10.5)
    c.drawString(LEFT, y, f"{office.town}, den {german_date(issued)}")
    y -= 5 * mm
    y = draw_paragraph(c, fonts.regular, 10.5, y, f"{office.name} – {office.department}") - 3 * mm
    y = draw_paragraph(c, fonts.bold, 9.5, y, ELECTRONIC_NOTE)

    box = CheckBox(data.verification_url, data.document_id, [
        "QR-Code scannen oder die Adresse unten aufrufen: Dort steht, ob diese Bescheinigung "
        "von uns ausgestellt wurde und noch gültig ist.",
        f"Die PDF-Datei trägt eine elektronische Signatur der {office.name}; jede nachträgliche "
        "Änderung macht sie ungültig. Ihr PDF-Programm zeigt die Signatur an.",
    ])
    if y < CHECK_BOX_BOTTOM + box.height(fonts) + 4 * mm:
        raise LayoutError(f"Die Angaben passen nicht auf eine Seite ({data.document_id}); bitte kürzen.")
    box.draw(c, fonts, CHECK_BOX_BOTTOM)
    draw_footer(c, office, fonts, f"Erstellt am {german_datetime(issued)} · Seite 1 von 1")
    c.showPage()
    c.save()
    return out.getvalue()


def render_receipt(data: ReceiptData, office: Office) -> bytes:
    """A one-page Zahlungsbeleg (Quittung) for a fee paid online or at the counter."""
    paid = require_aware(data.paid_at, "paid_at")
    fonts = register_fonts()
    c, out = _canvas(paid, title=f"Zahlungsbeleg {data.receipt_number}", office=office,
                     subject=f"Zahlungsbeleg {data.service}")

    top = draw_letterhead(c, office, fonts) - 9 * mm
    below_refs = draw_reference_block(c, fonts, top + 1 * mm, [Row("Beleg-Nr.", data.receipt_number),
                                                               Row("Datum", german_date(paid))])
    below_title = draw_title(c, fonts, top - 8 * mm, "Zahlungsbeleg", "Quittung über eine Verwaltungsgebühr")
    y = min(below_refs, below_title) - 10 * mm
    rows = [Row("Einzahler/in", data.payer_name), Row("Leistung", data.service),
            Row("Betrag", euro(data.fee_cents)), Row("Zahlungsart", data.payment_method),
            Row("Zahlungsreferenz", data.payment_reference or "–"),
            Row("Bezahlt am", german_datetime(paid))]
    if data.document_id:
        rows.append(Row("Zum Dokument", data.document_id))
    y = draw_data_table(c, fonts, y, rows) - 8 * mm
    y = draw_paragraph(c, fonts.regular, 10.5, y, f"Betrag von {euro(data.fee_cents)} dankend erhalten.") - 2 * mm
    if data.vat_note:
        y = draw_paragraph(c, fonts.regular, 9, y, data.vat_note, color=GREY) - 4 * mm
    c.setFont(fonts.regular, 10.5)
    c.drawString(LEFT, y, f"{office.town}, den {german_date(paid)}")
    y -= 5 * mm
    y = draw_paragraph(c, fonts.regular, 10.5, y, f"{office.name} – {office.department}") - 3 * mm
    draw_paragraph(c, fonts.bold, 9.5, y, "Dieser Beleg wurde elektronisch erstellt und ist ohne Unterschrift gültig.")
    draw_footer(c, office, fonts, f"Erstellt am {german_datetime(paid)} · Seite 1 von 1")
    c.showPage()
    c.save()
    return out.getvalue()


def _fee_line(c: Canvas, fonts: DocumentFonts, y: float, fee_cents: int, reference: str) -> float:
    if fee_cents == 0:
        text = "Gebühr: gebührenfrei"
    else:
        text = f"Gebühr: {euro(fee_cents)} – bezahlt"
        if reference:
            text += f" (Zahlungsreferenz {reference})"
    return draw_paragraph(c, fonts.regular, 10, y, text)


def _canvas(created: dt.datetime, *, title: str, office: Office, subject: str) -> tuple[Canvas, io.BytesIO]:
    """An A4 canvas in invariant mode whose metadata dates are the given moment, not 'now'."""
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    stamp = pdf_date(created)
    c.setDateFormatter(lambda *_: stamp)
    c.setTitle(title)
    c.setAuthor(office.name)
    c.setSubject(subject)
    c.setCreator(CREATOR)
    c.setProducer(CREATOR)
    return c, out
