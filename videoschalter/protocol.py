"""The signaling message format, in one place.

Every message on the WebSocket is a JSON object ``{"v": 1, "type": ..., ...}``.
This module validates incoming messages against a small schema per type and
builds outgoing ones, so the server, the clerk app and the tests agree on one
format (the browser mirrors the same ``type`` names in ``citizen_web/signaling.js``).
Validation errors carry a code and a German text; the connection stays open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024  # an SDP is a few KB; anything larger is abuse


class ProtocolError(ValueError):
    """An incoming message is not valid; ``code`` is stable for clients."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Field:
    kind: type | tuple[type, ...]
    required: bool = True
    max_len: int | None = None


_STR = Field(str, max_len=200)
_ID = Field(int)
_SDP = Field(str, max_len=MAX_MESSAGE_BYTES)

# Messages a client may send, per role. Fields not listed are rejected, so a
# typo in a client shows up at once instead of being silently ignored.
_PING = {"t": Field((int, float), required=False)}  # echoed in "pong", so a page can measure the round trip
_OPTIONAL_ID = Field(int, required=False)
_OPTIONAL_STR = Field(str, required=False, max_len=100)

CITIZEN_MESSAGES: dict[str, dict[str, Field]] = {
    "hello": {"token": _STR},
    "offer": {"call_id": _ID, "sdp": _SDP},
    "ice": {"call_id": _ID, "candidate": Field((dict, type(None)))},
    "hangup": {"call_id": _ID, "reason": _OPTIONAL_STR},
    "sync": {},  # the page missed a queue version and asks for a fresh view
    "ping": _PING,
}
CLERK_MESSAGES: dict[str, dict[str, Field]] = {
    "hello": {"token": _STR},
    "call": {"ticket_id": _ID},
    "call_next": {"department": _OPTIONAL_STR},
    "answer": {"call_id": _ID, "sdp": _SDP},
    "connected": {"call_id": _ID},
    "hangup": {"call_id": _ID, "reason": _OPTIONAL_STR},
    "status": {"state": Field(str, max_len=20)},
    "transfer": {"ticket_id": _ID, "department": Field(str, max_len=100), "clerk_id": _OPTIONAL_ID},
    "no_show": {"ticket_id": _ID},
    "id_hint": {"call_id": _ID, "hint": Field(str, max_len=20)},
    "announce": {"text": Field(str, max_len=300), "ticket_id": _OPTIONAL_ID, "department": _OPTIONAL_STR},
    "ping": _PING,
}
# The case (docs/case.md): the hub hands every one of these types to the CaseHub.
_TICKET = Field(int)
_CHAT = Field(str, max_len=2000)
_FORM_VALUE = Field((str, int, float, bool, dict, list, type(None)))
CASE_CITIZEN_MESSAGES: dict[str, dict[str, Field]] = {
    "chat": {"text": _CHAT},
    "form_lang": {"lang": Field(str, max_len=10)},
    "form_confirm": {"version": Field(int)},
    "form_set": {"field": Field(str, max_len=100), "value": _FORM_VALUE, "version": Field(int)},
    "id_copy_consent": {"granted": Field(bool)},  # the answer to the clerk's id_copy_request (PAuswG §20)
}
CASE_CLERK_MESSAGES: dict[str, dict[str, Field]] = {
    "chat": {"ticket_id": _TICKET, "text": _CHAT},
    "case_open": {"ticket_id": _TICKET},
    "case_service": {"ticket_id": _TICKET, "service": Field(str, max_len=100)},
    "case_identity": {"ticket_id": _TICKET, "identity": Field(dict)},
    "form_open": {"ticket_id": _TICKET, "form": Field(str, max_len=100)},
    "form_set": {"ticket_id": _TICKET, "field": Field(str, max_len=100), "value": _FORM_VALUE,
                 "version": Field(int)},
    "form_check": {"ticket_id": _TICKET, "field": Field(str, max_len=100)},
    "sign_request": {"ticket_id": _TICKET},
    "pay_request": {"ticket_id": _TICKET},
    "issue": {"ticket_id": _TICKET},
    "show": {"ticket_id": _TICKET, "document_id": Field((str, type(None)), max_len=100)},
    "id_copy_request": {"ticket_id": _TICKET},  # asks the citizen's consent to one copy of the ID card
}
CITIZEN_MESSAGES.update(CASE_CITIZEN_MESSAGES)
CLERK_MESSAGES.update(CASE_CLERK_MESSAGES)
ICE_CANDIDATE_FIELDS = {"candidate": str, "sdpMid": (str, type(None)), "sdpMLineIndex": (int, type(None))}


def parse(raw: str | bytes, schema: dict[str, dict[str, Field]]) -> dict[str, Any]:
    """Decode and validate one message; raise ProtocolError with a clear reason."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ProtocolError("too_large", "Nachricht ist zu groß")
    try:
        msg = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("invalid_json", "Nachricht ist kein gültiges JSON") from None
    if not isinstance(msg, dict):
        raise ProtocolError("invalid_message", "Nachricht muss ein JSON-Objekt sein")
    if msg.get("v") != VERSION:
        raise ProtocolError("unsupported_version", f"Protokollversion {VERSION} erwartet")
    mtype = msg.get("type")
    if not isinstance(mtype, str) or mtype not in schema:
        raise ProtocolError("unknown_type", f"Unbekannter Nachrichtentyp: {str(mtype)[:40]!r}")
    fields = schema[mtype]
    extra = set(msg) - set(fields) - {"v", "type"}
    if extra:
        raise ProtocolError("unknown_field", f"Unbekannte Felder in {mtype!r}: {sorted(extra)[:5]}")
    for name, spec in fields.items():
        if name not in msg:
            if spec.required:
                raise ProtocolError("missing_field", f"Feld {name!r} fehlt in {mtype!r}")
            continue
        value = msg[name]
        if (isinstance(value, bool) and not _allows_bool(spec)) or not isinstance(value, spec.kind):
            raise ProtocolError("wrong_field", f"Feld {name!r} in {mtype!r} hat den falschen Typ")
        if spec.max_len is not None and hasattr(value, "__len__") and len(value) > spec.max_len:
            raise ProtocolError("wrong_field", f"Feld {name!r} in {mtype!r} ist zu lang")
    if mtype == "ice" and msg["candidate"] is not None:
        _check_candidate(msg["candidate"])
    return msg


def _allows_bool(spec: Field) -> bool:
    return bool in spec.kind if isinstance(spec.kind, tuple) else spec.kind is bool


def _check_candidate(candidate: dict[str, Any]) -> None:
    for name, kind in ICE_CANDIDATE_FIELDS.items():
        value = candidate.get(name)
        if name == "candidate" and not isinstance(value, str):
            raise ProtocolError("wrong_field", "ICE-Kandidat ohne 'candidate'")
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
            raise ProtocolError("wrong_field", f"ICE-Kandidat: {name!r} hat den falschen Typ")


def message(mtype: str, **fields: Any) -> dict[str, Any]:
    return {"v": VERSION, "type": mtype, **fields}


def encode(mtype: str, **fields: Any) -> str:
    return json.dumps(message(mtype, **fields), ensure_ascii=False, separators=(",", ":"))


def error(code: str, text: str, ref: str | None = None) -> str:
    """An error reply; ``ref`` names the message type it answers, if known."""
    return encode("error", code=code, message=text, ref=ref)
