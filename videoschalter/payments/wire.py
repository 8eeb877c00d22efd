"""The hosted-page wire format (docs/payments.md), shared by both providers and by test fakes.

The sandbox speaks exactly this format to our own server, so the path a real
platform's callback takes is the path the demo exercises every day.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from videoschalter.payments.model import PaymentState
from videoschalter.payments.providers import ForgedNotification, Notification
from videoschalter.payments.signature import MissingField, ReplayError, ReplayGuard, pick, sign, verify

# Signed fields, in signing order. Extra fields may be present; they are neither signed nor used.
CREATE_FIELDS = ("merchant_id", "reference", "amount", "currency", "purpose", "return_url", "notify_url",
                 "timestamp", "nonce")
CREATE_RESPONSE_FIELDS = ("merchant_id", "reference", "nonce", "transaction_id", "redirect_url")
NOTIFICATION_FIELDS = ("merchant_id", "transaction_id", "reference", "amount", "currency", "status",
                       "timestamp", "nonce")
SIGNATURE_FIELD = "signature"
SIGNATURE_HEADER = "X-Signature"  # for platforms that cannot put the signature into the body

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_BODY_BYTES = 16 * 1024

WIRE_STATUS: dict[str, PaymentState] = {
    "pending": PaymentState.PENDING,
    "paid": PaymentState.PAID,
    "failed": PaymentState.FAILED,
    "cancelled": PaymentState.CANCELLED,
    "refunded": PaymentState.REFUNDED,
}
_AMOUNT = re.compile(r"0|[1-9][0-9]{0,9}")  # whole cents, no sign, no leading zeros, no decimals


def decode_body(body: bytes, content_type: str) -> dict[str, str]:
    """Form or JSON body → flat ``name → text``; refuses duplicates, nesting and non-UTF-8."""
    if len(body) > MAX_BODY_BYTES:
        raise ForgedNotification("too_large", f"body has {len(body)} bytes, at most {MAX_BODY_BYTES} are accepted")
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    for param in params.split(";"):
        key, _, charset = param.strip().lower().partition("=")
        if key == "charset" and charset.strip('"') not in ("utf-8", "utf8"):
            raise ForgedNotification("malformed", f"charset {charset!r}; only UTF-8 is accepted")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ForgedNotification("malformed", "body is not UTF-8") from exc
    if media == FORM:
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ForgedNotification("malformed", "form body cannot be parsed") from exc
    elif media == JSON:
        try:
            obj = json.loads(text, object_pairs_hook=_no_duplicates)
        except (ValueError, RecursionError) as exc:
            raise ForgedNotification("malformed", f"JSON body cannot be parsed: {exc}") from exc
        if not isinstance(obj, _Pairs):
            raise ForgedNotification("malformed", "JSON body must be one object")
        pairs = [(k, _json_scalar(k, v)) for k, v in obj]
    else:
        raise ForgedNotification("unsupported_content_type", f"content type {media!r} is not accepted")
    data: dict[str, str] = {}
    for name, value in pairs:
        if name in data:
            raise ForgedNotification("malformed", f"field {name!r} appears twice")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ForgedNotification("malformed", f"field {name!r} is not valid Unicode") from exc
        data[name] = value
    return data


class _Pairs(list[tuple[str, Any]]):
    """A JSON object kept as its list of pairs, so a duplicate name is seen instead of silently overwritten."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> _Pairs:
    return _Pairs(pairs)


def _json_scalar(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ForgedNotification("malformed", f"field {name!r} must be a string or an integer")


def signature_of(data: Mapping[str, str], headers: Mapping[str, str]) -> str:
    """The signature from the body, or else from the ``X-Signature`` header (case-insensitive)."""
    if SIGNATURE_FIELD in data:
        return data[SIGNATURE_FIELD]
    for key, value in headers.items():
        if key.lower() == SIGNATURE_HEADER.lower():
            return value
    raise ForgedNotification("missing_signature", "no signature in the body or the X-Signature header")


def verify_notification(
    data: Mapping[str, str],
    headers: Mapping[str, str],
    *,
    secret: bytes,
    merchant_id: str,
    guard: ReplayGuard,
    provider: str,
) -> Notification:
    """Signature first, then content, then replay: an unsigned message must not use up a nonce."""
    try:
        fields = pick(data, NOTIFICATION_FIELDS)
    except MissingField as exc:
        raise ForgedNotification("missing_field", str(exc)) from exc
    for name in ("transaction_id", "reference", "nonce"):
        if not fields[name]:
            raise ForgedNotification("missing_field", f"field {name!r} is empty")
    if not verify(fields, signature_of(data, headers), secret):
        raise ForgedNotification("bad_signature", "signature does not match the fields")
    if fields["merchant_id"] != merchant_id:
        raise ForgedNotification("wrong_merchant", f"merchant_id {fields['merchant_id']!r} is not ours")
    state = WIRE_STATUS.get(fields["status"])
    if state is None:
        raise ForgedNotification("unknown_status", f"status {fields['status']!r} is not known")
    if not _AMOUNT.fullmatch(fields["amount"]):
        raise ForgedNotification("bad_amount", f"amount {fields['amount']!r} is not whole cents")
    try:
        guard.check(provider, fields["nonce"], fields["timestamp"])
    except ReplayError as exc:
        raise ForgedNotification(exc.reason, str(exc)) from exc
    return Notification(
        provider=provider,
        provider_ref=fields["transaction_id"],
        reference=fields["reference"],
        amount_cents=int(fields["amount"]),
        currency=fields["currency"],
        state=state,
        timestamp=int(fields["timestamp"]),
    )


def signed(names: tuple[str, ...], values: Mapping[str, str], secret: bytes) -> dict[str, str]:
    """``values`` in signing order plus their signature – what a sender puts on the wire."""
    fields = pick(values, names)
    return {**fields, SIGNATURE_FIELD: sign(fields, secret)}


def notification_body(
    *,
    secret: bytes,
    merchant_id: str,
    transaction_id: str,
    reference: str,
    amount_cents: int,
    currency: str,
    status: str,
    timestamp: int,
    nonce: str,
) -> bytes:
    """A signed, form-encoded notification as a platform (or the sandbox) sends it."""
    values = {"merchant_id": merchant_id, "transaction_id": transaction_id, "reference": reference,
              "amount": str(amount_cents), "currency": currency, "status": status,
              "timestamp": str(timestamp), "nonce": nonce}
    return urlencode(signed(NOTIFICATION_FIELDS, values, secret)).encode("ascii")
