"""After the call, the personal link still gives the citizen their issued documents.

The citizen may close the tab before saving the certificate, or want it again a week later. So
``/w/<token>`` of a finished ticket (or of the appointment it came from) shows a short page with the
documents issued in the case, and ``/w/<token>/dokumente/<id>`` sends one, until the retention
period erases the case. Only issued, not revoked documents are offered: the link is a bearer token,
and what the citizen uploaded or the clerk showed during the call is not given out again.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from signaling import appointment_store as appts
from signaling import case_store as cs
from signaling.case_api import file_response
from signaling.case_retention import closed_at
from signaling.case_services import CASES
from signaling.keys import CONFIG, STORE
from signaling.storage import Storage
from videoschalter import i18n
from videoschalter.certificates.kinds import KINDS

TITLES = {k.kind: k.title for k in KINDS.values()}


@dataclass(frozen=True)
class IssuedFile:
    """One issued document as the link page lists it."""

    document_id: str  # the case document holding the PDF
    verification_id: str  # the id on /verify
    kind: str
    issued_at: dt.datetime
    file: dict[str, Any]  # the case document's row (vault file id, name, type)


@dataclass(frozen=True)
class FinishedCase:
    case_id: int
    closed: dt.datetime | None
    issued: tuple[IssuedFile, ...]


def case_behind_link(storage: Storage, token: str) -> cs.CaseRow | None:
    """The case a personal link leads to, also after its token expired; never creates one."""
    ticket = cs.ticket_for_any_token(storage, token)
    if ticket is not None:
        return cs.find_case(storage, ticket.id)
    appointment = appts.appointment_for_token(storage, token)
    if appointment is None:
        return None
    if appointment.ticket_id is not None:
        return cs.find_case(storage, appointment.ticket_id)
    rows = list(storage.db["cases"].rows_where("appointment_id = ?", [appointment.id]))
    return cs.CaseRow.from_row(rows[0]) if rows else None


def finished_case(storage: Storage, token: str) -> FinishedCase | None:
    """The link's case with the issued documents still on file, or None (nothing to offer)."""
    case = case_behind_link(storage, token)
    if case is None or case.erased_at:
        return None
    issued = []
    for row in cs.issued_of(storage, case.id):
        file = cs.document(storage, case.id, row["document_id"]) if row["revoked_at"] is None else None
        if file is not None and file["file_id"] is not None:
            issued.append(IssuedFile(row["document_id"], row["id"], row["kind"] or "",
                                     dt.datetime.fromisoformat(row["issued_at"]), file))
    if not issued:
        return None
    state = storage.db.execute("select state, ended_at from tickets where id = ?", [case.ticket_id]).fetchone()
    closed = closed_at({"closed_at": case.closed_at, "ticket_state": state[0] if state else None,
                        "ended_at": state[1] if state else None})
    return FinishedCase(case.id, closed, tuple(issued))


async def documents_page(request: web.Request, token: str) -> web.Response | None:
    """The page for a finished link that has documents to give, or None for the 'link not valid' page."""
    found = await request.app[STORE].run(finished_case, token)
    if found is None:
        return None
    lang = i18n.negotiate(request.headers.get("Accept-Language"))
    _ = i18n.translator(lang)
    retention = request.app[CASES].retention_days
    items = []
    for doc in found.issued:
        title = TITLES.get(doc.kind, _("Bescheinigung"))
        href = f"/w/{quote(token)}/dokumente/{quote(doc.document_id)}"
        items.append(
            f'<li><a class="button" href="{html.escape(href)}" download>{html.escape(_("Herunterladen"))}: '
            f'{html.escape(title)}</a> <span class="small">{doc.issued_at.astimezone().strftime("%d.%m.%Y")} · '
            f'<a href="/verify/{quote(doc.verification_id)}">{html.escape(_("Echtheit prüfen"))}</a></span></li>')
    if found.closed is not None:
        until = (found.closed + dt.timedelta(days=retention)).astimezone().strftime("%d.%m.%Y")
        keep = _("Die Dokumente stehen hier bis zum {date} bereit; danach werden sie gelöscht.").format(date=until)
    else:
        keep = _("Die Dokumente stehen hier bereit, bis die Aufbewahrungsfrist von {days} Tagen abgelaufen ist.")
        keep = keep.format(days=retention)
    title = _("Ihr Vorgang ist abgeschlossen")
    intro = _("Ihre Dokumente sind elektronisch signiert. Sie gelten auch ausgedruckt; "
              "der QR-Code darauf führt zur Prüfung.")
    office = html.escape(request.app[CONFIG].office_name)
    body = f"""<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{html.escape(title)} – {office}</title><link rel="stylesheet" href="/static/style.css"></head>
<body><main class="card"><h1>{html.escape(title)}</h1>
<p>{html.escape(intro)}</p>
<ul class="issued-list">{"".join(items)}</ul>
<p class="small">{html.escape(keep)}</p>
<p><a href="/">{html.escape(_("Zur Startseite"))}</a></p></main></body></html>"""
    return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "private, no-store"})


async def download(request: web.Request) -> web.Response:
    """One issued document by the personal link, as an attachment."""
    token, document_id = request.match_info["token"], request.match_info["document_id"]
    store = request.app[STORE]
    found = await store.run(finished_case, token) if len(token) <= 200 else None
    doc = next((d for d in found.issued if d.document_id == document_id), None) if found else None
    if found is None or doc is None:
        raise web.HTTPNotFound(text="Dieses Dokument gibt es nicht (mehr).")
    await store.run(cs.add_event, found.case_id, "citizen", "downloaded_by_link", None, {"document_id": document_id})
    return await file_response(request, doc.file)  # a PDF: sent as an attachment
