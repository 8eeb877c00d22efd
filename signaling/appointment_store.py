"""Appointments in SQLite: booking that cannot double-book, moving, cancelling, arriving.

Functions take the ``Storage`` first, so they run on the storage thread through
``AsyncStorage.run``: each one is a single transaction, and because every write
goes through that one thread, "count the bookings of this slot, then insert" is
atomic: two citizens can never get the last place of a slot both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from signaling.storage import NotFound, Storage, Ticket, hash_token, iso, new_token, utcnow
from videoschalter.domain.slots import places_left

BOOKED, CANCELLED, DONE, NO_SHOW = "booked", "cancelled", "done", "no_show"


class SlotTaken(Exception):
    """The slot filled up between showing it and booking it."""


@dataclass(frozen=True)
class Appointment:
    id: int
    service: str
    department: str
    start: dt.datetime
    end: dt.datetime
    name: str
    email: str
    status: str
    lang: str
    sequence: int
    ticket_id: int | None
    changed_at: dt.datetime  # booked or last moved: a reminder is pointless right after a confirmation

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Appointment:
        return cls(row["id"], row["service"], row["department"], dt.datetime.fromisoformat(row["start_at"]),
                   dt.datetime.fromisoformat(row["end_at"]), row["name"] or "", row["email"] or "", row["status"],
                   row["lang"] or "de", row["sequence"] or 0, row["ticket_id"],
                   dt.datetime.fromisoformat(row["updated_at"]))

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "service": self.service, "department": self.department,
                "start": iso(self.start), "end": iso(self.end), "name": self.name, "status": self.status,
                "lang": self.lang}


def client_hash(storage: Storage, address: str) -> str:
    """The client address as a keyed hash: enough to count bookings per address, useless for anything else."""
    return hmac.new(storage.secret or b"", address.encode(), hashlib.sha256).hexdigest()[:24]


def booked_intervals(storage: Storage, department: str, day_from: dt.datetime, day_to: dt.datetime,
                     exclude_id: int | None = None) -> list[tuple[dt.datetime, dt.datetime]]:
    rows = storage.db.execute(
        "select start_at, end_at from appointments where department = ? and status = ? "
        "and end_at > ? and start_at < ? and id != ?",
        [department, BOOKED, iso(day_from), iso(day_to), exclude_id or -1]).fetchall()
    return [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in rows]


def counts_for_limits(storage: Storage, email: str, client: str, day_start: dt.datetime) -> tuple[int, int]:
    """(active bookings of this e-mail that day, bookings made from this address today)."""
    day_end = day_start + dt.timedelta(days=1)
    email_count = storage.db.execute(
        "select count(*) from appointments where lower(email) = lower(?) and status = ? and start_at >= ? "
        "and start_at < ?", [email, BOOKED, iso(day_start), iso(day_end)]).fetchone()[0]
    client_count = storage.db.execute(
        "select count(*) from appointments where client_hash = ? and created_at >= ?",
        [client, iso(utcnow() - dt.timedelta(days=1))]).fetchone()[0]
    return email_count, client_count


def book(storage: Storage, *, service: str, department: str, start: dt.datetime, end: dt.datetime, capacity: int,
         name: str, email: str, lang: str, client: str, idempotency_key: str | None) -> tuple[Appointment, str, bool]:
    """Book one place of a slot; returns the appointment, its link token and whether it is new.

    The capacity check and the insert share one transaction on the one writer
    thread. The confirmation mail is queued in the same transaction.
    """
    db = storage.db
    with db.atomic():
        if idempotency_key:
            rows = list(db["appointments"].rows_where("idempotency_key = ?", [idempotency_key]))
            if rows:
                return Appointment.from_row(rows[0]), link_token(storage, rows[0]["link_nonce"]), False
        nonce = secrets.token_hex(16)
        token = link_token(storage, nonce)
        booked = booked_intervals(storage, department, start, end)
        if places_left(start, end, capacity, booked) <= 0:
            raise SlotTaken(start)
        now = iso(utcnow())
        appointment_id = db["appointments"].insert({
            "service": service, "department": department, "start_at": iso(start), "end_at": iso(end),
            "name": name, "email": email, "token_hash": hash_token(token), "link_nonce": nonce, "status": BOOKED,
            "lang": lang,
            "client_hash": client, "sequence": 0, "idempotency_key": idempotency_key,
            "created_at": now, "updated_at": now,
        }).last_pk
        queue_mail(storage, appointment_id, "confirmation")
    return appointment(storage, appointment_id), token, True


def link_token(storage: Storage, nonce: str) -> str:
    """The appointment's personal link token: server secret + a per-appointment nonce.

    Neither the database nor the secret alone reveals a link; the mailer can
    re-create it for the reminder days later without the token being stored.
    """
    token, _ = new_token(storage.secret, nonce, "appointment")
    return token


def token_of(storage: Storage, appointment_id: int) -> str:
    row = storage.db["appointments"].get(appointment_id)
    return link_token(storage, row["link_nonce"])


def appointment(storage: Storage, appointment_id: int) -> Appointment:
    rows = list(storage.db["appointments"].rows_where("id = ?", [appointment_id]))
    if not rows:
        raise NotFound(appointment_id)
    return Appointment.from_row(rows[0])


def appointment_for_token(storage: Storage, token: str) -> Appointment | None:
    rows = list(storage.db["appointments"].rows_where("token_hash = ?", [hash_token(token)]))
    return Appointment.from_row(rows[0]) if rows else None


def cancel(storage: Storage, appointment_id: int) -> Appointment:
    with storage.db.atomic():
        current = appointment(storage, appointment_id)
        if current.status != BOOKED:
            raise NotFound(appointment_id)
        storage.db["appointments"].update(appointment_id, {
            "status": CANCELLED, "sequence": current.sequence + 1, "updated_at": iso(utcnow())})
        queue_mail(storage, appointment_id, "cancellation")
    return appointment(storage, appointment_id)


def reschedule(storage: Storage, appointment_id: int, start: dt.datetime, end: dt.datetime,
               capacity: int) -> Appointment:
    with storage.db.atomic():
        current = appointment(storage, appointment_id)
        if current.status != BOOKED:
            raise NotFound(appointment_id)
        booked = booked_intervals(storage, current.department, start, end, exclude_id=appointment_id)
        if places_left(start, end, capacity, booked) <= 0:
            raise SlotTaken(start)
        storage.db["appointments"].update(appointment_id, {
            "start_at": iso(start), "end_at": iso(end), "sequence": current.sequence + 1,
            "reminder_sent_at": None, "updated_at": iso(utcnow())})
        queue_mail(storage, appointment_id, "reschedule", old_start=iso(current.start))
    return appointment(storage, appointment_id)


def arrive(storage: Storage, appointment_id: int, token_hash: str, hours: float, day_start: str) -> Ticket:
    """The booked citizen enters the line at their slot; one ticket per appointment, sharing its link."""
    with storage.db.atomic():
        current = appointment(storage, appointment_id)
        if current.ticket_id is not None:
            return storage.ticket(current.ticket_id)
        ticket_id = storage._insert_ticket(current.department, current.name, token_hash, utcnow(), current.start,
                                           hours, day_start, appointment_id=appointment_id, lang=current.lang)
        storage.db["appointments"].update(appointment_id, {"ticket_id": ticket_id})
    return storage.ticket(ticket_id)


def finish(storage: Storage, appointment_id: int, status: str) -> None:
    storage.db["appointments"].update(appointment_id, {"status": status, "updated_at": iso(utcnow())})


def queue_mail(storage: Storage, appointment_id: int, kind: str, old_start: str | None = None) -> None:
    """Queue a mail in the caller's transaction, with the appointment as it is now (later changes
    get mails of their own)."""
    current = appointment(storage, appointment_id)
    storage.db["outbox"].insert({"appointment_id": appointment_id, "kind": kind, "old_start": old_start,
                                 "start_at": iso(current.start), "sequence": current.sequence,
                                 "created_at": iso(utcnow()), "attempts": 0})


def pending_mails(storage: Storage, max_attempts: int = 10) -> list[dict[str, Any]]:
    return list(storage.db["outbox"].rows_where("sent_at is null and attempts < ?", [max_attempts], order_by="id"))


def mail_done(storage: Storage, outbox_id: int, error: str | None) -> None:
    if error is None:
        storage.db["outbox"].update(outbox_id, {"sent_at": iso(utcnow())})
    else:
        storage.db.execute("update outbox set attempts = attempts + 1, last_error = ? where id = ?", [error, outbox_id])


def due_reminders(storage: Storage, until: dt.datetime) -> list[Appointment]:
    rows = storage.db["appointments"].rows_where(
        "status = ? and reminder_sent_at is null and start_at <= ? and start_at > ?",
        [BOOKED, iso(until), iso(utcnow())])
    return [Appointment.from_row(r) for r in rows]


def mark_reminded(storage: Storage, appointment_id: int) -> None:
    with storage.db.atomic():
        storage.db["appointments"].update(appointment_id, {"reminder_sent_at": iso(utcnow())})
        queue_mail(storage, appointment_id, "reminder")


def missed(storage: Storage, started_before: dt.datetime) -> list[Appointment]:
    """Booked appointments whose citizen never arrived although the no-show limit has passed."""
    rows = storage.db["appointments"].rows_where(
        "status = ? and ticket_id is null and start_at < ?", [BOOKED, iso(started_before)])
    return [Appointment.from_row(r) for r in rows]


def appointments_of_day(storage: Storage, departments: list[str], day_start: dt.datetime) -> list[Appointment]:
    marks = ",".join("?" * len(departments))
    rows = storage.db["appointments"].rows_where(
        f"department in ({marks}) and start_at >= ? and start_at < ? and status != ?",
        [*departments, iso(day_start), iso(day_start + dt.timedelta(days=1)), CANCELLED], order_by="start_at")
    return [Appointment.from_row(r) for r in rows]
