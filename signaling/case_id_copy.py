"""A copy of the ID card with the citizen's consent (PAuswG §20, docs/case.md "Ausweiskopie").

The clerk asks (``id_copy_request``), the citizen answers (``id_copy_consent``), the clerk's app
uploads one marked copy with ``?kind=id_copy``. The request, the answer and the stored copy are
written to the audit log before anybody hears of them; ``videoschalter.cases.id_copy.consent_state``
reads that log, so the log alone decides whether an upload is allowed (2 minutes, one copy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from signaling import case_store as cs
from signaling.case_form_hub import CaseRefused
from signaling.case_store import CaseRow
from signaling.storage import AsyncStorage, Clerk, Ticket, utcnow
from videoschalter.cases.id_copy import CONSENT, CONSENT_TTL, NO_CONSENT, NOT_REQUESTED, REQUESTED, consent_state

if TYPE_CHECKING:
    from signaling.hub import Conn

OFFLINE = "Die Person ist gerade nicht verbunden und kann nicht gefragt werden."


async def current_consent(store: AsyncStorage, case: CaseRow) -> str:
    return consent_state(await store.run(cs.events_of, case.id), utcnow())


def open_request(events: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The consent question while it is open, for the ``case`` snapshot; None once answered or expired.

    ``at`` (the logged time) names the question, so a page knows whether it already answered this one;
    ``expires_in_s`` lets it close the dialog when the question lapses, without trusting its own clock.
    """
    events = list(events)
    now = utcnow()
    if consent_state(events, now) != "requested":
        return None
    at = next(e["at"] for e in reversed(events) if e.get("action") == REQUESTED)
    asked = dt.datetime.fromisoformat(at)
    asked = asked if asked.tzinfo else asked.replace(tzinfo=dt.UTC)
    return {"at": at, "expires_in_s": max(0.0, round((CONSENT_TTL - (now - asked)).total_seconds(), 1))}


async def require_consent(store: AsyncStorage, case: CaseRow) -> None:
    """Raise 403 ``no_consent`` unless a fresh, unused consent is on record for this case."""
    if await current_consent(store, case) != "granted":
        raise CaseRefused(403, "no_consent", NO_CONSENT)


class IdCopyMessages:
    """Mixed into ``CaseHub``: the handlers its dispatch finds by message type."""

    store: AsyncStorage
    hub: Any
    if TYPE_CHECKING:  # provided by CaseHub
        async def error(self, conn: Conn, code: str, text: str, ref: str) -> None: ...
        async def to_citizen(self, ticket_id: int | None, mtype: str, **fields: Any) -> None: ...
        async def to_clerks(self, ticket_id: int | None, mtype: str, **fields: Any) -> None: ...

    async def _clerk_id_copy_request(self, conn: Conn, clerk: Clerk, ticket: Ticket, case: CaseRow,
                                     msg: dict[str, Any]) -> None:
        if self.hub.citizens.get(ticket.id) is None:
            await self.error(conn, "citizen_offline", OFFLINE, "id_copy_request")
            return
        await self.store.run(cs.add_event, case.id, "clerk", REQUESTED, clerk.id)
        question = open_request(await self.store.run(cs.events_of, case.id))
        await self.to_citizen(ticket.id, "id_copy_request", **(question or {}))

    async def _citizen_id_copy_consent(self, conn: Conn, ticket: Ticket, case: CaseRow, msg: dict[str, Any]) -> None:
        if await current_consent(self.store, case) != "requested":
            await self.error(conn, "not_requested", NOT_REQUESTED, "id_copy_consent")
            return
        granted = msg["granted"] is True
        await self.store.run(cs.add_event, case.id, "citizen", CONSENT, None, {"granted": granted})
        at = (await self.store.run(cs.events_of, case.id))[-1]["at"]  # the logged time, not a second clock
        await self.to_clerks(ticket.id, "id_copy_consent", granted=granted, at=at)
