"""A copy of the ID card only with the citizen's consent, once, and gone with the case (PAuswG §20)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from signaling import case_id_copy
from signaling import case_store as cs
from signaling.keys import STORE
from tests.signaling.case_support import Call, png_bytes, recv, send, start_call


async def upload(call: Call, key: str = "") -> tuple[int, dict]:
    headers = {**call.clerk_auth, "X-Filename": "ausweis-kopie.png"}
    if key:
        headers["Idempotency-Key"] = key
    res = await call.client.post(f"/api/v1/clerk/cases/{call.ticket_id}/documents?kind=id_copy",
                                 data=png_bytes(), headers=headers)
    return res.status, await res.json()


async def ask(call: Call, granted: bool) -> dict:
    await call.to_server("id_copy_request")
    question = await recv(call.citizen, "id_copy_request")
    assert set(question) == {"v", "type", "at", "expires_in_s"} and 119 <= question["expires_in_s"] <= 120
    await send(call.citizen, "id_copy_consent", granted=granted)
    return await recv(call.clerk, "id_copy_consent")


async def actions(client: TestClient, ticket_id: int) -> list[str]:
    case = await client.app[STORE].run(cs.case_for_ticket, ticket_id)
    return [e["action"] for e in await client.app[STORE].run(cs.events_of, case.id)]


async def test_refused_without_consent(client: TestClient, data_dir: Path) -> None:
    call = await start_call(client)
    status, body = await upload(call)
    assert status == 403 and body["error"] == "no_consent" and "Einwilligung" in body["message"]
    assert not (data_dir / "cases").exists() or not list((data_dir / "cases").iterdir())
    await call.to_server("id_copy_request")  # asked, not yet answered: still no
    await recv(call.citizen, "id_copy_request")
    assert (await upload(call))[0] == 403


async def test_refused_after_refusal(client: TestClient) -> None:
    call = await start_call(client)
    answer = await ask(call, granted=False)
    assert answer["ticket_id"] == call.ticket_id and answer["granted"] is False and answer["at"]
    status, body = await upload(call)
    assert (status, body["error"]) == (403, "no_consent")
    assert (await actions(client, call.ticket_id))[-2:] == ["id_copy_requested", "id_copy_consent"]


async def test_accepted_once_after_consent_and_marked_as_id_copy(client: TestClient) -> None:
    call = await start_call(client)
    answer = await ask(call, granted=True)
    assert answer["granted"] is True
    status, body = await upload(call, key="id-copy-0001-abcdef")
    assert status == 201, body
    doc = body["document"]
    assert (doc["kind"], doc["from"], doc["mime"]) == ("id_copy", "clerk", "image/png")
    assert (await recv(call.clerk, "document", kind="id_copy"))["id"] == doc["id"]
    assert (await recv(call.citizen, "document", kind="id_copy"))["id"] == doc["id"]  # the citizen sees it
    # a lost answer may be retried with the same key; a second copy is refused
    again = await upload(call, key="id-copy-0001-abcdef")
    assert again[0] == 200 and again[1]["document"]["id"] == doc["id"]
    status, body = await upload(call, key="id-copy-0002-abcdef")
    assert (status, body["error"]) == (403, "no_consent")
    log = await actions(client, call.ticket_id)
    assert log[-3:] == ["id_copy_requested", "id_copy_consent", "document_added"]
    case = await client.app[STORE].run(cs.case_for_ticket, call.ticket_id)
    assert (await client.app[STORE].run(cs.events_of, case.id))[-1]["detail"]["kind"] == "id_copy"


async def test_two_racing_uploads_store_one_copy(client: TestClient, data_dir: Path) -> None:
    call = await start_call(client)
    await ask(call, granted=True)
    results = await asyncio.gather(upload(call, key="race-copy-0001-abcdef"), upload(call, key="race-copy-0002-abcdef"),
                                   upload(call, key="race-copy-0001-abcdef"))
    statuses = sorted(status for status, _ in results)
    assert statuses in ([200, 201, 403], [201, 403, 403]), results
    case = await client.app[STORE].run(cs.case_for_ticket, call.ticket_id)
    copies = [d for d in await client.app[STORE].run(cs.documents_of, case.id) if d["kind"] == "id_copy"]
    assert len(copies) == 1 and len(list((data_dir / "cases").iterdir())) == 1


async def test_consent_is_logged_before_it_is_announced_and_only_when_asked(client: TestClient) -> None:
    call = await start_call(client)
    await send(call.citizen, "id_copy_consent", granted=True)  # nobody asked
    error = await recv(call.citizen, "error")
    assert (error["code"], error["ref"]) == ("not_requested", "id_copy_consent")
    await ask(call, granted=True)
    case = await client.app[STORE].run(cs.case_for_ticket, call.ticket_id)
    last = (await client.app[STORE].run(cs.events_of, case.id))[-1]
    assert (last["action"], last["actor"], last["detail"]) == ("id_copy_consent", "citizen", {"granted": True})


async def test_consent_expires(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    call = await start_call(client)
    await ask(call, granted=True)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)
    monkeypatch.setattr(case_id_copy, "utcnow", lambda: later)
    status, body = await upload(call)
    assert (status, body["error"]) == (403, "no_consent")


async def test_request_needs_the_citizen_online(client: TestClient) -> None:
    call = await start_call(client)
    await call.citizen.close()
    await call.to_server("id_copy_request")
    error = await recv(call.clerk, "error")
    assert (error["code"], error["ref"]) == ("citizen_offline", "id_copy_request")


async def test_erase_removes_the_copy(client: TestClient, data_dir: Path) -> None:
    call = await start_call(client)
    await ask(call, granted=True)
    status, body = await upload(call)
    assert status == 201
    url = f"/api/v1/clerk/cases/{call.ticket_id}/documents/{body['document']['id']}"
    assert (await client.get(url, headers=call.clerk_auth)).status == 200
    files_before = list((data_dir / "cases").iterdir())
    res = await client.delete(f"/api/v1/clerk/cases/{call.ticket_id}", headers=call.clerk_auth)
    assert res.status == 200 and (await res.json())["files"] >= 1
    assert not any(f.exists() for f in files_before)
    assert (await client.get(url, headers=call.clerk_auth)).status in (404, 410)
    case = await client.app[STORE].run(cs.case_for_ticket, call.ticket_id)
    assert await client.app[STORE].run(cs.documents_of, case.id) == []


async def reconnect(call: Call) -> dict:
    """The citizen's page comes back (reload, network drop): the case snapshot it gets first."""
    await call.citizen.close()
    call.citizen = await call.client.ws_connect("/api/v1/ws/citizen")
    await send(call.citizen, "hello", token=call.token)
    return (await recv(call.citizen, "case"))["case"]


async def test_an_open_question_comes_back_after_a_reconnect(client: TestClient) -> None:
    call = await start_call(client)
    assert (await reconnect(call))["id_copy_request"] is None  # nobody asked
    await call.to_server("id_copy_request")
    question = await recv(call.citizen, "id_copy_request")
    again = (await reconnect(call))["id_copy_request"]
    assert again["at"] == question["at"] and 0 < again["expires_in_s"] <= question["expires_in_s"]
    # the clerk's copy says so too, and the answer from the new connection counts
    await call.to_server("case_open")
    case = (await recv(call.clerk, "case"))["case"]
    while case["id_copy_request"] is None:  # the snapshot of the call's start is still queued
        case = (await recv(call.clerk, "case"))["case"]
    assert case["id_copy_request"]["at"] == question["at"]
    await send(call.citizen, "id_copy_consent", granted=True)
    assert (await recv(call.clerk, "id_copy_consent"))["granted"] is True
    assert (await reconnect(call))["id_copy_request"] is None  # answered: not asked again


async def test_a_refused_question_does_not_come_back(client: TestClient) -> None:
    call = await start_call(client)
    await ask(call, granted=False)
    assert (await reconnect(call))["id_copy_request"] is None


async def test_an_expired_question_does_not_come_back(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    call = await start_call(client)
    await call.to_server("id_copy_request")
    await recv(call.citizen, "id_copy_request")
    nearly = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=110)
    monkeypatch.setattr(case_id_copy, "utcnow", lambda: nearly)
    assert 0 < (await reconnect(call))["id_copy_request"]["expires_in_s"] <= 10
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)
    monkeypatch.setattr(case_id_copy, "utcnow", lambda: later)
    assert (await reconnect(call))["id_copy_request"] is None
    await send(call.citizen, "id_copy_consent", granted=True)  # too late: refused, as before
    assert (await recv(call.citizen, "error"))["code"] == "not_requested"
