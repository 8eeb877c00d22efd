"""The case's vocabulary shared by the store, the live hub, the REST API and the export.

Only plain values live here: what an audit event is, which kinds of documents exist,
what a chat line may be. Storage and announcing are the server's business.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from videoschalter.cases.texts import Refusal

# -- documents -----------------------------------------------------------------------------------------------------

DOC_UPLOAD = "upload"  # the citizen sent it
DOC_SHARED = "shared"  # the clerk sent it to the citizen
DOC_CERTIFICATE = "certificate"  # the signed certificate issued in this case
DOC_RECEIPT = "receipt"  # the payment receipt
DOC_SIGNATURE = "signature"  # the PNG of a handwritten signature
DOC_SNAPSHOT = "snapshot"  # a page or screen region the clerk put into the citizen's view
DOCUMENT_KINDS = (DOC_UPLOAD, DOC_SHARED, DOC_CERTIFICATE, DOC_RECEIPT, DOC_SIGNATURE, DOC_SNAPSHOT)

# -- who did it ----------------------------------------------------------------------------------------------------

ACTOR_CITIZEN = "citizen"
ACTOR_SYSTEM = "system"  # retention, payment callbacks, start-up


def clerk_actor(clerk_id: int | str) -> str:
    """Audit actor of a clerk: ``clerk:<id>`` (the citizen's view never shows it)."""
    return f"clerk:{clerk_id}"


# -- audit actions (the server may add more; these are the ones the export documents) --------------------------

ACTIONS = (
    "case_created", "service_set", "identity_set", "chat", "document_added", "document_viewed", "shown",
    "form_opened", "form_edited", "form_checked", "form_confirmed", "sign_requested", "signed",
    "signature_refused", "payment_requested", "payment_state", "issued", "exported", "closed", "erased",
)


@dataclass(frozen=True)
class CaseEvent:
    """One line of the append-only audit log: who did what, when; ``detail`` never holds file contents."""

    at: dt.datetime
    actor: str  # "citizen", "clerk:<id>" or "system"
    action: str
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("CaseEvent.at needs a time zone")
        if not self.actor or not self.action:
            raise ValueError("CaseEvent needs an actor and an action")

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "actor": self.actor, "action": self.action, "detail": dict(self.detail)}


def event_detail(detail: Any) -> dict[str, Any]:
    """An event's detail as a dict, whether the store hands it over as a dict or as JSON text."""
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            return {"text": detail}
    return dict(detail) if isinstance(detail, dict) else {}


# -- chat ----------------------------------------------------------------------------------------------------------

CHAT_MAX_CHARS = 2000
CHAT_MAX_BLANK_LINES = 2
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MANY_NEWLINES = re.compile(rf"\n{{{CHAT_MAX_BLANK_LINES + 2},}}")


def clean_chat_text(text: str) -> str:
    """Normalise one chat line; a :class:`Refusal` (a ``ValueError``) when nothing or too much is left.

    Removes control characters (line breaks stay), lone surrogates and direction overrides
    that could make a line read differently than it was written. ``<``, ``&`` and the like
    stay as they are: the pages show chat as text, never as HTML.
    """
    if not isinstance(text, str):
        raise Refusal("Die Nachricht muss ein Text sein.", "bad_chat")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n" or not (category in ("Cc", "Cs") or ch in _BIDI_CONTROLS):
            kept.append(ch)
    text = "\n".join(line.rstrip() for line in "".join(kept).split("\n"))
    text = _MANY_NEWLINES.sub("\n" * (CHAT_MAX_BLANK_LINES + 1), text).strip()
    if not text:
        raise Refusal("Die Nachricht ist leer.", "empty_chat")
    if len(text) > CHAT_MAX_CHARS:
        raise Refusal("Die Nachricht ist zu lang ({length} Zeichen); erlaubt sind höchstens {limit}.", "chat_too_long",
                      length=len(text), limit=CHAT_MAX_CHARS)
    return text
