"""HMAC over a canonical field list, and the timestamp/nonce replay guard."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from videoschalter.payments.signature import (
    MemorySeenStore,
    MissingField,
    ReplayError,
    ReplayGuard,
    canonical,
    pick,
    sign,
    verify,
)

SECRET = b"k" * 32
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
values = st.text(max_size=40)
field_maps = st.dictionaries(names, values, min_size=1, max_size=8)


class Clock:
    def __init__(self, t: float = 1_770_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_canonical_string_is_documented_form() -> None:
    fields = {"reference": "VS-1", "purpose": "Gebühr & Co|x=y", "amount": "500"}
    assert canonical(fields) == b"reference=VS-1&purpose=Geb%C3%BChr%20%26%20Co%7Cx%3Dy&amount=500"
    expected = hmac.new(SECRET, canonical(fields), hashlib.sha256).hexdigest()
    assert sign(fields, SECRET) == expected and len(expected) == 64


def test_separators_inside_values_cannot_shift_fields() -> None:
    assert canonical({"a": "1&b=2", "b": ""}) != canonical({"a": "1", "b": "2"})
    assert sign({"a": "x|y", "b": "z"}, SECRET) != sign({"a": "x", "b": "y|z"}, SECRET)


def test_order_is_part_of_the_signature() -> None:
    assert sign({"a": "1", "b": "2"}, SECRET) != sign({"b": "2", "a": "1"}, SECRET)


def test_pick_orders_and_requires_fields() -> None:
    assert list(pick({"b": "2", "a": "1", "extra": "x"}, ("a", "b"))) == ["a", "b"]
    with pytest.raises(MissingField, match="'c'"):
        pick({"a": "1"}, ("a", "c"))


@given(field_maps)
def test_round_trip(fields: dict[str, str]) -> None:
    signature = sign(fields, SECRET)
    assert verify(fields, signature, SECRET)
    assert verify(fields, signature.upper(), SECRET)
    assert not verify(fields, signature, b"x" * 32)


@given(field_maps, st.data())
def test_any_changed_field_value_is_refused(fields: dict[str, str], data: st.DataObject) -> None:
    signature = sign(fields, SECRET)
    name = data.draw(st.sampled_from(sorted(fields)))
    new_value = data.draw(values.filter(lambda v: v != fields[name]))
    assert not verify({**fields, name: new_value}, signature, SECRET)


@given(field_maps, st.data())
def test_any_renamed_or_dropped_field_is_refused(fields: dict[str, str], data: st.DataObject) -> None:
    signature = sign(fields, SECRET)
    name = data.draw(st.sampled_from(sorted(fields)))
    new_name = data.draw(names.filter(lambda n: n not in fields))
    renamed = {(new_name if k == name else k): v for k, v in fields.items()}
    assert not verify(renamed, signature, SECRET)
    dropped = {k: v for k, v in fields.items() if k != name}
    assert not verify(dropped, signature, SECRET)


@given(field_maps, st.integers(min_value=0, max_value=63), st.sampled_from("0123456789abcdef"))
def test_any_changed_signature_character_is_refused(fields: dict[str, str], pos: int, char: str) -> None:
    signature = sign(fields, SECRET)
    assume(signature[pos] != char)
    assert not verify(fields, signature[:pos] + char + signature[pos + 1:], SECRET)


@pytest.mark.parametrize("bad", ["", "zz", "ä" * 64, "0" * 64, "not hex at all"])
def test_garbage_signatures_are_refused(bad: str) -> None:
    assert not verify({"a": "1"}, bad, SECRET)


def test_replay_guard_accepts_a_fresh_nonce_once() -> None:
    clock = Clock()
    guard = ReplayGuard(MemorySeenStore(clock=clock), window_s=300, clock=clock)
    guard.check("hosted", "n1", str(int(clock.t)))
    with pytest.raises(ReplayError) as err:
        guard.check("hosted", "n1", str(int(clock.t) + 5))
    assert err.value.reason == "replay"
    guard.check("sandbox", "n1", str(int(clock.t)))  # nonces are per provider


@pytest.mark.parametrize(("offset", "ok"), [(-300, True), (300, True), (-301, False), (301, False), (-86400, False)])
def test_replay_guard_window(offset: int, ok: bool) -> None:
    clock = Clock()
    guard = ReplayGuard(MemorySeenStore(clock=clock), window_s=300, clock=clock)
    if ok:
        guard.check("p", "n", str(int(clock.t) + offset))
    else:
        with pytest.raises(ReplayError) as err:
            guard.check("p", "n", str(int(clock.t) + offset))
        assert err.value.reason == "stale"


@pytest.mark.parametrize("stamp", ["", "12.5", "-5", "1e9", "１２３", "0x10", "9" * 13])
def test_replay_guard_refuses_odd_timestamps(stamp: str) -> None:
    guard = ReplayGuard(MemorySeenStore(), window_s=300)
    with pytest.raises(ReplayError) as err:
        guard.check("p", "n", stamp)
    assert err.value.reason in ("bad_timestamp", "stale")


def test_stale_message_does_not_use_up_its_nonce() -> None:
    clock = Clock()
    guard = ReplayGuard(MemorySeenStore(clock=clock), window_s=300, clock=clock)
    with pytest.raises(ReplayError):
        guard.check("p", "n", str(int(clock.t) - 1000))
    guard.check("p", "n", str(int(clock.t)))


def test_seen_store_forgets_after_expiry_and_stays_small() -> None:
    clock = Clock(1000.0)
    seen = MemorySeenStore(clock=clock)
    assert seen.remember("a", 1100.0)
    assert not seen.remember("a", 1100.0)
    clock.t = 1101.0
    assert seen.remember("a", 1200.0)  # expired, so it may come again (the timestamp check refuses it anyway)
    for i in range(1500):
        seen.remember(f"k{i}", 1000.0)  # already expired
    clock.t = 1102.0
    seen.remember("last", 2000.0)
    assert len(seen._seen) < 1100
