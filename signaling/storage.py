"""SQLite storage through sqlite-utils, every access on one thread.

Why one thread: a ``sqlite3`` connection belongs to the thread that made it,
and funnelling every write through one place serialises them without locks
(datasette does the same). ``synchronous=FULL`` in WAL mode makes a commit
durable before we acknowledge it to anyone ("persist before you acknowledge").
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from signaling.migrations import migrations
from videoschalter.domain.queue import ACTIVE_STATES, QueueEntry, TicketState, check_transition

T = TypeVar("T")
TOKEN_BYTES = 24  # 192 random bits


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def new_token(secret: bytes | None = None, idempotency_key: str | None = None, purpose: str = "") -> tuple[str, str]:
    """A fresh secret and the hash we keep of it (the secret itself is never stored).

    With an idempotency key the token is derived from it with the server's own
    secret, so a client that retries a request whose answer it lost gets the very
    same link again, and still nobody without the server secret can compute one.
    """
    if secret is not None and idempotency_key:
        digest = hmac.new(secret, f"{purpose}:{idempotency_key}".encode(), hashlib.sha256).digest()
        token = base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode().rstrip("=")
    else:
        token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def load_or_create_secret(path: Path) -> bytes:
    """The server's own random secret, kept in the data folder (never in the repository)."""
    if path.exists():
        return path.read_bytes()
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret)
    return secret


def to_ms(iso_text: str) -> int:
    return int(dt.datetime.fromisoformat(iso_text).timestamp() * 1000)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Ticket:
    id: int
    department: str
    number: int
    name: str
    state: TicketState
    created_at: str
    expires_at: str
    due_at: str
    called_at: str | None = None
    clerk_id: int | None = None
    appointment_id: int | None = None
    assigned_clerk_id: int | None = None
    lang: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Ticket:
        return cls(
            id=row["id"],
            department=row["department"],
            number=row["number"],
            name=row["name"] or "",
            state=TicketState(row["state"]),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            due_at=row["due_at"] or row["created_at"],
            called_at=row["called_at"],
            clerk_id=row["clerk_id"],
            appointment_id=row.get("appointment_id"),
            assigned_clerk_id=row.get("assigned_clerk_id"),
            lang=row.get("lang"),
        )

    @property
    def entry(self) -> QueueEntry:
        return QueueEntry(self.id, to_ms(self.due_at), self.state, self.appointment_id is not None)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "department": self.department,
            "number": self.number,
            "name": self.name,
            "state": self.state.value,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "due_at": self.due_at,
            "appointment": self.appointment_id is not None,
            "assigned_clerk_id": self.assigned_clerk_id,
        }


@dataclass(frozen=True)
class Clerk:
    id: int
    username: str
    display_name: str
    departments: tuple[str, ...]
    status: str = "available"  # available | pause

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "departments": list(self.departments),
            "status": self.status,
        }


class Storage:
    """Synchronous storage; call it only through ``AsyncStorage.run``."""

    def __init__(self, path: Path, secret: bytes | None = None):
        self.secret = secret
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=True)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        self.db = Database(conn)
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.conn.close()

    # --- clerks -------------------------------------------------------
    def add_clerk(self, username: str, display_name: str, password_hash: str, departments: list[str]) -> Clerk:
        with self.db.atomic():
            existing = list(self.db["clerks"].rows_where("username = ?", [username]))
            record = {
                "username": username,
                "display_name": display_name,
                "password_hash": password_hash,
                "departments": json.dumps(departments),
                "active": 1,
            }
            if existing:
                self.db["clerks"].update(existing[0]["id"], record)
                clerk_id = existing[0]["id"]
            else:
                record["created_at"] = iso(utcnow())
                clerk_id = self.db["clerks"].insert(record).last_pk
        return self.clerk(clerk_id)

    def clerk(self, clerk_id: int) -> Clerk:
        try:
            row = self.db["clerks"].get(clerk_id)
        except Exception as exc:  # sqlite_utils.db.NotFoundError
            raise NotFound(clerk_id) from exc
        return Clerk(row["id"], row["username"], row["display_name"] or row["username"],
                     tuple(json.loads(row["departments"] or "[]")), row.get("status") or "available")

    def clerks(self) -> list[Clerk]:
        return [self.clerk(row["id"]) for row in self.db["clerks"].rows_where("active = 1", order_by="id")]

    def set_clerk_status(self, clerk_id: int, status: str) -> Clerk:
        self.db["clerks"].update(clerk_id, {"status": status})
        return self.clerk(clerk_id)

    def clerk_password_hash(self, username: str) -> tuple[int, str] | None:
        rows = list(self.db["clerks"].rows_where("username = ? and active = 1", [username]))
        return (rows[0]["id"], rows[0]["password_hash"]) if rows else None

    def update_password_hash(self, clerk_id: int, password_hash: str) -> None:
        self.db["clerks"].update(clerk_id, {"password_hash": password_hash})

    def create_clerk_session(self, clerk_id: int, hours: float) -> tuple[str, str]:
        token, token_hash = new_token()
        now = utcnow()
        expires = iso(now + dt.timedelta(hours=hours))
        self.db["clerk_sessions"].insert(
            {"token_hash": token_hash, "clerk_id": clerk_id, "created_at": iso(now), "expires_at": expires}
        )
        return token, expires

    def clerk_for_session(self, token: str) -> Clerk | None:
        rows = list(self.db["clerk_sessions"].rows_where(
            "token_hash = ? and expires_at > ?", [hash_token(token), iso(utcnow())]))
        return self.clerk(rows[0]["clerk_id"]) if rows else None

    def end_clerk_session(self, token: str) -> None:
        self.db.execute("delete from clerk_sessions where token_hash = ?", [hash_token(token)])

    # --- tickets ------------------------------------------------------
    def join_queue(self, department: str, name: str, hours: float, day_start: str,
                   idempotency_key: str | None = None, lang: str | None = None) -> tuple[Ticket, str, bool]:
        """Create a waiting ticket; returns it, the citizen's secret token, and whether it is new.

        A retry with the same idempotency key returns the ticket of the first try
        (and the same token), so a lost answer never costs a second place in line.
        """
        token, token_hash = new_token(self.secret, idempotency_key, "ticket")
        now = utcnow()
        with self.db.atomic():
            if idempotency_key:
                rows = list(self.db["tickets"].rows_where("idempotency_key = ?", [idempotency_key]))
                if rows:
                    if rows[0]["token_hash"] != token_hash:  # same key, other server secret: refuse
                        raise NotFound(idempotency_key)
                    return Ticket.from_row(rows[0]), token, False
            ticket_id = self._insert_ticket(department, name, token_hash, now, now, hours, day_start,
                                            idempotency_key=idempotency_key, lang=lang)
        return self.ticket(ticket_id), token, True

    def _insert_ticket(self, department: str, name: str, token_hash: str, now: dt.datetime, due: dt.datetime,
                       hours: float, day_start: str, **extra: Any) -> int:
        number = self.db.execute(
            "select coalesce(max(number), 0) + 1 from tickets where department = ? and created_at >= ?",
            [department, day_start],
        ).fetchone()[0]
        return self.db["tickets"].insert({
            "department": department,
            "number": number,
            "name": name,
            "token_hash": token_hash,
            "state": TicketState.WAITING.value,
            "created_at": iso(now),
            "due_at": iso(due),
            "expires_at": iso(now + dt.timedelta(hours=hours)),
            **extra,
        }).last_pk

    def ticket(self, ticket_id: int) -> Ticket:
        rows = list(self.db["tickets"].rows_where("id = ?", [ticket_id]))
        if not rows:
            raise NotFound(ticket_id)
        return Ticket.from_row(rows[0])

    def ticket_for_token(self, token: str) -> Ticket | None:
        """The ticket behind a citizen token, or None if unknown or expired."""
        rows = list(self.db["tickets"].rows_where(
            "token_hash = ? and expires_at > ?", [hash_token(token), iso(utcnow())]))
        return Ticket.from_row(rows[0]) if rows else None

    def active_tickets(self, department: str | None = None) -> list[Ticket]:
        states = [s.value for s in ACTIVE_STATES]
        where = f"state in ({','.join('?' * len(states))}) and expires_at > ?"
        params: list[Any] = [*states, iso(utcnow())]
        if department is not None:
            where += " and department = ?"
            params.append(department)
        return [Ticket.from_row(r) for r in self.db["tickets"].rows_where(where, params, order_by="id")]

    def line_for_clerks(self, department: str, waiting_ids: list[int]) -> list[Ticket]:
        """The tickets in a call plus the given waiting ones (the head of the line)."""
        marks = ",".join("?" * len(waiting_ids)) or "null"
        rows = self.db.execute(
            f"select * from tickets where department = ? and expires_at > ? and "
            f"(state = ? or (state = ? and id in ({marks}))) order by id",
            [department, iso(utcnow()), TicketState.CALLED.value, TicketState.WAITING.value, *waiting_ids])
        columns = [c[0] for c in rows.description]
        return [Ticket.from_row(dict(zip(columns, row, strict=True))) for row in rows.fetchall()]

    def queue_entries(self, department: str) -> list[QueueEntry]:
        return [entry for entry, _ in self.queue_rows(department)]

    def queue_rows(self, department: str) -> list[tuple[QueueEntry, int | None]]:
        """The line as the queue order needs it (and who a ticket was assigned to), without whole rows:
        this runs on every change of a line that may hold thousands."""
        states = [s.value for s in ACTIVE_STATES]
        rows = self.db.execute(
            f"select id, due_at, created_at, state, appointment_id, assigned_clerk_id from tickets "
            f"where department = ? and state in ({','.join('?' * len(states))}) and expires_at > ?",
            [department, *states, iso(utcnow())]).fetchall()
        return [(QueueEntry(tid, to_ms(due or created), TicketState(state), appt is not None), assigned)
                for tid, due, created, state, appt, assigned in rows]

    def set_ticket_state(self, ticket_id: int, new: TicketState, reason: str | None = None,
                         clerk_id: int | None = None) -> Ticket:
        """Move a ticket to a new state, checking the transition inside the transaction."""
        with self.db.atomic():
            ticket = self.ticket(ticket_id)
            check_transition(ticket.state, new)
            update: dict[str, Any] = {"state": new.value}
            now = iso(utcnow())
            if new == TicketState.CALLED:
                update.update(called_at=now, clerk_id=clerk_id, assigned_clerk_id=None)
            elif new == TicketState.WAITING:
                update.update(clerk_id=None)
            else:
                update.update(ended_at=now, end_reason=reason)
            self.db["tickets"].update(ticket_id, update)
        return self.ticket(ticket_id)

    # --- calls --------------------------------------------------------
    def start_call(self, ticket_id: int, clerk_id: int) -> tuple[int, Ticket]:
        """Atomically call a waiting ticket in; fails if someone else was faster."""
        with self.db.atomic():
            ticket = self.set_ticket_state(ticket_id, TicketState.CALLED, clerk_id=clerk_id)
            call_id = self.db["calls"].insert(
                {"ticket_id": ticket_id, "clerk_id": clerk_id, "started_at": iso(utcnow())}).last_pk
        return call_id, ticket

    def call(self, call_id: int) -> dict[str, Any]:
        rows = list(self.db["calls"].rows_where("id = ?", [call_id]))
        if not rows:
            raise NotFound(call_id)
        return rows[0]

    def open_calls(self) -> list[dict[str, Any]]:
        return list(self.db["calls"].rows_where("ended_at is null", order_by="id"))

    def mark_connected(self, call_id: int) -> None:
        self.db["calls"].update(call_id, {"connected_at": iso(utcnow())})

    def end_call(self, call_id: int, reason: str, ticket_state: TicketState) -> Ticket:
        with self.db.atomic():
            call = self.call(call_id)
            self.db["calls"].update(call_id, {"ended_at": iso(utcnow()), "end_reason": reason})
            ticket = self.ticket(call["ticket_id"])
            if ticket.state == TicketState.CALLED:
                ticket = self.set_ticket_state(ticket.id, ticket_state, reason=reason)
        return ticket


class AsyncStorage:
    """Runs ``Storage`` methods on its single dedicated thread."""

    def __init__(self, path: Path, secret: bytes | None = None):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._path = path
        self._secret = secret
        self._storage: Storage | None = None

    async def open(self) -> None:
        self._storage = await self._submit(lambda: Storage(self._path, self._secret))

    async def close(self) -> None:
        if self._storage is not None:
            await self._submit(self._storage.close)
        self._executor.shutdown(wait=True)

    def _submit(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def run(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``await store.run(Storage.join_queue, dept, name, ...)``; any ``fn(storage, ...)`` works."""
        storage = self._storage
        assert storage is not None, "storage not opened"
        return await self._submit(lambda: method(storage, *args, **kwargs))
