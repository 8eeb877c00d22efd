"""REST handlers under /api/v1. Thin: they validate, call storage/hub, answer JSON."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

from aiohttp import web

from signaling import auth
from signaling.hub import day_start
from signaling.keys import CONFIG, HUB, STORE
from signaling.openapi import openapi_document
from signaling.security import RateLimiter
from signaling.storage import Storage, Ticket
from videoschalter import i18n

MAX_NAME = 80
JOIN_LIMIT = web.AppKey("join_limit", RateLimiter)
LOGIN_LIMIT = web.AppKey("login_limit", RateLimiter)


def json_error(status: int, code: str, message: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden, 404: web.HTTPNotFound,
           409: web.HTTPConflict, 413: web.HTTPRequestEntityTooLarge, 429: web.HTTPTooManyRequests}[status]
    body = json.dumps({"error": code, "message": message}, ensure_ascii=False)
    if cls is web.HTTPRequestEntityTooLarge:
        return cls(max_size=0, actual_size=0, text=body, content_type="application/json")
    return cls(text=body, content_type="application/json")


async def read_json(request: web.Request, max_bytes: int = 16 * 1024) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > max_bytes:
        raise json_error(413, "too_large", "Anfrage ist zu groß")
    try:
        body = await request.content.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise json_error(413, "too_large", "Anfrage ist zu groß")
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise json_error(400, "invalid_json", "Anfrage ist kein gültiges JSON") from None
    if not isinstance(data, dict):
        raise json_error(400, "invalid_json", "Anfrage muss ein JSON-Objekt sein")
    return data


def clean_name(value: Any) -> str:
    if not isinstance(value, str):
        raise json_error(400, "invalid_name", "Bitte geben Sie Ihren Namen an")
    name = " ".join(value.split())
    if not name:
        raise json_error(400, "invalid_name", "Bitte geben Sie Ihren Namen an")
    if len(name) > MAX_NAME or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise json_error(400, "invalid_name", f"Der Name darf höchstens {MAX_NAME} gewöhnliche Zeichen haben")
    return name


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def departments(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    result = []
    for dept in request.app[CONFIG].departments:
        waiting = hub.views[dept.id].waiting
        result.append({"id": dept.id, "name": dept.name, "walk_in": dept.walk_in, "waiting": waiting,
                       **hub.department_status(dept)})
    return web.json_response({"departments": result})


async def join_queue(request: web.Request) -> web.Response:
    if not request.app[JOIN_LIMIT].allow(client_address(request)):
        raise json_error(429, "rate_limited", "Zu viele Anmeldungen von diesem Anschluss; bitte später erneut")
    data = await read_json(request)
    config = request.app[CONFIG]
    dept = config.department(str(data.get("department", "")))
    if dept is None:
        raise json_error(400, "unknown_department", "Diese Abteilung gibt es nicht")
    if not dept.walk_in:
        raise json_error(409, "no_walk_in", f"{dept.name} empfängt nur mit Termin")
    now = dt.datetime.now(dt.UTC)
    if not dept.hours.is_open(now):
        nxt = dept.hours.next_opening(now)
        when = f" Nächste Öffnung: {nxt:%d.%m.%Y %H:%M} Uhr." if nxt else ""
        raise json_error(409, "closed", f"{dept.name} ist gerade geschlossen.{when}")
    name = clean_name(data.get("name"))
    ticket, token, new = await request.app[STORE].run(
        Storage.join_queue, dept.id, name, config.citizen_token_hours, day_start(dept, now),
        idempotency_key(request), i18n.negotiate(request.headers.get("Accept-Language")))
    if new:
        await request.app[HUB].publish(dept.id)
    return web.json_response({"ticket": ticket.public(), "token": token, "url": f"/w/{token}"},
                             status=201 if new else 200)


def idempotency_key(request: web.Request) -> str | None:
    """A client's ``Idempotency-Key`` header: a retry with the same key gets the first answer again."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 16 <= len(key) <= 100 or not all(ch.isalnum() or ch in "-_" for ch in key):
        raise json_error(400, "invalid_idempotency_key", "Idempotency-Key: 16–100 Zeichen aus A–Z, 0–9, - und _")
    return key


async def citizen_ticket(request: web.Request) -> Ticket:
    token = auth.bearer_token(request)
    ticket = await request.app[STORE].run(Storage.ticket_for_token, token) if token else None
    if ticket is None:
        raise json_error(403, "invalid_token", "Ihr Link ist ungültig oder abgelaufen")
    return ticket


async def my_ticket(request: web.Request) -> web.Response:
    ticket = await citizen_ticket(request)
    view = request.app[HUB].views[ticket.department]
    return web.json_response({"ticket": ticket.public(), "position": view.position(ticket.id),
                              "waiting": view.waiting})


async def leave_queue(request: web.Request) -> web.Response:
    ticket = await citizen_ticket(request)
    if ticket.state.value != "waiting":
        raise json_error(409, "not_waiting", "Sie warten nicht mehr in der Schlange")
    await request.app[HUB].cancel_ticket(ticket)
    return web.json_response({"ok": True})


async def clerk_login(request: web.Request) -> web.Response:
    if not request.app[LOGIN_LIMIT].allow(client_address(request)):
        raise json_error(429, "rate_limited", "Zu viele Anmeldeversuche; bitte eine Minute warten")
    data = await read_json(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise json_error(400, "invalid_request", "Benutzername und Passwort angeben")
    result = await auth.login(request, username, password)
    if result is None:
        raise json_error(401, "invalid_credentials", "Benutzername oder Passwort ist falsch")
    clerk, token, expires = result
    return web.json_response({"token": token, "expires_at": expires, "clerk": clerk.public()})


async def clerk_logout(request: web.Request) -> web.Response:
    await auth.require_clerk(request)
    await request.app[STORE].run(Storage.end_clerk_session, auth.bearer_token(request))
    return web.json_response({"ok": True})


async def clerk_me(request: web.Request) -> web.Response:
    clerk = await auth.require_clerk(request)
    return web.json_response({"clerk": clerk.public()})


async def clerk_queue(request: web.Request) -> web.Response:
    clerk = await auth.require_clerk(request)
    store = request.app[STORE]
    result = []
    for dept_id in clerk.departments:
        view = request.app[HUB].views[dept_id]
        tickets = await store.run(Storage.active_tickets, dept_id)
        result += [{**t.public(), "position": view.position(t.id)} for t in tickets]
    return web.json_response({"tickets": result})


async def translations(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    if lang not in i18n.available_languages():
        raise json_error(404, "unknown_language", "Diese Sprache gibt es nicht")
    return web.json_response({"lang": lang, "messages": i18n.catalog(lang)},
                             headers={"Cache-Control": "public, max-age=300"})
