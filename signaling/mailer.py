"""The mail outbox and the clock-driven chores: reminders and no-shows.

A booking and its confirmation mail are stored in one transaction; this
worker sends what the outbox holds, so a mail server that is down (or a
server killed right after the booking) delays a mail but never loses it.
A failed mail is retried every round (30 s, or at once after the next
booking), up to ten times, each failure logged with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from signaling import appointment_store as appts
from signaling.keys import CONFIG, STORE
from signaling.storage import AsyncStorage, utcnow
from videoschalter.config import Config
from videoschalter.domain.booking import reminder_due
from videoschalter.mail.appointment import MailAppointment, personal_link
from videoschalter.mail.messages import cancellation_mail, confirmation_mail, reminder_mail, reschedule_mail
from videoschalter.mail.sender import MailError, MailSender, sender_from_config

log = logging.getLogger("videoschalter.mailer")
CHORES_EVERY_S = 30.0


class Mailer:
    def __init__(self, config: Config, store: AsyncStorage, sender: MailSender):
        self.config, self.store, self.sender = config, store, sender
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one sender at a time, or a mail could go out twice
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                await self.chores()
                await self.send_pending()
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("mail/chores round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), CHORES_EVERY_S)
            self._wake.clear()

    async def chores(self) -> None:
        async with self._lock:
            await self._chores()

    async def _chores(self) -> None:
        rules = self.config.booking
        now = utcnow()
        # reminders: the storage picks appointments starting within the reminder lead
        lead = dt.timedelta(hours=rules.reminder_hours_before)
        for appointment in await self.store.run(appts.due_reminders, now + lead):
            if reminder_due(appointment.start, appointment.changed_at, now, rules, already_sent=False):
                await self.store.run(appts.mark_reminded, appointment.id)
        limit = now - dt.timedelta(minutes=rules.no_show_after_minutes)
        for appointment in await self.store.run(appts.missed, limit):
            await self.store.run(appts.finish, appointment.id, appts.NO_SHOW)
            log.info("appointment %d: no-show", appointment.id)

    async def send_pending(self) -> None:
        async with self._lock:
            await self._send_pending()

    async def _send_pending(self) -> None:
        for row in await self.store.run(appts.pending_mails):
            try:
                message = await self.compose(row)
                if message is not None:
                    await self.sender.send(message)
            except MailError as exc:
                log.warning("mail %d (%s) not sent: %s", row["id"], row["kind"], exc)
                await self.store.run(appts.mail_done, row["id"], str(exc))
                continue
            await self.store.run(appts.mail_done, row["id"], None)
            self.sent += 1

    async def compose(self, row: dict[str, Any]) -> Any:
        appointment = await self.store.run(appts.appointment, row["appointment_id"])
        service = self.config.service(appointment.service)
        if service is None or not appointment.email:
            return None
        token = await self.store.run(appts.token_of, appointment.id)
        mail = MailAppointment.for_service(
            self.config, service, booking_id=f"termin-{appointment.id}",
            start=dt.datetime.fromisoformat(row["start_at"]),
            citizen_name=appointment.name, citizen_email=appointment.email,
            link=personal_link(self.config.mail.base_url, token, route="/termin/"), lang=appointment.lang,
            sequence=row["sequence"])
        kind = row["kind"]
        if kind == "confirmation":
            return confirmation_mail(mail, self.config.mail)
        if kind == "reschedule":
            return reschedule_mail(mail, self.config.mail, dt.datetime.fromisoformat(row["old_start"]))
        if kind == "cancellation":
            return cancellation_mail(mail, self.config.mail)
        return reminder_mail(mail, self.config.mail)


MAILER = web.AppKey("mailer", Mailer)


def mailer_context(data_dir: Path):  # type: ignore[no-untyped-def]
    """cleanup_ctx: build the sender from config at start (a missing SMTP password fails here, clearly)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        config = app[CONFIG]
        mailer = Mailer(config, app[STORE], sender_from_config(config.mail, data_dir))
        app[MAILER] = mailer
        task = asyncio.get_running_loop().create_task(mailer.run())
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    return ctx
