"""Who is connected, which calls run, and what each party must hear.

The hub owns the live WebSocket connections. Every state change goes to
SQLite first and is announced afterwards, so a crash never announces
something that was not stored. Waiting pages get one shared message per
change of their line (``queue_view``); clerks get full snapshots (they are
few). Calls survive a dropped connection for ``reconnect_grace_s``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict, deque
from typing import TYPE_CHECKING, Any

from aiohttp import web

from signaling import appointment_store as appts
from signaling.clerk_desk import ClerkDesk
from signaling.connections import Conn, LiveCall
from signaling.fanout import broadcast
from signaling.hub_store import call_duration, recent_announcements, recent_durations
from signaling.queue_view import QueueChange, QueueView
from signaling.storage import AsyncStorage, Storage, Ticket, hash_token, iso, utcnow
from videoschalter import protocol
from videoschalter.config import Config, Department
from videoschalter.domain.queue import QueueOrder, TicketState
from videoschalter.domain.wait import typical_duration

if TYPE_CHECKING:
    from signaling.case_hub import CaseHub

log = logging.getLogger("videoschalter.hub")
CLERK_LINE_LIMIT = 200
RECONCILE_EVERY_S = 30.0
PAGE_CLOSED_GRACE_S = 5.0  # a reload is back within this; a closed tab ends the call after it
ID_HINTS = frozenset({"none", "closer", "steady", "glare", "reading", "read"})


def day_start(dept: Department, now: dt.datetime | None = None) -> str:
    """Local midnight of the department's today, in UTC: ticket numbers start again each day."""
    local = (now or utcnow()).astimezone(dept.hours.timezone)
    return iso(local.replace(hour=0, minute=0, second=0, microsecond=0))


class Hub:
    def __init__(self, config: Config, store: AsyncStorage):
        self.config = config
        self.store = store
        self.order = QueueOrder(config.queue_order)
        self.citizens: dict[int, Conn] = {}  # ticket id → the page
        self.early: dict[str, set[Conn]] = defaultdict(set)  # department → booked pages before their slot
        self.clerks: dict[int, set[Conn]] = {}
        self.calls: dict[int, LiveCall] = {}
        self.views: dict[str, QueueView] = {d.id: QueueView(self.order) for d in config.departments}
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._durations: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=30))
        self.paused: set[int] = set()
        self.assigned: dict[str, dict[int, int]] = {}  # department → ticket id → the clerk it was handed to
        self._sent_status: dict[str, dict[str, Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.cases: CaseHub | None = None  # set by the app once the case services run
        self.desk = ClerkDesk(self)

    # --- life cycle ---------------------------------------------------
    async def start(self) -> None:
        """Load the lines and open calls as stored; calls get a grace period for both sides."""
        for dept in self.config.departments:
            self.views[dept.id].update(await self.store.run(Storage.queue_entries, dept.id))
            self._durations[dept.id].extend(await self.store.run(recent_durations, dept.id))
        self.paused = {c.id for c in await self.store.run(Storage.clerks) if c.status == "pause"}
        self._spawn(self._reconcile_forever())
        for row in await self.store.run(Storage.open_calls):
            ticket = await self.store.run(Storage.ticket, row["ticket_id"])
            call = LiveCall(row["id"], ticket.id, row["clerk_id"], ticket.department,
                            connected=row["connected_at"] is not None)
            self.calls[call.call_id] = call
            for side in ("citizen", "clerk"):
                self.grace(call, side)

    async def _reconcile_forever(self) -> None:
        while True:
            await asyncio.sleep(RECONCILE_EVERY_S)
            try:
                await self.reconcile()
            except Exception:
                log.exception("reconciling the lines failed")

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        conns = [*self.citizens.values(), *(c for s in self.early.values() for c in s),
                 *(c for s in self.clerks.values() for c in s)]
        for conn in conns:
            await conn.ws.close(code=1001, message=b"server shutdown")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- department status --------------------------------------------
    def _clerks_of(self, dept_id: str) -> list[int]:
        return [cid for cid, conns in self.clerks.items()
                if conns and dept_id in next(iter(conns)).clerk.departments]  # type: ignore[union-attr]

    def department_status(self, dept: Department, now: dt.datetime | None = None) -> dict[str, Any]:
        now = now or utcnow()
        is_open = dept.hours.is_open(now)
        online = self._clerks_of(dept.id)
        serving = [cid for cid in online if cid not in self.paused]
        busy = {c.clerk_id for c in self.calls.values()}
        if not is_open:
            state = "closed"
        elif not online:
            state = "no_clerk"
        elif not serving:
            state = "pause"
        elif all(cid in busy for cid in serving):
            state = "busy"
        else:
            state = "open"
        nxt = None if is_open else dept.hours.next_opening(now)
        per_person, _ = typical_duration(list(self._durations[dept.id]))
        return {"department": dept.id, "state": state, "open": is_open,
                "next_opening": nxt.isoformat() if nxt else None, "clerks_online": len(online),
                "clerks_serving": len(serving), "per_person_s": round(per_person)}

    # --- sending --------------------------------------------------------
    @staticmethod
    async def send(conn: Conn | None, text: str) -> None:
        if conn is None or conn.ws.closed:
            return
        try:
            await conn.ws.send_str(text)
        except (ConnectionError, RuntimeError):
            log.info("send to a closing %s connection dropped", conn.role)

    async def send_clerk(self, clerk_id: int, text: str) -> None:
        for conn in list(self.clerks.get(clerk_id, ())):
            await self.send(conn, text)

    def pages_of(self, department: str) -> list[Conn]:
        pages = [c for c in self.citizens.values() if c.ticket and c.ticket.department == department]
        return pages + list(self.early.get(department, ()))

    async def publish(self, department: str, called: int | None = None, line_unchanged: bool = False) -> None:
        """After a stored change: waiting pages get the shared change, clerks the line, all the status.

        The pages hear first (they are many and waiting). ``called``: the change was exactly this
        ticket being called in, so the pages are told without reading the line again (the fast path
        of every call-in); ``line_unchanged``: nothing waiting changed (a call ended as done). The
        periodic ``reconcile`` re-reads every line, so a fast path can never drift for long.
        """
        async with self._locks[department]:
            view = self.views.setdefault(department, QueueView(self.order))
            if called is not None:
                change = view.remove(called)
            elif line_unchanged:
                change = None
            else:
                change = await self._reread(department, view)
            await self._announce_change(department, change)
            if self._clerks_of(department):
                await self._send_line_to_clerks(department, view)

    async def _send_line_to_clerks(self, department: str, view: QueueView) -> None:
        """The line as clerks see it: everyone in a call and the first ``CLERK_LINE_LIMIT`` waiting.

        Nobody reads a list of thousands; the count says how many more there are.
        """
        places = view.positions()
        first = [tid for tid, place in places.items() if place <= CLERK_LINE_LIMIT]
        tickets = await self.store.run(Storage.line_for_clerks, department, first)
        snapshot = protocol.encode(
            "queue", department=department, waiting=view.waiting, shown=len(first),
            tickets=[{**t.public(), "position": places.get(t.id), "online": t.id in self.citizens} for t in tickets])
        for cid in self._clerks_of(department):
            await self.send_clerk(cid, snapshot)

    async def reconcile(self) -> None:
        """Re-read every line from the database and tell the pages any difference."""
        for department, view in list(self.views.items()):
            async with self._locks[department]:
                await self._announce_change(department, await self._reread(department, view))

    async def _reread(self, department: str, view: QueueView) -> QueueChange | None:
        rows = await self.store.run(Storage.queue_rows, department)
        self.assigned[department] = {entry.ticket_id: who for entry, who in rows if who is not None}
        return view.update([entry for entry, _ in rows])

    async def _announce_change(self, department: str, change: QueueChange | None, status_too: bool = True) -> None:
        status = self._status_change(department) if status_too else None
        if change is not None:  # one encoded message for every page; a status change rides along
            fields = {"status": status} if status else {}
            text = protocol.encode("queue_update", department=department, version=change.version,
                                   added=change.added, removed=change.removed, waiting=change.waiting, **fields)
            await broadcast((c.ws for c in self.pages_of(department)), text)
        elif status:
            await self._send_status(department, status)

    def _status_change(self, department: str) -> dict[str, Any] | None:
        dept = self.config.department(department)
        if dept is None:
            return None
        status = self.department_status(dept)
        if self._sent_status.get(department) == status:
            return None
        self._sent_status[department] = status
        return status

    async def _send_status(self, department: str, status: dict[str, Any]) -> None:
        await broadcast((c.ws for c in self.pages_of(department)), protocol.encode("status", **status))

    async def publish_status(self, department: str) -> None:
        status = self._status_change(department)
        if status:
            await self._send_status(department, status)

    def welcome_for(self, ticket: Ticket, **extra: Any) -> str:
        """Everything a page needs to show its place; read from memory, so it matches the next change."""
        view = self.views[ticket.department]
        dept = self.config.department(ticket.department)
        call = self.call_for_ticket(ticket.id)
        return protocol.encode(
            "welcome", ticket=ticket.public(), position=view.position(ticket.id), waiting=view.waiting,
            version=view.version, key=view.key(ticket.id),
            status=self.department_status(dept) if dept else None,
            department_name=dept.name if dept else ticket.department,
            call_id=call.call_id if call else None,
            ice_servers=[s.as_dict() for s in self.config.ice_servers], **extra)

    # --- citizens -------------------------------------------------------
    async def citizen_hello(self, ws: web.WebSocketResponse, token: str) -> Conn | None:
        ticket = await self.store.run(Storage.ticket_for_token, token)
        if ticket is None:
            return await self._appointment_hello(ws, token)
        if ticket.state not in (TicketState.WAITING, TicketState.CALLED):
            return None
        return await self._attach(ws, ticket)

    async def _attach(self, ws: web.WebSocketResponse, ticket: Ticket) -> Conn:
        old = self.citizens.get(ticket.id)
        conn = Conn(ws, "citizen", ticket=ticket, department=ticket.department)
        self.citizens[ticket.id] = conn
        if old is not None:  # the same person opened the link again: the newest page wins
            await old.ws.close(code=4409, message=b"opened elsewhere")
        announcements = await self.store.run(recent_announcements, ticket.department, ticket.id)
        await self.send(conn, self.welcome_for(ticket, announcements=announcements))
        if self.cases is not None:
            await self.cases.citizen_attached(ticket)
        call = self.call_for_ticket(ticket.id)
        if call is not None:
            call.page_closed = False
            await self.send_clerk(call.clerk_id, protocol.encode("peer", call_id=call.call_id, online=True))
        await self._presence(ticket, online=True)
        return conn

    async def _presence(self, ticket: Ticket, online: bool) -> None:
        """A page came or went: the line is unchanged, so clerks get one small message, not a snapshot."""
        text = protocol.encode("presence", department=ticket.department, ticket_id=ticket.id, online=online)
        for cid in self._clerks_of(ticket.department):
            await self.send_clerk(cid, text)

    async def _appointment_hello(self, ws: web.WebSocketResponse, token: str) -> Conn | None:
        """A booked citizen's link: a countdown before the slot, a place in line from the slot on."""
        appointment = await self.store.run(appts.appointment_for_token, token)
        if appointment is None or appointment.status != appts.BOOKED:
            return None
        dept = self.config.department(appointment.department)
        if dept is None:
            return None
        now = utcnow()
        rules = self.config.booking
        opens = appointment.start - dt.timedelta(minutes=rules.early_arrival_minutes)
        late = appointment.start + dt.timedelta(minutes=rules.no_show_after_minutes)
        if now >= late:
            return None
        if now < appointment.start:
            conn = Conn(ws, "citizen", department=dept.id)
            self.early[dept.id].add(conn)
            service = self.config.service(appointment.service)
            await self.send(conn, protocol.encode(
                "early", start=iso(appointment.start), opens_at=iso(opens), open=now >= opens,
                service=service.name if service else appointment.service, department_name=dept.name,
                status=self.department_status(dept)))
            return conn
        ticket = await self.store.run(appts.arrive, appointment.id, hash_token(token), self.config.citizen_token_hours,
                                      day_start(dept, now))
        await self.publish(dept.id)  # into the line first, so the welcome can tell the place
        return await self._attach(ws, ticket)

    async def citizen_message(self, conn: Conn, msg: dict[str, Any]) -> None:
        mtype = msg["type"]
        if mtype == "ping":
            await self.send(conn, protocol.encode("pong", t=msg.get("t")))
            return
        if mtype in protocol.CASE_CITIZEN_MESSAGES and self.cases is not None:
            await self.cases.citizen_message(conn, msg)
            return
        if conn.ticket is None:
            await self.send(conn, protocol.error("not_in_line", "Ihr Termin hat noch nicht begonnen", mtype))
            return
        if mtype == "sync":  # the page missed a version: a fresh, personal view
            await self.send(conn, self.welcome_for(conn.ticket))
            return
        call = self.calls.get(msg["call_id"])
        if call is None or call.ticket_id != conn.ticket.id:
            await self.send(conn, _no_call(mtype))
            return
        if mtype in ("offer", "ice"):
            await self.send_clerk(call.clerk_id, _forward(msg))
        elif mtype == "hangup" and msg.get("reason") == "page_closed":
            # sent on pagehide, which a reload fires too: the reloaded page comes back within a
            # second or two and resumes the call; a closed tab ends it after a short grace
            call.page_closed = True
            self.grace(call, "citizen")
        elif mtype == "hangup":
            await self.end_call(call, msg.get("reason") or "citizen_hangup", TicketState.DONE, by="citizen")

    async def citizen_gone(self, conn: Conn) -> None:
        if conn.ticket is None:
            self.early[conn.department or ""].discard(conn)
            return
        if self.citizens.get(conn.ticket.id) is not conn:
            return  # replaced by a newer page
        del self.citizens[conn.ticket.id]
        call = self.call_for_ticket(conn.ticket.id)
        if call is not None:
            await self.send_clerk(call.clerk_id, protocol.encode("peer", call_id=call.call_id, online=False))
            self.grace(call, "citizen")
        await self._presence(conn.ticket, online=False)

    async def close_ticket_page(self, ticket_id: int, reason: str) -> None:
        conn = self.citizens.pop(ticket_id, None)
        if conn is not None:
            await self.send(conn, protocol.encode("closed", reason=reason))
            await conn.ws.close(code=4410, message=reason.encode())

    # --- clerks ---------------------------------------------------------
    async def clerk_hello(self, ws: web.WebSocketResponse, token: str) -> Conn | None:
        clerk = await self.store.run(Storage.clerk_for_session, token)
        if clerk is None:
            return None
        conn = Conn(ws, "clerk", clerk=clerk)
        self.clerks.setdefault(clerk.id, set()).add(conn)
        depts = [d for d in (self.config.department(d) for d in clerk.departments) if d]
        calls = [{"call_id": c.call_id, "ticket_id": c.ticket_id, "citizen_online": c.ticket_id in self.citizens}
                 for c in self.calls.values() if c.clerk_id == clerk.id]
        colleagues = [c.public() for c in await self.store.run(Storage.clerks)]
        await self.send(conn, protocol.encode(
            "welcome", clerk=clerk.public(), departments=[{"id": d.id, "name": d.name, **self.department_status(d)}
                                                          for d in depts],
            all_departments=[{"id": d.id, "name": d.name} for d in self.config.departments],
            clerks=[{"id": c["id"], "display_name": c["display_name"], "departments": c["departments"]}
                    for c in colleagues],
            calls=calls, ice_servers=[s.as_dict() for s in self.config.ice_servers]))
        for dept_id in clerk.departments:
            await self.publish(dept_id)
        return conn

    async def clerk_message(self, conn: Conn, msg: dict[str, Any]) -> None:
        clerk = conn.clerk
        assert clerk is not None
        mtype = msg["type"]
        if mtype in protocol.CASE_CLERK_MESSAGES and self.cases is not None:
            await self.cases.clerk_message(conn, msg)
            return
        if mtype == "ping":
            await self.send(conn, protocol.encode("pong", t=msg.get("t")))
            return
        if mtype in ClerkDesk.MESSAGES:
            await self.desk.handle(conn, clerk, msg)
            return
        call = self.calls.get(msg["call_id"])
        if call is None or call.clerk_id != clerk.id:
            await self.send(conn, _no_call(mtype))
        elif mtype == "answer":
            await self.send(self.citizens.get(call.ticket_id), _forward(msg))
        elif mtype == "id_hint":
            if msg["hint"] in ID_HINTS:
                await self.send(self.citizens.get(call.ticket_id), _forward(msg))
        elif mtype == "connected":
            if not call.connected:
                call.connected = True
                await self.store.run(Storage.mark_connected, call.call_id)
        elif mtype == "hangup":
            await self.end_call(call, msg.get("reason") or "clerk_hangup", TicketState.DONE, by="clerk")

    async def clerk_gone(self, conn: Conn) -> None:
        clerk = conn.clerk
        assert clerk is not None
        conns = self.clerks.get(clerk.id, set())
        conns.discard(conn)
        if not conns:
            self.clerks.pop(clerk.id, None)
            for call in [c for c in self.calls.values() if c.clerk_id == clerk.id]:
                await self.send(self.citizens.get(call.ticket_id),
                                protocol.encode("peer", call_id=call.call_id, online=False))
                self.grace(call, "clerk")
        for dept_id in clerk.departments:
            await self.publish(dept_id)

    # --- calls ----------------------------------------------------------
    def call_for_ticket(self, ticket_id: int) -> LiveCall | None:
        return next((c for c in self.calls.values() if c.ticket_id == ticket_id), None)

    def _present(self, call: LiveCall, side: str) -> bool:
        return call.ticket_id in self.citizens if side == "citizen" else bool(self.clerks.get(call.clerk_id))

    def grace(self, call: LiveCall, side: str) -> None:
        """End the call unless ``side`` is back in time: ``reconnect_grace_s`` after a dropped
        connection, ``PAGE_CLOSED_GRACE_S`` after the page said it was closing."""
        call.generation[side] += 1
        generation = call.generation[side]
        closed = side == "citizen" and call.page_closed
        wait_s = min(PAGE_CLOSED_GRACE_S, self.config.reconnect_grace_s) if closed else self.config.reconnect_grace_s

        async def expire() -> None:
            await asyncio.sleep(wait_s)
            if (self.calls.get(call.call_id) is call and call.generation[side] == generation
                    and not self._present(call, side)):
                if side == "clerk":  # not the citizen's fault: back into line, same place
                    await self.end_call(call, "clerk_connection_lost", TicketState.WAITING, by="server")
                elif closed:
                    await self.end_call(call, "page_closed", TicketState.DONE, by="citizen")
                else:
                    state = TicketState.DONE if call.connected else TicketState.WAITING
                    await self.end_call(call, "citizen_connection_lost", state, by="server")

        self._spawn(expire())

    async def end_call(self, call: LiveCall, reason: str, ticket_state: TicketState, by: str) -> None:
        if self.calls.pop(call.call_id, None) is None:
            return
        ticket = await self.store.run(Storage.end_call, call.call_id, reason, ticket_state)
        if ticket.appointment_id is not None and ticket.state == TicketState.DONE:
            await self.store.run(appts.finish, ticket.appointment_id, appts.DONE)
        if call.connected and ticket.state == TicketState.DONE:
            duration = await self.store.run(call_duration, call.call_id)
            if duration is not None:
                self._durations[call.department].append(duration)
        page = self.citizens.get(call.ticket_id)
        if page is not None:
            page.ticket = ticket
        text = protocol.encode("hangup", call_id=call.call_id, reason=reason, by=by)
        await self.send(page, text)
        await self.send_clerk(call.clerk_id, text)
        await self.publish(call.department, line_unchanged=ticket.state != TicketState.WAITING)

    async def cancel_ticket(self, ticket: Ticket) -> None:
        """The citizen leaves the queue from their page."""
        await self.store.run(Storage.set_ticket_state, ticket.id, TicketState.CANCELLED, reason="citizen_left")
        await self.close_ticket_page(ticket.id, "left")
        await self.publish(ticket.department)


def _no_call(ref: str) -> str:
    return protocol.error("unknown_call", "Kein laufendes Gespräch mit dieser Nummer", ref)


def _forward(msg: dict[str, Any]) -> str:
    """Pass a validated offer/answer/ice/hangup on unchanged."""
    fields = {k: v for k, v in msg.items() if k not in ("v", "type")}
    return protocol.encode(msg["type"], **fields)
