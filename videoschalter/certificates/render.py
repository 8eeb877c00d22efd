"""The Meldebescheinigung and the Zahlungsbeleg; the other documents have their own modules.

Output is deterministic: the same input gives the same bytes (reportlab's invariant
mode, the creation date taken from the input), so a document's hash can be recorded
at issue time and re-checked in tests.
"""

from __future__ import annotations

from reportlab.lib.units import mm

from videoschalter.certificates.fonts import register_fonts
from videoschalter.certificates.formatting import euro, german_date, german_datetime, require_aware
from videoschalter.certificates.layout import GREY, Row, draw_data_table, draw_paragraph
from videoschalter.certificates.models import CertificateData, IssueInfo, Office, ReceiptData
from videoschalter.certificates.page import (
    LayoutError,
    check_box,
    closing,
    fee_line,
    finish,
    letter_head,
    new_canvas,
)

__all__ = ["LayoutError", "certificate_rows", "render_certificate", "render_receipt"]
ELECTRONIC_NOTE = "Diese Bescheinigung wurde elektronisch erstellt und ist ohne Unterschrift gültig."


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
    info = IssueInfo(data.document_id, data.verification_url, issued, data.fee_cents, data.payment_reference,
                     data.clerk)
    fonts = register_fonts()
    c, out = new_canvas(issued, title=f"Meldebescheinigung {data.document_id}", office=office,
                        subject="Einfache Meldebescheinigung nach § 18 Abs. 1 BMG")
    y = letter_head(c, fonts, office, info, "Meldebescheinigung",
                    "Einfache Meldebescheinigung nach § 18 Abs. 1 Bundesmeldegesetz (BMG)")
    y = draw_paragraph(c, fonts.regular, 10.5, y,
                       f"Für die nachstehend bezeichnete Person sind im Melderegister der {office.name} "
                       "folgende Daten gespeichert:") - 1 * mm
    y = draw_data_table(c, fonts, y, certificate_rows(data)) - 8 * mm
    y = fee_line(c, fonts, y, data.fee_cents, data.payment_reference) - 6 * mm
    y = closing(c, fonts, y, office, issued, ELECTRONIC_NOTE)
    return finish(c, fonts, y, office, info, check_box(info, office, "diese Bescheinigung"), out)


def render_receipt(data: ReceiptData, office: Office) -> bytes:
    """A one-page Zahlungsbeleg (Quittung) for a fee paid online or at the counter."""
    paid = require_aware(data.paid_at, "paid_at")
    fonts = register_fonts()
    c, out = new_canvas(paid, title=f"Zahlungsbeleg {data.receipt_number}", office=office,
                        subject=f"Zahlungsbeleg {data.service}")
    info = IssueInfo(data.receipt_number, "", paid)
    y = letter_head(c, fonts, office, info, "Zahlungsbeleg", "Quittung über eine Verwaltungsgebühr",
                    number_label="Beleg-Nr.")
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
    closing(c, fonts, y, office, paid, "Dieser Beleg wurde elektronisch erstellt und ist ohne Unterschrift gültig.")
    return finish(c, fonts, y, office, info, None, out)
