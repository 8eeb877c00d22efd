"""Schema migrations, applied at every start (sqlite-utils records them)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("videoschalter")


@migrations()
def m001_clerks_tickets_calls(db: Database) -> None:
    db["clerks"].create(
        {
            "id": int,
            "username": str,
            "display_name": str,
            "password_hash": str,
            "departments": str,  # JSON list of department ids
            "active": int,
            "created_at": str,
        },
        pk="id",
        not_null={"username", "password_hash"},
    )
    db["clerks"].create_index(["username"], unique=True)
    db["clerk_sessions"].create(
        {"token_hash": str, "clerk_id": int, "created_at": str, "expires_at": str},
        pk="token_hash",
        foreign_keys=[("clerk_id", "clerks", "id")],
    )
    db["tickets"].create(
        {
            "id": int,
            "department": str,
            "number": int,  # shown to people, counts per department and day
            "name": str,
            "token_hash": str,
            "state": str,
            "created_at": str,
            "expires_at": str,
            "called_at": str,
            "ended_at": str,
            "end_reason": str,
            "clerk_id": int,
        },
        pk="id",
        not_null={"department", "token_hash", "state", "created_at", "expires_at"},
    )
    db["tickets"].create_index(["token_hash"], unique=True)
    db["tickets"].create_index(["department", "state"])
    db["calls"].create(
        {
            "id": int,
            "ticket_id": int,
            "clerk_id": int,
            "started_at": str,
            "connected_at": str,
            "ended_at": str,
            "end_reason": str,
        },
        pk="id",
        foreign_keys=[("ticket_id", "tickets", "id"), ("clerk_id", "clerks", "id")],
    )


@migrations()
def m002_appointments_queue_order_outbox(db: Database) -> None:
    """Booked appointments, their place in the one queue, clerk status, messages and the mail outbox."""
    tickets = db["tickets"]
    tickets.add_column("due_at", str)  # walk-in: when it joined; booking: the slot start
    tickets.add_column("appointment_id", int)
    tickets.add_column("assigned_clerk_id", int)  # transferred to one clerk in particular
    tickets.add_column("idempotency_key", str)
    tickets.add_column("lang", str)
    db.execute("update tickets set due_at = created_at where due_at is null")
    db.execute("create unique index idx_tickets_idempotency on tickets(idempotency_key) "
               "where idempotency_key is not null")
    db["appointments"].create(
        {
            "id": int,
            "service": str,
            "department": str,
            "start_at": str,
            "end_at": str,
            "name": str,
            "email": str,
            "token_hash": str,
            "link_nonce": str,  # with the server secret, re-creates the link for later mails
            "status": str,  # booked | cancelled | done | no_show
            "lang": str,
            "client_hash": str,  # keyed hash of the client address, only for the daily limit
            "sequence": int,  # raised on every change, so calendars update the event
            "idempotency_key": str,
            "ticket_id": int,
            "reminder_sent_at": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"service", "department", "start_at", "end_at", "token_hash", "status"},
    )
    db["appointments"].create_index(["token_hash"], unique=True)
    db["appointments"].create_index(["department", "start_at"])
    db.execute("create unique index idx_appointments_idempotency on appointments(idempotency_key) "
               "where idempotency_key is not null")
    db["clerks"].add_column("status", str)  # available | pause
    db["announcements"].create(
        {"id": int, "department": str, "ticket_id": int, "text": str, "clerk_id": int, "created_at": str},
        pk="id",
    )
    db["outbox"].create(
        {
            "id": int,
            "appointment_id": int,
            "kind": str,  # confirmation | reschedule | cancellation | reminder
            "start_at": str,  # the appointment as it was when the mail was queued
            "sequence": int,
            "old_start": str,
            "created_at": str,
            "sent_at": str,
            "attempts": int,
            "last_error": str,
        },
        pk="id",
    )
    db["outbox"].create_index(["sent_at"])
