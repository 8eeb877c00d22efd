"""HTTP hardening shared by every response: CSP, no sniffing, no referrer leaks.

The citizen's secret sits in the page URL (/w/<token>), so no page may send
it on as a Referer, and no third-party script may run on it.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

from aiohttp import web

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)


@web.middleware
async def security_headers(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _apply(response)
        raise
    _apply(response)
    return response


def _apply(response: web.StreamResponse) -> None:
    if response.prepared:  # WebSocket responses are already sent
        return
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()")
    headers.setdefault("Cache-Control", "no-store")


def same_origin(request: web.Request) -> bool:
    """Browsers send Origin on WebSocket upgrades; a foreign one is refused.

    Non-browser clients (the clerk app) send none, which is allowed: they
    authenticate with a token in their first message anyway.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin in {f"http://{request.host}", f"https://{request.host}"}


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key (e.g. client address)."""

    def __init__(self, limit: int, window: float):
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        events = self._events[key]
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True
