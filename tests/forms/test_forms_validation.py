"""Validation of filled-in values: formats, relative dates, required fields, conditions, uploads, languages."""

from __future__ import annotations

import datetime as dt

import pytest

from videoschalter.forms import document_hash, load_forms, validate_values

FORMS = load_forms()
TODAY = dt.date(2025, 3, 14)
PDF = {"name": "wgb.pdf", "media_type": "application/pdf", "size": 120_000, "sha256": "ab" * 32}
HOME = {"street": "Marktplatz", "house_number": "1", "postcode": "79098", "town": "Freiburg im Breisgau"}


def codes(form_id, values, field=None, lang="de", today=TODAY):
    errors = validate_values(FORMS[form_id], values, today, lang)
    return [(e.field, e.part, e.code) for e in errors if field is None or e.field == field]


def complete_parking_values():
    return {
        "surname": "Müller", "given_names": "Erika", "birth_date": "1964-08-12", "document_number": "T22000129",
        "document_valid_until": "2031-08-31", "address": HOME, "zone": "A", "valid_from": "2025-04-01",
        "license_plate": "FR-AB 1234", "holder": "self", "registration_certificate": PDF, "truthful": True,
    }


def test_a_complete_form_is_valid_once_signed():
    values = complete_parking_values()
    assert codes("bewohnerparkausweis", values) == [("signature", None, "required")]
    values["signature"] = {"document_hash": document_hash(FORMS["bewohnerparkausweis"], values)}
    assert codes("bewohnerparkausweis", values) == []


def test_signature_of_another_version_is_stale():
    values = complete_parking_values()
    values["signature"] = {"document_hash": document_hash(FORMS["bewohnerparkausweis"], values)}
    values["zone"] = "B"
    assert codes("bewohnerparkausweis", values, "signature") == [("signature", None, "signature_stale")]


@pytest.mark.parametrize("postcode, ok", [("79098", True), ("01067", True), ("7909", False), ("790988", False),
                                          ("00123", False), ("D-79098", False), ("7909A", False)])
def test_german_postcode(postcode, ok):
    found = codes("meldebescheinigung", {"current_address": {**HOME, "postcode": postcode}}, "current_address")
    assert (found == []) is ok
    if not ok:
        assert found == [("current_address", "postcode", "invalid_postcode")]


@pytest.mark.parametrize("number, ok", [("1", True), ("12a", True), ("12 a", True), ("12-14", True),
                                        ("3/1", True), ("0", False), ("a12", False), ("", False)])
def test_house_number(number, ok):
    found = codes("meldebescheinigung", {"current_address": {**HOME, "house_number": number}}, "current_address")
    assert (found == []) is ok


def test_missing_address_parts_are_named():
    found = codes("meldebescheinigung", {"current_address": {"street": "Marktplatz"}}, "current_address")
    assert found == [("current_address", p, "required") for p in ("house_number", "postcode", "town")]


def test_address_abroad_needs_country_other_than_germany_but_no_german_postcode():
    base = {"town": "Wien", "postcode": "A-1010", "country": "AT"}
    assert codes("abmeldung", {"new_address_abroad": base}, "new_address_abroad") == []
    assert codes("abmeldung", {"new_address_abroad": {**base, "country": "DE"}}, "new_address_abroad") == [
        ("new_address_abroad", "country", "country_is_germany")]
    assert codes("abmeldung", {"new_address_abroad": {**base, "country": "QQ"}}, "new_address_abroad") == [
        ("new_address_abroad", "country", "unknown_country")]


@pytest.mark.parametrize("plate, ok", [
    ("B-AB 1234", True), ("M XY 12E", True), ("FR-A 1", True), ("LÖ-AB 99", True), ("ABC-DE 123", True),
    ("B-AB 1234H", True), ("B-AB1234", True),
    ("ABC-DE 1234", False),  # nine letters and digits
    ("B-AB 0123", False), ("b-ab 12", False), ("B-ABC 12", False), ("BABC 12", False), ("B-AB 12345", False),
    ("B-ÄB 12", False), ("", False),
])
def test_german_licence_plate(plate, ok):
    found = codes("bewohnerparkausweis", {"license_plate": plate}, "license_plate")
    assert (found == []) is ok, found


def test_plate_error_uses_the_definitions_own_message_in_each_language():
    for lang, fragment in (("de", "Großbuchstaben"), ("ar", "بالأحرف"), ("uk", "великими")):
        errors = [e for e in validate_values(FORMS["bewohnerparkausweis"], {"license_plate": "x"}, TODAY, lang)
                  if e.field == "license_plate"]
        assert errors[0].code == "pattern" and fragment in errors[0].message


def test_dates_not_in_the_future():
    assert codes("anmeldung", {"move_in_date": "2025-03-14"}, "move_in_date") == []
    assert codes("anmeldung", {"move_in_date": "2025-03-15"}, "move_in_date") == [
        ("move_in_date", None, "date_too_late")]
    [error] = [e for e in validate_values(FORMS["anmeldung"], {"move_in_date": "2025-03-15"}, TODAY, "en")
               if e.field == "move_in_date"]
    assert error.message == "The date must not be in the future."


def test_relative_date_limits_with_dates_in_the_message():
    # Abmeldung: at the earliest one week before moving out.
    assert codes("abmeldung", {"move_out_date": "2025-03-21"}, "move_out_date") == []
    errors = [e for e in validate_values(FORMS["abmeldung"], {"move_out_date": "2025-03-22"}, TODAY, "de")
              if e.field == "move_out_date"]
    assert errors[0].code == "date_too_late" and "21.03.2025" in errors[0].message
    # Birth date: not more than 130 years back; an expired ID is refused.
    assert codes("anmeldung", {"birth_date": "1890-01-01"}, "birth_date") == [("birth_date", None, "date_too_early")]
    assert codes("anmeldung", {"document_valid_until": "2025-03-13"}, "document_valid_until") == [
        ("document_valid_until", None, "date_too_early")]
    assert codes("anmeldung", {"document_valid_until": "2025-03-14"}, "document_valid_until") == []


@pytest.mark.parametrize("value", ["14.03.2025", "2025-02-30", "2025-3-1", 20250314])
def test_invalid_dates(value):
    assert codes("anmeldung", {"move_in_date": value}, "move_in_date") == [("move_in_date", None, "invalid_date")]


def test_required_fields_and_checkbox_and_upload_messages():
    found = codes("anmeldung", {})
    assert ("surname", None, "required") in found and ("landlord_confirmation", None, "required") in found
    assert ("truthful", None, "required") in found and ("email", None, "required") not in found
    by_field = {e.field: e.message for e in validate_values(FORMS["anmeldung"], {"truthful": False}, TODAY, "tr")}
    assert by_field["truthful"] == "Lütfen bunu onaylayın."
    assert by_field["landlord_confirmation"] == "Lütfen bu belgeyi yükleyin."


def test_upload_types_and_size():
    field = "landlord_confirmation"
    assert codes("anmeldung", {field: PDF}, field) == []
    assert codes("anmeldung", {field: [PDF, {**PDF, "media_type": "image/jpeg"}]}, field) == []
    word = {**PDF, "name": "wgb.docx", "media_type": "application/vnd.openxmlformats-officedocument"}
    errors = [e for e in validate_values(FORMS["anmeldung"], {field: word}, TODAY, "de") if e.field == field]
    assert errors[0].code == "upload_type" and "PDF, JPG, PNG" in errors[0].message
    assert codes("anmeldung", {field: {**PDF, "size": 11 * 1024 * 1024}}, field) == [
        (field, None, "upload_too_large")]
    assert codes("anmeldung", {field: "wgb.pdf"}, field) == [(field, None, "invalid_value")]


def test_conditional_fields_are_required_only_when_shown():
    assert ("main_residence_address", None, "required") not in codes("anmeldung", {"dwelling_type": "hauptwohnung"})
    assert ("main_residence_address", None, "required") in codes("anmeldung", {"dwelling_type": "nebenwohnung"})
    # An unticked checkbox counts as false: the domestic previous address is asked for.
    assert ("previous_address", None, "required") in codes("anmeldung", {})
    assert ("previous_address_abroad", None, "required") not in codes("anmeldung", {})
    abroad = codes("anmeldung", {"previous_abroad": True})
    assert ("previous_address_abroad", None, "required") in abroad
    assert ("previous_address", None, "required") not in abroad
    assert ("employer_request", None, "required") in codes("fuehrungszeugnis", {"certificate_type": "erweitert"})
    assert ("employer_request", None, "required") not in codes("fuehrungszeugnis", {"certificate_type": "privat"})


def test_options_offered_only_under_their_condition():
    found = codes("fuehrungszeugnis", {"certificate_type": "privat", "delivery": "authority"}, "delivery")
    assert found == [("delivery", None, "not_an_option")]
    assert codes("fuehrungszeugnis", {"certificate_type": "behoerde", "delivery": "authority"}, "delivery") == []
    assert codes("anmeldung", {"dwelling_type": "zweitwohnung"}, "dwelling_type") == [
        ("dwelling_type", None, "not_an_option")]


def test_email_phone_nationality():
    assert codes("anmeldung", {"email": "erika@example.org", "phone": "+49 761 201-0"}, "email") == []
    assert codes("anmeldung", {"phone": "+49 761 201-0"}, "phone") == []
    assert codes("anmeldung", {"email": "erika@example"}, "email") == [("email", None, "invalid_email")]
    assert codes("anmeldung", {"phone": "call me"}, "phone") == [("phone", None, "invalid_phone")]
    assert codes("anmeldung", {"phone": "0761 201-0"}, "phone") == []
    assert codes("anmeldung", {"nationality": "DEU"}, "nationality") == []
    assert codes("anmeldung", {"nationality": "XXA"}, "nationality") == []
    assert codes("anmeldung", {"nationality": "D"}, "nationality") == [("nationality", None, "not_an_option")]


def test_text_lengths():
    assert codes("meldebescheinigung", {"purpose": "x" * 201}, "purpose") == [("purpose", None, "too_long")]
    assert codes("meldebescheinigung", {"purpose": "   "}, "purpose") == []


def test_unknown_language_falls_back_to_german_messages():
    [error] = [e for e in validate_values(FORMS["anmeldung"], {}, TODAY, "fa") if e.field == "surname"]
    assert error.message == "Bitte füllen Sie dieses Feld aus."
