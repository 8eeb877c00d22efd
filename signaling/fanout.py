"""One message to many WebSockets: encoded once, framed once, written to each socket.

A queue update goes to every waiting page of a department, thousands of them.
aiohttp's ``send_str`` would re-frame the same bytes and schedule a coroutine
per page; here the frame (RFC 6455, server→client: unmasked, uncompressed, FIN)
is built once and written to each transport in one synchronous loop. That is
exactly what aiohttp itself does for an uncompressed frame (one transport
write, no buffering of its own), so frames of both paths never interleave.
A page whose socket is not drained (a dead or very slow client) is skipped
instead of letting its buffer grow without bound; its heartbeat ends it.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterable
from typing import Any

from aiohttp import web

log = logging.getLogger("videoschalter.fanout")
SLOW_CLIENT_BYTES = 256 * 1024
OPCODE_TEXT = 0x1


def text_frame(text: str) -> bytes:
    payload = text.encode("utf-8")
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | OPCODE_TEXT, length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | OPCODE_TEXT, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | OPCODE_TEXT, 127, length)
    return header + payload


def _transport(ws: web.WebSocketResponse) -> Any:
    writer = getattr(ws, "_writer", None)  # aiohttp keeps its WebSocketWriter here (checked by a test)
    if writer is None or getattr(writer, "compress", 0) or not hasattr(writer, "transport"):
        return None
    return writer.transport


async def broadcast(sockets: Iterable[web.WebSocketResponse], text: str) -> int:
    """Send ``text`` to every open socket; returns how many got it."""
    frame = text_frame(text)
    sent = 0
    fallback = []
    for ws in sockets:
        if ws.closed:
            continue
        transport = _transport(ws)
        if transport is None:
            fallback.append(ws)
            continue
        if transport.is_closing():
            continue
        if transport.get_write_buffer_size() > SLOW_CLIENT_BYTES:
            log.info("skipping a page that does not read its socket")
            continue
        transport.write(frame)
        sent += 1
    for ws in fallback:  # compressed or unknown writer: the ordinary, slower way
        try:
            await ws.send_str(text)
            sent += 1
        except (ConnectionError, RuntimeError):
            pass
    return sent
