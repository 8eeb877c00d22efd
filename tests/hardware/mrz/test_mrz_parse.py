"""ICAO 9303 parsing, check digits and check-digit-guarded correction."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hardware.mrz import correct_mrz, parse_mrz
from hardware.mrz.checkdigit import ALPHABET, char_value, check_digit
from hardware.mrz.correct import DIGIT_TO_LETTER, LETTER_TO_DIGIT
from hardware.mrz.layouts import allowed_chars, layout_for
from hardware.mrz.result import resolve_birth_date, resolve_expiry_date
from tests.mrzgen.identities import random_identity

TODAY = dt.date(2025, 6, 1)

# Specimens published by ICAO (Doc 9303) and the German Federal Ministry of the Interior.
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
DE_ID = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]


def test_check_digit_values() -> None:
    assert [char_value(c) for c in "09AZ<"] == [0, 9, 10, 35, 0]
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    with pytest.raises(ValueError):
        char_value("a")


def test_icao_td3_specimen() -> None:
    r = parse_mrz(TD3, TODAY)
    assert r is not None and r.type == "TD3"
    assert (r.document_code, r.document_number, r.issuing_state, r.nationality) == ("P", "L898902C3", "UTO", "UTO")
    assert (r.surname, r.given_names, r.sex) == ("ERIKSSON", "ANNA MARIA", "F")
    assert r.birth_date == dt.date(1974, 8, 12) and r.expiry_date == dt.date(2012, 4, 15)
    assert r.optional_data_1 == "ZE184226B"
    assert r.expired(TODAY) and not r.expired(dt.date(2012, 4, 15))


def test_icao_td1_td2_specimens() -> None:
    for lines, kind in ((TD1, "TD1"), (TD2, "TD2")):
        r = parse_mrz(lines, TODAY)
        assert r is not None and r.type == kind
        assert r.document_number == "D23145890" and r.surname == "ERIKSSON" and r.given_names == "ANNA MARIA"


def test_german_id_card_specimen() -> None:
    r = parse_mrz("\n".join(DE_ID), TODAY)
    assert r is not None
    assert (r.document_code, r.issuing_state, r.nationality, r.document_number) == ("ID", "D", "D", "T22000129")
    assert r.sex == "X" and r.birth_date == dt.date(1964, 8, 12) and r.expiry_date == dt.date(2020, 10, 31)
    d = r.to_json_dict()
    assert d["birth_date"] == "1964-08-12" and d["expiry_date"] == "2020-10-31" and d["mrz"] == DE_ID


def test_long_document_number_td1() -> None:
    # ICAO 9303-5: a number over 9 characters continues in the optional field, check digit after it.
    number = "D23145890123"
    l1 = "I<UTO" + number[:9] + "<" + number[9:] + check_digit(number)
    l1 = (l1 + "<" * 30)[:30]
    l2 = "7408122F1204159UTO<<<<<<<<<<<"
    l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    r = parse_mrz([l1, l2, TD1[2]], TODAY)
    assert r is not None and r.document_number == number and r.optional_data_1 == ""


def test_rejects_wrong_check_digits_and_syntax() -> None:
    bad = [TD3[0], TD3[1][:9] + "7" + TD3[1][10:]]  # document number check digit 6 -> 7
    assert parse_mrz(bad) is None and correct_mrz(bad) is None
    assert parse_mrz([TD3[0], TD3[1][:43] + "1"]) is None  # composite
    assert parse_mrz(TD3[:1]) is None  # half an MRZ
    assert parse_mrz([TD3[0][:40], TD3[1]]) is None
    assert parse_mrz(["P<ZZZERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3[1]]) is None  # unknown state
    assert parse_mrz(["P<UTOERIKSSON<<ANNA<<<MARIA<<<<<<<<<<<<<<<<<", TD3[1]]) is None  # broken name field


def test_date_resolution() -> None:
    assert resolve_birth_date("250531", TODAY) == dt.date(2025, 5, 31)
    assert resolve_birth_date("250602", TODAY) == dt.date(1925, 6, 2)
    assert resolve_expiry_date("450101", TODAY) == dt.date(2045, 1, 1)
    assert resolve_expiry_date("460101", TODAY) == dt.date(1946, 1, 1)
    assert resolve_expiry_date("990101", dt.date(2095, 1, 1)) == dt.date(2099, 1, 1)


def test_forced_corrections() -> None:
    r = correct_mrz([TD3[0], "L898902C36UT07408I22F12O4159ZE184226B<<<<<1O"], TODAY)  # O/0, I/1 swapped
    assert r is not None and r.mrz == TD3 and r.corrections == 4
    # German document numbers have no O, I, B, S: a read 'O' must be a zero
    de = ["IDD<<T22OOO1293<<<<<<<<<<<<<<<", DE_ID[1], DE_ID[2]]
    r = correct_mrz(de, TODAY)
    assert r is not None and r.document_number == "T22000129"
    # digits in a name are mapped back to letters only where the name would otherwise be impossible
    r = correct_mrz([DE_ID[0], DE_ID[1], "MUSTERMANN<<ER1KA<<<<<<<<<<<<<"], TODAY)
    assert r is not None and r.given_names == "ERIKA"


def _identity(seed: int, kind: str) -> list[str]:
    return list(random_identity(random.Random(seed), kind, TODAY).lines)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**31), kind=st.sampled_from(["TD1", "TD2", "TD3"]))
def test_generated_mrz_round_trips(seed: int, kind: str) -> None:
    ident = random_identity(random.Random(seed), kind, TODAY)
    r = parse_mrz(list(ident.lines), TODAY)
    assert r is not None
    assert r.mrz == list(ident.lines) and r.document_number == ident.document_number
    assert (r.birth_date, r.expiry_date, r.sex) == (ident.birth_date, ident.expiry_date, ident.sex)
    assert (r.surname, r.given_names) == (ident.surname, ident.given_names)
    assert correct_mrz(list(ident.lines), TODAY) == r


@settings(max_examples=400, deadline=None)
@given(seed=st.integers(0, 2**31), kind=st.sampled_from(["TD1", "TD2", "TD3"]), data=st.data())
def test_one_changed_protected_character_is_caught_or_corrected(seed: int, kind: str, data: st.DataObject) -> None:
    """A single wrong character under a check digit never yields a different valid identity.

    Excluded are swaps whose character values differ by a multiple of 10 inside an alphanumeric field: the
    7-3-1 check digit cannot see those (e.g. G/6 in a German document number), by design of ICAO 9303. The
    same holds after a forced correction (a read 'O' in a German number becomes '0', invisible if it was 'K').
    """
    lines = _identity(seed, kind)
    layout = layout_for(lines)
    assert layout is not None
    pos = data.draw(st.sampled_from(sorted(layout.protected)))
    flat = list("".join(lines))
    old = flat[pos]
    new = data.draw(st.sampled_from([c for c in ALPHABET if c != old]))
    digit_only = set(layout.allowed[pos]) <= set("0123456789<")
    effective = new
    if new not in allowed_chars(layout, lines)[pos]:
        effective = LETTER_TO_DIGIT.get(new) or DIGIT_TO_LETTER.get(new) or new
    assume(digit_only or (char_value(effective) - char_value(old)) % 10 != 0)
    flat[pos] = new
    text = "".join(flat)
    changed = [text[i * layout.length:(i + 1) * layout.length] for i in range(layout.lines)]
    truth = parse_mrz(lines, TODAY)
    assert truth is not None
    assert correct_mrz(changed, TODAY) is None or correct_mrz(changed, TODAY).identity() == truth.identity()
    if effective == new:  # strict parsing sees the character as read
        assert parse_mrz(changed, TODAY) is None or parse_mrz(changed, TODAY).identity() == truth.identity()
    else:
        assert parse_mrz(changed, TODAY) is None


@pytest.mark.parametrize("code", ["TD", "P<", "ID"])
def test_document_type_letter_must_fit_the_layout(code: str) -> None:
    # nothing checks the document code: only ICAO's letters for the layout are accepted (TD1: A, C, I)
    lines = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]
    lines[0] = code + lines[0][2:]
    r = parse_mrz(lines, today=TODAY)
    assert (r is not None) == (code == "ID")
