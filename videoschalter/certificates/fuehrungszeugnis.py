"""The Antragsbestätigung for a Führungszeugnis: the town takes the application, the BfJ issues the certificate.

The Führungszeugnis itself comes from the Bundesamt für Justiz (Bundeszentralregister, § 30 BZRG)
by post; the Meldebehörde only takes the application, checks the identity, collects the fee and
passes the application on (§ 30 Abs. 2 BZRG). So what the citizen gets from us is a confirmation
of exactly that — which kind of certificate, for which purpose, sent to whom, fee paid — and it
says in bold that it is not a Führungszeugnis.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.units import mm

from videoschalter.certificates.fonts import register_fonts
from videoschalter.certificates.formatting import german_date, require_aware
from videoschalter.certificates.layout import GREY, Row, draw_data_table, draw_paragraph
from videoschalter.certificates.models import IssueInfo, Office
from videoschalter.certificates.page import address_text, check_box, closing, fee_line, finish, letter_head, new_canvas

BFJ = "Bundesamt für Justiz (Bundeszentralregister, 53094 Bonn)"
NOTE = "Diese Bestätigung wurde elektronisch erstellt und ist ohne Unterschrift gültig."


@dataclass(frozen=True)
class ConductApplicationData:
    """One application for a Führungszeugnis as taken at the counter (or in the video session)."""

    info: IssueInfo
    family_name: str
    given_names: str
    birth_date: dt.date
    birth_place: str
    nationalities: tuple[str, ...]
    address: tuple[str, ...]  # the applicant's (main) residence
    certificate_kind: str  # "Führungszeugnis für private Zwecke (§ 30 BZRG)"
    document_type_code: str  # the BZR's Belegart: N, NE, O
    delivery_to: tuple[str, ...]  # recipient lines: the applicant, or the authority's name and address
    birth_name: str = ""
    purpose: str = ""
    authority_reference: str = ""  # Aktenzeichen of the authority that receives it
    inspection_first: bool = False  # § 30 Abs. 5 Satz 2 BZRG: the applicant sees it at the Amtsgericht first


def application_rows(data: ConductApplicationData) -> list[Row]:
    """The applicant and the application in one table, as on the office's printed application."""
    family = f"{data.family_name}, geb. {data.birth_name}" if data.birth_name else data.family_name
    label = "Staatsangehörigkeit" if len(data.nationalities) == 1 else "Staatsangehörigkeiten"
    rows = [Row("Familienname", family), Row("Vornamen", data.given_names),
            Row("Geburtsdatum, -ort", f"{german_date(data.birth_date)}, {data.birth_place}"),
            Row(label, ", ".join(data.nationalities) or "ungeklärt"),
            Row("Anschrift", address_text(data.address)),
            Row(f"Art (Belegart {data.document_type_code})", data.certificate_kind)]
    if data.purpose:
        rows.append(Row("Verwendungszweck", data.purpose))
    delivery = address_text(data.delivery_to)
    if data.inspection_first:
        delivery += "\nbei Eintragungen erst nach Einsicht beim Amtsgericht"
    rows.append(Row("Zusendung an", delivery))
    if data.authority_reference:
        rows.append(Row("Aktenzeichen der Behörde", data.authority_reference))
    return rows


def render_conduct_application(data: ConductApplicationData, office: Office) -> bytes:
    """A one-page A4 Antragsbestätigung with the check box and QR code."""
    info = data.info
    issued = require_aware(info.issued_at, "issued_at")
    fonts = register_fonts()
    c, out = new_canvas(issued, title=f"Antragsbestätigung Führungszeugnis {info.document_id}", office=office,
                        subject="Bestätigung des Antrags auf ein Führungszeugnis (§ 30 BZRG)")
    y = letter_head(c, fonts, office, info, "Antragsbestätigung",
                    "Antrag auf ein Führungszeugnis nach § 30 Bundeszentralregistergesetz (BZRG)")
    y = draw_paragraph(c, fonts.regular, 10.5, y,
                       f"Die {office.name} hat am {german_date(issued)} den folgenden Antrag aufgenommen, die "
                       "Identität geprüft und leitet ihn an das Bundesamt für Justiz weiter:") - 1 * mm
    y = draw_data_table(c, fonts, y, application_rows(data), compact=True) - 5 * mm
    y = draw_paragraph(c, fonts.regular, 9.5, y,
                       f"Das Führungszeugnis stellt das {BFJ} aus und schickt es in der Regel innerhalb "
                       "von zwei Wochen per Post an die genannte Stelle.", color=GREY) - 0.5 * mm
    y = draw_paragraph(c, fonts.bold, 10, y, "Diese Bestätigung ist kein Führungszeugnis und ersetzt es nicht.")
    y = fee_line(c, fonts, y - 1.5 * mm, info.fee_cents, info.payment_reference) - 5 * mm
    y = closing(c, fonts, y, office, issued, NOTE)
    return finish(c, fonts, y, office, info, check_box(info, office, "diese Bestätigung"), out)
