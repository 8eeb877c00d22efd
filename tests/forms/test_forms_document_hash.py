"""The document hash the signature is bound to: stable across orderings and encodings, changed by any value."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from videoschalter.forms import canonical_json, document_hash, load_forms

FORM = load_forms()["anmeldung"]
FIELD_IDS = [f.id for f in FORM.fields if f.type.value != "signature"]

text = st.text(min_size=1, max_size=20).filter(lambda s: s.strip())
scalar = st.one_of(text, st.integers(-10**6, 10**6), st.booleans())
value = st.one_of(scalar, st.dictionaries(st.sampled_from(["street", "postcode", "town"]), text, min_size=1))
values_st = st.dictionaries(st.sampled_from(FIELD_IDS), value, min_size=1)


@given(values_st, st.randoms())
def test_hash_does_not_depend_on_key_order(values, rnd):
    items = list(values.items())
    rnd.shuffle(items)
    shuffled = {k: (dict(reversed(list(v.items()))) if isinstance(v, dict) else v) for k, v in items}
    assert document_hash(FORM, shuffled) == document_hash(FORM, values)


@given(values_st, st.data())
def test_any_value_change_changes_the_hash(values, data):
    field = data.draw(st.sampled_from(sorted(values)))
    new = data.draw(value.filter(lambda v: v != values[field] and unicodedata.normalize("NFC", str(v))
                                 != unicodedata.normalize("NFC", str(values[field]))))
    assert document_hash(FORM, {**values, field: new}) != document_hash(FORM, values)


@given(values_st, st.sampled_from(FIELD_IDS), value)
def test_adding_a_value_changes_the_hash(values, field, new):
    if field in values:
        return
    assert document_hash(FORM, {**values, field: new}) != document_hash(FORM, values)


def test_form_version_and_id_are_part_of_the_hash():
    values = {"surname": "Müller"}
    assert document_hash(dataclasses.replace(FORM, version=2), values) != document_hash(FORM, values)
    assert document_hash(dataclasses.replace(FORM, id="x"), values) != document_hash(FORM, values)


def test_same_meaning_same_hash():
    composed = {"surname": "Müller", "move_in_date": "2025-03-01", "email": None, "phone": ""}
    decomposed = {"surname": unicodedata.normalize("NFD", "Müller"), "move_in_date": dt.date(2025, 3, 1)}
    assert document_hash(FORM, composed) == document_hash(FORM, decomposed)


def test_signature_is_not_part_of_what_it_signs():
    values = {"surname": "Müller"}
    signed = {**values, "signature": {"document_hash": document_hash(FORM, values)}}
    assert document_hash(FORM, signed) == document_hash(FORM, values)


def test_known_hash_is_stable_across_releases():
    """Changing the canonical form invalidates stored signatures: bump HASH_FORMAT instead of changing this."""
    values = {"surname": "Müller", "given_names": "Erika", "new_address": {"town": "Freiburg", "postcode": "79098"}}
    assert canonical_json(FORM, values) == (
        '{"form":"anmeldung","form_version":1,"format":1,"values":{"given_names":"Erika",'
        '"new_address":{"postcode":"79098","town":"Freiburg"},"surname":"Müller"}}').encode()
    assert document_hash(FORM, values) == "047698696978dc1ee3281aa3c12a76a9da6b141fe72fd65ffafbe12455e501d0"
