"""From the shipped form definitions' values to the document records: which value lands where."""

from __future__ import annotations

import datetime as dt

import pytest

from videoschalter.certificates import from_form
from videoschalter.certificates.from_form import add_months, address_lines, document_data
from videoschalter.certificates.fuehrungszeugnis import ConductApplicationData
from videoschalter.certificates.kinds import KINDS, issue_button_label, kind_for_form
from videoschalter.certificates.meldebestaetigung import Registration, RegistrationData
from videoschalter.certificates.models import CertificateData, Dwelling, IssueInfo
from videoschalter.certificates.parkausweis import ParkingPermitData
from videoschalter.forms import load_forms
from videoschalter.forms.model import FormDefinition

from .conftest import BERLIN, DOCUMENT_ID, URL

INFO = IssueInfo(DOCUMENT_ID, URL, dt.datetime(2026, 11, 23, 0, 30, tzinfo=BERLIN), 0, "", "Anna Schmidt")
PERSON = {"surname": "MUSTERMANN", "given_names": "ERIKA", "birth_date": "1964-08-12", "nationality": "D",
          "document_number": "T22000129", "document_valid_until": "2031-10-31", "sex": "F"}
HOME = {"street": "Hauptstraße", "house_number": "5", "postcode": "12345", "town": "Teststadt"}
GERMAN = "deutsch"  # the MRZ code D, printed as on a real Meldebescheinigung
PARIS = {"street": "Rue de Rivoli", "house_number": "10", "postcode": "75001", "town": "Paris", "country": "FR"}


@pytest.fixture(scope="module")
def forms() -> dict[str, FormDefinition]:
    return load_forms()


def test_every_shipped_form_issues_a_document(forms: dict[str, FormDefinition]) -> None:
    assert set(forms) == set(KINDS) == set(from_form.BUILDERS)
    assert kind_for_form("bauberatung") is None and kind_for_form(None) is None
    assert issue_button_label("bewohnerparkausweis") == "Parkausweis ausstellen"
    assert issue_button_label("meldebescheinigung") == issue_button_label(None) == "Bescheinigung ausstellen"


def test_address_lines_domestic_and_abroad() -> None:
    assert address_lines({**HOME, "addition": "bei Müller"}) == ("Hauptstraße 5", "bei Müller", "12345 Teststadt")
    assert address_lines(PARIS) == ("Rue de Rivoli 10", "75001 Paris", "FRANKREICH")
    assert address_lines({"town": "Lima", "country": "PE"}) == ("Lima", "PERU")
    with pytest.raises(ValueError):
        address_lines(None)


def test_meldebescheinigung_as_before(forms: dict[str, FormDefinition]) -> None:
    values = {**PERSON, "current_address": HOME, "moved_in": "2019-04-01", "dwelling": "Hauptwohnung"}
    data = document_data(forms["meldebescheinigung"], values, {"nationality": "D"}, INFO)
    assert isinstance(data, CertificateData)
    assert (data.moved_in, data.dwelling, data.nationalities) == (dt.date(2019, 4, 1), Dwelling.MAIN, (GERMAN,))
    assert data.clerk == "Anna Schmidt" and data.issued_at == INFO.issued_at


def test_anmeldung_dwelling_and_no_previous_address(forms: dict[str, FormDefinition]) -> None:
    values = {**PERSON, "move_in_date": "2026-11-15", "new_address": HOME, "dwelling_type": "hauptwohnung",
              "previous_abroad": False, "previous_address": {**HOME, "street": "Alte Gasse"}, "previous_kept": False}
    data = document_data(forms["anmeldung"], values, {}, INFO)
    assert isinstance(data, RegistrationData)
    assert data.registration is Registration.ANMELDUNG and data.title == "Anmeldebestätigung"
    assert data.address == ("Hauptstraße 5", "12345 Teststadt")
    assert (data.moved_on, data.registered_on) == (dt.date(2026, 11, 15), dt.date(2026, 11, 23))  # Berlin's day
    assert data.dwelling is Dwelling.ONLY  # nothing else kept: the register says "alleinige Wohnung"
    assert data.other_address == ()  # § 24 Abs. 2 BMG: not on the Meldebestätigung
    kept = document_data(forms["anmeldung"], {**values, "previous_kept": True}, {}, INFO)
    assert kept.dwelling is Dwelling.MAIN  # type: ignore[union-attr]
    second = document_data(forms["anmeldung"], {**values, "dwelling_type": "nebenwohnung"}, {}, INFO)
    assert second.dwelling is Dwelling.SECONDARY  # type: ignore[union-attr]


def test_anmeldung_previous_address_behind_the_switch(forms: dict[str, FormDefinition],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(from_form, "PRINT_PREVIOUS_ADDRESS", True)
    values = {**PERSON, "move_in_date": "2026-11-15", "new_address": HOME, "dwelling_type": "hauptwohnung",
              "previous_abroad": True, "previous_address_abroad": PARIS}
    data = document_data(forms["anmeldung"], values, {}, INFO)
    assert data.other_address == ("Rue de Rivoli 10", "75001 Paris", "FRANKREICH")  # type: ignore[union-attr]
    assert data.other_address_label == "Bisherige Wohnung"  # type: ignore[union-attr]


def test_abmeldung_with_and_without_new_address(forms: dict[str, FormDefinition]) -> None:
    values = {**PERSON, "move_out_date": "2026-11-30", "old_address": HOME, "new_address_abroad": PARIS}
    data = document_data(forms["abmeldung"], values, {}, INFO)
    assert isinstance(data, RegistrationData) and data.registration is Registration.ABMELDUNG
    assert data.moved_on == dt.date(2026, 11, 30) and data.address == ("Hauptstraße 5", "12345 Teststadt")
    assert data.other_address[-1] == "FRANKREICH" and data.dwelling is None
    bare = document_data(forms["abmeldung"], {**values, "new_address_abroad": None}, {}, INFO)
    assert bare.other_address == () and bare.other_address_label == ""  # type: ignore[union-attr]


def test_parking_permit_zone_label_and_one_year(forms: dict[str, FormDefinition]) -> None:
    values = {**PERSON, "address": HOME, "zone": "B", "valid_from": "2026-12-01", "license_plate": " K-AB 123 ",
              "holder": "other"}
    data = document_data(forms["bewohnerparkausweis"], values, {}, INFO)
    assert isinstance(data, ParkingPermitData)
    assert (data.zone, data.zone_name, data.license_plate) == ("B", "Bahnhofsviertel", "K-AB 123")
    assert (data.valid_from, data.valid_until) == (dt.date(2026, 12, 1), dt.date(2027, 11, 30))
    assert data.holder_name == "ERIKA MUSTERMANN" and not data.vehicle_of_holder


def test_add_months_keeps_the_day_or_takes_the_last() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 2, 29), 12) == dt.date(2029, 2, 28)
    assert add_months(dt.date(2026, 12, 1), 12) == dt.date(2027, 12, 1)


@pytest.mark.parametrize(("kind", "delivery", "code", "recipient", "inspection"), [
    ("privat", "applicant", "N", "ERIKA MUSTERMANN", False),
    ("erweitert", "applicant", "NE", "ERIKA MUSTERMANN", False),
    ("behoerde", "authority", "O", "Landratsamt Musterkreis", False),
    ("behoerde", "authority_after_inspection", "O", "Landratsamt Musterkreis", True),
])
def test_fuehrungszeugnis_kind_code_and_recipient(forms: dict[str, FormDefinition], kind: str, delivery: str,
                                                  code: str, recipient: str, inspection: bool) -> None:
    values = {**PERSON, "birth_place": "Köln", "address": HOME, "certificate_type": kind, "delivery": delivery,
              "further_nationalities": "italienisch", "purpose": "Arbeitgeber"}
    if kind == "behoerde":
        values |= {"authority_name": "Landratsamt Musterkreis", "authority_address": {**HOME, "town": "Kreisstadt"},
                   "authority_reference": "32-4711"}
    data = document_data(forms["fuehrungszeugnis"], values, {}, INFO)
    assert isinstance(data, ConductApplicationData)
    assert data.document_type_code == code and data.delivery_to[0] == recipient
    assert data.inspection_first is inspection
    assert data.nationalities == (GERMAN, "italienisch")
    assert data.authority_reference == ("32-4711" if kind == "behoerde" else "")


def test_missing_required_value_is_an_error_not_a_blank(forms: dict[str, FormDefinition]) -> None:
    with pytest.raises(KeyError):
        document_data(forms["abmeldung"], {**PERSON, "old_address": HOME}, {}, INFO)
