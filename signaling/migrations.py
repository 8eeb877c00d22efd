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


@migrations()
def m003_cases(db: Database) -> None:
    """The case of a ticket (or of an appointment before its ticket exists), see docs/case.md."""
    db["cases"].create(
        {
            "id": int,
            "ticket_id": int,
            "appointment_id": int,
            "department": str,
            "service": str,
            "identity": str,  # JSON: the MRZ result fields + source; null after erasure
            "form": str,  # JSON: the form session state
            "form_lang": str,
            "sign_hash": str,  # the document hash a sign_request asked the citizen to sign
            "sign_version": int,
            "shown": str,  # document id currently put into the citizen's view
            "created_at": str,
            "closed_at": str,
            "erased_at": str,
        },
        pk="id",
        not_null={"department", "created_at"},
    )
    db.execute("create unique index idx_cases_ticket on cases(ticket_id) where ticket_id is not null")
    db.execute("create unique index idx_cases_appointment on cases(appointment_id) where appointment_id is not null")
    db["case_events"].create(
        {"id": int, "case_id": int, "at": str, "actor": str, "clerk_id": int, "kind": str, "detail": str},
        pk="id",
    )
    db["case_events"].create_index(["case_id"])
    db["chat_messages"].create(
        {"id": int, "case_id": int, "sender": str, "clerk_id": int, "name": str, "text": str, "at": str},
        pk="id",
    )
    db["chat_messages"].create_index(["case_id"])
    db["case_documents"].create(
        {
            "id": str,  # random: a download URL must not be guessable
            "case_id": int,
            "file_id": str,  # in the vault; null once erased
            "name": str,
            "mime": str,
            "size": int,
            "sha256": str,
            "sender": str,  # citizen | clerk | server
            "clerk_id": int,
            "kind": str,  # upload | shared | certificate | receipt | signature | snapshot
            "idempotency_key": str,
            "created_at": str,
            "deleted_at": str,
        },
        pk="id",
    )
    db["case_documents"].create_index(["case_id"])
    db.execute("create unique index idx_case_documents_idem on case_documents(case_id, idempotency_key) "
               "where idempotency_key is not null")
    db["signatures"].create(
        {
            "id": str,
            "case_id": int,
            "document_hash": str,
            "form_version": int,
            "document_id": str,  # the PNG in case_documents
            "record": str,  # JSON from strokes.signature_record
            "at": str,
            "void_at": str,
        },
        pk="id",
    )
    db["signatures"].create_index(["case_id"])
    db["payments"].create(
        {
            "id": str,
            "case_id": int,
            "reference": str,
            "amount_cents": int,
            "currency": str,
            "purpose": str,
            "state": str,
            "provider": str,
            "provider_ref": str,
            "created_at": str,
            "paid_at": str,
            "version": int,
        },
        pk="id",
    )
    db["payments"].create_index(["case_id"])
    db["issued_documents"].create(
        {
            "id": str,  # the verification id VS-2026-XXXX-XXXX
            "case_id": int,
            "kind": str,
            "sha256": str,
            "document_id": str,  # the PDF in case_documents
            "issued_at": str,
            "revoked_at": str,
        },
        pk="id",
    )
    db["issued_documents"].create_index(["case_id"])
    db["payment_nonces"].create({"key": str, "expires_at": float}, pk="key")  # replay guard of callbacks
