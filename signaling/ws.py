"""WebSocket endpoints for citizens and clerks: one loop, two roles.

The first message must be ``hello`` with the secret (citizen link token or
clerk session token). Anything malformed afterwards is answered with an
``error`` message; the connection stays up.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSMsgType, web

from signaling.hub import Conn, Hub
from signaling.keys import HUB
from signaling.security import same_origin
from videoschalter import protocol

log = logging.getLogger("videoschalter.ws")
HELLO_TIMEOUT_S = 10.0
CLOSE_AUTH_FAILED = 4403


async def citizen_ws(request: web.Request) -> web.WebSocketResponse:
    return await _serve(request, "citizen", protocol.CITIZEN_MESSAGES)


async def clerk_ws(request: web.Request) -> web.WebSocketResponse:
    return await _serve(request, "clerk", protocol.CLERK_MESSAGES)


Schema = dict[str, dict[str, protocol.Field]]


async def _serve(request: web.Request, role: str, schema: Schema) -> web.WebSocketResponse:
    if not same_origin(request):
        raise web.HTTPForbidden(text="Fremder Ursprung (Origin) ist nicht erlaubt")
    # No per-message compression: one queue update goes to thousands of pages, and compressing it
    # for each connection would cost more CPU than the few bytes it saves.
    ws = web.WebSocketResponse(heartbeat=15.0, max_msg_size=protocol.MAX_MESSAGE_BYTES, compress=False)
    await ws.prepare(request)
    hub = request.app[HUB]
    conn = await _hello(ws, role, schema, hub)
    if conn is None:
        return ws
    try:
        async for raw in ws:
            if raw.type != WSMsgType.TEXT:
                await hub.send(conn, protocol.error("invalid_message", "Nur Text-Nachrichten (JSON) sind erlaubt"))
                continue
            try:
                msg = protocol.parse(raw.data, schema)
            except protocol.ProtocolError as exc:
                await hub.send(conn, protocol.error(exc.code, exc.message))
                continue
            if msg["type"] == "hello":
                await hub.send(conn, protocol.error("already_authenticated", "Schon angemeldet", "hello"))
                continue
            try:
                if role == "citizen":
                    await hub.citizen_message(conn, msg)
                else:
                    await hub.clerk_message(conn, msg)
            except Exception:  # a bug must not take the connection down with it
                log.exception("handling %s message %r failed", role, msg.get("type"))
                await hub.send(conn, protocol.error("internal", "Interner Fehler; bitte erneut versuchen", msg["type"]))
    finally:
        if role == "citizen":
            await hub.citizen_gone(conn)
        else:
            await hub.clerk_gone(conn)
    return ws


async def _hello(ws: web.WebSocketResponse, role: str, schema: Schema, hub: Hub) -> Conn | None:
    """Wait for a valid hello; answer errors until one comes, or close on timeout / bad secret."""
    deadline = asyncio.get_running_loop().time() + HELLO_TIMEOUT_S
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            raw = await ws.receive(timeout=max(remaining, 0.01))
        except TimeoutError:
            await ws.close(code=CLOSE_AUTH_FAILED, message=b"hello timeout")
            return None
        if raw.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return None
        if raw.type != WSMsgType.TEXT:
            await ws.send_str(protocol.error("invalid_message", "Nur Text-Nachrichten (JSON) sind erlaubt"))
            continue
        try:
            msg = protocol.parse(raw.data, schema)
        except protocol.ProtocolError as exc:
            await ws.send_str(protocol.error(exc.code, exc.message))
            continue
        if msg["type"] != "hello":
            await ws.send_str(protocol.error("hello_required", "Zuerst 'hello' mit dem Zugangsschlüssel senden",
                                             msg["type"]))
            continue
        conn = await (hub.citizen_hello(ws, msg["token"]) if role == "citizen" else hub.clerk_hello(ws, msg["token"]))
        if conn is None:
            text = ("Ihr Link ist ungültig oder abgelaufen." if role == "citizen"
                    else "Anmeldung ungültig oder abgelaufen.")
            await ws.send_str(protocol.error("invalid_token", text, "hello"))
            await ws.close(code=CLOSE_AUTH_FAILED, message=b"invalid token")
            return None
        return conn
