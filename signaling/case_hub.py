"""The case's live messages (docs/case.md): chat, identity, the shared form, signature, fee, issue, show.

The ``Hub`` hands every type in ``protocol.CASE_CITIZEN_MESSAGES`` / ``CASE_CLERK_MESSAGES`` here.
Every change is stored (SQLite, files in the vault) before either side hears of it. Clerk
messages name the ticket; the hub's own check makes sure the clerk serves its department.
Changes to one case are serialised by a per-case lock, so two quick edits cannot interleave.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from signaling import case_store as cs
from signaling.case_form_hub import FormMessages
from signaling.case_forms import prefill_source, session_from, state_of
from signaling.case_forms import view as form_view
from signaling.case_id_copy import IdCopyMessages, open_request
from signaling.case_issue import issue
from signaling.case_pay import payment_changed, request_fee
from signaling.case_store import CaseRow
from signaling.storage import Clerk, Ticket
from videoschalter import protocol
from videoschalter.cases.model import clean_chat_text
from videoschalter.forms import FormSession, prefill

if TYPE_CHECKING:
    from signaling.case_services import CaseServices
    from signaling.hub import Conn, Hub

log = logging.getLogger("videoschalter.cases")
IDENTITY_SOURCES = ("mrz", "chip", "manual")
MAX_IDENTITY_BYTES = 4096
ERASED = "Die Daten dieses Vorgangs wurden gelöscht"


class CaseHub(FormMessages, IdCopyMessages):
    def __init__(self, hub: Hub, services: CaseServices) -> None:
        self.hub = hub
        self.store = hub.store
        self.services = services
        self.watchers: dict[int, set[int]] = defaultdict(set)  # ticket id → clerks who opened the case
        self._sessions: dict[int, FormSession] = {}
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task[None]] = set()
        if services.payments is not None:
            services.payments.subscribe(self.payment_changed)

    # --- dispatch ---------------------------------------------------------------------------
    async def citizen_message(self, conn: Conn, msg: dict[str, Any]) -> None:
        ticket = conn.ticket
        if ticket is None:
            await self.hub.send(conn, protocol.error("not_in_line", "Ihr Termin hat noch nicht begonnen", msg["type"]))
            return
        case = await self.store.run(cs.case_for_ticket, ticket.id)
        if case.erased_at:
            await self.error(conn, "erased", ERASED, msg["type"])
            return
        async with self.lock(case.id):
            await self._guarded(case, getattr(self, f"_citizen_{msg['type']}")(conn, ticket, case, msg))

    async def clerk_message(self, conn: Conn, msg: dict[str, Any]) -> None:
        clerk = conn.clerk
        assert clerk is not None
        ticket = await self.hub.desk.own_ticket(conn, clerk, msg["ticket_id"], msg["type"])
        if ticket is None:
            return
        case = await self.store.run(cs.case_for_ticket, ticket.id)
        if case.erased_at and msg["type"] != "case_open":
            await self.error(conn, "erased", ERASED, msg["type"])
            return
        async with self.lock(case.id):
            await self._guarded(case, getattr(self, f"_clerk_{msg['type']}")(conn, clerk, ticket, case, msg))

    def spawn(self, coro: Any) -> None:
        """Background work (the receipt); a reference is kept so the task is not collected early."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def lock(self, case_id: int) -> asyncio.Lock:
        return self._locks[case_id]

    async def _guarded(self, case: CaseRow, work: Any) -> None:
        try:
            await work
        except Exception:  # the in-memory form may be ahead of the stored one: read it again next time
            self._sessions.pop(case.id, None)
            raise

    # --- sending ----------------------------------------------------------------------------
    def clerk_ids(self, ticket_id: int | None) -> set[int]:
        if ticket_id is None:
            return set()
        in_call = {c.clerk_id for c in self.hub.calls.values() if c.ticket_id == ticket_id}
        return in_call | self.watchers.get(ticket_id, set())

    async def to_clerks(self, ticket_id: int | None, mtype: str, **fields: Any) -> None:
        text = protocol.encode(mtype, ticket_id=ticket_id, **fields)
        for clerk_id in self.clerk_ids(ticket_id):
            await self.hub.send_clerk(clerk_id, text)

    async def to_citizen(self, ticket_id: int | None, mtype: str, **fields: Any) -> None:
        if ticket_id is not None:
            await self.hub.send(self.hub.citizens.get(ticket_id), protocol.encode(mtype, **fields))

    async def to_both(self, ticket_id: int | None, mtype: str, **fields: Any) -> None:
        await self.to_citizen(ticket_id, mtype, **fields)
        await self.to_clerks(ticket_id, mtype, **fields)

    async def error(self, conn: Conn, code: str, text: str, ref: str) -> None:
        await self.hub.send(conn, protocol.error(code, text, ref))

    # --- snapshots ---------------------------------------------------------------------------
    async def session(self, case: CaseRow) -> FormSession | None:
        if case.id not in self._sessions:
            session = session_from(self.services.forms, case.form)
            if session is None:
                return None
            self._sessions[case.id] = session
        return self._sessions[case.id]

    def forget(self, case_id: int) -> None:
        self._sessions.pop(case_id, None)

    async def snapshot(self, case: CaseRow, role: str) -> dict[str, Any]:
        bundle = await self.store.run(cs.case_bundle, case.id)
        service = self.services.config.service(case.service) if case.service else None
        session = await self.session(case)
        documents = bundle["documents"]
        if role == "citizen":  # a snapshot taken by the clerk is the citizen's only while it is shown
            documents = [d for d in documents if d["kind"] != "snapshot" or d["id"] == case.shown]
        out = {
            "id": case.id, "ticket_id": case.ticket_id, "service": case.service,
            "service_name": service.name if service else None, "fee_cents": service.fee_cents if service else 0,
            "identity": case.identity,
            "form": (form_view(session, role, case.form_lang if role == "citizen" else "de", self.today())
                     if session else None),
            "form_lang": case.form_lang, "chat": bundle["chat"], "documents": documents,
            "signatures": [{k: v for k, v in s.items() if k != "document_id"} for s in bundle["signatures"]],
            "payments": [self.payment_public(p, role) for p in bundle["payments"]],
            "issued": [self.issued_public(i, role, case.ticket_id) for i in bundle["issued"]],
            "shown": case.shown, "erased": case.erased_at is not None,
            # a signature asked for and not yet given: a page that reconnects shows the pad again
            "sign_request": ({"document_hash": case.sign_hash, "version": case.sign_version}
                             if case.sign_hash else None),
            "id_copy_request": open_request(bundle["events"]),  # open consent question: shown again on reconnect
        }
        if role == "clerk":
            out["events"] = bundle["events"]
        return out

    async def send_case(self, case: CaseRow, citizen: bool = True, clerk_conn: Conn | None = None) -> None:
        """The full snapshot: to one clerk connection (case_open), or to the citizen and the case's clerks."""
        if clerk_conn is not None:
            await self.hub.send(clerk_conn, protocol.encode("case", ticket_id=case.ticket_id,
                                                            case=await self.snapshot(case, "clerk")))
            return
        if citizen:
            await self.to_citizen(case.ticket_id, "case", case=await self.snapshot(case, "citizen"))
        await self.to_clerks(case.ticket_id, "case", case=await self.snapshot(case, "clerk"))

    async def announce_form(self, case: CaseRow, session: FormSession) -> None:
        await self.to_citizen(case.ticket_id, "form", form=form_view(session, "citizen", case.form_lang, self.today()))
        await self.to_clerks(case.ticket_id, "form", form=form_view(session, "clerk", "de", self.today()))

    def payment_public(self, request: Any, role: str) -> dict[str, Any]:
        out = {"id": request.id, "state": str(request.state), "amount_cents": request.amount_cents,
               "currency": request.currency, "purpose": request.purpose,
               "paid_at": request.paid_at.isoformat() if request.paid_at else None,
               "sandbox": bool(self.services.payments and self.services.payments.provider.test_mode)}
        if role == "citizen" and not request.is_final:
            out["pay_url"] = f"/pay/{request.id}"  # the id (64 random bits) only lets one pay this fee
        return out

    def issued_public(self, row: dict[str, Any], role: str, ticket_id: int | None) -> dict[str, Any]:
        return {"document_id": row["id"], "file_id": row["document_id"], "kind": row["kind"],
                "sha256": row["sha256"], "issued_at": row["issued_at"], "revoked_at": row["revoked_at"],
                "url": self.download_url(row["document_id"], role, ticket_id),
                "verify_url": f"{self.services.public_base_url}/verify/{row['id']}"}

    @staticmethod
    def download_url(document_id: str, role: str, ticket_id: int | None) -> str:
        if role == "citizen":
            return f"/api/v1/case/documents/{document_id}"
        return f"/api/v1/clerk/cases/{ticket_id}/documents/{document_id}"

    # --- hooks from the hub -------------------------------------------------------------------
    async def call_started(self, ticket: Ticket) -> None:
        """The clerk called the ticket in: the case exists from now on, and both sides get it."""
        case = await self.store.run(cs.case_for_ticket, ticket.id)
        await self.send_case(case)

    async def citizen_attached(self, ticket: Ticket) -> None:
        """A page (re)connected: if its case exists, it gets the snapshot again."""
        case = await self.store.run(cs.find_case, ticket.id)
        if case is not None and not case.erased_at:
            await self.to_citizen(ticket.id, "case", case=await self.snapshot(case, "citizen"))

    # --- chat -----------------------------------------------------------------------------------
    async def _chat(self, conn: Conn, case: CaseRow, sender: str, clerk_id: int | None, name: str, text: str) -> None:
        try:
            text = clean_chat_text(text)
        except ValueError as exc:
            await self.error(conn, "wrong_field", str(exc), "chat")
            return
        item = await self.store.run(cs.add_chat, case.id, sender, clerk_id, name, text)
        await self.to_both(case.ticket_id, "chat", **item)

    async def _citizen_chat(self, conn: Conn, ticket: Ticket, case: CaseRow, msg: dict[str, Any]) -> None:
        await self._chat(conn, case, "citizen", None, ticket.name, msg["text"])

    async def _clerk_chat(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow, msg: dict[str, Any]) -> None:
        await self._chat(conn, case, "clerk", clerk.id, clerk.display_name, msg["text"])

    # --- case -----------------------------------------------------------------------------------
    async def _clerk_case_open(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow,
                               msg: dict[str, Any]) -> None:
        self.watchers[ticket.id].add(clerk.id)
        await self.send_case(case, clerk_conn=conn)

    async def _clerk_case_service(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow,
                                  msg: dict[str, Any]) -> None:
        service = self.services.config.service(msg["service"])
        if service is None or service.department != ticket.department:
            await self.error(conn, "unknown_service", "Diese Leistung gibt es in dieser Abteilung nicht",
                             "case_service")
            return
        case = await self.store.run(cs.update_case, case.id, "clerk", clerk.id, "service_set", {"service": service.id},
                                    service=service.id)
        await self.send_case(case)

    async def _clerk_case_identity(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow,
                                   msg: dict[str, Any]) -> None:
        identity = msg["identity"]
        problem = identity_problem(identity)
        if problem:
            await self.error(conn, "wrong_field", problem, "case_identity")
            return
        session = await self.session(case)
        changes: dict[str, Any] = {"identity": identity}
        if session is not None:
            before = session.version
            session.apply_prefill(prefill(session.form, prefill_source(identity), self.today()))
            changes["form"] = state_of(session)
            if session.version != before:
                await self.store.run(cs.void_signatures, case.id)
        case = await self.store.run(cs.update_case, case.id, "clerk", clerk.id, "identity_set",
                                    {"source": identity["source"]}, **changes)
        await self.send_case(case)

    # --- documents ------------------------------------------------------------------------------
    async def _put_file(self, case: CaseRow, data: bytes, name: str, mime: str, sender: str, kind: str,
                        clerk_id: int | None = None, key: str | None = None) -> dict[str, Any]:
        """Encrypt into the vault, then the row; a retry with the same key returns the first document."""
        if key:
            first = await self.store.run(cs.document_by_key, case.id, key)
            if first is not None:
                return {**first, "_new": False}
        file_id = await asyncio.to_thread(self.services.vault.put, data)
        row, new = await self.store.run(cs.add_document, case.id, file_id=file_id, name=name, mime=mime,
                                        size=len(data), sha256=hashlib.sha256(data).hexdigest(), sender=sender,
                                        kind=kind, clerk_id=clerk_id, idempotency_key=key)
        if not new:  # a concurrent retry won the race: its file stays, ours goes
            await asyncio.to_thread(self.services.vault.delete, file_id)
        return {**row, "_new": new}

    async def add_document(self, case: CaseRow, data: bytes, name: str, mime: str, sender: str, kind: str,
                           clerk_id: int | None = None, key: str | None = None) -> tuple[dict[str, Any], bool]:
        row = await self._put_file(case, data, name, mime, sender, kind, clerk_id, key)
        new = row.pop("_new")
        if new:
            public = cs.document_public(row)
            if kind != "snapshot":
                await self.to_citizen(case.ticket_id, "document", **public)
            await self.to_clerks(case.ticket_id, "document", **public)
        return row, new

    async def _clerk_show(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow, msg: dict[str, Any]) -> None:
        document_id = msg["document_id"]
        if document_id is not None:
            row = await self.store.run(cs.document, case.id, document_id)
            if row is None or not row["mime"].startswith("image/"):
                await self.error(conn, "not_image", "Nur Bilder dieses Vorgangs können gezeigt werden", "show")
                return
        await self.store.run(cs.update_case, case.id, "clerk", clerk.id, "shown", {"document_id": document_id},
                             shown=document_id)
        url = self.download_url(document_id, "citizen", ticket.id) if document_id else None
        await self.to_citizen(ticket.id, "show", document_id=document_id, url=url)
        await self.to_clerks(ticket.id, "show", document_id=document_id,
                             url=self.download_url(document_id, "clerk", ticket.id) if document_id else None)

    # --- fee and certificate (in their own modules) ---------------------------------------------
    async def _clerk_pay_request(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow,
                                 msg: dict[str, Any]) -> None:
        await request_fee(self, conn, clerk, case)

    async def payment_changed(self, request: Any, previous: Any) -> None:
        await payment_changed(self, request, previous)

    async def _clerk_issue(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow, msg: dict[str, Any]) -> None:
        await issue(self, conn, clerk, case)


def identity_problem(identity: dict[str, Any]) -> str | None:
    """Why a ``case_identity`` is refused (German), or None: small, flat, with a known source."""
    if identity.get("source") not in IDENTITY_SOURCES:
        return "identity.source muss 'mrz', 'chip' oder 'manual' sein"
    if len(json.dumps(identity, ensure_ascii=False)) > MAX_IDENTITY_BYTES:
        return "Die Ausweisdaten sind zu groß"
    for key, value in identity.items():
        flat = value is None or isinstance(value, str | int) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value))
        if not isinstance(key, str) or len(key) > 40 or isinstance(value, bool) or not flat:
            return f"identity.{str(key)[:40]}: nur Text, Zahl oder Textliste erlaubt"
    return None
