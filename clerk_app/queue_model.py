"""The waiting list as a Qt table model, fed with the controller's ticket dicts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

STATE_TEXT = {"waiting": "wartet", "called": "im Gespräch"}
Index = QModelIndex | QPersistentModelIndex


def waited(created_at: str, now: dt.datetime | None = None) -> str:
    """'12 min' since the ticket was drawn."""
    now = now or dt.datetime.now(dt.UTC)
    minutes = max(0, int((now - dt.datetime.fromisoformat(created_at)).total_seconds() // 60))
    return f"{minutes} min"


class QueueModel(QAbstractTableModel):
    HEADERS = ("Nr.", "Name", "Abteilung", "Wartet seit", "Status")

    def __init__(self, department_names: dict[str, str] | None = None):
        super().__init__()
        self.tickets: list[dict[str, Any]] = []
        self.department_names = department_names or {}

    def set_tickets(self, tickets: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.tickets = list(tickets)
        self.endResetModel()

    def ticket(self, row: int) -> dict[str, Any] | None:
        return self.tickets[row] if 0 <= row < len(self.tickets) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.tickets)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        ticket = self.ticket(index.row())
        if ticket is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return str(ticket["number"])
            if column == 1:
                return ticket["name"]  # plain text in a model cell: never interpreted as markup
            if column == 2:
                return self.department_names.get(ticket["department"], ticket["department"])
            if column == 3:
                return waited(ticket["created_at"])
            state = STATE_TEXT.get(ticket["state"], ticket["state"])
            return state if ticket.get("online", True) else f"{state} (nicht verbunden)"
        if role == Qt.ItemDataRole.UserRole:
            return ticket["id"]
        return None
