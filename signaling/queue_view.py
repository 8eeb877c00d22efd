"""The waiting line of one department as the pages see it: keys, versions, changes.

The server sends every waiting page the *same* message when the line changes
(the keys that joined and left, and a version number). Each page derives its
own place from it with ``position_from_changes``, so one encoded message serves
thousands of pages. A page that misses a version asks for a fresh welcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from videoschalter.domain.queue import QueueEntry, QueueOrder, TicketState

Key = tuple[int, int, int]


@dataclass
class QueueChange:
    version: int
    added: list[Key]
    removed: list[Key]
    waiting: int


@dataclass
class QueueView:
    order: QueueOrder = QueueOrder.BY_TIME
    version: int = 0
    keys: dict[int, Key] = field(default_factory=dict)  # ticket id → key, waiting tickets only

    def update(self, entries: list[QueueEntry]) -> QueueChange | None:
        """Take the line as stored now; return what changed (None if nothing did)."""
        new = {e.ticket_id: e.key(self.order) for e in entries if e.state == TicketState.WAITING}
        added = [k for tid, k in new.items() if self.keys.get(tid) != k]
        removed = [k for tid, k in self.keys.items() if new.get(tid) != k]
        if not added and not removed:
            return None
        self.keys = new
        self.version += 1
        return QueueChange(self.version, sorted(added), sorted(removed), len(new))

    def remove(self, ticket_id: int) -> QueueChange | None:
        """A ticket known to have left the line (called in): no need to read the whole line again."""
        key = self.keys.pop(ticket_id, None)
        if key is None:
            return None
        self.version += 1
        return QueueChange(self.version, [], [key], len(self.keys))

    def position(self, ticket_id: int) -> int | None:
        key = self.keys.get(ticket_id)
        if key is None:
            return None
        return 1 + sum(1 for other in self.keys.values() if other < key)

    def positions(self) -> dict[int, int]:
        """Every waiting ticket's place at once (a sort, not a count per ticket)."""
        ordered = sorted(self.keys.items(), key=lambda item: item[1])
        return {tid: i for i, (tid, _) in enumerate(ordered, start=1)}

    def key(self, ticket_id: int) -> Key | None:
        return self.keys.get(ticket_id)

    @property
    def waiting(self) -> int:
        return len(self.keys)

    def first(self, eligible: set[int] | None = None) -> int | None:
        """The ticket first in line (among ``eligible`` ones, if given)."""
        candidates = [(k, tid) for tid, k in self.keys.items() if eligible is None or tid in eligible]
        return min(candidates)[1] if candidates else None
