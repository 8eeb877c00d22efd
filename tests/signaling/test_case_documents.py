"""Uploads and downloads of case documents: checked by content, encrypted at rest, retried safely."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp.test_utils import TestClient

from signaling import appointment_store as appts
from signaling import case_store as cs
from signaling.keys import STORE
from signaling.storage import hash_token
from tests.signaling.case_support import pdf_bytes, png_bytes, recv, start_call
from tests.signaling.conftest import join, login
from tests.signaling.test_booking_api import book, slot_start

KEY = "upload-retry-0001-abcdef"


async def test_citizen_upload_is_announced_and_stored_encrypted(client: TestClient, data_dir: Path) -> None:
    call = await start_call(client)
    body = pdf_bytes()
    res = await client.post("/api/v1/case/documents", data=body,
                            headers={**call.citizen_auth, "X-Filename": "Wohnungsgeber%C3%BC.pdf"})
    assert res.status == 201, await res.text()
    doc = (await res.json())["document"]
    assert (doc["mime"], doc["from"], doc["kind"], doc["size"]) == ("application/pdf", "citizen", "upload", len(body))
    assert doc["name"].endswith(".pdf") and "ü" in doc["name"]
    assert (await recv(call.clerk, "document"))["id"] == doc["id"]
    assert (await recv(call.citizen, "document"))["id"] == doc["id"]
    stored = list((data_dir / "cases").iterdir())
    assert len(stored) == 1 and b"Wohnungsgeber" not in stored[0].read_bytes()
    for url, auth in ((f"/api/v1/case/documents/{doc['id']}", call.citizen_auth),
                      (f"/api/v1/clerk/cases/{call.ticket_id}/documents/{doc['id']}", call.clerk_auth)):
        got = await client.get(url, headers=auth)
        assert got.status == 200 and got.content_type == "application/pdf"
        assert await got.read() == body


async def test_retry_with_the_same_key_returns_the_first_document(client: TestClient, data_dir: Path) -> None:
    call = await start_call(client)
    headers = {**call.citizen_auth, "Idempotency-Key": KEY, "X-Filename": "a.png"}
    first, second = await asyncio.gather(
        client.post("/api/v1/case/documents", data=png_bytes(), headers=headers),
        client.post("/api/v1/case/documents", data=png_bytes(), headers=headers))
    ids = {(await first.json())["document"]["id"], (await second.json())["document"]["id"]}
    assert len(ids) == 1 and sorted([first.status, second.status]) == [200, 201]
    third = await client.post("/api/v1/case/documents", data=png_bytes(), headers=headers)
    assert third.status == 200 and (await third.json())["document"]["id"] in ids
    assert len(list((data_dir / "cases").iterdir())) == 1


async def test_bad_uploads_are_refused_with_a_reason(client: TestClient, data_dir: Path) -> None:
    call = await start_call(client)
    cases = [
        (b"%PDF-1.4 nothing else here at all", "kaputt.pdf", 422, "malformed_pdf"),
        (pdf_bytes(encrypt="geheim"), "passwort.pdf", 422, "encrypted_pdf"),
        (b"Hallo, ich bin eine Textdatei", "brief.pdf", 415, "unsupported_type"),
        (b"", "leer.pdf", 400, "empty"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "riesig.pdf", 413, "too_large"),
    ]
    for data, name, status, code in cases:
        res = await client.post("/api/v1/case/documents", data=data, headers={**call.citizen_auth, "X-Filename": name})
        body = await res.json()
        assert (res.status, body["error"]) == (status, code), name
        assert body["message"]
    assert not (data_dir / "cases").exists() or not list((data_dir / "cases").iterdir())


async def test_only_the_own_case_and_the_own_department(client: TestClient) -> None:
    call = await start_call(client)
    res = await client.post("/api/v1/case/documents", data=png_bytes(), headers=call.citizen_auth)
    doc = (await res.json())["document"]
    other = await join(client, "Otto")
    other_auth = {"Authorization": f"Bearer {other['token']}"}
    assert (await client.get(f"/api/v1/case/documents/{doc['id']}", headers=other_auth)).status == 404
    assert (await client.get(f"/api/v1/case/documents/{doc['id']}")).status == 403
    bernd = {"Authorization": f"Bearer {await login(client, 'bernd')}"}
    res = await client.get(f"/api/v1/clerk/cases/{call.ticket_id}/documents/{doc['id']}", headers=bernd)
    assert res.status == 403
    res = await client.get(f"/api/v1/clerk/cases/{call.ticket_id}/export", headers=bernd)
    assert res.status == 403


async def test_clerk_sends_a_file_and_shows_a_picture(client: TestClient) -> None:
    call = await start_call(client)
    res = await client.post(f"/api/v1/clerk/cases/{call.ticket_id}/documents", data=pdf_bytes("Merkblatt"),
                            headers={**call.clerk_auth, "X-Filename": "Merkblatt.pdf"})
    assert res.status == 201
    shared = await recv(call.citizen, "document")
    assert (shared["kind"], shared["from"]) == ("shared", "clerk")
    res = await client.post(f"/api/v1/clerk/cases/{call.ticket_id}/documents?kind=snapshot", data=png_bytes(),
                            headers={**call.clerk_auth, "X-Filename": "lageplan.png"})
    snap = (await res.json())["document"]
    url = f"/api/v1/case/documents/{snap['id']}"
    assert (await client.get(url, headers=call.citizen_auth)).status == 404  # not shown yet
    await call.to_server("show", document_id=shared["id"])
    assert (await recv(call.clerk, "error"))["code"] == "not_image"
    await call.to_server("show", document_id=snap["id"])
    shown = await recv(call.citizen, "show")
    assert shown == {"v": 1, "type": "show", "document_id": snap["id"], "url": url}
    assert (await client.get(url, headers=call.citizen_auth)).status == 200
    await call.to_server("show", document_id=None)
    assert (await recv(call.citizen, "show"))["document_id"] is None
    assert (await client.get(url, headers=call.citizen_auth)).status == 404


async def test_booked_citizen_uploads_before_the_slot_and_keeps_the_case(client: TestClient) -> None:
    status, booked = await book(client, slot_start(), service="meldebescheinigung")
    assert status == 201, booked
    auth = {"Authorization": f"Bearer {booked['token']}"}
    res = await client.post("/api/v1/case/documents", data=pdf_bytes(), headers={**auth, "X-Filename": "wgb.pdf"})
    assert res.status == 201
    doc = (await res.json())["document"]
    store = client.app[STORE]
    appointment = await store.run(appts.appointment_for_token, booked["token"])
    early = await store.run(cs.case_for_appointment, appointment.id)
    assert early.service == "meldebescheinigung" and early.ticket_id is None
    ticket = await store.run(appts.arrive, appointment.id, hash_token(booked["token"]), 12, "2000-01-01T00:00:00")
    case = await store.run(cs.case_for_ticket, ticket.id)
    assert case.id == early.id and case.ticket_id == ticket.id
    got = await client.get(f"/api/v1/case/documents/{doc['id']}", headers=auth)
    assert got.status == 200
