"""The shipped definitions load, are complete in all six languages and belong to services that exist."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from videoschalter.forms import (
    LANGUAGES,
    FieldType,
    engine_translation_gaps,
    load_forms,
    translation_gaps,
)

SHIPPED = {"meldebescheinigung", "anmeldung", "abmeldung", "fuehrungszeugnis", "bewohnerparkausweis"}
FORMS = load_forms()


def test_all_shipped_definitions_load():
    assert set(FORMS) == SHIPPED
    for form in FORMS.values():
        assert form.version >= 1
        assert form.sections and all(s.fields for s in form.sections)


@pytest.mark.parametrize("form_id", sorted(SHIPPED))
def test_every_text_is_in_all_six_languages(form_id):
    gaps = translation_gaps(FORMS[form_id])
    assert not gaps, "\n".join(f"{g.where} [{g.lang}]" for g in gaps)


def test_engine_texts_are_in_all_six_languages():
    assert LANGUAGES == ("de", "en", "tr", "ar", "uk", "ru")
    assert not engine_translation_gaps()


def test_translations_are_not_copies_of_german():
    """Catches placeholder translations: a label may equal German only if it is a name or code."""
    copies = []
    for form in FORMS.values():
        for f in form.fields:
            for lang in ("tr", "ar", "uk", "ru"):
                if f.label[lang] == f.label["de"]:
                    copies.append((form.id, f.id, lang))
    assert not copies


def test_arabic_and_cyrillic_texts_are_in_native_script():
    for form in FORMS.values():
        for f in form.fields:
            assert any("\u0600" <= ch <= "\u06ff" for ch in f.label["ar"]), (form.id, f.id)
            for lang in ("uk", "ru"):
                assert any("\u0400" <= ch <= "\u04ff" for ch in f.label[lang]), (form.id, f.id, lang)


def test_services_of_forms_exist_in_default_config():
    config = tomllib.loads((Path(__file__).parents[2] / "videoschalter" / "default_config.toml").read_text("utf-8"))
    service_ids = {s["id"] for s in config["services"]}
    for form in FORMS.values():
        assert set(form.services) <= service_ids, form.id


def test_each_form_ends_with_citizens_signature_and_has_mrz_identity():
    for form in FORMS.values():
        signatures = [f for f in form.fields if f.type is FieldType.SIGNATURE]
        assert len(signatures) == 1 and signatures[0].required
        sources = {f.prefill for f in form.fields}
        assert {"mrz.surname", "mrz.given_names", "mrz.birth_date"} <= sources
        for f in form.fields:
            if f.prefill:
                assert f.readonly_for_citizen, (form.id, f.id)


def test_required_uploads_from_the_brief():
    anmeldung = FORMS["anmeldung"].field("landlord_confirmation")
    assert anmeldung.type is FieldType.UPLOAD and anmeldung.required and "application/pdf" in anmeldung.accept
    request = FORMS["fuehrungszeugnis"].field("employer_request")
    assert request.required and request.when is not None and request.when.values == ("erweitert",)
    assert FORMS["bewohnerparkausweis"].field("registration_certificate").required
