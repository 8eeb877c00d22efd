"""The documents besides the Meldebescheinigung: rendered, signed, validated, and carrying the form's data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from videoschalter.certificates.from_form import DocumentData
from videoschalter.certificates.fuehrungszeugnis import ConductApplicationData
from videoschalter.certificates.issuing import render_and_sign, render_document
from videoschalter.certificates.meldebestaetigung import Registration, RegistrationData
from videoschalter.certificates.models import Dwelling, IssueInfo, Office
from videoschalter.certificates.page import LayoutError
from videoschalter.certificates.parkausweis import ParkingPermitData
from videoschalter.certificates.signing import OfficeSigner
from videoschalter.certificates.test_ca import TestPki
from videoschalter.certificates.verify import verify_pdf
from videoschalter.certificates.view import verification_view

from .conftest import BERLIN, DOCUMENT_ID, URL, qr_of_pdf

Text = Callable[[bytes], str]
INFO = IssueInfo(DOCUMENT_ID, URL, dt.datetime(2026, 11, 23, 14, 5, tzinfo=BERLIN), clerk="Frau Weiß")
HOME = ("Große Straße 12a", "12345 Musterstadt")

ANMELDUNG = RegistrationData(INFO, Registration.ANMELDUNG, "Kowalenko", "Olena Мирослава", dt.date(1988, 3, 14),
                             HOME, dt.date(2026, 11, 15), dt.date(2026, 11, 23), Dwelling.ONLY)
ABMELDUNG = RegistrationData(INFO, Registration.ABMELDUNG, "Kowalenko", "Olena", dt.date(1988, 3, 14), HOME,
                             dt.date(2026, 11, 30), dt.date(2026, 11, 23),
                             other_address=("Rue de Rivoli 10", "75001 Paris", "FRANKREICH"),
                             other_address_label="Neue Anschrift im Ausland")
PARKING = ParkingPermitData(dataclasses.replace(INFO, fee_cents=3000, payment_reference="PAY-2026-000815"), "B",
                            "Bahnhofsviertel", "B-AB 1234", dt.date(2026, 12, 1), dt.date(2027, 11, 30),
                            "Olena Kowalenko", HOME)
CONDUCT = ConductApplicationData(
    dataclasses.replace(INFO, fee_cents=1300, payment_reference="PAY-2026-000816"), "Kowalenko", "Olena",
    dt.date(1988, 3, 14), "Charkiw", ("ukrainisch",), HOME, "Behördenführungszeugnis (§ 30 Abs. 5 BZRG)", "O",
    ("Landratsamt Musterkreis – Ordnungsamt", "Kreisstraße 1", "12346 Musterhausen"), birth_name="Шевченко",
    purpose="Gaststättenerlaubnis", authority_reference="32.1-4711/26", inspection_first=True)

# what each document must show: the form's data, its title and legal basis, the check URL
EXPECTED: dict[str, tuple[DocumentData, str, tuple[str, ...]]] = {
    "anmeldung": (ANMELDUNG, "Anmeldebestätigung", (
        "Anmeldebestätigung", "§ 24 Abs. 2 BMG", "Kowalenko", "Olena Мирослава", "14.03.1988", "Große Straße 12a",
        "12345 Musterstadt", "alleinige Wohnung", "Einzugsdatum", "15.11.2026", "Datum der Anmeldung",
        "23.11.2026", "gebührenfrei", "ohne Unterschrift gültig", DOCUMENT_ID, URL)),
    "abmeldung": (ABMELDUNG, "Abmeldebestätigung", (
        "Abmeldebestätigung", "§ 24 Abs. 2 BMG", "Auszugsdatum", "30.11.2026", "Datum der Abmeldung",
        "Abgemeldete Wohnung", "Große Straße 12a", "Neue Anschrift im Ausland", "Rue de Rivoli 10", "75001 Paris",
        "FRANKREICH", DOCUMENT_ID, URL)),
    "parking": (PARKING, "Bewohnerparkausweis", (
        "Bewohnerparkausweis", "ZONE", "Bahnhofsviertel", "B-AB 1234", "Gültig bis", "30.11.2027",
        "gültig ab 01.12.2026", "§ 45 Abs. 1b Satz 1 Nr. 2a StVO", "Windschutzscheibe", "ausschneiden",
        "Olena Kowalenko", "Zone B – Bahnhofsviertel", "30,00 EUR", "PAY-2026-000815", "Stadt Musterstadt",
        DOCUMENT_ID, URL)),
    "conduct": (CONDUCT, "Antragsbestätigung Führungszeugnis", (
        "Antragsbestätigung", "§ 30 Bundeszentralregistergesetz", "Kowalenko, geb. Шевченко", "14.03.1988, Charkiw",
        "ukrainisch", "Behördenführungszeugnis", "Art (Belegart O)", "Gaststättenerlaubnis",
        "Landratsamt Musterkreis – Ordnungsamt", "12346 Musterhausen", "Einsicht beim Amtsgericht", "32.1-4711/26",
        "Bundesamt für Justiz", "kein Führungszeugnis", "13,00 EUR", "PAY-2026-000816", DOCUMENT_ID, URL)),
}


@pytest.mark.parametrize("name", EXPECTED)
def test_document_is_signed_valid_and_shows_the_data(name: str, office: Office, signer: OfficeSigner, pki: TestPki,
                                                     pdf_text: Text) -> None:
    data, reason, expected = EXPECTED[name]
    signed = render_and_sign(data, office, signer)
    result = verify_pdf(signed, [pki.ca_cert])  # pyHanko's validator against the TEST CA
    assert result.ok, result.problem
    assert result.covers_whole_file
    reader = PdfFileReader(io.BytesIO(signed))
    assert reader.root["/Pages"]["/Count"] == 1
    assert [round(float(v)) for v in reader.root["/Pages"]["/Kids"][0]["/MediaBox"]] == [0, 0, 595, 842]
    assert reader.embedded_signatures[0].sig_object["/Reason"] == reason
    assert "/DocMDP" in reader.root["/Perms"]
    text = pdf_text(signed)
    for item in expected:
        assert item in text, item


@pytest.mark.parametrize("name", EXPECTED)
def test_qr_code_decodes_to_the_check_url(name: str, office: Office, tmp_path: Path) -> None:
    assert qr_of_pdf(render_document(EXPECTED[name][0], office), tmp_path) == URL


@pytest.mark.parametrize("name", EXPECTED)
def test_same_input_gives_same_bytes(name: str, office: Office) -> None:
    data = EXPECTED[name][0]
    first = render_document(data, office)
    assert render_document(data, office) == first
    other = dataclasses.replace(data, info=dataclasses.replace(data.info, document_id="VS-2026-AAAA-BBBB"))
    assert render_document(other, office) != first


def test_meldebestaetigung_keeps_to_the_closed_list_of_the_bmg(office: Office, pdf_text: Text) -> None:
    """§ 24 Abs. 2 BMG: only name, Doktorgrad, birth date, dates, address, kind of dwelling."""
    text = pdf_text(render_document(ANMELDUNG, office))
    for absent in ("Staatsangehörigkeit", "Geburtsort", "Bisherige Wohnung", "Geburtsname"):
        assert absent not in text
    with_doctor = dataclasses.replace(ANMELDUNG, doctor="Dr.", dwelling=Dwelling.SECONDARY,
                                      other_address=("Alte Gasse 1", "54321 Altstadt"),
                                      other_address_label="Bisherige Wohnung")
    text = pdf_text(render_document(with_doctor, office))
    assert "Doktorgrad" in text and "Nebenwohnung" in text and "Bisherige Wohnung" in text
    assert "Art der Wohnung" not in pdf_text(render_document(ABMELDUNG, office))  # not asked by the form


def test_parking_card_has_no_name_and_the_holder_part_has(office: Office, tmp_path: Path) -> None:
    """The card lies in plain view: the name must be below the cut line only."""
    path = tmp_path / "permit.pdf"
    path.write_bytes(render_document(PARKING, office))
    card = subprocess.run(["pdftotext", "-y", "0", "-H", "360", "-W", "595", str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=30).stdout  # the top ~125 mm
    assert "B-AB 1234" in card and "30.11.2027" in card and "Bewohnerparkausweis" in card
    assert "Kowalenko" not in card and "Große Straße" not in card
    other = dataclasses.replace(PARKING, vehicle_of_holder=False)
    path.write_bytes(render_document(other, office))
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "Fahrzeughalter/in" in text


def test_parking_validity_must_not_end_before_it_starts(office: Office) -> None:
    with pytest.raises(ValueError, match="Gültig bis"):
        render_document(dataclasses.replace(PARKING, valid_until=dt.date(2026, 11, 1)), office)


@pytest.mark.parametrize("name", EXPECTED)
def test_data_that_would_overflow_the_page_is_refused(name: str, office: Office) -> None:
    data = EXPECTED[name][0]
    long_lines = tuple(f"Zeile {i} einer sehr langen Anschrift" for i in range(40))
    field = {"anmeldung": "address", "abmeldung": "address", "parking": "address", "conduct": "delivery_to"}[name]
    with pytest.raises(LayoutError):
        render_document(dataclasses.replace(data, **{field: long_lines}), office)


def test_check_page_names_every_new_kind() -> None:
    from videoschalter.certificates.kinds import KINDS
    from videoschalter.certificates.registry import KINDS as REGISTRY_KINDS
    from videoschalter.certificates.registry import IssuedDocument

    for kind in KINDS.values():
        assert kind.kind in REGISTRY_KINDS
        doc = IssuedDocument(DOCUMENT_ID, "0" * 64, INFO.issued_at, kind=kind.kind)
        for lang in ("de", "en"):
            assert verification_view(doc, lang)["kind_label"] != kind.kind
