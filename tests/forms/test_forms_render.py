"""The localized view for the browser: language, direction, options, constraints, German fallbacks."""

from __future__ import annotations

import dataclasses
import json

from videoschalter.forms import load_forms, localized

FORMS = load_forms()


def test_arabic_is_right_to_left_and_translated():
    view = localized(FORMS["anmeldung"], "ar")
    assert view["dir"] == "rtl" and view["lang"] == "ar"
    assert view["title"] == "تسجيل السكن (Anmeldung)"
    assert all(localized(FORMS["anmeldung"], lang)["dir"] == "ltr" for lang in ("de", "en", "tr", "uk", "ru"))
    assert "fallback_de" not in json.dumps(view)


def test_view_is_json_ready_and_has_constraints_and_options():
    view = localized(FORMS["bewohnerparkausweis"], "uk")
    json.dumps(view)
    fields = {f["id"]: f for s in view["sections"] for f in s["fields"]}
    assert fields["license_plate"]["constraints"]["pattern"].startswith("^")
    assert fields["valid_from"]["constraints"] == {"min_date": "today", "max_date": "today+3m"}
    assert [o["value"] for o in fields["zone"]["options"]] == ["A", "B", "C"]
    assert fields["zone"]["options"][0]["label"] == "Зона A – Старе місто"
    assert fields["usage_proof"]["when"] == {"field": "holder", "in": ["other"]}
    assert fields["registration_certificate"]["accept"] == ["application/pdf", "image/jpeg", "image/png"]
    assert fields["surname"]["readonly_for_citizen"] is True and fields["surname"]["required"] is True
    parts = {p["id"]: p for p in fields["address"]["parts"]}
    assert parts["postcode"]["label"] == "Поштовий індекс" and "pattern" in parts["postcode"]


def test_nationality_and_foreign_country_lists_are_localized():
    view = localized(FORMS["anmeldung"], "tr")
    fields = {f["id"]: f for s in view["sections"] for f in s["fields"]}
    assert fields["nationality"]["options"][0] == {"value": "DEU", "label": "Almanya"}
    abroad_country = next(p for p in fields["previous_address_abroad"]["parts"] if p["id"] == "country")
    values = {o["value"] for o in abroad_country["options"]}
    assert "TR" in values and "DE" not in values


def test_missing_translation_falls_back_to_german_and_says_so():
    form = FORMS["meldebescheinigung"]
    title = {k: v for k, v in form.title.items() if k != "uk"}
    view = localized(dataclasses.replace(form, title=title), "uk")
    assert view["title"] == form.title["de"] and view["fallback_de"] == ["title"]
    # A language no form has yet (a town adding Persian) shows German texts, right to left.
    view = localized(form, "fa")
    assert view["dir"] == "rtl" and view["sections"][0]["fallback_de"] == ["title", "help"]
