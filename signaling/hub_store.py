"""Small storage functions the hub needs: call durations, transfers, announcements.

They run on the storage thread (``AsyncStorage.run``) like the methods of ``Storage``; they live
here because only the hub and its clerk desk use them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from signaling.storage import Storage, Ticket, iso, utcnow


def recent_durations(storage: Storage, department: str, limit: int = 30) -> list[float]:
    rows = storage.db.execute(
        "select c.connected_at, c.ended_at from calls c join tickets t on t.id = c.ticket_id "
        "where t.department = ? and c.connected_at is not null and c.ended_at is not null "
        "order by c.id desc limit ?", [department, limit]).fetchall()
    return [(dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds() for a, b in reversed(rows)]


def call_duration(storage: Storage, call_id: int) -> float | None:
    call = storage.call(call_id)
    if not call["connected_at"] or not call["ended_at"]:
        return None
    started, ended = dt.datetime.fromisoformat(call["connected_at"]), dt.datetime.fromisoformat(call["ended_at"])
    return (ended - started).total_seconds()


def transfer_ticket(storage: Storage, ticket_id: int, department: str, clerk_id: int | None) -> Ticket:
    """Move a ticket to another line; it keeps its due time, so its place there is fair."""
    storage.db["tickets"].update(ticket_id, {"department": department, "assigned_clerk_id": clerk_id})
    return storage.ticket(ticket_id)


def store_announcement(storage: Storage, department: str, ticket_id: int | None, text: str,
                       clerk_id: int) -> dict[str, Any]:
    now = iso(utcnow())
    storage.db["announcements"].insert({"department": department, "ticket_id": ticket_id, "text": text,
                                        "clerk_id": clerk_id, "created_at": now})
    return {"text": text, "at": now, "personal": ticket_id is not None}


def recent_announcements(storage: Storage, department: str, ticket_id: int, minutes: int = 30) -> list[dict[str, Any]]:
    since = iso(utcnow() - dt.timedelta(minutes=minutes))
    rows = storage.db.execute(
        "select text, created_at, ticket_id from announcements where department = ? and created_at >= ? "
        "and (ticket_id is null or ticket_id = ?) order by id", [department, since, ticket_id]).fetchall()
    return [{"text": t, "at": at, "personal": tid is not None} for t, at, tid in rows]
