"""Helpers for the case tests: a running call between Erika and Anna, files, quick message waits."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from PIL import Image
from reportlab.pdfgen import canvas

from tests.signaling.conftest import join, login

IDENTITY = {"source": "mrz", "type": "ID", "document_code": "ID", "document_number": "T22000129",
            "issuing_state": "D", "nationality": "D", "surname": "MUSTERMANN", "given_names": "ERIKA",
            "birth_date": "1964-08-12", "expiry_date": "2031-10-31", "sex": "F"}


async def recv(ws: aiohttp.ClientWebSocketResponse, mtype: str, timeout: float = 10, **match: Any) -> dict[str, Any]:
    """The next message of a type (and with these field values), skipping everything else."""
    while True:
        raw = await ws.receive(timeout=timeout)
        assert raw.type == aiohttp.WSMsgType.TEXT, raw
        msg = json.loads(raw.data)
        if msg["type"] == mtype and all(msg.get(k) == v for k, v in match.items()):
            return msg
        if msg["type"] == "error" and mtype != "error":
            raise AssertionError(f"error while waiting for {mtype}: {msg}")


async def send(ws: aiohttp.ClientWebSocketResponse, mtype: str, **fields: Any) -> None:
    await ws.send_str(json.dumps({"v": 1, "type": mtype, **fields}))


@dataclass
class Call:
    client: TestClient
    ticket_id: int
    token: str
    clerk_token: str
    citizen: aiohttp.ClientWebSocketResponse
    clerk: aiohttp.ClientWebSocketResponse
    call_id: int

    @property
    def citizen_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def clerk_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.clerk_token}"}

    async def to_server(self, mtype: str, **fields: Any) -> None:
        """A clerk message about this call's ticket."""
        await send(self.clerk, mtype, ticket_id=self.ticket_id, **fields)


async def start_call(client: TestClient, name: str = "Erika") -> Call:
    joined = await join(client, name)
    token, ticket_id = joined["token"], joined["ticket"]["id"]
    citizen = await client.ws_connect("/api/v1/ws/citizen")
    await send(citizen, "hello", token=token)
    await recv(citizen, "welcome")
    clerk_token = await login(client)
    clerk = await client.ws_connect("/api/v1/ws/clerk")
    await send(clerk, "hello", token=clerk_token)
    await recv(clerk, "welcome")
    await send(clerk, "call", ticket_id=ticket_id)
    call_id = (await recv(clerk, "call_started"))["call_id"]
    await recv(citizen, "called")
    return Call(client, ticket_id, token, clerk_token, citizen, clerk, call_id)


def pdf_bytes(text: str = "Wohnungsgeberbestätigung", **kw: Any) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, **kw)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def strokes() -> list[list[list[float]]]:
    return [[[10, 10, 0, 0.5], [40, 30, 16, 0.6], [80, 20, 32, 0.5]], [[20, 50, 400, 0.4], [90, 55, 420, 0.5]]]


ADDRESS = {"street": "Hauptstraße", "house_number": "5", "postcode": "12345", "town": "Teststadt"}


async def form_where(ws: Any, **want: Any) -> dict[str, Any]:
    """The next ``form`` whose fields have these values (earlier announcements are skipped)."""
    while True:
        form = (await recv(ws, "form"))["form"]
        if all(form.get(k) == v for k, v in want.items()):
            return form


async def open_form(call: Call) -> dict[str, Any]:
    await call.to_server("case_identity", identity=IDENTITY)
    await recv(call.clerk, "case")
    await call.to_server("form_open", form="meldebescheinigung")
    return (await recv(call.clerk, "form"))["form"]


async def fill(call: Call, form: dict[str, Any]) -> dict[str, Any]:
    """Check the MRZ values and fill the rest as the clerk; returns the last clerk form."""
    for field in sorted(form["needs_check"]):
        await call.to_server("form_check", field=field)
        form = (await recv(call.clerk, "form"))["form"]
    for field, value in (("current_address", ADDRESS), ("moved_in", "2019-04-01"), ("dwelling", "Hauptwohnung"),
                         ("delivery", "download"), ("truthful", True)):
        await call.to_server("form_set", field=field, value=value, version=form["version"])
        form = (await recv(call.clerk, "form"))["form"]
    return form


async def confirmed_and_asked(call: Call) -> dict[str, Any]:
    form = await fill(call, await open_form(call))
    await send(call.citizen, "form_confirm", version=form["version"])
    citizen_form = (await recv(call.citizen, "form", timeout=10))["form"]
    while not citizen_form["confirmed"]:
        citizen_form = (await recv(call.citizen, "form"))["form"]
    await call.to_server("sign_request")
    request = await recv(call.citizen, "sign_request")
    assert request["document_hash"] == citizen_form["document_hash"]
    return request


async def download_certificate(client: TestClient, call: Call, data_dir: Path) -> tuple[bytes, str]:
    """The citizen's download of the issued PDF, checked: signed by the data folder's test CA. Returns the
    PDF and its text (pdftotext), for the test to look for what must and must not be printed."""
    from videoschalter.certificates.verify import verify_pdf

    res = await client.get("/api/v1/case/certificate", headers=call.citizen_auth)
    assert res.status == 200 and res.content_type == "application/pdf"
    pdf = await res.read()
    result = await asyncio.to_thread(verify_pdf, pdf, [data_dir / "pki" / "ca.pem"])
    assert result.ok, result.problem
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return pdf, text
