"""A signature tablet at the counter: collecting pen strokes, without Qt.

The widget that receives the tablet's pen events lives in ``clerk_app/case_signature.py`` (Qt stays in
``clerk_app/``); it feeds this recorder. The result has exactly the shape the browser's canvas posts
(``docs/case.md``, ``POST case/signature``): ``strokes`` as ``[[x, y, t_ms, pressure], …]`` per stroke,
coordinates in the pad's pixels, time in milliseconds since the first point, pressure 0…1, plus the
pad's ``width`` and ``height``. A mouse has no pressure; like a browser's PointerEvent it reports 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MOUSE_PRESSURE = 0.5  # what PointerEvent.pressure says for a pressed mouse button
MAX_POINTS = 5000  # a signature is a few hundred points; this bounds a stuck pen


Point = tuple[float, float, int, float]


@dataclass
class StrokeRecorder:
    """Strokes of one signature. ``begin``/``move``/``end`` follow pen down, motion, pen up."""

    width: int
    height: int
    strokes: list[list[Point]] = field(default_factory=list)
    _t0: float | None = None
    _drawing: bool = False

    @property
    def points(self) -> int:
        return sum(len(s) for s in self.strokes)

    @property
    def is_empty(self) -> bool:
        return self.points == 0

    @property
    def drawing(self) -> bool:
        return self._drawing

    def begin(self, x: float, y: float, t_ms: float, pressure: float = MOUSE_PRESSURE) -> None:
        self.strokes.append([])
        self._drawing = True
        self._add(x, y, t_ms, pressure)

    def move(self, x: float, y: float, t_ms: float, pressure: float = MOUSE_PRESSURE) -> None:
        """Ignored while the pen is up (a hovering tablet pen reports motion too)."""
        if self._drawing:
            self._add(x, y, t_ms, pressure)

    def end(self, x: float | None = None, y: float | None = None, t_ms: float | None = None,
            pressure: float = 0.0) -> None:
        if self._drawing and x is not None and y is not None and t_ms is not None:
            last = self.strokes[-1][-1]
            if (round(x, 1), round(y, 1)) != (last[0], last[1]):
                self._add(x, y, t_ms, pressure)
        self._drawing = False

    def clear(self) -> None:
        self.strokes.clear()
        self._t0 = None
        self._drawing = False

    def to_json(self) -> dict[str, Any]:
        """The body for the signature route, minus ``document_hash`` which the caller adds."""
        return {"strokes": [[list(p) for p in s] for s in self.strokes if s],
                "width": self.width, "height": self.height}

    def _add(self, x: float, y: float, t_ms: float, pressure: float) -> None:
        if self.points >= MAX_POINTS:
            return
        if self._t0 is None:
            self._t0 = t_ms
        x = min(max(x, 0.0), float(self.width))
        y = min(max(y, 0.0), float(self.height))
        pressure = min(max(float(pressure), 0.0), 1.0)
        self.strokes[-1].append((round(x, 1), round(y, 1), round(t_ms - self._t0), round(pressure, 3)))
