"""The case over the WebSocket: created at call start, chat both ways, stored, text only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aiohttp.test_utils import TestClient

from tests.signaling.case_support import recv, send, start_call
from tests.signaling.conftest import login

XSS = '<img src=x onerror="alert(1)"><script>alert("x")</script> & ü'


async def test_call_start_creates_the_case_and_both_sides_get_it(client: TestClient) -> None:
    call = await start_call(client)
    citizen_case = (await recv(call.citizen, "case"))["case"]
    clerk_msg = await recv(call.clerk, "case")
    assert clerk_msg["ticket_id"] == call.ticket_id
    assert citizen_case["id"] == clerk_msg["case"]["id"]
    assert citizen_case["chat"] == [] and citizen_case["form"] is None
    assert "events" not in citizen_case and clerk_msg["case"]["events"][0]["action"] == "case_created"


async def test_chat_is_stored_first_and_kept_verbatim_as_text(client: TestClient, data_dir: Path) -> None:
    call = await start_call(client)
    await send(call.citizen, "chat", text=XSS)
    on_clerk = await recv(call.clerk, "chat")
    on_citizen = await recv(call.citizen, "chat")
    assert on_clerk["text"] == on_citizen["text"] == XSS
    assert on_clerk["from"] == "citizen" and on_clerk["name"] == "Erika" and on_clerk["ticket_id"] == call.ticket_id
    await call.to_server("chat", text="Guten Tag, Frau Erika")
    answer = await recv(call.citizen, "chat")
    assert answer["from"] == "clerk" and answer["name"] == "Anna Schmidt" and "clerk_id" not in answer
    with sqlite3.connect(data_dir / "videoschalter.db") as db:
        stored = [r[0] for r in db.execute("select text from chat_messages order by id")]
    assert stored == [XSS, "Guten Tag, Frau Erika"]
    # a page that reconnects gets the conversation back in the snapshot
    await call.citizen.close()
    again = await client.ws_connect("/api/v1/ws/citizen")
    await send(again, "hello", token=call.token)
    snapshot = (await recv(again, "case"))["case"]
    assert [m["text"] for m in snapshot["chat"]] == [XSS, "Guten Tag, Frau Erika"]


async def test_empty_and_control_only_chat_is_refused(client: TestClient) -> None:
    call = await start_call(client)
    await send(call.citizen, "chat", text=" \u202e\n ")
    err = await recv(call.citizen, "error")
    assert err["code"] == "wrong_field" and err["ref"] == "chat"
    await send(call.citizen, "chat", text="x" * 2001)
    assert (await recv(call.citizen, "error"))["code"] == "wrong_field"


async def test_case_open_needs_the_clerks_department(client: TestClient) -> None:
    call = await start_call(client)
    await call.to_server("case_open")
    assert (await recv(call.clerk, "case"))["case"]["ticket_id"] == call.ticket_id
    other = await client.ws_connect("/api/v1/ws/clerk")
    await send(other, "hello", token=await login(client, "bernd"))
    await send(other, "case_open", ticket_id=call.ticket_id)
    err = await recv(other, "error")
    assert err["code"] == "forbidden"
    await send(other, "chat", ticket_id=call.ticket_id, text="hallo")
    assert (await recv(other, "error"))["code"] == "forbidden"


async def test_service_sets_the_fee_from_the_catalogue(client: TestClient) -> None:
    call = await start_call(client)
    await recv(call.citizen, "case")  # the one from the call's start
    await call.to_server("case_service", service="bauberatung")
    assert (await recv(call.clerk, "error"))["code"] == "unknown_service"  # another department's service
    await call.to_server("case_service", service="meldebescheinigung")
    case = (await recv(call.citizen, "case"))["case"]
    assert (case["service"], case["service_name"], case["fee_cents"]) == ("meldebescheinigung",
                                                                         "Meldebescheinigung", 500)
