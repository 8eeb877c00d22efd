"""Broken definition files are refused with messages that name the file, the place and what is expected."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from videoschalter.forms import DEFAULT_FOLDER, FormDefinitionError, load_form, load_forms

MINIMAL = """
id = "{id}"
version = 1
services = ["anmeldung"]
title.de = "Test"

[[sections]]
id = "main"
title.de = "Abschnitt"

[[sections.fields]]
id = "name"
type = "text"
label.de = "Name"
{extra}
"""


def write(tmp_path, body, name="testform", **extra):
    text = MINIMAL.format(id=name, extra=textwrap.dedent(extra.get("extra", ""))) if body is None else body
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path):
    with pytest.raises(FormDefinitionError) as info:
        load_forms(tmp_path)
    return [str(p) for p in info.value.problems]


def test_minimal_definition_loads(tmp_path):
    write(tmp_path, None)
    form = load_forms(tmp_path)["testform"]
    assert form.field("name").label == {"de": "Name"}


def test_invalid_toml_names_the_file(tmp_path):
    write(tmp_path, 'id = "testform"\ntitle.de = "unclosed')
    [message] = problems(tmp_path)
    assert message.startswith("testform.toml: kein gültiges TOML")


def test_misspelt_key_is_an_error_with_suggestion(tmp_path):
    write(tmp_path, None, extra="requried = true")
    [message] = problems(tmp_path)
    assert "testform.toml" in message and "'name'" in message
    assert "unbekannter Schlüssel 'requried'" in message and "meinten Sie 'required'" in message


def test_missing_german_text(tmp_path):
    write(tmp_path, MINIMAL.format(id="testform", extra="").replace('label.de = "Name"', 'label.en = "Name"'))
    [message] = problems(tmp_path)
    assert "sections[0] 'main'.fields[0] 'name'.label" in message and "(de) fehlt" in message


def test_plain_string_instead_of_translations(tmp_path):
    write(tmp_path, MINIMAL.format(id="testform", extra="").replace('label.de = "Name"', 'label = "Name"'))
    [message] = problems(tmp_path)
    assert 'label.de = "Name"' in message


def test_unknown_type_lists_allowed_types(tmp_path):
    write(tmp_path, MINIMAL.format(id="testform", extra="").replace('type = "text"', 'type = "texte"'))
    [message] = problems(tmp_path)
    assert "unbekannter Typ 'texte'" in message and "textarea" in message


def test_id_must_match_file_name(tmp_path):
    write(tmp_path, MINIMAL.format(id="other", extra=""), name="testform")
    assert any("muss dem Dateinamen entsprechen" in m for m in problems(tmp_path))


def test_bad_regex_and_date_expression(tmp_path):
    write(tmp_path, None, extra="""
        [[sections.fields]]
        id = "plate"
        type = "text"
        label.de = "Kennzeichen"
        validation = { pattern = "^[A-Z" }

        [[sections.fields]]
        id = "day"
        type = "date"
        label.de = "Tag"
        validation = { max_date = "tomorrow" }
    """)
    found = problems(tmp_path)
    assert any("'plate'.validation.pattern" in m and "regulärer Ausdruck" in m for m in found)
    assert any("'day'.validation.max_date" in m and "'tomorrow'" in m for m in found)


def test_validation_key_that_does_not_fit_the_type(tmp_path):
    write(tmp_path, None, extra="""
        [[sections.fields]]
        id = "day"
        type = "date"
        label.de = "Tag"
        validation = { max_length = 3 }
    """)
    [message] = problems(tmp_path)
    assert "'day'.validation" in message and "max_length" in message


def test_condition_on_unknown_field_and_unknown_option(tmp_path):
    write(tmp_path, None, extra="""
        [[sections.fields]]
        id = "kind"
        type = "select"
        label.de = "Art"
        [[sections.fields.options]]
        value = "a"
        label.de = "A"
        [[sections.fields.options]]
        value = "b"
        label.de = "B"

        [[sections.fields]]
        id = "extra"
        type = "text"
        label.de = "Extra"
        when = { field = "kind", equals = "c" }

        [[sections.fields]]
        id = "other"
        type = "text"
        label.de = "Anderes"
        when = { field = "nope", equals = "a" }
    """)
    found = problems(tmp_path)
    assert any("Feld 'extra'.when" in m and "'c' ist keine Option von 'kind'" in m for m in found)
    assert any("Feld 'other'.when" in m and "unbekanntes Feld 'nope'" in m for m in found)


def test_upload_needs_accepted_types_and_select_needs_options(tmp_path):
    write(tmp_path, None, extra="""
        [[sections.fields]]
        id = "doc"
        type = "upload"
        label.de = "Dokument"

        [[sections.fields]]
        id = "choice"
        type = "select"
        label.de = "Wahl"
    """)
    found = problems(tmp_path)
    assert any("'doc'.accept" in m for m in found)
    assert any("'choice'.options" in m and "mindestens zwei" in m for m in found)


def test_prefill_source_must_exist_and_fit_the_type(tmp_path):
    write(tmp_path, None, extra="""
        [[sections.fields]]
        id = "born"
        type = "text"
        label.de = "Geboren"
        prefill = "mrz.birth_date"

        [[sections.fields]]
        id = "shoe"
        type = "text"
        label.de = "Schuhgröße"
        prefill = "mrz.shoe_size"
    """)
    found = problems(tmp_path)
    assert any("'born'.prefill" in m and "type = date" in m for m in found)
    assert any("'shoe'.prefill" in m and "unbekannte Quelle" in m for m in found)


def test_duplicate_field_ids_and_wrong_version(tmp_path):
    write(tmp_path, MINIMAL.format(id="testform", extra="""
[[sections.fields]]
id = "name"
type = "text"
label.de = "Noch ein Name"
""").replace("version = 1", 'version = "1"'))
    found = problems(tmp_path)
    assert any("Feld 'name'" in m and "doppelt" in m for m in found)
    assert any(m.startswith("testform.toml: version:") for m in found)


def test_all_problems_of_all_files_come_at_once(tmp_path):
    for name in ("a", "b"):
        write(tmp_path, MINIMAL.format(id=name, extra="requried = true"), name=name)
    found = problems(tmp_path)
    assert [m.split(":")[0] for m in found] == ["a.toml", "b.toml"]
    with pytest.raises(FormDefinitionError, match="Fehler in Formulardefinitionen"):
        load_forms(tmp_path)


def test_a_town_copy_of_a_shipped_form_with_a_typo_is_refused(tmp_path):
    target = tmp_path / "anmeldung.toml"
    shutil.copy(DEFAULT_FOLDER / "anmeldung.toml", target)
    target.write_text(target.read_text("utf-8").replace('type = "upload"', 'type = "uplod"'), "utf-8")
    with pytest.raises(FormDefinitionError, match=r"anmeldung\.toml: .*'landlord_confirmation'\.type"):
        load_form(target)
