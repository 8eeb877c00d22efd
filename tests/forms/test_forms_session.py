"""The shared form state of a video session: who may edit what, versions, signatures, confirmation."""

from __future__ import annotations

import datetime as dt

import pytest

from videoschalter.forms import EditRefused, FormSession, NotReady, StaleVersion, load_forms, prefill

FORMS = load_forms()
TODAY = dt.date(2025, 3, 14)
NOW = dt.datetime(2025, 3, 14, 10, 30, tzinfo=dt.UTC)
PDF = {"name": "fz.pdf", "media_type": "application/pdf", "size": 1000, "sha256": "cd" * 32}
HOME = {"street": "Marktplatz", "house_number": "1", "postcode": "79098", "town": "Freiburg im Breisgau"}
MRZ = {"surname": "MUSTERMANN", "given_names": "ERIKA", "birth_date": "1964-08-12", "document_number": "T22000129",
       "expiry_date": "2031-08-31"}


def filled_parking_session() -> FormSession:
    s = FormSession(FORMS["bewohnerparkausweis"])
    s.apply_prefill(prefill(s.form, MRZ, TODAY))
    s.mark_checked("surname")
    s.mark_checked("given_names")
    for field, value in (("address", HOME), ("zone", "A"), ("valid_from", "2025-04-01"),
                         ("license_plate", "FR-AB 1234"), ("holder", "self"), ("registration_certificate", PDF)):
        s.apply_edit(field, value, by="clerk")
    s.apply_edit("truthful", True, by="citizen")
    return s


def test_every_edit_bumps_the_version_and_an_unchanged_value_does_not():
    s = FormSession(FORMS["meldebescheinigung"])
    assert s.version == 0
    assert s.apply_edit("purpose", "Bank", by="citizen") == 1
    assert s.apply_edit("purpose", "Bank", by="citizen") == 1
    assert s.apply_edit("purpose", "Arbeitgeber", by="clerk") == 2
    assert s.apply_edit("purpose", "", by="clerk") == 3 and "purpose" not in s.values


def test_citizen_may_not_edit_readonly_fields_but_the_clerk_may():
    s = FormSession(FORMS["meldebescheinigung"])
    with pytest.raises(EditRefused) as info:
        s.apply_edit("surname", "Musterfrau", by="citizen")
    assert info.value.code == "readonly" and s.version == 0
    s.apply_edit("surname", "Musterfrau", by="clerk")
    assert s.values["surname"] == "Musterfrau"


@pytest.mark.parametrize("field, value, code", [
    ("nope", "x", "unknown_field"), ("signature", {"document_hash": "x"}, "signature_field"),
    ("truthful", "yes", "bad_value"), ("current_address", "Marktplatz 1", "bad_value"),
])
def test_refused_edits(field, value, code):
    s = FormSession(FORMS["meldebescheinigung"])
    with pytest.raises(EditRefused) as info:
        s.apply_edit(field, value, by="clerk")
    assert info.value.code == code and s.version == 0


def test_fields_that_do_not_apply_cannot_be_edited_and_lose_their_values():
    s = FormSession(FORMS["fuehrungszeugnis"])
    with pytest.raises(EditRefused, match="does not apply"):
        s.apply_edit("authority_name", "Landratsamt", by="clerk")
    s.apply_edit("certificate_type", "behoerde", by="citizen")
    s.apply_edit("authority_name", "Landratsamt", by="citizen")
    s.apply_edit("delivery", "authority", by="citizen")
    s.apply_edit("certificate_type", "erweitert", by="citizen")
    # Data minimisation: the authority is gone, and so is the delivery option only valid for authorities.
    assert "authority_name" not in s.values
    assert s.errors(TODAY)[0].field == "surname"
    assert any(e.field == "delivery" and e.code == "not_an_option" for e in s.errors(TODAY))


def test_confirmation_of_a_stale_version_is_refused():
    s = filled_parking_session()
    seen = s.version
    s.sign("signature", seen, "ee" * 32, NOW)
    s.apply_edit("zone", "B", by="clerk")  # the clerk changes something while the citizen reads
    with pytest.raises(StaleVersion) as info:
        s.confirm(seen, NOW)
    assert info.value.current == seen + 1 and not s.confirmed


def test_sign_and_confirm_the_current_version():
    s = filled_parking_session()
    with pytest.raises(NotReady) as info:
        s.confirm(s.version, NOW)
    assert [e.field for e in info.value.errors] == ["signature"]
    digest = s.sign("signature", s.version, "ee" * 32, NOW)
    assert s.confirm(s.version, NOW, TODAY) == digest == s.document_hash
    assert s.confirmed and s.confirmed_by_citizen_at == NOW
    snap = s.snapshot("citizen")
    assert snap["confirmed"] and snap["document_hash"] == digest and "needs_check" not in snap


def test_an_edit_after_confirmation_withdraws_confirmation_and_signature():
    s = filled_parking_session()
    s.sign("signature", s.version, "ee" * 32, NOW)
    s.confirm(s.version, NOW, TODAY)
    s.apply_edit("phone", "0761 201-0", by="citizen")
    assert not s.confirmed and s.confirmed_by_citizen_at is None and "signature" not in s.values
    with pytest.raises(NotReady):
        s.confirm(s.version, NOW, TODAY)


def test_signing_a_stale_version_or_by_the_clerk_is_refused():
    s = filled_parking_session()
    with pytest.raises(StaleVersion):
        s.sign("signature", s.version - 1, "ee" * 32, NOW)
    with pytest.raises(EditRefused) as info:
        s.sign("signature", s.version, "ee" * 32, NOW, by="clerk")
    assert info.value.code == "not_allowed"
    with pytest.raises(EditRefused):
        s.sign("zone", s.version, "ee" * 32, NOW)


def test_unchecked_mrz_values_block_confirmation_until_the_clerk_checks_them():
    s = FormSession(FORMS["bewohnerparkausweis"])
    s.apply_prefill(prefill(s.form, MRZ, TODAY))
    assert s.snapshot("clerk")["needs_check"] == {"surname": "mrz_name", "given_names": "mrz_name"}
    s.apply_edit("surname", "Mustermann", by="clerk")  # the clerk's edit counts as checked
    assert set(s.needs_check) == {"given_names"}
    with pytest.raises(NotReady) as info:
        s.confirm(s.version, NOW, TODAY)
    assert info.value.unchecked == ["given_names"]
    s.mark_checked("given_names")
    assert not s.needs_check


def test_prefill_is_one_version_step():
    s = FormSession(FORMS["meldebescheinigung"])
    assert s.apply_prefill(prefill(s.form, MRZ, TODAY)) == 1
    assert s.values["document_valid_until"] == "2031-08-31"
    assert s.apply_prefill(prefill(s.form, MRZ, TODAY)) == 1  # same read again: nothing changed
