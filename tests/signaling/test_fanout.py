"""The shared broadcast writes real WebSocket frames that aiohttp's own client reads."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient

from signaling.fanout import _transport, broadcast, text_frame


def test_frame_lengths() -> None:
    assert text_frame("a")[:2] == b"\x81\x01"
    assert text_frame("x" * 200)[:4] == b"\x81\x7e\x00\xc8"
    assert text_frame("x" * 70000)[:2] == b"\x81\x7f" and len(text_frame("x" * 70000)) == 70010


async def test_broadcast_reaches_every_client_in_order(aiohttp_client: Any) -> None:
    sockets: list[web.WebSocketResponse] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        sockets.append(ws)
        async for _ in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    client: TestClient = await aiohttp_client(app)
    clients = [await client.ws_connect("/ws") for _ in range(5)]
    while len(sockets) < 5:
        import asyncio

        await asyncio.sleep(0.01)
    assert all(_transport(ws) is not None for ws in sockets)  # aiohttp's internals still look as expected
    await sockets[0].send_str(json.dumps({"n": 0}))  # the ordinary path and ours interleave correctly
    assert await broadcast(sockets, json.dumps({"n": 1, "text": "ä" * 300})) == 5
    await sockets[0].send_str(json.dumps({"n": 2}))
    first = [json.loads((await clients[0].receive()).data)["n"] for _ in range(3)]
    assert first == [0, 1, 2]
    for ws in clients[1:]:
        msg = await ws.receive()
        assert msg.type == aiohttp.WSMsgType.TEXT and json.loads(msg.data)["text"] == "ä" * 300
    await sockets[1].close()
    assert await broadcast(sockets, "{}") == 4
