"""The citizen's pages: static files from citizen_web/, plus the token gate of /w/<token>."""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

from aiohttp import web

from signaling import appointment_store as appts
from signaling import case_link
from signaling.keys import CONFIG, STORE
from signaling.storage import Storage
from videoschalter import i18n

WEB_ROOT = Path(str(resources.files("citizen_web")))


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_ROOT / "index.html")


async def waiting_room(request: web.Request) -> web.StreamResponse:
    """A walk-in's ticket, or a booked appointment's link (its waiting room opens before the slot)."""
    token = request.match_info["token"]
    if len(token) > 200:
        return invalid_link_page(request, expired=False)
    store = request.app[STORE]
    ticket = await store.run(Storage.ticket_for_token, token)
    if ticket is not None:
        if ticket.state.value in ("waiting", "called"):
            return web.FileResponse(WEB_ROOT / "waiting.html")
        return await case_link.documents_page(request, token) or invalid_link_page(request, expired=True)
    appointment = await store.run(appts.appointment_for_token, token)
    if appointment is None:
        return await case_link.documents_page(request, token) or invalid_link_page(request, expired=False)
    if appointment.status != appts.BOOKED:
        return await case_link.documents_page(request, token) or invalid_link_page(request, expired=True)
    return web.FileResponse(WEB_ROOT / "waiting.html")


async def booking(request: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_ROOT / "booking.html")


async def appointment_page(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    appointment = await request.app[STORE].run(appts.appointment_for_token, token) if len(token) <= 200 else None
    if appointment is None:
        return invalid_link_page(request, expired=False)
    return web.FileResponse(WEB_ROOT / "appointment.html")


def invalid_link_page(request: web.Request, expired: bool) -> web.Response:
    _ = i18n.translator(i18n.negotiate(request.headers.get("Accept-Language")))
    title = _("Dieser Link gilt nicht (mehr)")
    text = (_("Ihr Termin oder Ihre Wartenummer ist bereits abgeschlossen.") if expired else
            _("Der Link ist ungültig oder abgelaufen. Bitte ziehen Sie eine neue Wartenummer."))
    office = html.escape(request.app[CONFIG].office_name)
    body = f"""<!doctype html><html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – {office}</title><link rel="stylesheet" href="/static/style.css"></head>
<body><main class="card"><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>
<p><a class="button" href="/">{html.escape(_("Zur Startseite"))}</a></p></main></body></html>"""
    return web.Response(status=403, text=body, content_type="text/html")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/w/{token}", waiting_room)
    app.router.add_get("/w/{token}/dokumente/{document_id}", case_link.download)
    app.router.add_get("/termine", booking)
    app.router.add_get("/termin/{token}", appointment_page)
    app.router.add_static("/static/", WEB_ROOT, follow_symlinks=False)
