"""The clerk app's connection to the server: login over REST, signaling over WebSocket.

The WebSocket reconnects by itself with growing pauses; after each
reconnect the server's ``welcome`` tells which calls are still open.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp

from videoschalter import protocol

log = logging.getLogger("videoschalter.client")


class LoginError(Exception):
    """Login failed; the message is meant for the clerk."""


class ClerkClient:
    def __init__(self, server_url: str, on_message: Callable[[dict[str, Any]], Awaitable[None]],
                 on_connection: Callable[[str], None] = lambda state: None):
        self.server_url = server_url.rstrip("/")
        self._on_message = on_message
        self._on_connection = on_connection
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._runner: asyncio.Task[None] | None = None
        self.token: str | None = None
        self.clerk: dict[str, Any] | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        return self._session

    async def login(self, username: str, password: str) -> dict[str, Any]:
        try:
            async with self._http().post(f"{self.server_url}/api/v1/clerk/login",
                                         json={"username": username, "password": password}) as res:
                body = await res.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise LoginError(f"Server {self.server_url} ist nicht erreichbar ({exc.__class__.__name__})") from exc
        if res.status != 200:
            fallback = f"Anmeldung fehlgeschlagen ({res.status})"
            raise LoginError(body.get("message", fallback) if isinstance(body, dict) else fallback)
        self.token, self.clerk = body["token"], body["clerk"]
        return body

    async def get_json(self, path: str) -> dict[str, Any]:
        """An authenticated REST call; errors come back as ConnectionError with a readable text."""
        try:
            async with self._http().get(f"{self.server_url}{path}",
                                        headers={"Authorization": f"Bearer {self.token}"}) as res:
                body = await res.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise ConnectionError(f"Server nicht erreichbar ({exc.__class__.__name__})") from exc
        if res.status != 200:
            raise ConnectionError(body.get("message", f"Fehler {res.status}") if isinstance(body, dict) else "Fehler")
        return body

    # --- the case's REST routes (docs/case.md) ------------------------------
    async def _request(self, method: str, path: str, data: bytes | None = None, json_body: Any = None,
                       headers: dict[str, str] | None = None, ok: tuple[int, ...] = (200, 201, 204),
                       ) -> tuple[bytes, str]:
        """One authenticated call; returns the body and its media type, or ConnectionError with a readable text."""
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        try:
            async with self._http().request(method, f"{self.server_url}{path}", data=data, json=json_body,
                                            headers=all_headers,
                                            timeout=aiohttp.ClientTimeout(total=60)) as res:
                body = await res.read()
                mime = res.content_type
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConnectionError(f"Server nicht erreichbar ({exc.__class__.__name__})") from exc
        if res.status not in ok:
            message = f"Fehler {res.status}"
            try:
                parsed = json.loads(body)
                if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
                    message = parsed["message"]
            except ValueError:
                pass
            raise ConnectionError(message)
        return body, mime

    async def _request_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        body, _ = await self._request(method, path, **kwargs)
        try:
            parsed = json.loads(body) if body else {}
        except ValueError as exc:
            raise ConnectionError("Antwort des Servers ist kein JSON") from exc
        return parsed if isinstance(parsed, dict) else {}

    async def upload_case_document(self, ticket_id: int, name: str, data: bytes, idempotency_key: str,
                                   kind: str = "shared") -> dict[str, Any]:
        """Send a file to the citizen (``shared``) or a picture to show (``snapshot``: the citizen sees it only
        while it is shown); the same key on a retry returns the first document, not a copy."""
        headers = {"X-Filename": quote(name), "Idempotency-Key": idempotency_key,
                   "Content-Type": "application/octet-stream"}
        body = await self._request_json("POST", f"/api/v1/clerk/cases/{ticket_id}/documents?kind={kind}", data=data,
                                        headers=headers)
        return body.get("document", body)

    async def download_case_document(self, ticket_id: int, document_id: str) -> tuple[bytes, str]:
        return await self._request("GET", f"/api/v1/clerk/cases/{ticket_id}/documents/{quote(document_id)}")

    async def export_case(self, ticket_id: int) -> dict[str, Any]:
        return await self._request_json("GET", f"/api/v1/clerk/cases/{ticket_id}/export")

    async def erase_case(self, ticket_id: int) -> None:
        await self._request("DELETE", f"/api/v1/clerk/cases/{ticket_id}")

    async def post_case_signature(self, ticket_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """A signature from the counter's tablet (proposed clerk route, see docs/case.md)."""
        answer = await self._request_json("POST", f"/api/v1/clerk/cases/{ticket_id}/signature", json_body=body)
        return answer.get("signature", answer)

    def start(self) -> None:
        """Keep the signaling connection up in the background until ``close``."""
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        attempt = 0
        ws_url = self.server_url.replace("http", "ws", 1) + "/api/v1/ws/clerk"
        while True:
            self._on_connection("connecting" if attempt == 0 else "reconnecting")
            try:
                async with self._http().ws_connect(ws_url, heartbeat=15, max_msg_size=protocol.MAX_MESSAGE_BYTES) as ws:
                    self._ws = ws
                    await ws.send_str(protocol.encode("hello", token=self.token))
                    async for raw in ws:
                        if raw.type != aiohttp.WSMsgType.TEXT:
                            continue
                        msg = json.loads(raw.data)
                        if msg.get("type") == "welcome":
                            attempt = 0
                            self._on_connection("connected")
                        elif msg.get("type") == "error" and msg.get("code") == "invalid_token":
                            self._on_connection("unauthorized")
                            return
                        await self._on_message(msg)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.info("signaling connection failed: %s", exc)
            finally:
                self._ws = None
            attempt += 1
            self._on_connection("reconnecting")
            await asyncio.sleep(min(5.0, 0.3 * 2 ** attempt) * random.uniform(0.75, 1.25))

    async def send(self, mtype: str, **fields: Any) -> None:
        if self._ws is None or self._ws.closed:
            raise ConnectionError("keine Verbindung zum Server")
        await self._ws.send_str(protocol.encode(mtype, **fields))

    async def close(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
            self._runner = None
        if self._session is not None:
            if self.token:
                try:
                    async with self._session.post(f"{self.server_url}/api/v1/clerk/logout",
                                                  headers={"Authorization": f"Bearer {self.token}"}):
                        pass
                except (aiohttp.ClientError, TimeoutError):
                    pass
            await self._session.close()
            self._session = None
