"""Typed keys for what the app holds (aiohttp's AppKey)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from videoschalter.config import Config

if TYPE_CHECKING:
    from signaling.hub import Hub
    from signaling.storage import AsyncStorage

CONFIG = web.AppKey("config", Config)
STORE: web.AppKey[AsyncStorage] = web.AppKey("store")
HUB: web.AppKey[Hub] = web.AppKey("hub")
