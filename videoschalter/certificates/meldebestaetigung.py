"""The amtliche Meldebestätigung a person receives for an Anmeldung or an Abmeldung (§ 24 Abs. 2 BMG).

§ 24 Abs. 2 Satz 2 BMG is a closed list: the Meldebestätigung "darf nur folgende Daten enthalten" —
Familienname, Vornamen, Doktorgrad, Geburtsdatum, Einzugs- oder Auszugsdatum, Datum der An- oder
Abmeldung, Anschrift, alleinige Wohnung / Haupt- / Nebenwohnung. The renderer prints exactly these;
``other_address`` (the previous dwelling of an Anmeldung, the new address abroad of an Abmeldung) is
printed only when the caller sets it — see ``from_form`` for when it does. It is free of charge
("unentgeltlich"): with the catalogue's fee of 0 the fee line says "gebührenfrei (§ 24 Abs. 2 BMG)".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from reportlab.lib.units import mm

from videoschalter.certificates.fonts import register_fonts
from videoschalter.certificates.formatting import german_date, require_aware
from videoschalter.certificates.layout import GREY, Row, draw_data_table, draw_paragraph
from videoschalter.certificates.models import Dwelling, IssueInfo, Office
from videoschalter.certificates.page import address_text, check_box, closing, fee_line, finish, letter_head, new_canvas

NOTE = "Diese Meldebestätigung wurde elektronisch erstellt und ist ohne Unterschrift gültig."


class Registration(StrEnum):
    """Which registration the Meldebestätigung confirms."""

    ANMELDUNG = "Anmeldung"
    ABMELDUNG = "Abmeldung"


@dataclass(frozen=True)
class RegistrationData:
    """One person's Meldebestätigung; ``address`` is the new dwelling (Anmeldung) or the one given up."""

    info: IssueInfo
    registration: Registration
    family_name: str
    given_names: str
    birth_date: dt.date
    address: tuple[str, ...]  # printed lines: "Große Straße 12a", "12345 Musterstadt"
    moved_on: dt.date  # Einzugsdatum / Auszugsdatum
    registered_on: dt.date  # Datum der An- oder Abmeldung
    dwelling: Dwelling | None = None  # None: not known (an Abmeldung form does not ask)
    doctor: str = ""  # Doktorgrad, if any
    other_address: tuple[str, ...] = ()
    other_address_label: str = ""  # "Bisherige Wohnung" / "Neue Anschrift im Ausland"

    @property
    def title(self) -> str:
        return "Anmeldebestätigung" if self.registration is Registration.ANMELDUNG else "Abmeldebestätigung"


def registration_rows(data: RegistrationData) -> list[Row]:
    """The rows § 24 Abs. 2 BMG allows, in its order (the dates after the address, as printed by offices)."""
    anmeldung = data.registration is Registration.ANMELDUNG
    rows = [Row("Familienname", data.family_name), Row("Vornamen", data.given_names)]
    if data.doctor:
        rows.append(Row("Doktorgrad", data.doctor))
    rows.append(Row("Geburtsdatum", german_date(data.birth_date)))
    rows.append(Row("Anschrift" if anmeldung else "Abgemeldete Wohnung", address_text(data.address)))
    if data.dwelling is not None:
        rows.append(Row("Art der Wohnung", str(data.dwelling)))
    rows.append(Row("Einzugsdatum" if anmeldung else "Auszugsdatum", german_date(data.moved_on)))
    rows.append(Row(f"Datum der {data.registration}", german_date(data.registered_on)))
    if data.other_address:
        rows.append(Row(data.other_address_label, address_text(data.other_address)))
    return rows


def render_registration(data: RegistrationData, office: Office) -> bytes:
    """A one-page A4 Anmelde- or Abmeldebestätigung with the check box and QR code."""
    info = data.info
    issued = require_aware(info.issued_at, "issued_at")
    fonts = register_fonts()
    verb = "angemeldet" if data.registration is Registration.ANMELDUNG else "abgemeldet"
    c, out = new_canvas(issued, title=f"{data.title} {info.document_id}", office=office,
                        subject=f"Amtliche Meldebestätigung über die {data.registration} nach § 24 Abs. 2 BMG")
    y = letter_head(c, fonts, office, info, data.title,
                    f"Amtliche Meldebestätigung über die {data.registration} nach § 24 Abs. 2 BMG")
    y = draw_paragraph(c, fonts.regular, 10.5, y,
                       f"Die nachstehend bezeichnete Person hat sich bei der Meldebehörde der {office.name} "
                       f"mit folgenden Daten {verb}:") - 1 * mm
    y = draw_data_table(c, fonts, y, registration_rows(data)) - 6 * mm
    hint = ("Bitte bewahren Sie diese Bestätigung auf; sie wird Ihnen zum Beispiel von Ihrer Bank, "
            "Versicherung oder Ihrem Arbeitgeber als Nachweis der Anmeldung abverlangt."
            if data.registration is Registration.ANMELDUNG else
            "Bitte bewahren Sie diese Bestätigung auf; sie weist zum Beispiel gegenüber Rundfunkbeitrag, "
            "Krankenkasse oder Finanzamt nach, dass Sie nicht mehr in Deutschland gemeldet sind.")
    y = draw_paragraph(c, fonts.regular, 9.5, y, hint, color=GREY) - 2 * mm
    y = fee_line(c, fonts, y, info.fee_cents, info.payment_reference, "§ 24 Abs. 2 BMG") - 6 * mm
    y = closing(c, fonts, y, office, issued, NOTE)
    return finish(c, fonts, y, office, info, check_box(info, office, "diese Meldebestätigung"), out)
