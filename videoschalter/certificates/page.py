"""The frame every issued letter-style document shares: canvas, head, closing lines, check box, footer.

A Meldebescheinigung, a Meldebestätigung and an Antragsbestätigung differ only in their title and
table; the frame around them is the same, so it lives here once. Output stays deterministic:
the canvas runs in reportlab's invariant mode with the issue time as its dates.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from videoschalter.certificates.fonts import DocumentFonts
from videoschalter.certificates.formatting import euro, german_date, german_datetime, pdf_date
from videoschalter.certificates.layout import (
    LEFT,
    CheckBox,
    Row,
    draw_footer,
    draw_letterhead,
    draw_paragraph,
    draw_reference_block,
    draw_title,
)
from videoschalter.certificates.models import IssueInfo, Office

CREATOR = "Videoschalter"
CHECK_BOX_BOTTOM = 24 * mm  # the verification box sits at the bottom, above the footer


class LayoutError(ValueError):
    """The data do not fit on the one page the document has."""


def new_canvas(created: dt.datetime, *, title: str, office: Office, subject: str) -> tuple[Canvas, io.BytesIO]:
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


def letter_head(c: Canvas, fonts: DocumentFonts, office: Office, info: IssueInfo, title: str, subtitle: str,
                number_label: str = "Dokument-Nr.") -> float:
    """Letterhead, reference block (Dokument-Nr., Datum, Sachbearbeitung) and title; returns the y below."""
    top = draw_letterhead(c, office, fonts) - 9 * mm
    refs = [Row(number_label, info.document_id), Row("Datum", german_date(info.issued_at))]
    if info.clerk:
        refs.append(Row("Sachbearbeitung", info.clerk))
    below_refs = draw_reference_block(c, fonts, top + 1 * mm, refs)
    below_title = draw_title(c, fonts, top - 8 * mm, title, subtitle)
    return min(below_refs, below_title) - 10 * mm


def fee_line(c: Canvas, fonts: DocumentFonts, y: float, fee_cents: int, reference: str, free_note: str = "") -> float:
    """'Gebühr: 5,00 EUR – bezahlt (Zahlungsreferenz …)' or 'gebührenfrei'; returns the y below."""
    if fee_cents == 0:
        text = "Gebühr: gebührenfrei" + (f" ({free_note})" if free_note else "")
    else:
        text = f"Gebühr: {euro(fee_cents)} – bezahlt"
        if reference:
            text += f" (Zahlungsreferenz {reference})"
    return draw_paragraph(c, fonts.regular, 10, y, text)


def closing(c: Canvas, fonts: DocumentFonts, y: float, office: Office, issued: dt.datetime, note: str) -> float:
    """Place and date, the office, and the bold 'valid without signature' sentence; returns the y below."""
    c.setFont(fonts.regular, 10.5)
    c.drawString(LEFT, y, f"{office.town}, den {german_date(issued)}")
    y -= 5 * mm
    y = draw_paragraph(c, fonts.regular, 10.5, y, f"{office.name} – {office.department}") - 3 * mm
    return draw_paragraph(c, fonts.bold, 9.5, y, note)


def check_box(info: IssueInfo, office: Office, what: str) -> CheckBox:
    """The 'Echtheit prüfen' box; ``what`` names the document in the sentence ('diese Bestätigung')."""
    return CheckBox(info.verification_url, info.document_id, [
        f"QR-Code scannen oder die Adresse unten aufrufen: Dort steht, ob {what} "
        "von uns ausgestellt wurde und noch gültig ist.",
        f"Die PDF-Datei trägt eine elektronische Signatur der {office.name}; jede nachträgliche "
        "Änderung macht sie ungültig. Ihr PDF-Programm zeigt die Signatur an.",
    ])


def finish(c: Canvas, fonts: DocumentFonts, y: float, office: Office, info: IssueInfo, box: CheckBox | None,
           out: io.BytesIO, *, bottom: float = CHECK_BOX_BOTTOM) -> bytes:
    """Draw the check box (refusing to print over text), the footer, and return the PDF bytes."""
    if box is not None:
        if y < bottom + box.height(fonts) + 4 * mm:
            raise LayoutError(f"Die Angaben passen nicht auf eine Seite ({info.document_id}); bitte kürzen.")
        box.draw(c, fonts, bottom)
    draw_footer(c, office, fonts, f"Erstellt am {german_datetime(info.issued_at)} · Seite 1 von 1")
    c.showPage()
    c.save()
    return out.getvalue()


def address_text(lines: Sequence[str]) -> str:
    """Address lines as one table value (the table wraps on newlines)."""
    return "\n".join(line for line in lines if line)
