"""SIGKILL the server in the middle of bookings and queue joins: nothing acknowledged is lost or doubled."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import uuid
from typing import Any

import aiohttp
import pytest

from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


RETRIES: list[str] = []


async def post_until_acknowledged(session: aiohttp.ClientSession, server: ServerProcess, path: str,
                                  body: dict[str, Any], key: str) -> dict[str, Any]:
    """What a browser does: retry with the same Idempotency-Key until an answer arrives."""
    while True:
        try:
            async with session.post(server.url + path, json=body, headers={"Idempotency-Key": key},
                                    timeout=aiohttp.ClientTimeout(total=5)) as res:
                if res.status in (200, 201):
                    return await res.json()
                raise AssertionError(f"{path}: {res.status} {await res.text()}")
        except (aiohttp.ClientError, TimeoutError):
            RETRIES.append(key)
            await asyncio.sleep(0.05)


def slots(count: int) -> list[str]:
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=3)
    return [(start + dt.timedelta(minutes=15 * i)).isoformat() for i in range(count)]


async def test_kill_during_bookings_and_joins(server: ServerProcess) -> None:
    server.stop()
    server.write_config(grace=3.0, joins=100_000)
    server.start()
    joins, bookings = 120, 60
    async with aiohttp.ClientSession() as session:
        async def join(i: int) -> tuple[str, dict[str, Any]]:
            key = f"join-{uuid.uuid4().hex}"
            await asyncio.sleep(i * 0.01)
            return key, await post_until_acknowledged(session, server, "/api/v1/tickets",
                                                      {"department": "buergeramt", "name": f"Person {i}"}, key)

        async def book(i: int, start: str) -> tuple[str, dict[str, Any]]:
            key = f"book-{uuid.uuid4().hex}"
            await asyncio.sleep(i * 0.02)
            return key, await post_until_acknowledged(session, server, "/api/v1/appointments", {
                "service": "meldebescheinigung", "start": start, "name": f"Gast {i}",
                "email": f"gast{i}@example.org"}, key)

        async def crash() -> None:
            await asyncio.sleep(0.5)
            await asyncio.to_thread(server.kill)
            await asyncio.sleep(0.3)
            await asyncio.to_thread(server.start)

        results = await asyncio.gather(*(join(i) for i in range(joins)),
                                       *(book(i, s) for i, s in enumerate(slots(bookings))), crash())
    assert RETRIES, "the kill did not hit any request: the test would prove nothing"
    acknowledged = [r for r in results if r is not None]
    tickets = {key: body for key, body in acknowledged if key.startswith("join-")}
    appointments = {key: body for key, body in acknowledged if key.startswith("book-")}
    assert len(tickets) == joins and len(appointments) == bookings

    db = sqlite3.connect(server.data / "videoschalter.db")
    stored_tickets = dict(db.execute("select idempotency_key, id from tickets").fetchall())
    stored_appointments = dict(db.execute("select idempotency_key, id from appointments").fetchall())
    assert len(stored_tickets) == joins == db.execute("select count(*) from tickets").fetchone()[0]
    assert len(stored_appointments) == bookings == db.execute("select count(*) from appointments").fetchone()[0]
    for key, body in tickets.items():
        assert stored_tickets[key] == body["ticket"]["id"]
    for key, body in appointments.items():
        assert stored_appointments[key] == body["appointment"]["id"]
    # every acknowledged link still works, and the places are 1..n without gaps or doubles
    async with aiohttp.ClientSession() as session:
        places = []
        for body in tickets.values():
            async with session.get(server.url + "/api/v1/tickets/me",
                                   headers={"Authorization": f"Bearer {body['token']}"}) as res:
                assert res.status == 200
                places.append((await res.json())["position"])
        assert sorted(places) == list(range(1, joins + 1))
        for body in list(appointments.values())[:5]:
            async with session.get(server.url + "/api/v1/appointments/me",
                                   headers={"Authorization": f"Bearer {body['token']}"}) as res:
                assert res.status == 200
    outbox = db.execute("select count(*), count(distinct appointment_id) from outbox").fetchone()
    assert outbox == (bookings, bookings)  # one confirmation per booking, none lost, none doubled
