"""Erasure of a case's personal data (DSGVO Art. 17) and the periodic retention run.

Both do the same: the rows lose their personal content, the vault files are deleted, the
audit log keeps that it happened; issued documents stay verifiable by id and hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import TYPE_CHECKING

from signaling import case_store as cs
from signaling.storage import AsyncStorage
from videoschalter.cases.retention import due_for_deletion
from videoschalter.cases.vault import VaultError

if TYPE_CHECKING:
    from signaling.case_services import CaseServices

log = logging.getLogger("videoschalter.cases")
FINAL_TICKET_STATES = ("done", "cancelled", "no_show")


async def erase(store: AsyncStorage, services: CaseServices, case_id: int, actor: str,
                clerk_id: int | None = None) -> int:
    """Erase one case; returns how many files left the vault."""
    files = await store.run(cs.erase_case, case_id, actor, clerk_id)
    for file_id in files:
        with contextlib.suppress(FileNotFoundError, VaultError):
            await asyncio.to_thread(services.vault.delete, file_id)
    return len(files)


def closed_at(row: dict[str, object]) -> dt.datetime | None:
    """When a case counts as closed: its own mark, else the end of its ticket."""
    text = row.get("closed_at") or (row.get("ended_at") if row.get("ticket_state") in FINAL_TICKET_STATES else None)
    return dt.datetime.fromisoformat(str(text)) if text else None


async def run_retention(store: AsyncStorage, services: CaseServices, now: dt.datetime) -> list[int]:
    rows = await store.run(cs.cases_for_retention)
    due = due_for_deletion([(int(r["id"]), closed_at(r)) for r in rows], now, services.retention_days)  # type: ignore[call-overload]
    for case_id in due:
        count = await erase(store, services, case_id, "system")
        log.info("Aufbewahrungsfrist abgelaufen: Vorgang %s gelöscht (%d Dateien)", case_id, count)
    await sweep_orphans(store, services)
    return due


ORPHAN_MIN_AGE_S = 3600.0  # far longer than any upload takes between its file and its row


def _file_ids(storage: object) -> set[str]:
    return {row[0] for row in storage.db.execute("select file_id from case_documents")}  # type: ignore[attr-defined]


async def sweep_orphans(store: AsyncStorage, services: CaseServices) -> int:
    """Vault files without a row (a crash between the two writes of an upload) go, like erased ones."""
    keep = await store.run(_file_ids)
    removed = await asyncio.to_thread(services.vault.sweep, keep, ORPHAN_MIN_AGE_S)
    if removed:
        log.warning("%d Falldatei(en) ohne Eintrag gelöscht (Reste eines Absturzes): %s", len(removed), removed)
    return len(removed)
