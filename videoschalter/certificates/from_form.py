"""From a confirmed, signed form to the input record of the document it issues.

One function per form, all with the same arguments: the form definition (for the German labels of
choices), the form's values, the identity read from the ID card, and the ``IssueInfo`` (id, URL,
time in the office's zone, fee). Missing required values raise ``KeyError`` / ``ValueError``: the
form validation should have caught them, so issuing fails with a message instead of printing blanks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from videoschalter.certificates.fuehrungszeugnis import ConductApplicationData
from videoschalter.certificates.meldebestaetigung import Registration, RegistrationData
from videoschalter.certificates.models import CertificateData, Dwelling, IssueInfo
from videoschalter.certificates.parkausweis import ParkingPermitData
from videoschalter.forms.countries import country_name, nationality_label, normalize_nationality
from videoschalter.forms.model import FormDefinition

DocumentData = CertificateData | RegistrationData | ParkingPermitData | ConductApplicationData
Values = dict[str, Any]

# § 24 Abs. 2 Satz 2 BMG lists what a Meldebestätigung may contain ("darf nur … enthalten"): the
# Anschrift, not the previous one. Kept as a switch for a town whose registry prints it anyway.
PRINT_PREVIOUS_ADDRESS = False
# A Bewohnerparkausweis is issued for a year (the catalogue's fee is the yearly one).
PERMIT_MONTHS = 12
# Belegart in the Bundeszentralregister: N private, NE extended (§ 30a), O for an authority (§ 30 Abs. 5).
DOCUMENT_TYPE_CODES = {"privat": "N", "erweitert": "NE", "behoerde": "O"}
# The short names printed on the confirmation (the form's option labels explain more than fits a row).
CERTIFICATE_KINDS = {"privat": "Führungszeugnis für private Zwecke (§ 30 BZRG)",
                     "erweitert": "Erweitertes Führungszeugnis (§ 30a BZRG)",
                     "behoerde": "Behördenführungszeugnis (§ 30 Abs. 5 BZRG)"}


def address_lines(address: Any) -> tuple[str, ...]:
    """An address field's value as printed lines; the country (German name) last for one abroad."""
    if not isinstance(address, dict):
        raise ValueError("Anschrift fehlt")
    street = f"{address.get('street') or ''} {address.get('house_number') or ''}".strip()
    town = f"{address.get('postcode') or ''} {address.get('town') or ''}".strip()
    lines = [street, address.get("addition") or "", town]
    code = address.get("country")
    if isinstance(code, str) and code:
        lines.append((country_name(code, "de") or code).upper())
    return tuple(line for line in lines if line)


def option_label(form: FormDefinition, field_id: str, value: Any) -> str:
    """The German label of a chosen option (what the citizen confirmed), else the value itself."""
    for option in form.field(field_id).options:
        if option.value == value:
            return option.label["de"]
    return str(value)


def meldebescheinigung(form: FormDefinition, values: Values, identity: Values, info: IssueInfo) -> CertificateData:
    """The Meldebescheinigung's rows from the confirmed form and the ID card.

    ``moved_in`` / ``dwelling`` come from the form; until the Melderegister is connected a form
    without them prints the day of issue and "alleinige Wohnung".
    """
    address = values["current_address"]
    nationality = _nationality(identity.get("nationality"))
    moved_in = values.get("moved_in")
    return CertificateData(
        document_id=info.document_id, verification_url=info.verification_url, family_name=values["surname"],
        given_names=values["given_names"], birth_date=_date(values["birth_date"]),
        nationalities=(nationality,) if nationality else (),
        street=address.get("street", ""), house_number=address.get("house_number", ""),
        address_suffix=address.get("addition") or "", postal_code=address.get("postcode", ""),
        city=address.get("town", ""),
        moved_in=_date(moved_in) if isinstance(moved_in, str) else info.issued_at.date(),
        dwelling=Dwelling(values["dwelling"]) if values.get("dwelling") in set(Dwelling) else Dwelling.ONLY,
        issued_at=info.issued_at, fee_cents=info.fee_cents, payment_reference=info.payment_reference,
        clerk=info.clerk)


def anmeldung(form: FormDefinition, values: Values, identity: Values, info: IssueInfo) -> RegistrationData:
    """Anmeldebestätigung: the new dwelling, its kind, the move-in date.

    The form asks "Hauptwohnung (alleinige oder vorwiegend benutzte Wohnung)"; the register tells the
    two apart by whether another dwelling is kept, so a Hauptwohnung without a kept previous dwelling
    prints as "alleinige Wohnung".
    """
    if values["dwelling_type"] == "nebenwohnung":
        dwelling = Dwelling.SECONDARY
    else:
        dwelling = Dwelling.MAIN if values.get("previous_kept") is True else Dwelling.ONLY
    other: tuple[str, ...] = ()
    if PRINT_PREVIOUS_ADDRESS:
        previous = values.get("previous_address_abroad" if values.get("previous_abroad") else "previous_address")
        other = address_lines(previous) if previous else ()
    return RegistrationData(
        info=info, registration=Registration.ANMELDUNG, family_name=values["surname"],
        given_names=values["given_names"], birth_date=_date(values["birth_date"]),
        address=address_lines(values["new_address"]), moved_on=_date(values["move_in_date"]),
        registered_on=info.issued_at.date(), dwelling=dwelling, other_address=other,
        other_address_label="Bisherige Wohnung" if other else "")


def abmeldung(form: FormDefinition, values: Values, identity: Values, info: IssueInfo) -> RegistrationData:
    """Abmeldebestätigung: the dwelling given up, the move-out date, the new address abroad if given.

    For someone who leaves Germany the address abroad is their Anschrift now (§ 24 Abs. 2 Nr. 7).
    The form does not ask for the kind of the dwelling given up, so that row is left out unless a
    town adds a ``dwelling`` field.
    """
    abroad = values.get("new_address_abroad")
    other = address_lines(abroad) if abroad else ()
    dwelling = Dwelling(values["dwelling"]) if values.get("dwelling") in set(Dwelling) else None
    return RegistrationData(
        info=info, registration=Registration.ABMELDUNG, family_name=values["surname"],
        given_names=values["given_names"], birth_date=_date(values["birth_date"]),
        address=address_lines(values["old_address"]), moved_on=_date(values["move_out_date"]),
        registered_on=info.issued_at.date(), dwelling=dwelling, other_address=other,
        other_address_label="Neue Anschrift im Ausland" if other else "")


def bewohnerparkausweis(form: FormDefinition, values: Values, identity: Values,
                        info: IssueInfo) -> ParkingPermitData:
    """The permit for the zone and plate applied for, valid ``PERMIT_MONTHS`` from the day asked for."""
    zone = str(values["zone"])
    label = option_label(form, "zone", zone)
    valid_from = _date(values["valid_from"])
    return ParkingPermitData(
        info=info, zone=zone, zone_name=label.split(" – ", 1)[1] if " – " in label else "",
        license_plate=str(values["license_plate"]).strip(), valid_from=valid_from,
        valid_until=add_months(valid_from, PERMIT_MONTHS) - dt.timedelta(days=1),
        holder_name=f"{values['given_names']} {values['surname']}", address=address_lines(values["address"]),
        vehicle_of_holder=values.get("holder", "self") == "self")


def fuehrungszeugnis(form: FormDefinition, values: Values, identity: Values,
                     info: IssueInfo) -> ConductApplicationData:
    """The Antragsbestätigung: kind, purpose, to whom the BfJ sends the certificate."""
    kind = str(values["certificate_type"])
    nationalities = [n for n in (_nationality(values.get("nationality")),) if n]
    further = str(values.get("further_nationalities") or "").strip()
    if further:
        nationalities.append(further)
    address = address_lines(values["address"])
    delivery = str(values.get("delivery") or "applicant")
    authority = str(values.get("authority_name") or "").strip()
    if delivery.startswith("authority") and authority:
        recipient = (authority, *address_lines(values.get("authority_address")))
    else:
        recipient = (f"{values['given_names']} {values['surname']}", *address)
    return ConductApplicationData(
        info=info, family_name=values["surname"], given_names=values["given_names"],
        birth_date=_date(values["birth_date"]), birth_place=str(values["birth_place"]),
        nationalities=tuple(nationalities), address=address,
        certificate_kind=CERTIFICATE_KINDS.get(kind) or option_label(form, "certificate_type", kind),
        document_type_code=DOCUMENT_TYPE_CODES.get(kind, "N"), delivery_to=recipient,
        birth_name=str(values.get("birth_name") or ""), purpose=str(values.get("purpose") or ""),
        authority_reference=str(values.get("authority_reference") or "") if authority else "",
        inspection_first=delivery == "authority_after_inspection" and bool(authority))


BUILDERS: dict[str, Callable[[FormDefinition, Values, Values, IssueInfo], DocumentData]] = {
    "meldebescheinigung": meldebescheinigung,
    "anmeldung": anmeldung,
    "abmeldung": abmeldung,
    "bewohnerparkausweis": bewohnerparkausweis,
    "fuehrungszeugnis": fuehrungszeugnis,
}


def document_data(form: FormDefinition, values: Values, identity: Values, info: IssueInfo) -> DocumentData:
    """The input record of the form's document; KeyError for a form that issues nothing."""
    return BUILDERS[form.id](form, values, identity, info)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day where it has no such day (29 Feb → 28 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value))


def _nationality(code: Any) -> str | None:
    """German certificates print the nationality as an adjective ("deutsch"). CLDR has only state names, so
    other nationalities print as the state ("Italien"), which the registers' own printouts also do."""
    if not isinstance(code, str) or not code:
        return None
    if normalize_nationality(code) == "DEU":
        return "deutsch"
    return nationality_label(code, "de") or code
