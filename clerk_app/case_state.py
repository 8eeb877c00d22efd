"""What the clerk app knows about the open case, built only from the server's messages (docs/case.md).

No Qt and no I/O: ``CaseState.apply`` takes one server message and updates the picture; the
properties answer what the panel needs to decide (may the certificate be issued? what is missing?).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Server → clerk message types that belong to a case (all carry ``ticket_id``).
CASE_SERVER_TYPES = frozenset({"case", "chat", "form", "sign_request", "signature", "document", "payment",
                               "issued", "show"})
# Clerk → server message types; an ``error`` whose ``ref`` is one of these is the case's error.
CASE_CLERK_TYPES = frozenset({"chat", "case_open", "case_service", "case_identity", "form_open", "form_set",
                              "form_check", "sign_request", "pay_request", "issue", "show"})

PAYMENT_TEXT = {"open": "angefordert – noch nicht bezahlt", "pending": "wird bezahlt …", "paid": "bezahlt",
                "failed": "fehlgeschlagen", "cancelled": "abgebrochen", "refunded": "erstattet"}
ACTIVE_PAYMENT = frozenset({"open", "pending", "paid"})


def euro(cents: int) -> str:
    """German money: 1234 → "12,34 €"."""
    return f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d} €"


@dataclass
class CaseState:
    ticket_id: int
    case_id: int | str | None = None
    service: str | None = None
    service_name: str = ""
    fee_cents: int = 0
    identity: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    chat: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    signatures: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    issued: list[dict[str, Any]] = field(default_factory=list)
    sign_request: dict[str, Any] | None = None
    shown: str | None = None
    loaded: bool = False  # the first full snapshot arrived

    # --- applying server messages ----------------------------------------------------
    def apply(self, msg: dict[str, Any]) -> str:
        """Update from one message; returns what changed (the message type) for the views."""
        kind = msg["type"]
        if kind == "case":
            self._load(msg.get("case") or {})
        elif kind == "chat":
            self._upsert(self.chat, _without(msg))
        elif kind == "form":
            self.form = msg.get("form")
        elif kind == "sign_request":
            self.sign_request = {"document_hash": msg.get("document_hash"), "version": msg.get("version")}
        elif kind == "signature":
            self._upsert(self.signatures, _without(msg))
        elif kind == "document":
            self._upsert(self.documents, _without(msg))
        elif kind == "payment":
            self._upsert(self.payments, _without(msg))
        elif kind == "issued":
            self._upsert(self.issued, _without(msg), key="document_id")
        elif kind == "show":
            self.shown = msg.get("document_id")
        return kind

    def _load(self, snap: dict[str, Any]) -> None:
        self.case_id = snap.get("id")
        self.service = snap.get("service")
        self.service_name = snap.get("service_name") or self.service or ""
        self.fee_cents = int(snap.get("fee_cents") or 0)
        self.identity = snap.get("identity")
        self.form = snap.get("form")
        self.chat = list(snap.get("chat") or [])
        self.documents = list(snap.get("documents") or [])
        self.signatures = list(snap.get("signatures") or [])
        self.payments = list(snap.get("payments") or [])
        self.issued = list(snap.get("issued") or [])
        self.shown = snap.get("shown")
        self.loaded = True

    @staticmethod
    def _upsert(items: list[dict[str, Any]], item: dict[str, Any], key: str = "id") -> None:
        """Snapshots and live messages overlap after a reconnect: the same id replaces, never duplicates."""
        for i, old in enumerate(items):
            if item.get(key) is not None and old.get(key) == item.get(key):
                items[i] = {**old, **item}
                return
        items.append(item)

    # --- what the panel decides on ----------------------------------------------------
    @property
    def form_id(self) -> str | None:
        return self.form.get("form") if self.form else None

    @property
    def form_version(self) -> int:
        return int(self.form.get("version", 0)) if self.form else 0

    @property
    def needs_check(self) -> dict[str, str | None]:
        return dict(self.form.get("needs_check") or {}) if self.form else {}

    @property
    def form_confirmed(self) -> bool:
        return bool(self.form and self.form.get("confirmed"))

    @property
    def signed(self) -> bool:
        """A signature counts only for the exact form version on screen (its hash)."""
        if not self.form_confirmed or self.form is None:
            return False
        if "signed" in self.form:  # the server's own verdict (signaling/case_forms.signed)
            return bool(self.form["signed"])
        current = self.form.get("document_hash")
        return any(s.get("document_hash") == current and not s.get("void") for s in self.signatures)

    @property
    def payment(self) -> dict[str, Any] | None:
        """The latest payment request, if any."""
        return self.payments[-1] if self.payments else None

    @property
    def paid(self) -> bool:
        return any(p.get("state") == "paid" for p in self.payments)

    @property
    def paid_or_free(self) -> bool:
        return self.fee_cents == 0 or self.paid

    @property
    def can_request_signature(self) -> bool:
        return self.form_confirmed and not self.signed

    @property
    def can_request_payment(self) -> bool:
        return self.fee_cents > 0 and not any(p.get("state") in ACTIVE_PAYMENT for p in self.payments)

    @property
    def certificate(self) -> dict[str, Any] | None:
        return self.issued[-1] if self.issued else None

    @property
    def missing(self) -> list[str]:
        """Why the certificate cannot be issued yet, in the clerk's words."""
        out = []
        if not self.form:
            out.append("Kein Formular geöffnet")
        elif not self.form_confirmed:
            out.append("Formular noch nicht bestätigt")
        if self.form and not self.signed:
            out.append("Unterschrift fehlt")
        if not self.paid_or_free:
            out.append("Gebühr noch nicht bezahlt")
        return out

    @property
    def can_issue(self) -> bool:
        return self.loaded and not self.missing and self.certificate is None

    def document(self, document_id: str | None) -> dict[str, Any] | None:
        for doc in self.documents:
            if str(doc.get("id")) == str(document_id):
                return doc
        return None


def _without(msg: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in msg.items() if k not in ("v", "type", "ticket_id")}
