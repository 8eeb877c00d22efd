"""The form and signature messages of the case (a part of ``CaseHub``, kept apart for size).

``form_open`` (prefilled from the stored identity), ``form_set`` (the clerk edits the version
they saw), ``form_check``, ``form_lang``, ``form_confirm`` (the citizen confirms what they read),
``sign_request`` and the REST signature. Every form change is stored before it is announced;
a new version voids signatures and a pending signature request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from signaling import case_store as cs
from signaling.case_forms import (
    FORM_LANGUAGES,
    confirm_read,
    office_today,
    prefill_source,
    signature_field,
    state_of,
)
from signaling.case_forms import view as form_view
from signaling.case_store import CaseRow
from signaling.storage import Clerk, Ticket, utcnow
from videoschalter import protocol
from videoschalter.cases import strokes as strokes_mod
from videoschalter.forms import EditRefused, FormSession, NotReady, StaleVersion, prefill

if TYPE_CHECKING:
    from signaling.hub import Conn


class CaseRefused(Exception):
    """A REST action on a case that is not allowed; carries the HTTP status and a stable code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FormMessages:
    """Mixed into ``CaseHub``; uses its storage, sessions, locks and senders."""

    def today(self) -> dt.date:
        """The office's date (``[office] timezone``) for the forms' date rules and the ID card's expiry."""
        return office_today(self.services.config.timezone)  # type: ignore[attr-defined]

    # --- form -----------------------------------------------------------------------------------
    async def _clerk_form_open(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow,
                               msg: dict[str, Any]) -> None:
        form = self.services.forms.get(msg["form"])
        if form is None:
            await self.error(conn, "unknown_form", "Dieses Formular gibt es nicht", "form_open")
            return
        session = FormSession(form)
        if case.identity:
            session.apply_prefill(prefill(form, prefill_source(case.identity), self.today()))
        await self.store.run(cs.void_signatures, case.id)
        case = await self.store.run(cs.update_case, case.id, "clerk", clerk.id, "form_opened", {"form": form.id},
                                    form=state_of(session), sign_hash=None, sign_version=None)
        self._sessions[case.id] = session
        await self.announce_form(case, session)

    async def _form_or_error(self, conn: Conn, case: CaseRow, ref: str) -> FormSession | None:
        session = await self.session(case)
        if session is None:
            await self.error(conn, "no_form", "Es ist noch kein Formular geöffnet", ref)
        return session

    async def _store_form(self, case: CaseRow, session: FormSession, actor: str, clerk_id: int | None, kind: str,
                          detail: dict[str, Any], version_before: int) -> CaseRow:
        """Persist the form (a new version voids signatures and any pending signature request), then announce."""
        changes: dict[str, Any] = {"form": state_of(session)}
        if session.version != version_before:
            await self.store.run(cs.void_signatures, case.id)
            changes.update(sign_hash=None, sign_version=None)
        case = await self.store.run(cs.update_case, case.id, actor, clerk_id, kind, detail, **changes)
        await self.announce_form(case, session)
        return case

    async def _clerk_form_set(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow,
                              msg: dict[str, Any]) -> None:
        await self._form_set(conn, case, msg, "clerk", clerk.id)

    async def _citizen_form_set(self, conn: Conn, ticket: Ticket, case: CaseRow, msg: dict[str, Any]) -> None:
        """The citizen fills in what only they know; fields checked against the ID stay the clerk's."""
        await self._form_set(conn, case, msg, "citizen", None)

    async def _form_set(self, conn: Conn, case: CaseRow, msg: dict[str, Any], role: str, clerk_id: int | None) -> None:
        session = await self._form_or_error(conn, case, "form_set")
        if session is None:
            return
        if msg["version"] != session.version:
            await self.error(conn, "stale_version", "Das Formular wurde inzwischen geändert", "form_set")
            await self.hub.send(conn, self._form_message(case, session, role))
            return
        before = session.version
        try:
            session.apply_edit(msg["field"], msg["value"], by=role)  # type: ignore[arg-type]
        except EditRefused as exc:
            await self.error(conn, exc.code, f"Feld {msg['field']!r}: {exc}", "form_set")
            return
        await self._store_form(case, session, role, clerk_id, "form_edited", {"field": msg["field"]}, before)

    def _form_message(self, case: CaseRow, session: FormSession, role: str) -> str:
        if role == "clerk":
            return protocol.encode("form", ticket_id=case.ticket_id,
                                   form=form_view(session, "clerk", today=self.today()))
        return protocol.encode("form", form=form_view(session, "citizen", case.form_lang, self.today()))

    async def _clerk_form_check(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow,
                                msg: dict[str, Any]) -> None:
        session = await self._form_or_error(conn, case, "form_check")
        if session is None:
            return
        try:
            session.mark_checked(msg["field"])
        except EditRefused as exc:
            await self.error(conn, exc.code, str(exc), "form_check")
            return
        await self._store_form(case, session, "clerk", clerk.id, "form_checked", {"field": msg["field"]},
                               session.version)

    async def _citizen_form_lang(self, conn: Conn, ticket: Ticket, case: CaseRow, msg: dict[str, Any]) -> None:
        if msg["lang"] not in FORM_LANGUAGES:
            await self.error(conn, "unknown_language", "Diese Sprache gibt es für Formulare nicht", "form_lang")
            return
        case = await self.store.run(cs.update_case, case.id, "citizen", None, "form_lang", {"lang": msg["lang"]},
                                    form_lang=msg["lang"])
        session = await self.session(case)
        if session is not None:
            await self.to_citizen(ticket.id, "form", form=form_view(session, "citizen", case.form_lang, self.today()))

    async def _citizen_form_confirm(self, conn: Conn, ticket: Ticket, case: CaseRow, msg: dict[str, Any]) -> None:
        session = await self._form_or_error(conn, case, "form_confirm")
        if session is None:
            return
        try:
            digest = confirm_read(session, msg["version"], utcnow(), case.form_lang, self.today())
        except StaleVersion:
            await self.error(conn, "stale_version", "Das Formular wurde gerade geändert; bitte noch einmal prüfen",
                             "form_confirm")
            return
        except NotReady as exc:
            fields = sorted({e.field for e in exc.errors} | set(exc.unchecked))
            await self.error(conn, "not_ready", "Das Formular ist noch nicht vollständig oder wird noch geprüft: "
                             + ", ".join(fields), "form_confirm")
            return
        await self._store_form(case, session, "citizen", None, "form_confirmed",
                               {"version": session.version, "document_hash": digest}, session.version)

    # --- signature ------------------------------------------------------------------------------
    async def _clerk_sign_request(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow,
                                  msg: dict[str, Any]) -> None:
        session = await self._form_or_error(conn, case, "sign_request")
        if session is None:
            return
        if not session.confirmed or signature_field(session.form) is None:
            await self.error(conn, "not_confirmed", "Das Formular ist noch nicht von der Bürgerin / dem Bürger "
                             "bestätigt", "sign_request")
            return
        digest = session.document_hash
        await self.store.run(cs.update_case, case.id, "clerk", clerk.id, "sign_requested",
                             {"document_hash": digest, "version": session.version},
                             sign_hash=digest, sign_version=session.version)
        await self.to_both(ticket.id, "sign_request", document_hash=digest, version=session.version)

    async def sign(self, case: CaseRow, body: dict[str, Any]) -> dict[str, Any]:
        """The citizen's signature (REST): bound to the hash of the confirmed version that was asked for."""
        async with self.lock(case.id):
            case = await self.store.run(cs.case, case.id)
            session = await self.session(case)
            digest = body.get("document_hash")
            if session is None:
                raise CaseRefused(409, "not_requested", "Es wurde keine Unterschrift angefordert")
            if digest != session.document_hash:
                raise CaseRefused(409, "document_changed", "Das Formular wurde geändert; bitte prüfen Sie es erneut")
            if digest != case.sign_hash or not session.confirmed:
                raise CaseRefused(409, "not_requested", "Es wurde keine Unterschrift für diese Fassung angefordert")
            width, height = body.get("width"), body.get("height")
            try:
                strokes = strokes_mod.validate_strokes(body.get("strokes"), width, height)  # type: ignore[arg-type]
            except ValueError as exc:
                raise CaseRefused(422, "invalid_signature", str(exc)) from None
            at = utcnow()
            png = await asyncio.to_thread(strokes_mod.render_png, strokes, width, height)
            record = strokes_mod.signature_record(strokes, width, height, digest, at)  # type: ignore[arg-type]
            image = await self._put_file(case, png, "Unterschrift.png", "image/png", "citizen", "signature")
            field = signature_field(session.form)
            assert field is not None
            try:
                session.sign(field, session.version, hashlib.sha256(png).hexdigest(), at)
                signature = await self.store.run(cs.add_signature, case.id, digest, session.version, image["id"],
                                                 record, state_of(session))
            except Exception:
                self.forget(case.id)
                raise
        await self.to_both(case.ticket_id, "document", **cs.document_public(image))
        await self.to_both(case.ticket_id, "signature", **signature)
        await self.announce_form(case, session)
        return signature
