"""The aiohttp application factory: wiring only, no logic."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from signaling import api, booking_api, case_api, case_pay_api, pages, pictures, ws
from signaling.case_services import cases_context
from signaling.day_overview import day_overview
from signaling.hub import Hub
from signaling.keys import CONFIG, HUB, STORE
from signaling.mailer import mailer_context
from signaling.security import RateLimiter, security_headers
from signaling.storage import AsyncStorage, load_or_create_secret
from videoschalter.config import Config
from videoschalter.domain.hours import public_holidays

log = logging.getLogger("videoschalter.server")


async def warm_holidays(app: web.Application) -> None:
    """The Land's holidays of this year and the next, built once at start (the first booking page waited for it)."""
    state = app[CONFIG].state
    if state:
        year = dt.date.today().year
        await asyncio.to_thread(lambda: [public_holidays(state, y) for y in (year, year + 1)])


def init_app(config: Config, data_dir: Path) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[CONFIG] = config
    app[api.JOIN_LIMIT] = RateLimiter(limit=config.joins_per_client_per_minute, window=60)
    app[api.LOGIN_LIMIT] = RateLimiter(limit=10, window=60)

    async def storage_and_hub(app: web.Application) -> AsyncIterator[None]:
        data_dir.mkdir(parents=True, exist_ok=True)
        store = AsyncStorage(data_dir / "videoschalter.db", load_or_create_secret(data_dir / "secret.key"))
        await store.open()
        app[STORE] = store
        hub = Hub(config, store)
        app[HUB] = hub
        await hub.start()
        yield
        await store.close()

    async def close_sockets(app: web.Application) -> None:
        await app[HUB].close()

    app.cleanup_ctx.append(storage_and_hub)
    app.cleanup_ctx.append(mailer_context(data_dir))
    app.cleanup_ctx.append(cases_context(data_dir))
    app.on_startup.append(warm_holidays)
    app.on_shutdown.append(close_sockets)
    add_routes(app)
    return app


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/healthz", api.healthz)
    r.add_get("/api/v1/openapi.json", api.openapi)
    r.add_get("/api/v1/departments", api.departments)
    r.add_post("/api/v1/tickets", api.join_queue)
    r.add_get("/api/v1/tickets/me", api.my_ticket)
    r.add_delete("/api/v1/tickets/me", api.leave_queue)
    r.add_post("/api/v1/clerk/login", api.clerk_login)
    r.add_post("/api/v1/clerk/logout", api.clerk_logout)
    r.add_get("/api/v1/clerk/me", api.clerk_me)
    r.add_get("/api/v1/clerk/queue", api.clerk_queue)
    r.add_get("/api/v1/clerk/day", day_overview)
    r.add_get("/api/v1/i18n/{lang}", api.translations)
    r.add_get("/api/v1/pictures", pictures.pictures)
    r.add_get("/pictures/{name}", pictures.picture)
    r.add_get("/api/v1/ws/citizen", ws.citizen_ws)
    r.add_get("/api/v1/ws/clerk", ws.clerk_ws)
    booking_api.add_routes(app)
    case_api.add_routes(app)
    case_pay_api.add_routes(app)
    pages.add_routes(app)
