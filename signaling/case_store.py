"""SQLite storage of cases (tables from ``m003_cases``); every function runs on the storage thread.

Plain functions ``fn(storage, ...)`` for ``AsyncStorage.run``, plus the two adapters the
domain cores ask for: :class:`SqlitePaymentStore` (payments) and :class:`SqliteDocumentRegistry`
(certificates). The audit log (``case_events``) is append-only; erasure keeps its rows but
drops their details.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

from signaling.storage import AsyncStorage, NotFound, Storage, Ticket, hash_token, iso, utcnow
from videoschalter.cases.model import ACTOR_SYSTEM, clerk_actor
from videoschalter.certificates.registry import DocumentRegistry, IssuedDocument
from videoschalter.payments.model import PaymentRequest, PaymentState
from videoschalter.payments.service import PaymentStore, VersionConflict
from videoschalter.payments.signature import SeenStore

_REFERENCE = re.compile(r"VS-V(\d+)")


def new_id() -> str:
    """A random id for documents and signatures: a URL that names one must not be guessable."""
    return secrets.token_urlsafe(12)


def payment_reference(case_id: int) -> str:
    return f"VS-V{case_id}"


@dataclass(frozen=True)
class CaseRow:
    id: int
    ticket_id: int | None
    appointment_id: int | None
    department: str
    service: str | None
    identity: dict[str, Any] | None
    form: dict[str, Any] | None
    form_lang: str
    sign_hash: str | None
    sign_version: int | None
    shown: str | None
    created_at: str
    closed_at: str | None
    erased_at: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CaseRow:
        return cls(row["id"], row["ticket_id"], row["appointment_id"], row["department"], row["service"],
                   json.loads(row["identity"]) if row["identity"] else None,
                   json.loads(row["form"]) if row["form"] else None,
                   row["form_lang"] or "de", row["sign_hash"], row["sign_version"], row["shown"],
                   row["created_at"], row["closed_at"], row["erased_at"])


# --- cases ---------------------------------------------------------------------------------------
def case(storage: Storage, case_id: int) -> CaseRow:
    rows = list(storage.db["cases"].rows_where("id = ?", [case_id]))
    if not rows:
        raise NotFound(case_id)
    return CaseRow.from_row(rows[0])


def find_case(storage: Storage, ticket_id: int) -> CaseRow | None:
    rows = list(storage.db["cases"].rows_where("ticket_id = ?", [ticket_id]))
    return CaseRow.from_row(rows[0]) if rows else None


def case_for_ticket(storage: Storage, ticket_id: int) -> CaseRow:
    """The ticket's case, created on first need; a booked citizen's early case is taken over."""
    with storage.db.atomic():
        found = find_case(storage, ticket_id)
        if found is not None:
            return found
        ticket = storage.ticket(ticket_id)
        if ticket.appointment_id is not None:
            rows = list(storage.db["cases"].rows_where("appointment_id = ?", [ticket.appointment_id]))
            if rows:
                storage.db["cases"].update(rows[0]["id"], {"ticket_id": ticket_id, "department": ticket.department})
                return case(storage, rows[0]["id"])
        service = _appointment_service(storage, ticket.appointment_id)
        case_id = storage.db["cases"].insert({
            "ticket_id": ticket_id, "appointment_id": ticket.appointment_id, "department": ticket.department,
            "service": service, "form_lang": ticket.lang or "de", "created_at": iso(utcnow())}).last_pk
        _event(storage, case_id, "server", "case_created", None, {"ticket_id": ticket_id})
    return case(storage, case_id)


def case_for_appointment(storage: Storage, appointment_id: int) -> CaseRow:
    """A booked citizen before their slot has no ticket yet; their case hangs on the appointment."""
    with storage.db.atomic():
        row = storage.db["appointments"].get(appointment_id)
        if row["ticket_id"] is not None:
            return case_for_ticket(storage, row["ticket_id"])
        rows = list(storage.db["cases"].rows_where("appointment_id = ?", [appointment_id]))
        if rows:
            return CaseRow.from_row(rows[0])
        case_id = storage.db["cases"].insert({
            "appointment_id": appointment_id, "department": row["department"], "service": row["service"],
            "form_lang": row["lang"] or "de", "created_at": iso(utcnow())}).last_pk
        _event(storage, case_id, "server", "case_created", None, {"appointment_id": appointment_id})
    return case(storage, case_id)


def _appointment_service(storage: Storage, appointment_id: int | None) -> str | None:
    if appointment_id is None:
        return None
    row = storage.db.execute("select service from appointments where id = ?", [appointment_id]).fetchone()
    return row[0] if row else None


def update_case(storage: Storage, case_id: int, actor: str, clerk_id: int | None, kind: str,
                detail: dict[str, Any] | None = None, **changes: Any) -> CaseRow:
    """Change case columns and write the audit event in one transaction."""
    encoded = {k: json.dumps(v, ensure_ascii=False) if k in ("identity", "form") and v is not None else v
               for k, v in changes.items()}
    with storage.db.atomic():
        if encoded:
            storage.db["cases"].update(case_id, encoded)
        _event(storage, case_id, actor, kind, clerk_id, detail)
    return case(storage, case_id)


def ticket_for_any_token(storage: Storage, token: str) -> Ticket | None:
    """The ticket behind a token even after the token expired (certificate download after the call)."""
    rows = list(storage.db["tickets"].rows_where("token_hash = ?", [hash_token(token)]))
    return Ticket.from_row(rows[0]) if rows else None


# --- audit log -----------------------------------------------------------------------------------
def _event(storage: Storage, case_id: int, actor: str, kind: str, clerk_id: int | None,
           detail: dict[str, Any] | None) -> None:
    if actor == "clerk" and clerk_id is not None:
        actor = clerk_actor(clerk_id)
    elif actor in ("server", "provider", "clerk"):
        actor = ACTOR_SYSTEM
    storage.db["case_events"].insert({"case_id": case_id, "at": iso(utcnow()), "actor": actor, "clerk_id": clerk_id,
                                      "kind": kind, "detail": json.dumps(detail or {}, ensure_ascii=False)})


def add_event(storage: Storage, case_id: int, actor: str, kind: str, clerk_id: int | None = None,
              detail: dict[str, Any] | None = None) -> None:
    _event(storage, case_id, actor, kind, clerk_id, detail)


def events_of(storage: Storage, case_id: int) -> list[dict[str, Any]]:
    rows = storage.db["case_events"].rows_where("case_id = ?", [case_id], order_by="id")
    return [{"at": r["at"], "actor": r["actor"], "action": r["kind"], "detail": json.loads(r["detail"] or "{}")}
            for r in rows]


# --- chat ----------------------------------------------------------------------------------------
def add_chat(storage: Storage, case_id: int, sender: str, clerk_id: int | None, name: str, text: str) -> dict[str, Any]:
    with storage.db.atomic():
        now = iso(utcnow())
        chat_id = storage.db["chat_messages"].insert({"case_id": case_id, "sender": sender, "clerk_id": clerk_id,
                                                      "name": name, "text": text, "at": now}).last_pk
        _event(storage, case_id, sender, "chat", clerk_id, {"chat_id": chat_id})
    return {"id": chat_id, "from": sender, "name": name, "text": text, "at": now}


def chat_of(storage: Storage, case_id: int) -> list[dict[str, Any]]:
    rows = storage.db["chat_messages"].rows_where("case_id = ? and text is not null", [case_id], order_by="id")
    return [{"id": r["id"], "from": r["sender"], "name": r["name"], "text": r["text"], "at": r["at"]} for r in rows]


# --- documents -----------------------------------------------------------------------------------
def document_public(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "mime": row["mime"], "size": row["size"], "from": row["sender"],
            "at": row["created_at"], "kind": row["kind"], "sha256": row["sha256"]}


def add_document(storage: Storage, case_id: int, *, file_id: str, name: str, mime: str, size: int, sha256: str,
                 sender: str, kind: str, clerk_id: int | None = None,
                 idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """Store the row of a file already in the vault; with a known idempotency key the first one comes back."""
    with storage.db.atomic():
        if idempotency_key:
            first = document_by_key(storage, case_id, idempotency_key)
            if first is not None:
                return first, False
        row = {"id": new_id(), "case_id": case_id, "file_id": file_id, "name": name, "mime": mime, "size": size,
               "sha256": sha256, "sender": sender, "clerk_id": clerk_id, "kind": kind,
               "idempotency_key": idempotency_key, "created_at": iso(utcnow())}
        storage.db["case_documents"].insert(row)
        _event(storage, case_id, sender, "document_added", clerk_id,
               {"document_id": row["id"], "kind": kind, "sha256": sha256})
    return row, True


def document_by_key(storage: Storage, case_id: int, key: str) -> dict[str, Any] | None:
    rows = list(storage.db["case_documents"].rows_where("case_id = ? and idempotency_key = ?", [case_id, key]))
    return rows[0] if rows else None


def document(storage: Storage, case_id: int, document_id: str) -> dict[str, Any] | None:
    rows = list(storage.db["case_documents"].rows_where(
        "case_id = ? and id = ? and deleted_at is null", [case_id, document_id]))
    return rows[0] if rows else None


def documents_of(storage: Storage, case_id: int) -> list[dict[str, Any]]:
    return list(storage.db["case_documents"].rows_where("case_id = ? and deleted_at is null", [case_id],
                                                        order_by="created_at"))


# --- signatures ----------------------------------------------------------------------------------
def add_signature(storage: Storage, case_id: int, document_hash: str, form_version: int, document_id: str,
                  record: dict[str, Any], form_state: dict[str, Any]) -> dict[str, Any]:
    """Store the signature and the form state that now carries it, in one transaction."""
    with storage.db.atomic():
        now = iso(utcnow())
        row = {"id": new_id(), "case_id": case_id, "document_hash": document_hash, "form_version": form_version,
               "document_id": document_id, "record": json.dumps(record, ensure_ascii=False), "at": now}
        storage.db["signatures"].insert(row)
        storage.db["cases"].update(case_id, {"form": json.dumps(form_state, ensure_ascii=False),
                                             "sign_hash": None, "sign_version": None})
        _event(storage, case_id, "citizen", "signed", None, {"signature_id": row["id"], "document_hash": document_hash})
    return {"id": row["id"], "document_hash": document_hash, "at": now}


def void_signatures(storage: Storage, case_id: int) -> int:
    """The form changed: every earlier signature of this case no longer counts."""
    cur = storage.db.execute("update signatures set void_at = ? where case_id = ? and void_at is null",
                             [iso(utcnow()), case_id])
    return cur.rowcount


def signatures_of(storage: Storage, case_id: int) -> list[dict[str, Any]]:
    rows = storage.db["signatures"].rows_where("case_id = ?", [case_id], order_by="at")
    return [{"id": r["id"], "document_hash": r["document_hash"], "version": r["form_version"], "at": r["at"],
             "document_id": r["document_id"], "void": r["void_at"] is not None} for r in rows]


def signature_records(storage: Storage, case_id: int) -> list[dict[str, Any]]:
    rows = storage.db["signatures"].rows_where("case_id = ?", [case_id], order_by="at")
    return [{**r, "record": json.loads(r["record"]) if r["record"] else None} for r in rows]


# --- payments ------------------------------------------------------------------------------------
def _payment_row(request: PaymentRequest, case_id: int | None) -> dict[str, Any]:
    row = {f.name: getattr(request, f.name) for f in dataclasses.fields(request)}
    row.update(state=request.state.value, created_at=iso(request.created_at),
               paid_at=iso(request.paid_at) if request.paid_at else None)
    if case_id is not None:
        row["case_id"] = case_id
    return row


def _payment(row: dict[str, Any]) -> PaymentRequest:
    return PaymentRequest(
        id=row["id"], reference=row["reference"], amount_cents=row["amount_cents"], purpose=row["purpose"],
        created_at=dt.datetime.fromisoformat(row["created_at"]), currency=row["currency"],
        state=PaymentState(row["state"]), provider=row["provider"] or "", provider_ref=row["provider_ref"] or "",
        paid_at=dt.datetime.fromisoformat(row["paid_at"]) if row["paid_at"] else None, version=row["version"])


def payment_get(storage: Storage, request_id: str) -> PaymentRequest | None:
    rows = list(storage.db["payments"].rows_where("id = ?", [request_id]))
    return _payment(rows[0]) if rows else None


def payment_put(storage: Storage, request: PaymentRequest) -> PaymentRequest:
    saved = dataclasses.replace(request, version=request.version + 1)
    with storage.db.atomic():
        if request.version == 0:
            match = _REFERENCE.fullmatch(request.reference)
            if match is None or payment_get(storage, request.id) is not None:
                raise VersionConflict(f"payment {request.id}: cannot insert")
            storage.db["payments"].insert(_payment_row(saved, int(match.group(1))))
            _event(storage, int(match.group(1)), "clerk", "payment_requested", None,
                   {"payment_id": saved.id, "amount_cents": saved.amount_cents})
            return saved
        row = _payment_row(saved, None)
        fields = {k: v for k, v in row.items() if k != "id"}
        cur = storage.db.execute(
            f"update payments set {', '.join(f'{k} = ?' for k in fields)} where id = ? and version = ?",
            [*fields.values(), request.id, request.version])
        if cur.rowcount != 1:
            raise VersionConflict(f"payment {request.id}: version {request.version} is not the stored one")
        case_id = storage.db.execute("select case_id from payments where id = ?", [request.id]).fetchone()[0]
        _event(storage, case_id, "provider", "payment_state", None, {"payment_id": saved.id, "state": saved.state})
    return saved


def payments_of(storage: Storage, case_id: int) -> list[PaymentRequest]:
    return [_payment(r) for r in storage.db["payments"].rows_where("case_id = ?", [case_id], order_by="created_at")]


def case_of_payment(storage: Storage, request_id: str) -> int | None:
    row = storage.db.execute("select case_id from payments where id = ?", [request_id]).fetchone()
    return row[0] if row else None


class SqlitePaymentStore(PaymentStore):
    """The payment core's store on the server's SQLite thread (atomic by ``version``)."""

    def __init__(self, store: AsyncStorage) -> None:
        self.store = store

    async def get(self, request_id: str) -> PaymentRequest | None:
        return await self.store.run(payment_get, request_id)

    async def put(self, request: PaymentRequest) -> PaymentRequest:
        return await self.store.run(payment_put, request)


class SqliteSeenStore(SeenStore):
    """Nonces of payment callbacks, kept across restarts (table ``payment_nonces``).

    The payment core calls ``remember`` synchronously from the event loop, so this has its own
    small connection instead of a trip to the storage thread; one insert is well under a millisecond.
    """

    def __init__(self, path: str, clock: Any = time.time) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout=5000")
        self._lock = threading.Lock()
        self._clock = clock
        self._writes = 0

    def remember(self, key: str, expires_at: float) -> bool:
        with self._lock:
            self._writes += 1
            if self._writes % 100 == 0:
                self._db.execute("delete from payment_nonces where expires_at < ?", [self._clock()])
            self._db.execute("delete from payment_nonces where key = ? and expires_at < ?", [key, self._clock()])
            cur = self._db.execute("insert or ignore into payment_nonces(key, expires_at) values (?, ?)",
                                   [key, expires_at])
            return cur.rowcount == 1

    def close(self) -> None:
        self._db.close()


# --- issued documents ----------------------------------------------------------------------------
class SqliteDocumentRegistry(DocumentRegistry):
    """Id, hash, kind and dates of issued documents; use only on the storage thread."""

    def __init__(self, storage: Storage, case_id: int | None = None, document_id: str | None = None) -> None:
        self.storage = storage
        self.case_id = case_id
        self.document_id = document_id

    def record(self, document: IssuedDocument) -> None:
        self.storage.db["issued_documents"].insert({
            "id": document.id, "case_id": self.case_id, "kind": document.kind, "sha256": document.sha256,
            "document_id": self.document_id, "issued_at": iso(document.issued_at),
            "revoked_at": iso(document.revoked_at) if document.revoked_at else None})

    def find(self, document_id: str) -> IssuedDocument | None:
        rows = list(self.storage.db["issued_documents"].rows_where("id = ?", [document_id]))
        if not rows:
            return None
        r = rows[0]
        return IssuedDocument(r["id"], r["sha256"], dt.datetime.fromisoformat(r["issued_at"]),
                              dt.datetime.fromisoformat(r["revoked_at"]) if r["revoked_at"] else None, r["kind"])

    def revoke(self, document_id: str, at: dt.datetime) -> IssuedDocument:
        found = self.find(document_id)
        if found is None:
            raise KeyError(document_id)
        self.storage.db["issued_documents"].update(document_id, {"revoked_at": iso(at)})
        return found.revoked(at)


def find_issued(storage: Storage, document_id: str) -> IssuedDocument | None:
    return SqliteDocumentRegistry(storage).find(document_id)


def record_issued(storage: Storage, case_id: int, issued: IssuedDocument, document_id: str,
                  clerk_id: int | None = None) -> None:
    with storage.db.atomic():
        SqliteDocumentRegistry(storage, case_id, document_id).record(issued)
        _event(storage, case_id, "clerk", "issued", clerk_id, {"verification_id": issued.id, "sha256": issued.sha256})


def issued_of(storage: Storage, case_id: int) -> list[dict[str, Any]]:
    return list(storage.db["issued_documents"].rows_where("case_id = ?", [case_id], order_by="issued_at"))


# --- erasure and retention -----------------------------------------------------------------------
def erase_case(storage: Storage, case_id: int, actor: str, clerk_id: int | None) -> list[str]:
    """Drop personal data and return the vault file ids to delete; the audit log keeps that it happened.

    Issued documents keep id, hash and dates, so a certificate stays verifiable by hash.
    """
    now = iso(utcnow())
    with storage.db.atomic():
        files = [r[0] for r in storage.db.execute(
            "select file_id from case_documents where case_id = ? and file_id is not null", [case_id]).fetchall()]
        storage.db.execute("update case_documents set file_id = null, name = '', deleted_at = coalesce(deleted_at, ?) "
                           "where case_id = ?", [now, case_id])
        storage.db.execute("update chat_messages set text = null, name = null where case_id = ?", [case_id])
        storage.db.execute("update signatures set record = null where case_id = ?", [case_id])
        storage.db.execute("update case_events set detail = '{}' where case_id = ?", [case_id])
        storage.db["cases"].update(case_id, {"identity": None, "form": None, "sign_hash": None, "shown": None,
                                             "erased_at": now})
        _event(storage, case_id, actor, "erased", clerk_id, {"files": len(files)})
    return files


def cases_for_retention(storage: Storage) -> list[dict[str, Any]]:
    """Cases not yet erased with the state of their ticket, for ``retention.due_for_deletion``."""
    rows = storage.db.execute(
        "select c.id, c.created_at, c.closed_at, t.state, t.ended_at from cases c "
        "left join tickets t on t.id = c.ticket_id where c.erased_at is null").fetchall()
    return [{"id": r[0], "created_at": r[1], "closed_at": r[2], "ticket_state": r[3], "ended_at": r[4]}
            for r in rows]


def case_bundle(storage: Storage, case_id: int) -> dict[str, Any]:
    """Everything a snapshot lists, read in one trip to the storage thread."""
    return {"chat": chat_of(storage, case_id),
            "documents": [document_public(d) for d in documents_of(storage, case_id)],
            "signatures": signatures_of(storage, case_id), "payments": payments_of(storage, case_id),
            "issued": issued_of(storage, case_id), "events": events_of(storage, case_id)}
