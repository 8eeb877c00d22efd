"""Prefill from the MRZ: ISO dates, nationality codes, names in title case without guessed umlauts."""

from __future__ import annotations

import datetime as dt

from videoschalter.forms import load_forms, prefill
from videoschalter.forms.countries import nationality_label
from videoschalter.forms.prefill import title_case_mrz

FORMS = load_forms()
TODAY = dt.date(2025, 3, 14)
# As MrzResult.to_json_dict() gives it (the German specimen ID card).
READ = {"surname": "MUSTERMANN", "given_names": "ERIKA", "birth_date": "1964-08-12", "nationality": "D",
        "sex": "F", "document_number": "T22000129", "expiry_date": "2031-08-31"}


def test_reader_output_fills_identity_fields():
    got = prefill(FORMS["anmeldung"], READ, TODAY)
    assert {k: v.value for k, v in got.items()} == {
        "surname": "Mustermann", "given_names": "Erika", "birth_date": "1964-08-12", "sex": "F",
        "nationality": "DEU", "document_number": "T22000129", "document_valid_until": "2031-08-31"}
    assert {k for k, v in got.items() if v.needs_check} == {"surname", "given_names"}
    assert not any(v.needs_check for k, v in got.items() if k not in ("surname", "given_names"))


def test_raw_mrz_names_are_split_and_not_un_transliterated():
    got = prefill(FORMS["meldebescheinigung"], {"surname": "MUELLER<<ERIKA<MARIA"}, TODAY)
    assert got["surname"].value == "Mueller" and got["surname"].needs_check
    assert got["surname"].reason == "mrz_umlaut"
    assert got["given_names"].value == "Erika Maria" and got["given_names"].needs_check
    assert got["given_names"].reason == "mrz_name"


def test_title_case_does_not_guess():
    assert title_case_mrz("VON<DER<LEYEN") == "Von Der Leyen"
    assert title_case_mrz("GROSS  ") == "Gross"
    assert title_case_mrz("O<CONNOR") == "O Connor"


def test_two_digit_years_get_a_century_and_young_birth_dates_are_checked():
    got = prefill(FORMS["meldebescheinigung"], {"birth_date": "640812", "expiry_date": "310831"}, TODAY)
    assert got["birth_date"].value == "1964-08-12" and not got["birth_date"].needs_check
    assert got["document_valid_until"].value == "2031-08-31"
    child = prefill(FORMS["meldebescheinigung"], {"birth_date": "150101"}, TODAY)["birth_date"]
    assert child.value == "2015-01-01" and child.needs_check and child.reason == "mrz_century"
    unknown = prefill(FORMS["meldebescheinigung"], {"birth_date": "64<<<<"}, TODAY)["birth_date"]
    assert unknown.value is None and unknown.needs_check


def test_date_objects_become_iso_text():
    got = prefill(FORMS["meldebescheinigung"], {"birth_date": dt.date(1964, 8, 12)}, TODAY)
    assert got["birth_date"].value == "1964-08-12"


def test_sex_x_needs_check_because_it_may_be_divers_or_ohne_angabe():
    got = prefill(FORMS["anmeldung"], {"sex": "<"}, TODAY)["sex"]
    assert got.value == "X" and got.needs_check and got.reason == "mrz_sex"


def test_nationality_codes_and_labels_per_language():
    got = prefill(FORMS["anmeldung"], {"nationality": "D<<"}, TODAY)["nationality"]
    assert got.value == "DEU" and not got.needs_check
    assert nationality_label("D", "de") == "Deutschland"
    assert nationality_label("DEU", "en") == "Germany"
    assert nationality_label("DEU", "tr") == "Almanya"
    assert nationality_label("DEU", "ar") == "ألمانيا"
    assert nationality_label("DEU", "uk") == "Німеччина"
    assert nationality_label("DEU", "ru") == "Германия"
    assert nationality_label("XXA", "de") == "staatenlos"
    assert nationality_label("SYR", "ar") == "سوريا"
    odd = prefill(FORMS["anmeldung"], {"nationality": "GBD"}, TODAY)["nationality"]
    assert odd.value == "GBD" and odd.needs_check and odd.reason == "mrz_unknown"


def test_fields_without_a_source_in_the_read_are_left_out():
    assert set(prefill(FORMS["abmeldung"], {"surname": "MUSTERMANN"}, TODAY)) == {"surname"}
    assert "nationality" not in prefill(FORMS["abmeldung"], READ, TODAY)  # the Abmeldung asks for none
