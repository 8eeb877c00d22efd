"""Appointments over the API: slots, booking rules, no double booking, mails, moving, cancelling."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import mailbox
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from icalendar import Calendar

from signaling import appointment_store as appts
from signaling.keys import STORE
from signaling.mailer import MAILER


def slot_start(hours_ahead: int = 3) -> str:
    """A slot at a full hour a few hours ahead (the test departments are open around the clock).

    A full hour, not just the 15-minute grid: a 30-minute slot starting at 23:45 would run past
    midnight, out of the day's opening hours, and the test would fail in the last quarter hour of a day.
    """
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return (now + dt.timedelta(hours=hours_ahead)).isoformat()


async def book(client: TestClient, start: str, email_addr: str = "erika@example.org", service: str = "bauberatung",
               key: str | None = None, name: str = "Erika Mustermann") -> tuple[int, dict[str, Any]]:
    headers = {"Idempotency-Key": key} if key else {}
    res = await client.post("/api/v1/appointments", json={
        "service": service, "start": start, "name": name, "email": email_addr}, headers=headers)
    return res.status, await res.json()


async def mails(data_dir: Path, count: int, timeout: float = 10) -> list[email.message.Message]:
    box = data_dir / "mail"
    for _ in range(int(timeout / 0.05)):
        # the sender creates the maildir's folders one by one: wait until all three are there
        if all((box / sub).is_dir() for sub in ("tmp", "new", "cur")) and len(mailbox.Maildir(box)) >= count:
            break
        await asyncio.sleep(0.05)
    # maildir keys are "<seconds>.M<microseconds>P<pid>Q<n>.<host>": sort by that delivery time
    def delivered(key: str) -> tuple[int, int]:
        seconds, rest = key.split(".", 1)
        return int(seconds), int(rest[1:rest.index("P")])

    items = sorted(mailbox.Maildir(box).items(), key=lambda kv: delivered(kv[0]))
    return [email.message_from_bytes(m.as_bytes()) for _, m in items]


def ics_of(message: email.message.Message) -> Calendar:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no .ics attached")


async def test_services_and_free_slots(client: TestClient) -> None:
    services = (await (await client.get("/api/v1/services")).json())["services"]
    by_id = {s["id"]: s for s in services}
    assert by_id["meldebescheinigung"]["fee_cents"] == 500 and by_id["bauberatung"]["department_name"] == "Bauamt"
    assert by_id["reisepass"]["video"] is False and "Bürgeramt" in by_id["reisepass"]["not_by_video_hint"]
    days = (await (await client.get("/api/v1/services/bauberatung/days")).json())["days"]
    assert len(days) >= 28
    slots = (await (await client.get(f"/api/v1/services/bauberatung/slots?date={days[1]['date']}")).json())["slots"]
    assert slots and all(s["free"] == 1 for s in slots)
    assert (await client.get("/api/v1/services/nope/days")).status == 404
    assert (await client.get("/api/v1/services/bauberatung/slots?date=morgen")).status == 400


async def test_booking_sends_a_mail_with_link_and_ics(client: TestClient, data_dir: Path) -> None:
    start = slot_start()
    status, body = await book(client, start)
    assert status == 201, body
    assert body["url"] == f"/termin/{body['token']}" and body["appointment"]["status"] == "booked"
    (message,) = await mails(data_dir, 1)
    assert message["To"].endswith("erika@example.org>") or message["To"] == "erika@example.org"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert f"/termin/{body['token']}" in text
    event = next(c for c in ics_of(message).walk() if c.name == "VEVENT")
    assert event.decoded("dtstart") == dt.datetime.fromisoformat(start)
    assert body["token"] in str(event.get("description"))
    page = await client.get(body["url"])
    assert page.status == 200 and "Ihr Termin" in await page.text()
    me = await client.get("/api/v1/appointments/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert (await me.json())["appointment"]["start"].startswith(start[:16])


async def test_exactly_one_of_many_gets_the_last_place(client: TestClient) -> None:
    start = slot_start(5)
    results = await asyncio.gather(*(book(client, start, f"p{i}@example.org", name=f"Person {i}")
                                     for i in range(25)))
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 1 and statuses.count(409) == 24, statuses
    loser = next(body for status, body in results if status == 409)
    assert loser["error"] == "slot_full" and loser["problems"][0]["field"] == "start"


async def test_a_retry_with_the_same_key_books_once(client: TestClient, data_dir: Path) -> None:
    start = slot_start(6)
    first = await book(client, start, key="retry-key-0123456789")
    again = await book(client, start, key="retry-key-0123456789")
    assert first[0] == 201 and again[0] == 200
    assert first[1]["token"] == again[1]["token"] and first[1]["appointment"]["id"] == again[1]["appointment"]["id"]
    other = await book(client, start, "other@example.org", key="another-key-0123456789")
    assert other[0] == 409
    assert len(await mails(data_dir, 1)) == 1  # one booking, one mail


async def test_booking_rules_give_clear_errors(client: TestClient) -> None:
    cases = [
        ({"email_addr": "not-an-address"}, 400, "email_invalid"),
        ({"name": "X"}, 400, "name_missing"),
        ({"service": "reisepass"}, 400, "service_not_by_video"),
    ]
    for kwargs, status, code in cases:
        service = kwargs.pop("service", "meldebescheinigung")
        got, body = await book(client, slot_start(), service=service, **kwargs)
        assert got == status and code in {p["code"] for p in body["problems"]}, body
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    got, body = await book(client, past.isoformat(), service="meldebescheinigung")
    assert got == 400 and "slot_in_past" in {p["code"] for p in body["problems"]}
    off_grid = dt.datetime.fromisoformat(slot_start()) + dt.timedelta(minutes=7)
    got, body = await book(client, off_grid.isoformat(), service="meldebescheinigung")
    assert got == 400 and "slot_not_on_grid" in {p["code"] for p in body["problems"]}
    res = await client.post("/api/v1/appointments", json={"service": "meldebescheinigung", "start": "2026-01-01T10:00",
                                                          "name": "Erika", "email": "e@example.org"})
    assert res.status == 400 and (await res.json())["error"] == "invalid_start"
    assert (await client.post("/api/v1/appointments", json={"service": "nope"})).status == 404


async def test_daily_limit_per_email(client: TestClient) -> None:
    day = dt.datetime.fromisoformat(slot_start(30)).replace(hour=9, minute=0)
    for i in range(2):
        status, _ = await book(client, (day + dt.timedelta(hours=i)).isoformat(), service="meldebescheinigung")
        assert status == 201
    status, body = await book(client, (day + dt.timedelta(hours=3)).isoformat(), service="meldebescheinigung")
    assert status == 429 and body["problems"][0]["code"] == "limit_email"


async def test_move_and_cancel_send_updates(client: TestClient, data_dir: Path) -> None:
    _, body = await book(client, slot_start(4))
    headers = {"Authorization": f"Bearer {body['token']}"}
    new_start = slot_start(8)
    res = await client.post("/api/v1/appointments/me/reschedule", json={"start": new_start}, headers=headers)
    assert res.status == 200 and (await res.json())["appointment"]["start"].startswith(new_start[:16])
    res = await client.delete("/api/v1/appointments/me", headers=headers)
    assert res.status == 200 and (await res.json())["appointment"]["status"] == "cancelled"
    assert (await client.delete("/api/v1/appointments/me", headers=headers)).status == 409
    _confirmation, moved, cancelled = await mails(data_dir, 3)
    assert ics_of(moved).walk("VEVENT")[0]["SEQUENCE"] == 1
    assert str(ics_of(cancelled)["METHOD"]) == "CANCEL"
    # the freed slot can be booked again
    assert (await book(client, new_start, "next@example.org"))[0] == 201
    assert (await client.get("/api/v1/appointments/me", headers={"Authorization": "Bearer nope"})).status == 403


async def test_reminders_and_no_shows(client: TestClient, data_dir: Path) -> None:
    _, body = await book(client, slot_start(3))  # within the 24 h reminder lead: the confirmation is enough
    mailer = client.app[MAILER]
    await mailer.chores()
    await mailer.send_pending()
    assert len(await mails(data_dir, 2, timeout=0.3)) == 1
    store = client.app[STORE]
    appointment_id = body["appointment"]["id"]
    booked_long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat()
    await store.run(lambda s: s.db["appointments"].update(appointment_id, {"updated_at": booked_long_ago}))
    await mailer.chores()
    await mailer.send_pending()
    _confirmation, reminder = await mails(data_dir, 2)
    assert "Erinnerung" in reminder["Subject"]
    await mailer.chores()
    await mailer.send_pending()
    assert len(await mails(data_dir, 3, timeout=0.3)) == 2  # reminded once only

    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    await store.run(lambda s: s.db["appointments"].update(appointment_id, {"start_at": past.isoformat()}))
    await mailer.chores()
    assert (await store.run(appts.appointment, appointment_id)).status == "no_show"
