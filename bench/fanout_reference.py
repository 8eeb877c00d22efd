"""The reference for bench/waiting_room.py: a bare aiohttp server that sends each client its position.

This is the obvious design (one personal message per waiting client, sent in a
sequential loop, which was faster than asyncio.gather here). It keeps no
storage and checks nothing, so it is a floor for the cost of the fan-out itself.

    python bench/fanout_reference.py PORT
"""

from __future__ import annotations

import json
import sys

from aiohttp import web

clients: list[web.WebSocketResponse] = []


async def ws_handler(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    clients.append(ws)
    await ws.send_str(json.dumps({"type": "welcome", "position": len(clients)}))
    async for _ in ws:
        pass
    if ws in clients:  # the called one was already taken off
        clients.remove(ws)
    return ws


async def call_next(request: web.Request) -> web.Response:
    """The first client is called in; everybody else gets their new place."""
    if clients:
        called = clients.pop(0)
        await called.send_str(json.dumps({"type": "called"}))
        for position, ws in enumerate(clients, start=1):
            await ws.send_str(json.dumps({"type": "position", "position": position, "waiting": len(clients)}))
    return web.Response(text="ok")


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def main() -> None:
    app = web.Application()
    app.router.add_get("/ws", ws_handler)
    app.router.add_post("/next", call_next)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
