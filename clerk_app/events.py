"""A minimal observer, so Qt-free code can report to widgets without importing Qt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("videoschalter.events")


class Event:
    def __init__(self) -> None:
        self._handlers: list[Callable[..., Any]] = []

    def connect(self, handler: Callable[..., Any]) -> None:
        self._handlers.append(handler)

    def emit(self, *args: Any) -> None:
        for handler in list(self._handlers):
            try:
                handler(*args)
            except Exception:  # one broken view must not stop the others
                log.exception("event handler %r failed", handler)
