"""The two live things the hub keeps in memory: a WebSocket connection and a running call."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from signaling.storage import Clerk, Ticket


@dataclass(eq=False)
class Conn:
    ws: web.WebSocketResponse
    role: str  # "citizen" | "clerk"
    ticket: Ticket | None = None
    clerk: Clerk | None = None
    department: str | None = None  # a booked citizen before their slot has no ticket yet


@dataclass
class LiveCall:
    call_id: int
    ticket_id: int
    clerk_id: int
    department: str
    connected: bool = False
    # bumped on every disconnect, so an old grace timer knows it is stale
    generation: dict[str, int] = field(default_factory=lambda: {"citizen": 0, "clerk": 0})
    # the citizen's page said it was going away (closed or reloaded): a short grace, not the long one
    page_closed: bool = False
