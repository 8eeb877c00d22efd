"""The clerk's side of the case (docs/case.md), without Qt: state from server messages, actions as messages.

The panel calls the coroutines and listens to the events; tests do the same with plain asyncio and a
transport that records what would go to the server. Every action the clerk triggers is counted in
``actions`` (the benchmark's "clerk actions"); what the app does by itself (opening the case when a
call starts, opening the booked service's form, and – with ``auto_requests`` – asking for the
signature once the citizen confirmed and for the fee once they signed) is not. ``typed_identity_fields``
counts edits of fields the ID card fills — the target is zero.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Awaitable
from typing import Any, Protocol

from clerk_app import case_forms
from clerk_app.case_state import CASE_CLERK_TYPES, CASE_SERVER_TYPES, CaseState
from clerk_app.events import Event

log = logging.getLogger("videoschalter.case")
OFFLINE = "Keine Verbindung zum Server – bitte gleich noch einmal versuchen."


class CaseTransport(Protocol):
    """What the case needs from the connection; ``clerk_app.client.ClerkClient`` is the real one."""

    def send(self, mtype: str, **fields: Any) -> Awaitable[None]: ...
    async def upload_case_document(self, ticket_id: int, name: str, data: bytes, idempotency_key: str,
                                   kind: str = "shared") -> dict[str, Any]: ...
    async def download_case_document(self, ticket_id: int, document_id: str) -> tuple[bytes, str]: ...
    async def export_case(self, ticket_id: int) -> dict[str, Any]: ...
    async def erase_case(self, ticket_id: int) -> None: ...
    async def post_case_signature(self, ticket_id: int, body: dict[str, Any]) -> dict[str, Any]: ...


class CaseController:
    def __init__(self, transport: CaseTransport, auto_form: bool = True, auto_requests: bool = True):
        self.transport = transport
        self.auto_form = auto_form
        self.auto_requests = auto_requests  # the next step of the story needs no click when it is obvious
        self.state: CaseState | None = None
        self.actions: Counter[str] = Counter()
        self.typed_identity_fields = 0
        self._auto_opened: set[int] = set()
        self._pending_form: str | None = None  # a walk-in's chosen form, opened once the service is set
        self._auto_sent: set[tuple[int, str, Any]] = set()  # (ticket, step, what for): each step once
        # events for views
        self.opened = Event()      # (state: CaseState) a new case is shown
        self.changed = Event()     # (kind: str) the server changed part of the case (a server message type)
        self.chat_added = Event()  # (line: dict)
        self.error = Event()       # (text: str)
        self.info = Event()        # (text: str)

    @property
    def clerk_actions(self) -> int:
        return sum(self.actions.values())

    @property
    def ticket_id(self) -> int | None:
        return self.state.ticket_id if self.state else None

    def reset_counters(self) -> None:
        self.actions.clear()
        self.typed_identity_fields = 0

    # --- lifecycle (not clerk actions) ---------------------------------------------------
    async def open(self, ticket_id: int) -> None:
        """A call started: show this ticket's case; the server answers with the ``case`` snapshot."""
        if self.state is None or self.state.ticket_id != ticket_id:
            self.state = CaseState(ticket_id)
            self.opened.emit(self.state)
        await self._send("case_open")

    async def resync(self) -> None:
        """After a reconnect the snapshot is fetched again (messages may have been missed)."""
        if self.state is not None:
            await self._send("case_open")

    # --- server messages -----------------------------------------------------------------
    async def handle(self, msg: dict[str, Any]) -> bool:
        """Take a server message if it belongs to the case; ``False`` leaves it to the main controller."""
        kind = msg.get("type")
        if kind == "error":
            if msg.get("ref") in CASE_CLERK_TYPES:
                self.error.emit(msg.get("message") or "Der Server hat die Aktion abgelehnt.")
                return True
            return False
        if kind not in CASE_SERVER_TYPES or "ticket_id" not in msg:
            return False
        if self.state is None or msg["ticket_id"] != self.state.ticket_id:
            return True  # another case (an earlier call): nothing to show
        self.state.apply(msg)
        if kind == "chat":
            self.chat_added.emit(msg)
        elif kind == "issued":
            self.info.emit(f"Bescheinigung ausgestellt – Prüfnummer {msg.get('document_id')}")
        self.changed.emit(kind)
        if kind == "case":
            await self._open_booked_form()
        if kind in ("case", "form", "signature", "payment"):
            await self._next_request()
        return True

    async def _next_request(self) -> None:
        """Confirmed → ask for the signature of exactly that version; signed → ask for the fee."""
        state = self.state
        if not self.auto_requests or state is None:
            return
        form_hash = (state.form or {}).get("document_hash")
        asked = state.sign_request is not None and state.sign_request.get("document_hash") == form_hash
        if state.can_request_signature and not asked:
            await self._once("sign_request", form_hash)
        if state.signed and state.can_request_payment and not state.payments:
            await self._once("pay_request", None)

    async def _once(self, mtype: str, what: Any) -> None:
        assert self.state is not None
        key = (self.state.ticket_id, mtype, what)
        if key not in self._auto_sent:
            self._auto_sent.add(key)
            await self._send(mtype)

    async def _open_booked_form(self) -> None:
        """A booked service with one form: the form opens by itself, so the clerk needs no click for it."""
        state = self.state
        if not self.auto_form or state is None or state.form is not None or state.ticket_id in self._auto_opened:
            return
        forms = case_forms.forms_for_service(state.service)
        pending, self._pending_form = self._pending_form, None
        if pending in forms or len(forms) == 1:
            self._auto_opened.add(state.ticket_id)
            await self._send("form_open", form=pending if pending in forms else forms[0])

    # --- clerk actions (counted) ---------------------------------------------------------
    def count(self, kind: str) -> None:
        """One clerk action; also called by the main controller for calling in and hanging up."""
        self.actions[kind] += 1

    async def send_chat(self, text: str) -> bool:
        text = text.strip()
        if not text or self.state is None:
            return False
        if len(text) > 2000:
            self.error.emit("Die Nachricht ist zu lang (höchstens 2000 Zeichen).")
            return False
        self.count("chat")
        return await self._send("chat", text=text)

    async def take_identity(self, identity: dict[str, Any], source: str = "mrz") -> None:
        """The clerk's "Übernehmen" on a read ID: the case gets the identity, the form is prefilled from it."""
        if self.state is None:
            return
        self.count("identity")
        await self._send("case_identity", identity={**identity, "source": source})

    async def set_service(self, service: str) -> None:
        self.count("service")
        await self._send("case_service", service=service)

    async def open_form(self, form_id: str) -> None:
        """For a walk-in (no service yet) the form's service is set first: the fee comes with it, and the
        form opens when the server's new snapshot arrives – still one click for the clerk."""
        self.count("form_open")
        services = case_forms.definitions()[form_id].services if form_id in case_forms.definitions() else ()
        if self.state is not None and self.state.service is None and services:
            self._pending_form = form_id
            await self._send("case_service", service=services[0])
            return
        await self._send("form_open", form=form_id)

    async def set_field(self, field_id: str, value: Any) -> None:
        state = self.state
        if state is None or state.form is None:
            return
        self.count("form_set")
        if field_id in case_forms.identity_fields(state.form_id):
            self.typed_identity_fields += 1
        await self._send("form_set", field=field_id, value=value, version=state.form_version)

    async def check_field(self, field_id: str) -> None:
        self.count("form_check")
        await self._send("form_check", field=field_id)

    async def check_all(self) -> None:
        """One click for all prefilled values the clerk compared with the ID card."""
        if self.state is None or not self.state.needs_check:
            return
        self.count("form_check")
        for field_id in self.state.needs_check:
            await self._send("form_check", field=field_id)

    async def request_signature(self) -> None:
        self.count("sign_request")
        await self._send("sign_request")

    async def request_payment(self) -> None:
        self.count("pay_request")
        await self._send("pay_request")

    async def issue(self) -> None:
        self.count("issue")
        await self._send("issue")

    async def show(self, document_id: str | None) -> None:
        self.count("show")
        await self._send("show", document_id=document_id)

    async def send_file(self, name: str, data: bytes) -> dict[str, Any] | None:
        """Upload a file for the citizen; retried once with the same key, so a lost answer makes no copy."""
        self.count("send_file")
        return await self._upload(name, data)

    async def show_image(self, name: str, png: bytes) -> dict[str, Any] | None:
        """A rendered page or screen region: uploaded as a shared document, then put into the citizen's view."""
        self.count("show")
        document = await self._upload(name, png, "snapshot")
        if document is not None and document.get("id") is not None:
            await self._send("show", document_id=str(document["id"]))
        return document

    async def sign_at_counter(self, strokes: dict[str, Any]) -> dict[str, Any] | None:
        """Strokes from the counter's signature tablet, bound to the form version awaiting signature."""
        state = self.state
        if state is None or state.form is None:
            return None
        self.count("sign_counter")
        document_hash = (state.sign_request or {}).get("document_hash") or state.form.get("document_hash")
        try:
            signature = await self.transport.post_case_signature(
                state.ticket_id, {"document_hash": document_hash, **strokes})
        except ConnectionError as exc:
            self.error.emit(f"Unterschrift nicht gespeichert: {exc}")
            return None
        return signature

    # --- REST that is not a step of the story (not counted) ---------------------------
    async def download(self, document_id: str) -> tuple[bytes, str] | None:
        if self.state is None:
            return None
        try:
            return await self.transport.download_case_document(self.state.ticket_id, document_id)
        except ConnectionError as exc:
            self.error.emit(f"Dokument nicht geladen: {exc}")
            return None

    async def export(self) -> dict[str, Any] | None:
        if self.state is None:
            return None
        try:
            return await self.transport.export_case(self.state.ticket_id)
        except ConnectionError as exc:
            self.error.emit(f"Export fehlgeschlagen: {exc}")
            return None

    async def erase(self) -> bool:
        if self.state is None:
            return False
        try:
            await self.transport.erase_case(self.state.ticket_id)
        except ConnectionError as exc:
            self.error.emit(f"Löschen fehlgeschlagen: {exc}")
            return False
        self.info.emit("Die personenbezogenen Daten des Vorgangs wurden gelöscht.")
        await self.resync()
        return True

    # --- plumbing ------------------------------------------------------------------------
    async def _upload(self, name: str, data: bytes, kind: str = "shared") -> dict[str, Any] | None:
        if self.state is None:
            return None
        key = uuid.uuid4().hex
        for attempt in (1, 2):
            try:
                return await self.transport.upload_case_document(self.state.ticket_id, name, data, key, kind)
            except ConnectionError as exc:
                if attempt == 2 or "nicht erreichbar" not in str(exc):
                    self.error.emit(f"Datei nicht gesendet: {exc}")
                    return None
                log.info("upload of %s failed once, retrying with the same key", name)
        return None

    async def _send(self, mtype: str, **fields: Any) -> bool:
        if self.state is None:
            return False
        try:
            await self.transport.send(mtype, ticket_id=self.state.ticket_id, **fields)
        except ConnectionError:
            self.error.emit(OFFLINE)
            return False
        return True
