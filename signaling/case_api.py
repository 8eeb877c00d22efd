"""REST of the case (docs/case.md): uploads and downloads, signature, certificate, export, erase.

Citizens authenticate with their personal token (a ticket's, or a booked appointment's before
its ticket exists); clerks with their session and only for tickets of their departments.
Payment routes and the public check page live in ``case_pay_api``.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web

from signaling import auth
from signaling import case_store as cs
from signaling.api import idempotency_key, read_json
from signaling.appointment_store import appointment_for_token
from signaling.case_form_hub import CaseRefused
from signaling.case_hub import CaseHub
from signaling.case_id_copy import require_consent
from signaling.case_retention import erase
from signaling.case_services import CASES
from signaling.case_store import CaseRow
from signaling.keys import HUB, STORE
from signaling.storage import Clerk, NotFound, Storage
from videoschalter.cases.export import export_case
from videoschalter.cases.id_copy import KIND as ID_COPY
from videoschalter.cases.uploads import UploadRefused, check_upload

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_SIGNATURE_BYTES = 1024 * 1024  # 10 000 points as JSON, with room to spare
CHUNK = 64 * 1024


def refusals(handler: Handler) -> Handler:
    """Turn a ``CaseRefused`` into the usual JSON error body with its status."""
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except CaseRefused as exc:
            return web.json_response({"error": exc.code, "message": exc.message}, status=exc.status)
    return wrapped


def case_hub(request: web.Request) -> CaseHub:
    cases = request.app[HUB].cases
    assert cases is not None
    return cases


# --- who may touch the case ----------------------------------------------------------------------
async def citizen_case(request: web.Request, after_expiry: bool = False) -> CaseRow:
    """The case of the bearer token's ticket, or of the booked appointment before its ticket exists."""
    token = auth.bearer_token(request)
    store = request.app[STORE]
    if token:
        finder = cs.ticket_for_any_token if after_expiry else Storage.ticket_for_token
        ticket = await store.run(finder, token)
        if ticket is not None:
            return await store.run(cs.case_for_ticket, ticket.id)
        appointment = await store.run(appointment_for_token, token)
        if appointment is not None and (after_expiry or appointment.status == "booked"):
            return await store.run(cs.case_for_appointment, appointment.id)
    raise CaseRefused(403, "invalid_token", "Ihr Link ist ungültig oder abgelaufen")


async def clerk_case(request: web.Request) -> tuple[Clerk, CaseRow]:
    clerk = await auth.require_clerk(request)
    try:
        ticket = await request.app[STORE].run(Storage.ticket, int(request.match_info["ticket_id"]))
    except (NotFound, ValueError):
        raise CaseRefused(404, "unknown_ticket", "Diese Wartenummer gibt es nicht") from None
    if ticket.department not in clerk.departments:
        raise CaseRefused(403, "forbidden", "Diese Abteilung betreuen Sie nicht")
    return clerk, await request.app[STORE].run(cs.case_for_ticket, ticket.id)


def _not_erased(case: CaseRow) -> None:
    if case.erased_at:
        raise CaseRefused(410, "erased", "Die Daten dieses Vorgangs wurden gelöscht")


# --- uploads -------------------------------------------------------------------------------------
async def read_upload(request: web.Request, limit: int) -> bytes:
    """The raw body up to ``limit`` bytes (413 beyond); streamed, so the app's small body limit stays."""
    if request.content_length is not None and request.content_length > limit:
        raise _refused(UploadRefused("too_large", size_mb=_mb(request.content_length), limit_mb=_mb(limit)))
    parts, size = [], 0
    while chunk := await request.content.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise _refused(UploadRefused("too_large", size_mb=_mb(size), limit_mb=_mb(limit)))
        parts.append(chunk)
    return b"".join(parts)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def _refused(exc: UploadRefused) -> CaseRefused:
    return CaseRefused(exc.status, exc.code, exc.message)


async def _upload(request: web.Request, case: CaseRow, sender: str, kind: str, clerk_id: int | None) -> web.Response:
    _not_erased(case)
    services = request.app[CASES]
    key = idempotency_key(request)
    if key:  # a retry of an upload that arrived: no need to read and check it again
        first = await request.app[STORE].run(cs.document_by_key, case.id, key)
        if first is not None:
            return web.json_response({"document": cs.document_public(first)}, status=200)
    if kind == ID_COPY:  # refused before the body is read: no consent, no copy of the ID card
        await require_consent(request.app[STORE], case)
    data = await read_upload(request, services.max_upload_bytes)
    name = unquote(request.headers.get("X-Filename", "Dokument"))
    try:
        checked = await asyncio.to_thread(check_upload, data, name, services.max_upload_bytes)
    except UploadRefused as exc:
        raise _refused(exc) from None
    if kind == "snapshot" and not checked.mime.startswith("image/"):
        raise CaseRefused(415, "unsupported_type", "Zum Zeigen eignen sich nur Bilder (JPEG oder PNG)")
    if kind == ID_COPY and not checked.mime.startswith("image/"):
        raise CaseRefused(415, "unsupported_type", "Eine Ausweiskopie muss ein Bild sein (JPEG oder PNG)")
    hub = case_hub(request)
    if kind == ID_COPY:  # checked again under the case's lock: one consent, one copy, also when two race
        async with hub.lock(case.id):
            if not (key and await request.app[STORE].run(cs.document_by_key, case.id, key)):  # else: a retry
                await require_consent(request.app[STORE], case)
            row, new = await hub.add_document(case, checked.data, checked.name, checked.mime, sender, kind,
                                              clerk_id, key)
    else:
        row, new = await hub.add_document(case, checked.data, checked.name, checked.mime, sender, kind,
                                          clerk_id, key)
    return web.json_response({"document": cs.document_public(row)}, status=201 if new else 200)


@refusals
async def citizen_upload(request: web.Request) -> web.Response:
    return await _upload(request, await citizen_case(request), "citizen", "upload", None)


@refusals
async def clerk_upload(request: web.Request) -> web.Response:
    clerk, case = await clerk_case(request)
    kind = request.query.get("kind", "shared")
    if kind not in ("shared", "snapshot", ID_COPY):
        raise CaseRefused(400, "wrong_kind", "kind ist 'shared', 'snapshot' oder 'id_copy'")
    return await _upload(request, case, "clerk", kind, clerk.id)


# --- downloads -----------------------------------------------------------------------------------
async def file_response(request: web.Request, row: dict[str, Any] | None) -> web.Response:
    """A case document from the vault, decrypted; also the personal link's download (``case_link``)."""
    if row is None or row["file_id"] is None:
        raise CaseRefused(404, "unknown_document", "Dieses Dokument gibt es nicht")
    data = await asyncio.to_thread(request.app[CASES].vault.get, row["file_id"])
    # pictures show in the page; a PDF is saved (the page's CSP has object-src 'none', which blocks viewers)
    disposition = "inline" if row["mime"] in ("image/jpeg", "image/png") else "attachment"
    return web.Response(body=data, content_type=row["mime"], headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row['name'] or 'Dokument')}",
        "Cache-Control": "private, no-store"})


@refusals
async def citizen_download(request: web.Request) -> web.Response:
    case = await citizen_case(request)
    row = await request.app[STORE].run(cs.document, case.id, request.match_info["document_id"])
    if row is not None and row["kind"] == "snapshot" and row["id"] != case.shown:
        row = None  # the clerk's snapshots are the citizen's only while shown
    return await file_response(request, row)


@refusals
async def clerk_download(request: web.Request) -> web.Response:
    clerk, case = await clerk_case(request)
    row = await request.app[STORE].run(cs.document, case.id, request.match_info["document_id"])
    if row is not None:
        await request.app[STORE].run(cs.add_event, case.id, "clerk", "document_viewed", clerk.id,
                                     {"document_id": row["id"]})
    return await file_response(request, row)


@refusals
async def certificate(request: web.Request) -> web.Response:
    """The issued signed PDF, from the personal link also after the call (until retention ends)."""
    case = await citizen_case(request, after_expiry=True)
    store = request.app[STORE]
    issued = [r for r in await store.run(cs.issued_of, case.id) if r["revoked_at"] is None and r["document_id"]]
    if not issued:
        raise CaseRefused(404, "not_issued", "Für diesen Vorgang wurde noch keine Bescheinigung ausgestellt")
    return await file_response(request, await store.run(cs.document, case.id, issued[-1]["document_id"]))


# --- signature -----------------------------------------------------------------------------------
@refusals
async def signature(request: web.Request) -> web.Response:
    case = await citizen_case(request)
    _not_erased(case)
    body = await read_json(request, MAX_SIGNATURE_BYTES)
    result = await case_hub(request).sign(case, body)
    return web.json_response({"signature": result}, status=201)


@refusals
async def clerk_signature(request: web.Request) -> web.Response:
    """A signature from the tablet at the counter: the citizen signs, the clerk's app submits it.

    Same rules as the browser (bound to the confirmed version that was asked for); the audit log
    names the clerk whose tablet delivered it.
    """
    clerk, case = await clerk_case(request)
    _not_erased(case)
    body = await read_json(request, MAX_SIGNATURE_BYTES)
    result = await case_hub(request).sign(case, body)
    await request.app[STORE].run(cs.add_event, case.id, "clerk", "signature_from_tablet", clerk.id)
    return web.json_response({"signature": result}, status=201)


# --- export and erase ----------------------------------------------------------------------------
@refusals
async def export(request: web.Request) -> web.Response:
    clerk, case = await clerk_case(request)
    store = request.app[STORE]
    snapshot = await case_hub(request).snapshot(case, "clerk")
    snapshot.update(department=case.department, created_at=case.created_at, closed_at=case.closed_at,
                    erased_at=case.erased_at)
    records = {r["id"]: r for r in await store.run(cs.signature_records, case.id)}
    snapshot["signatures"] = [{**s, "record": (records.get(s["id"]) or {}).get("record")}
                              for s in snapshot["signatures"]]
    await store.run(cs.add_event, case.id, "clerk", "exported", clerk.id)
    events = await store.run(cs.events_of, case.id)
    body = export_case(snapshot, events, include_strokes=request.query.get("strokes") == "1")
    return web.Response(text=json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="vorgang-{case.id}.json"'})


@refusals
async def erase_case(request: web.Request) -> web.Response:
    clerk, case = await clerk_case(request)
    if case.erased_at:
        return web.json_response({"erased": True, "files": 0})
    hub = case_hub(request)
    async with hub.lock(case.id):
        files = await erase(request.app[STORE], request.app[CASES], case.id, "clerk", clerk.id)
        hub.forget(case.id)
    case = await request.app[STORE].run(cs.case, case.id)
    await hub.send_case(case)
    return web.json_response({"erased": True, "files": files})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/v1/case/documents", citizen_upload)
    r.add_get("/api/v1/case/documents/{document_id}", citizen_download)
    r.add_post("/api/v1/case/signature", signature)
    r.add_get("/api/v1/case/certificate", certificate)
    r.add_post("/api/v1/clerk/cases/{ticket_id}/documents", clerk_upload)
    r.add_get("/api/v1/clerk/cases/{ticket_id}/documents/{document_id}", clerk_download)
    r.add_post("/api/v1/clerk/cases/{ticket_id}/signature", clerk_signature)
    r.add_get("/api/v1/clerk/cases/{ticket_id}/export", export)
    r.add_delete("/api/v1/clerk/cases/{ticket_id}", erase_case)
