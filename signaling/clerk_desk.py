"""The clerk's desk: calling people in, pausing, transferring, no-shows and announcements.

These are the clerk messages that change the line rather than a running call or a case. The hub
keeps the connections and calls; the desk decides and stores, then lets the hub announce. Every
change is stored before anyone hears of it (see ``hub``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from signaling import appointment_store as appts
from signaling.connections import LiveCall
from signaling.hub_store import store_announcement, transfer_ticket
from signaling.storage import Clerk, NotFound, Storage, Ticket
from videoschalter import protocol
from videoschalter.domain.queue import TicketState, TransitionError

if TYPE_CHECKING:
    from signaling.connections import Conn
    from signaling.hub import Hub


class ClerkDesk:
    """Handles ``call``, ``call_next``, ``status``, ``transfer``, ``no_show`` and ``announce``."""

    MESSAGES = frozenset({"call", "call_next", "status", "transfer", "no_show", "announce"})

    def __init__(self, hub: Hub):
        self.hub = hub

    async def handle(self, conn: Conn, clerk: Clerk, msg: dict[str, Any]) -> None:
        await getattr(self, msg["type"])(conn, clerk, msg)

    async def call(self, conn: Conn, clerk: Clerk, msg: dict[str, Any]) -> None:
        await self.start_call(conn, clerk, msg["ticket_id"])

    async def call_next(self, conn: Conn, clerk: Clerk, msg: dict[str, Any]) -> None:
        """Pull the next person: the first in line over all of the clerk's departments (or the one named)."""
        departments = [msg["department"]] if msg.get("department") else list(clerk.departments)
        best: tuple[Any, int] | None = None
        for dept_id in departments:
            if dept_id not in clerk.departments:
                continue
            view = self.hub.views[dept_id]
            assigned = self.hub.assigned.get(dept_id, {})
            first = view.first({tid for tid in view.keys if assigned.get(tid) in (None, clerk.id)})
            if first is not None and (best is None or view.keys[first] < best[0]):
                best = (view.keys[first], first)
        if best is None:
            await self.hub.send(conn, protocol.error("queue_empty", "Niemand wartet", "call_next"))
            return
        await self.start_call(conn, clerk, best[1])

    async def own_ticket(self, conn: Conn, clerk: Clerk, ticket_id: int, ref: str) -> Ticket | None:
        """The ticket, if it exists and belongs to one of the clerk's departments; else an error to the clerk."""
        try:
            ticket = await self.hub.store.run(Storage.ticket, ticket_id)
        except NotFound:
            await self.hub.send(conn, protocol.error("unknown_ticket", "Diese Wartenummer gibt es nicht", ref))
            return None
        if ticket.department not in clerk.departments:
            await self.hub.send(conn, protocol.error("forbidden", "Diese Abteilung betreuen Sie nicht", ref))
            return None
        return ticket

    async def start_call(self, conn: Conn, clerk: Clerk, ticket_id: int) -> None:
        if any(c.clerk_id == clerk.id for c in self.hub.calls.values()):
            await self.hub.send(conn, protocol.error("in_call", "Beenden Sie zuerst das laufende Gespräch", "call"))
            return
        ticket = await self.own_ticket(conn, clerk, ticket_id, "call")
        if ticket is None:
            return
        if ticket.assigned_clerk_id not in (None, clerk.id):
            await self.hub.send(conn, protocol.error("assigned", "Diese Person wurde einer Kollegin / einem "
                                                             "Kollegen zugewiesen", "call"))
            return
        try:
            call_id, ticket = await self.hub.store.run(Storage.start_call, ticket_id, clerk.id)
        except TransitionError:
            await self.hub.send(conn, protocol.error(
                "not_waiting", "Diese Person wartet nicht mehr (schon aufgerufen oder gegangen)", "call"))
            return
        call = LiveCall(call_id, ticket.id, clerk.id, ticket.department)
        self.hub.calls[call_id] = call
        citizen = self.hub.citizens.get(ticket.id)
        if citizen is not None:
            citizen.ticket = ticket
        await self.hub.send_clerk(clerk.id, protocol.encode(
            "call_started", call_id=call_id, ticket=ticket.public(), citizen_online=citizen is not None))
        await self.hub.send(citizen, protocol.encode(
            "called", call_id=call_id, clerk_name=clerk.display_name,
            ice_servers=[s.as_dict() for s in self.hub.config.ice_servers]))
        if citizen is None:
            self.hub.grace(call, "citizen")
        await self.hub.publish(ticket.department, called=ticket.id)  # the many waiting pages first
        if self.hub.cases is not None:  # the case exists from the call on; both sides get it
            await self.hub.cases.call_started(ticket)

    async def status(self, conn: Conn, clerk: Clerk, msg: dict[str, Any]) -> None:
        state = msg["state"]
        if state not in ("available", "pause"):
            await self.hub.send(conn, protocol.error("wrong_field", "Status ist 'available' oder 'pause'", "status"))
            return
        await self.hub.store.run(Storage.set_clerk_status, clerk.id, state)
        (self.hub.paused.add if state == "pause" else self.hub.paused.discard)(clerk.id)
        await self.hub.send_clerk(clerk.id, protocol.encode("clerk_status", state=state))
        for dept_id in clerk.departments:
            await self.hub.publish_status(dept_id)

    async def transfer(self, conn: Conn, clerk: Clerk, msg: dict[str, Any]) -> None:
        target = self.hub.config.department(msg["department"])
        if target is None:
            await self.hub.send(conn, protocol.error("unknown_department", "Diese Abteilung gibt es nicht", "transfer"))
            return
        ticket = await self.own_ticket(conn, clerk, msg["ticket_id"], "transfer")
        if ticket is None:
            return
        call = self.hub.call_for_ticket(ticket.id)
        if call is not None:
            await self.hub.end_call(call, "transferred", TicketState.WAITING, by="clerk")
        ticket = await self.hub.store.run(transfer_ticket, ticket.id, target.id, msg.get("clerk_id"))
        conn_page = self.hub.citizens.get(ticket.id)
        if conn_page is not None:
            conn_page.ticket = ticket
        for dept_id in {msg["department"], *clerk.departments}:
            await self.hub.publish(dept_id)
        if conn_page is not None:  # the page now belongs to another line: a fresh welcome
            await self.hub.send(conn_page, self.hub.welcome_for(ticket, transferred_to=target.name))

    async def no_show(self, conn: Conn, clerk: Clerk, msg: dict[str, Any]) -> None:
        ticket = await self.own_ticket(conn, clerk, msg["ticket_id"], "no_show")
        if ticket is None:
            return
        call = self.hub.call_for_ticket(ticket.id)
        try:
            if call is not None:
                await self.hub.end_call(call, "no_show", TicketState.NO_SHOW, by="clerk")
            else:
                await self.hub.store.run(Storage.set_ticket_state, ticket.id, TicketState.NO_SHOW, reason="no_show")
        except TransitionError:
            await self.hub.send(conn, protocol.error("not_waiting", "Diese Person wartet nicht mehr", "no_show"))
            return
        if ticket.appointment_id is not None:
            await self.hub.store.run(appts.finish, ticket.appointment_id, appts.NO_SHOW)
        await self.hub.close_ticket_page(ticket.id, "no_show")
        await self.hub.publish(ticket.department)

    async def announce(self, conn: Conn, clerk: Clerk, msg: dict[str, Any]) -> None:
        text = " ".join(msg["text"].split())
        if not text:
            await self.hub.send(conn, protocol.error("wrong_field", "Die Nachricht ist leer", "announce"))
            return
        ticket_id = msg.get("ticket_id")
        departments = [msg["department"]] if msg.get("department") else list(clerk.departments)
        if ticket_id is not None:
            try:
                departments = [(await self.hub.store.run(Storage.ticket, ticket_id)).department]
            except NotFound:
                await self.hub.send(conn, protocol.error("unknown_ticket", "Diese Wartenummer gibt es nicht",
                                                         "announce"))
                return
        if any(d not in clerk.departments for d in departments):
            await self.hub.send(conn, protocol.error("forbidden", "Diese Abteilung betreuen Sie nicht", "announce"))
            return
        for dept_id in departments:
            item = await self.hub.store.run(store_announcement, dept_id, ticket_id, text, clerk.id)
            out = protocol.encode("announcement", **item, sender=clerk.display_name)
            targets = [self.hub.citizens.get(ticket_id)] if ticket_id is not None else self.hub.pages_of(dept_id)
            for page in targets:
                await self.hub.send(page, out)
        await self.hub.send(conn, protocol.encode("announced", count=len(departments)))

