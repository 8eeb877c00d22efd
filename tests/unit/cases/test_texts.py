"""Refusals keep their German template so the server can answer in the citizen's language."""

from __future__ import annotations

import re

import pytest

from videoschalter.cases.texts import ENGLISH, Refusal, render
from videoschalter.cases.uploads import UploadRefused


@pytest.mark.parametrize(("german", "english"), sorted(ENGLISH.items()))
def test_placeholders_survive_translation(german, english):
    assert set(re.findall(r"\{\w+\}", german)) == set(re.findall(r"\{\w+\}", english))
    assert german != english


def test_every_upload_refusal_has_english():
    for _status, template in UploadRefused.TEXTS.values():
        assert template in ENGLISH


def test_numbers_follow_the_language():
    template = "Die Datei ist zu groß ({size_mb} MB); erlaubt sind höchstens {limit_mb} MB."
    params = {"size_mb": 12.4, "limit_mb": 10.0}
    assert render(template, params, "de") == "Die Datei ist zu groß (12,4 MB); erlaubt sind höchstens 10 MB."
    assert render(template, params, "en") == "The file is too large (12.4 MB); at most 10 MB are allowed."
    # no translation yet: German sentence with German numbers
    assert render(template, params, "tr") == render(template, params, "de")


def test_refusal_is_a_value_error_with_code():
    err = Refusal("Die Nachricht ist leer.", "empty_chat")
    assert isinstance(err, ValueError) and err.code == "empty_chat" and str(err) == err.message
    assert err.localized("en") == "The message is empty."
    assert Refusal("Ein Satz ohne Übersetzung.").localized("en") == "Ein Satz ohne Übersetzung."
