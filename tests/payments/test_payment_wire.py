"""The notification wire format: bodies, required fields, and byte-level tampering."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videoschalter.payments import wire
from videoschalter.payments.model import PaymentState
from videoschalter.payments.providers import ForgedNotification
from videoschalter.payments.signature import MemorySeenStore, ReplayGuard, sign

SECRET = b"w" * 32
NOW = 1_770_000_000


def fields(**changes: str) -> dict[str, str]:
    values = {"merchant_id": "m-1", "transaction_id": "tx-9", "reference": "VS-1", "amount": "500",
              "currency": "EUR", "status": "paid", "timestamp": str(NOW), "nonce": "n-1", **changes}
    return wire.signed(wire.NOTIFICATION_FIELDS, values, SECRET)


def parse(data: dict[str, str], headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    guard = ReplayGuard(MemorySeenStore(clock=lambda: NOW), 300, clock=lambda: NOW)
    return wire.verify_notification(data, headers or {}, secret=SECRET, merchant_id="m-1", guard=guard,
                                    provider="hosted")


def test_valid_notification_decodes() -> None:
    note = parse(fields())
    assert (note.provider_ref, note.reference, note.amount_cents, note.currency, note.state, note.timestamp) == (
        "tx-9", "VS-1", 500, "EUR", PaymentState.PAID, NOW)


def test_form_and_json_bodies_mean_the_same() -> None:
    data = fields()
    form = wire.decode_body(urlencode(data).encode(), "application/x-www-form-urlencoded; charset=UTF-8")
    as_json = wire.decode_body(json.dumps({**data, "amount": 500, "timestamp": NOW}).encode(), "application/json")
    assert form == as_json == data


@pytest.mark.parametrize(("body", "ctype", "reason"), [
    (b"a=1&a=2", wire.FORM, "malformed"),
    (b'{"a": "1", "a": "2"}', wire.JSON, "malformed"),
    (b'{"a": {"b": "c"}}', wire.JSON, "malformed"),
    (b'{"a": true}', wire.JSON, "malformed"),
    (b'{"a": 1.5}', wire.JSON, "malformed"),
    (b'[["a", "1"]]', wire.JSON, "malformed"),
    (b'{"a": "\\ud800"}', wire.JSON, "malformed"),
    (b"{not json", wire.JSON, "malformed"),
    (b"a=%FF", wire.FORM, "malformed"),
    (b"\xff", wire.FORM, "malformed"),
    (b"a=1", "application/x-www-form-urlencoded; charset=latin-1", "malformed"),
    (b"a=1", "text/plain", "unsupported_content_type"),
    (b"a=" + b"x" * 20_000, wire.FORM, "too_large"),
])
def test_odd_bodies_are_refused(body: bytes, ctype: str, reason: str) -> None:
    with pytest.raises(ForgedNotification) as err:
        wire.decode_body(body, ctype)
    assert err.value.reason == reason


@pytest.mark.parametrize("name", wire.NOTIFICATION_FIELDS)
def test_every_field_is_required(name: str) -> None:
    data = fields()
    del data[name]
    with pytest.raises(ForgedNotification) as err:
        parse(data)
    assert err.value.reason == "missing_field"


def test_signature_may_come_in_a_header_but_must_come() -> None:
    data = fields()
    signature = data.pop("signature")
    assert parse(data, {"x-signature": signature}).state == PaymentState.PAID
    with pytest.raises(ForgedNotification, match="missing_signature"):
        parse(data)


@pytest.mark.parametrize(("changes", "reason"), [
    ({"merchant_id": "another-town"}, "wrong_merchant"),
    ({"status": "authorized"}, "unknown_status"),
    ({"amount": "5.00"}, "bad_amount"),
    ({"amount": "-500"}, "bad_amount"),
    ({"amount": "0500"}, "bad_amount"),
    ({"timestamp": str(NOW - 3600)}, "stale"),
    ({"timestamp": "soon"}, "bad_timestamp"),
    ({"nonce": ""}, "missing_field"),
])
def test_correctly_signed_but_unusable_is_refused(changes: dict[str, str], reason: str) -> None:
    with pytest.raises(ForgedNotification) as err:
        parse(fields(**changes))
    assert err.value.reason == reason


def test_unsigned_message_does_not_use_up_a_nonce() -> None:
    seen = MemorySeenStore(clock=lambda: NOW)
    guard = ReplayGuard(seen, 300, clock=lambda: NOW)
    bad = {**fields(), "signature": "0" * 64}
    with pytest.raises(ForgedNotification, match="bad_signature"):
        wire.verify_notification(bad, {}, secret=SECRET, merchant_id="m-1", guard=guard, provider="hosted")
    wire.verify_notification(fields(), {}, secret=SECRET, merchant_id="m-1", guard=guard, provider="hosted")


def test_extra_fields_are_ignored_not_trusted() -> None:
    data = {**fields(), "amount_override": "1", "status_text": "ok"}
    assert parse(data).amount_cents == 500


def test_signature_covers_exactly_the_documented_fields() -> None:
    data = fields()
    assert data["signature"] == sign({k: data[k] for k in wire.NOTIFICATION_FIELDS}, SECRET)


BODY = wire.notification_body(secret=SECRET, merchant_id="m-1", transaction_id="tx-9", reference="VS-1",
                              amount_cents=500, currency="EUR", status="paid", timestamp=NOW, nonce="n-1")


@given(st.integers(min_value=0, max_value=len(BODY) - 1), st.integers(min_value=0, max_value=255))
def test_any_changed_body_byte_is_refused_or_means_the_same(pos: int, byte: int) -> None:
    """One changed byte either breaks the message or is a no-op spelling (e.g. %2f for %2F, upper-case hex)."""
    original = parse(wire.decode_body(BODY, wire.FORM))
    tampered = BODY[:pos] + bytes([byte]) + BODY[pos + 1:]
    try:
        note = parse(wire.decode_body(tampered, wire.FORM))
    except ForgedNotification:
        return
    assert note == original
