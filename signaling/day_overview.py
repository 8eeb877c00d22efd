"""The clerk's day in numbers, counted in the database (not from memory, which a restart clears)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from signaling import appointment_store as appts
from signaling.auth import require_clerk
from signaling.keys import CONFIG, STORE
from signaling.storage import Storage, iso


def day_figures(storage: Storage, departments: list[str], day_start: dt.datetime) -> dict[str, Any]:
    marks = ",".join("?" * len(departments))
    start, end = iso(day_start), iso(day_start + dt.timedelta(days=1))
    counts = dict(storage.db.execute(
        f"select state, count(*) from tickets where department in ({marks}) and created_at >= ? and created_at < ? "
        "group by state", [*departments, start, end]).fetchall())
    waits = [(dt.datetime.fromisoformat(c) - dt.datetime.fromisoformat(d)).total_seconds()
             for d, c in storage.db.execute(
                 f"select due_at, called_at from tickets where department in ({marks}) and called_at >= ? "
                 "and called_at < ?", [*departments, start, end]).fetchall()]
    durations = [(dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds()
                 for a, b in storage.db.execute(
                     f"select c.connected_at, c.ended_at from calls c join tickets t on t.id = c.ticket_id "
                     f"where t.department in ({marks}) and c.connected_at >= ? and c.connected_at < ? "
                     "and c.ended_at is not null", [*departments, start, end]).fetchall()]
    return {
        "served": counts.get("done", 0),
        "waiting": counts.get("waiting", 0),
        "in_call": counts.get("called", 0),
        "no_show": counts.get("no_show", 0),
        "left": counts.get("cancelled", 0),
        "avg_wait_s": round(sum(w for w in waits if w >= 0) / len(waits)) if waits else None,
        "avg_duration_s": round(sum(durations) / len(durations)) if durations else None,
    }


async def day_overview(request: web.Request) -> web.Response:
    clerk = await require_clerk(request)
    config, store = request.app[CONFIG], request.app[STORE]
    departments = list(clerk.departments)
    tz = config.departments[0].hours.timezone
    local = dt.datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    day_start = local.astimezone(dt.UTC)
    figures = await store.run(day_figures, departments, day_start)
    appointments = await store.run(appts.appointments_of_day, departments, day_start)
    names = {s.id: s.name for s in config.services}
    return web.json_response({
        "date": local.date().isoformat(), "departments": departments, **figures,
        "appointments": [{"id": a.id, "start": iso(a.start), "service": names.get(a.service, a.service),
                          "department": a.department, "name": a.name, "status": a.status,
                          "arrived": a.ticket_id is not None} for a in appointments],
    })
