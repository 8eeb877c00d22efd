"""A deliberately light WebSocket client for fan-out benchmarks.

aiohttp's client costs tens of microseconds per received message; with
thousands of clients on the same two cores, that client cost would drown the
server's. This one parses frames in ``data_received`` and hands each text
message to a callback. It speaks just enough RFC 6455 for the benchmark: the
upgrade, unfragmented text frames from the server, masked text frames to the
server (mask key 0, which the RFC permits), and answers pings.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections.abc import Callable


class LightWebSocket(asyncio.Protocol):
    def __init__(self, path: str, host: str, on_message: Callable[[str], None]):
        self.path, self.host, self.on_message = path, host, on_message
        self.buffer = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(  # type: ignore[attr-defined]
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded.done():
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self.upgraded.set_exception(ConnectionError(head[:80].decode(errors="replace")))
                return
            self.buffer = rest
            self.upgraded.set_result(None)
        buf = self.buffer
        pos = 0
        while len(buf) - pos >= 2:
            opcode, length = buf[pos] & 0x0F, buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if len(buf) - pos < head + length:
                break
            payload = buf[pos + head:pos + head + length]
            pos += head + length
            if opcode == 0x1:
                self.on_message(payload.decode())
            elif opcode == 0x9:
                self._send(0xA, payload)
        self.buffer = buf[pos:]

    def _send(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        assert self.transport is not None
        self.transport.write(header + b"\x00\x00\x00\x00" + payload)  # mask key 0: payload unchanged

    def send_text(self, text: str) -> None:
        self._send(0x1, text.encode())


async def connect(host: str, port: int, path: str, on_message: Callable[[str], None]) -> LightWebSocket:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(lambda: LightWebSocket(path, f"{host}:{port}", on_message),
                                               host, port)
    await protocol.upgraded
    return protocol
