"""The walk-in queue: ticket states and who is where in line.

Pure functions over plain ticket records. The server stores tickets in
SQLite and uses these rules to decide which transitions are allowed and
what position each waiting citizen has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class TicketState(StrEnum):
    WAITING = "waiting"      # in line
    CALLED = "called"        # a clerk called them in; the call is being set up or running
    DONE = "done"            # the session ended normally
    CANCELLED = "cancelled"  # the citizen left the queue
    NO_SHOW = "no_show"      # called but never answered


ACTIVE_STATES = frozenset({TicketState.WAITING, TicketState.CALLED})

# Which state may follow which. A call that ends without a real session
# (network lost before media flowed) goes back to WAITING, keeping the place.
TRANSITIONS: dict[TicketState, frozenset[TicketState]] = {
    TicketState.WAITING: frozenset({TicketState.CALLED, TicketState.CANCELLED, TicketState.NO_SHOW}),
    TicketState.CALLED: frozenset({TicketState.DONE, TicketState.WAITING, TicketState.NO_SHOW}),
    TicketState.DONE: frozenset(),
    TicketState.CANCELLED: frozenset(),
    TicketState.NO_SHOW: frozenset(),
}


class TransitionError(ValueError):
    """A ticket cannot go from its current state to the requested one."""


def check_transition(current: TicketState | str, new: TicketState | str) -> None:
    cur, nxt = TicketState(current), TicketState(new)
    if nxt not in TRANSITIONS[cur]:
        raise TransitionError(f"Ticket im Zustand {cur.value!r} kann nicht nach {nxt.value!r} wechseln")


class QueueOrder(StrEnum):
    """How booked citizens and walk-ins share one line (a town's choice, ``[queue] order``)."""

    BY_TIME = "by_time"  # everyone by the time they are due: walk-ins when they joined, bookings at their slot
    APPOINTMENTS_FIRST = "appointments_first"  # bookings (in line from their slot on) go before every walk-in


@dataclass(frozen=True)
class QueueEntry:
    """What the queue order needs of a ticket.

    ``due_ms``: when the ticket is due, in ms since the epoch (a walk-in: when it joined;
    a booking: its slot start; early arrivals wait with a countdown and join the line at
    their slot, so a key never changes while a ticket waits). ``ticket_id`` breaks ties,
    so the order is total and the same everywhere: the server and every waiting page
    compare the same keys.
    """

    ticket_id: int
    due_ms: int
    state: TicketState
    appointment: bool = False

    def key(self, order: QueueOrder = QueueOrder.BY_TIME) -> tuple[int, int, int]:
        if order == QueueOrder.APPOINTMENTS_FIRST:
            return (0 if self.appointment else 1, self.due_ms, self.ticket_id)
        return (0, self.due_ms, self.ticket_id)


def waiting_order(entries: Iterable[QueueEntry], order: QueueOrder = QueueOrder.BY_TIME) -> list[int]:
    """Ticket ids of the waiting entries, first in line first."""
    waiting = [e for e in entries if e.state == TicketState.WAITING]
    return [e.ticket_id for e in sorted(waiting, key=lambda e: e.key(order))]


def positions(entries: Iterable[QueueEntry], order: QueueOrder = QueueOrder.BY_TIME) -> dict[int, int]:
    """1-based position for every waiting ticket."""
    return {ticket_id: i for i, ticket_id in enumerate(waiting_order(entries, order), start=1)}


def position_from_changes(position: int, own_key: tuple[int, ...], added: Iterable[tuple[int, ...]],
                          removed: Iterable[tuple[int, ...]]) -> int:
    """A waiting page's new place after a shared queue update: the rule the browser runs too.

    Every entry that joined ahead of us pushes us back one place, every entry that
    left from ahead of us moves us up one. Keeping this one rule on both sides is
    what lets the server send one identical message to all waiting pages.
    """
    return position + sum(1 for k in added if tuple(k) < own_key) - sum(1 for k in removed if tuple(k) < own_key)
