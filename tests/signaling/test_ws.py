"""Signaling over WebSocket: authentication, bad input, the call flow, dropped connections."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from signaling import ws as ws_module
from tests.signaling.conftest import join, login
from videoschalter.domain.queue import position_from_changes


async def recv(ws: aiohttp.ClientWebSocketResponse, mtype: str | None = None, timeout: float = 5) -> dict[str, Any]:
    """The next message (of a type, skipping others such as queue/status updates)."""
    while True:
        raw = await ws.receive(timeout=timeout)
        assert raw.type == aiohttp.WSMsgType.TEXT, raw
        msg = json.loads(raw.data)
        if mtype is None or msg["type"] == mtype:
            return msg


async def send(ws: aiohttp.ClientWebSocketResponse, mtype: str, **fields: Any) -> None:
    await ws.send_str(json.dumps({"v": 1, "type": mtype, **fields}))


async def citizen(client: TestClient, token: str) -> aiohttp.ClientWebSocketResponse:
    ws = await client.ws_connect("/api/v1/ws/citizen")
    await send(ws, "hello", token=token)
    return ws


async def clerk(client: TestClient, username: str = "anna") -> aiohttp.ClientWebSocketResponse:
    ws = await client.ws_connect("/api/v1/ws/clerk")
    await send(ws, "hello", token=await login(client, username))
    assert (await recv(ws))["type"] == "welcome"
    return ws


async def test_wrong_token_is_refused_with_a_reason(client: TestClient) -> None:
    for path in ("/api/v1/ws/citizen", "/api/v1/ws/clerk"):
        ws = await client.ws_connect(path)
        await send(ws, "hello", token="forged")
        err = await recv(ws)
        assert err["type"] == "error" and err["code"] == "invalid_token"
        closing = await ws.receive()
        assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4403


async def test_hello_is_required_first_and_times_out(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws_module, "HELLO_TIMEOUT_S", 0.3)
    ws = await client.ws_connect("/api/v1/ws/citizen")
    await send(ws, "ping")
    assert (await recv(ws))["code"] == "hello_required"
    closing = await ws.receive(timeout=2)
    assert closing.type == aiohttp.WSMsgType.CLOSE


async def test_foreign_origin_is_refused(client: TestClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect("/api/v1/ws/citizen", headers={"Origin": "https://evil.example"})
    assert info.value.status == 403


@pytest.mark.parametrize("raw, code", [
    ("{not json", "invalid_json"),
    ("[1, 2]", "invalid_message"),
    ('{"type": "ping"}', "unsupported_version"),
    ('{"v": 2, "type": "ping"}', "unsupported_version"),
    ('{"v": 1, "type": "launch_missiles"}', "unknown_type"),
    ('{"v": 1, "type": "offer", "sdp": "x"}', "missing_field"),
    ('{"v": 1, "type": "offer", "call_id": "7", "sdp": "x"}', "wrong_field"),
    ('{"v": 1, "type": "offer", "call_id": true, "sdp": "x"}', "wrong_field"),
    ('{"v": 1, "type": "ping", "extra": 1}', "unknown_field"),
    ('{"v": 1, "type": "ice", "call_id": 1, "candidate": {"candidate": 5}}', "wrong_field"),
    ('{"v": 1, "type": "offer", "call_id": 99, "sdp": "v=0"}', "unknown_call"),
])
async def test_malformed_messages_get_an_error_and_the_connection_stays(client: TestClient, raw: str,
                                                                       code: str) -> None:
    joined = await join(client)
    ws = await citizen(client, joined["token"])
    assert (await recv(ws, "welcome"))["position"] == 1
    await ws.send_str(raw)
    err = await recv(ws, "error")
    assert err["code"] == code and err["message"]
    await send(ws, "ping")
    assert (await recv(ws, "pong"))["type"] == "pong"


async def test_oversized_and_binary_messages(client: TestClient) -> None:
    joined = await join(client)
    ws = await citizen(client, joined["token"])
    await recv(ws, "welcome")
    await ws.send_bytes(b"\x00\x01")
    assert (await recv(ws, "error"))["code"] == "invalid_message"
    await send(ws, "ping")
    await recv(ws, "pong")
    await ws.send_str(json.dumps({"v": 1, "type": "offer", "call_id": 1, "sdp": "x" * 70_000}))
    closing = await ws.receive(timeout=5)  # over the frame limit: aiohttp closes with 1009
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    assert (await client.get("/healthz")).status == 200


async def test_full_call_flow(client: TestClient) -> None:
    desk = await clerk(client)
    first = await join(client, "Erika")
    second = await join(client, "Max")
    c1 = await citizen(client, first["token"])
    c2 = await citizen(client, second["token"])
    welcome1 = await recv(c1, "welcome")
    assert welcome1["position"] == 1
    welcome2_first_key = welcome1["key"]
    welcome2 = await recv(c2, "welcome")
    assert welcome2["position"] == 2 and welcome2["status"]["state"] == "open"
    queue = await recv(desk, "queue")
    while len(queue["tickets"]) < 2:
        queue = await recv(desk, "queue")
    ticket_id = first["ticket"]["id"]

    await send(desk, "call", ticket_id=ticket_id)
    started = await recv(desk, "call_started")
    call_id = started["call_id"]
    assert started["ticket"]["name"] == "Erika" and started["citizen_online"] is True
    called = await recv(c1, "called")
    assert called["call_id"] == call_id and called["clerk_name"] == "Anna Schmidt" and called["ice_servers"] == []
    update = await recv(c2, "queue_update")  # the same message for every page; each derives its place
    assert update["removed"] == [welcome2_first_key] and update["waiting"] == 1
    assert position_from_changes(2, tuple(welcome2["key"]), update["added"], update["removed"]) == 1

    await send(c1, "offer", call_id=call_id, sdp="v=0 offer")
    assert (await recv(desk, "offer"))["sdp"] == "v=0 offer"
    candidate = {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}
    await send(c1, "ice", call_id=call_id, candidate=candidate)
    assert (await recv(desk, "ice"))["candidate"] == candidate
    await send(desk, "answer", call_id=call_id, sdp="v=0 answer")
    assert (await recv(c1, "answer"))["sdp"] == "v=0 answer"
    await send(desk, "connected", call_id=call_id)

    # Max cannot hijack Erika's call
    await send(c2, "hangup", call_id=call_id)
    assert (await recv(c2, "error"))["code"] == "unknown_call"

    await send(desk, "hangup", call_id=call_id)
    assert (await recv(c1, "hangup"))["by"] == "clerk"
    assert (await recv(desk, "hangup"))["reason"] == "clerk_hangup"
    me = await client.get("/api/v1/tickets/me", headers={"Authorization": f"Bearer {first['token']}"})
    assert (await me.json())["ticket"]["state"] == "done"


async def test_two_clerks_race_for_one_citizen(client: TestClient, data_dir) -> None:  # type: ignore[no-untyped-def]
    from signaling.auth import hash_password
    from signaling.storage import Storage
    from tests.support.server import CLERK_PASSWORD

    # a second clerk of the same department, added while the server runs (storage is WAL, safe to share)
    storage = Storage(data_dir / "videoschalter.db")
    storage.add_clerk("carla", "Carla", hash_password(CLERK_PASSWORD), ["buergeramt"])
    storage.close()
    desk_a, desk_c = await clerk(client, "anna"), await clerk(client, "carla")
    ticket_id = (await join(client))["ticket"]["id"]
    await asyncio.gather(send(desk_a, "call", ticket_id=ticket_id), send(desk_c, "call", ticket_id=ticket_id))
    outcomes = []
    for desk in (desk_a, desk_c):
        while True:
            msg = await recv(desk)
            if msg["type"] in ("call_started", "error"):
                outcomes.append(msg["type"] if msg["type"] == "call_started" else msg["code"])
                break
    assert sorted(outcomes) == ["call_started", "not_waiting"]


async def test_clerk_cannot_call_other_departments(client: TestClient) -> None:
    desk = await clerk(client, "bernd")  # Bauamt
    joined = await join(client, "Erika", "buergeramt")
    await send(desk, "call", ticket_id=joined["ticket"]["id"])
    assert (await recv(desk, "error"))["code"] == "forbidden"
    await send(desk, "call", ticket_id=12345)
    assert (await recv(desk, "error"))["code"] == "unknown_ticket"


async def start_call(client: TestClient) -> tuple[Any, Any, dict[str, Any], int]:
    desk = await clerk(client)
    joined = await join(client)
    page = await citizen(client, joined["token"])
    await recv(page, "welcome")
    await send(desk, "call", ticket_id=joined["ticket"]["id"])
    call_id = (await recv(desk, "call_started"))["call_id"]
    await recv(page, "called")
    return desk, page, joined, call_id


async def test_citizen_who_drops_before_media_gets_their_place_back(client: TestClient) -> None:
    desk, page, joined, _call_id = await start_call(client)
    await page.close()
    assert (await recv(desk, "peer"))["online"] is False
    hangup = await recv(desk, "hangup")  # grace period is 0.3 s in these tests
    assert hangup["reason"] == "citizen_connection_lost"
    me = await client.get("/api/v1/tickets/me", headers={"Authorization": f"Bearer {joined['token']}"})
    body = await me.json()
    assert body["ticket"]["state"] == "waiting" and body["position"] == 1


async def test_citizen_who_reconnects_in_time_keeps_the_call(client: TestClient) -> None:
    desk, page, joined, call_id = await start_call(client)
    await page.close()
    again = await citizen(client, joined["token"])
    welcome = await recv(again, "welcome")
    assert welcome["call_id"] == call_id
    await asyncio.sleep(0.6)  # past the grace period
    await send(again, "offer", call_id=call_id, sdp="v=0 renegotiated")
    assert (await recv(desk, "offer"))["sdp"] == "v=0 renegotiated"


async def test_clerk_who_drops_puts_the_citizen_back_in_line(client: TestClient) -> None:
    desk, page, _joined, _call_id = await start_call(client)
    await desk.close()
    assert (await recv(page, "peer"))["online"] is False
    hangup = await recv(page, "hangup")
    assert hangup["reason"] == "clerk_connection_lost"
    update = await recv(page, "queue_update")  # back in line, with the key it had
    me = await client.get("/api/v1/tickets/me", headers={"Authorization": f"Bearer {_joined['token']}"})
    assert (await me.json())["position"] == 1 and len(update["added"]) == 1


async def test_citizen_hangup_ends_call_for_clerk(client: TestClient) -> None:
    desk, page, _joined, call_id = await start_call(client)
    await send(page, "hangup", call_id=call_id, reason="citizen_hangup")  # the page's red button: at once
    msg = await recv(desk, "hangup")
    assert msg["reason"] == "citizen_hangup" and msg["by"] == "citizen"


async def test_closed_tab_ends_the_call_after_a_short_grace(client: TestClient) -> None:
    desk, page, _joined, call_id = await start_call(client)
    await send(page, "hangup", call_id=call_id, reason="page_closed")  # pagehide: closed, or a reload
    await page.close()
    assert (await recv(desk, "peer"))["online"] is False
    msg = await recv(desk, "hangup")
    assert msg["reason"] == "page_closed" and msg["by"] == "citizen"


async def test_reloaded_page_resumes_the_call(client: TestClient) -> None:
    desk, page, joined, call_id = await start_call(client)
    await send(page, "hangup", call_id=call_id, reason="page_closed")  # a reload fires pagehide too
    await page.close()
    again = await citizen(client, joined["token"])  # the reloaded page
    assert (await recv(again, "welcome"))["call_id"] == call_id
    await asyncio.sleep(0.6)  # past the grace period (0.3 s here)
    await send(again, "offer", call_id=call_id, sdp="v=0 after reload")
    while (msg := await recv(desk))["type"] != "offer":
        assert msg["type"] != "hangup", msg
    assert msg["sdp"] == "v=0 after reload"


async def test_opening_the_link_twice_keeps_one_page(client: TestClient) -> None:
    joined = await join(client)
    first = await citizen(client, joined["token"])
    await recv(first, "welcome")
    second = await citizen(client, joined["token"])
    await recv(second, "welcome")
    while True:
        raw = await first.receive(timeout=5)
        if raw.type == aiohttp.WSMsgType.CLOSE:
            assert raw.data == 4409
            break


async def booked(client: TestClient, minutes_from_now: float, email_addr: str = "b@example.org") -> str:
    """An appointment at any time (the storage does not apply the booking rules), returning its link token."""
    import datetime as dt

    from signaling import appointment_store as appts
    from signaling.keys import STORE

    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes_from_now)
    _, token, _ = await client.app[STORE].run(
        appts.book, service="meldebescheinigung", department="buergeramt", start=start,
        end=start + dt.timedelta(minutes=15), capacity=99, name="Berta Bucher", email=email_addr, lang="de",
        client="test", idempotency_key=None)
    return token


async def test_booked_citizen_gets_a_countdown_before_the_slot(client: TestClient) -> None:
    token = await booked(client, 10)
    ws = await citizen(client, token)
    early = await recv(ws)
    assert early["type"] == "early" and early["open"] is True and early["service"] == "Meldebescheinigung"
    await send(ws, "ping", t=1.5)
    assert (await recv(ws, "pong"))["t"] == 1.5
    await send(ws, "sync")
    assert (await recv(ws, "error"))["code"] == "not_in_line"


async def test_booked_citizen_joins_the_line_by_their_slot_time(client: TestClient) -> None:
    import datetime as dt

    from signaling.keys import STORE

    before = await join(client, "Früher da")  # joined 10 minutes ago, before the booked slot began
    ten_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).isoformat()
    await client.app[STORE].run(lambda s: s.db["tickets"].update(before["ticket"]["id"], {"due_at": ten_ago}))
    token = await booked(client, -2)
    after = await join(client, "Später da")
    page = await citizen(client, token)
    welcome = await recv(page, "welcome")
    assert welcome["ticket"]["appointment"] is True and welcome["ticket"]["name"] == "Berta Bucher"
    # the walk-in who came before the slot start stays ahead; the one after it waits behind the booking
    me = await client.get("/api/v1/tickets/me", headers={"Authorization": f"Bearer {before['token']}"})
    assert (await me.json())["position"] == 1
    assert welcome["position"] == 2
    me = await client.get("/api/v1/tickets/me", headers={"Authorization": f"Bearer {after['token']}"})
    assert (await me.json())["position"] == 3
    again = await citizen(client, token)  # the same link again: the same ticket, not a second one
    assert (await recv(again, "welcome"))["ticket"]["id"] == welcome["ticket"]["id"]


async def test_booked_citizen_too_late_is_refused(client: TestClient) -> None:
    token = await booked(client, -30)
    ws = await citizen(client, token)
    assert (await recv(ws))["code"] == "invalid_token"


async def test_pause_and_announcements_reach_the_waiting_page(client: TestClient) -> None:
    desk = await clerk(client)
    joined = await join(client)
    page = await citizen(client, joined["token"])
    assert (await recv(page, "welcome"))["status"]["state"] == "open"
    await send(desk, "status", state="pause")
    assert (await recv(page, "status"))["state"] == "pause"
    await send(desk, "announce", text="  Wir sind gleich   wieder da. <b>Danke</b>  ")
    note = await recv(page, "announcement")
    assert note["text"] == "Wir sind gleich wieder da. <b>Danke</b>" and note["personal"] is False
    await send(desk, "announce", text="Nur für Sie", ticket_id=joined["ticket"]["id"])
    assert (await recv(page, "announcement"))["personal"] is True
    again = await citizen(client, joined["token"])  # a page opened later still shows them
    assert [a["text"] for a in (await recv(again, "welcome"))["announcements"]][-1] == "Nur für Sie"
    await send(desk, "status", state="available")
    assert (await recv(again, "status"))["state"] == "open"


async def test_call_next_transfer_and_no_show(client: TestClient) -> None:
    desk = await clerk(client)
    first = await join(client, "Erste")
    second = await join(client, "Zweite")
    await send(desk, "call_next")
    started = await recv(desk, "call_started")
    assert started["ticket"]["id"] == first["ticket"]["id"]
    await send(desk, "call_next")
    assert (await recv(desk, "error"))["code"] == "in_call"
    # transfer the person in the call to the Bauamt: the call ends, they wait there with their old due time
    page = await citizen(client, first["token"])
    await recv(page, "welcome")
    await send(desk, "transfer", ticket_id=first["ticket"]["id"], department="bauamt")
    assert (await recv(page, "hangup"))["reason"] == "transferred"
    moved = await recv(page, "welcome")
    assert moved["ticket"]["department"] == "bauamt" and moved["transferred_to"] == "Bauamt"
    # no-show for the second: their page is told and closed
    second_page = await citizen(client, second["token"])
    await recv(second_page, "welcome")
    await send(desk, "no_show", ticket_id=second["ticket"]["id"])
    assert (await recv(second_page, "closed"))["reason"] == "no_show"
    await send(desk, "call_next")
    assert (await recv(desk, "error"))["code"] == "queue_empty"


async def test_day_overview_counts_from_the_database(client: TestClient) -> None:
    desk = await clerk(client)
    for name in ("A", "B", "C"):
        await join(client, name)
    await booked(client, 1)  # later today (unless the test runs in the last minute of the day)
    await send(desk, "call_next")
    call_id = (await recv(desk, "call_started"))["call_id"]
    await send(desk, "connected", call_id=call_id)
    await send(desk, "hangup", call_id=call_id)
    await recv(desk, "hangup")
    token = await login(client)
    day = await (await client.get("/api/v1/clerk/day", headers={"Authorization": f"Bearer {token}"})).json()
    assert day["served"] == 1 and day["waiting"] == 2 and day["avg_duration_s"] is not None
    assert [a["name"] for a in day["appointments"]] == ["Berta Bucher"]
    assert (await client.get("/api/v1/clerk/day")).status == 401
