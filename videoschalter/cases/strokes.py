"""Handwritten signatures as strokes: checked, drawn to PNG, bound to the hash of what was signed.

The browser (pointer events: finger, pen, mouse) and the counter's signature tablet (Qt
tablet events) both send ``[[x, y, t_ms, pressure], …]`` per stroke in canvas pixels.
Keeping the strokes, not only the picture, keeps the writing dynamics (speed, pressure)
that make a handwritten signature evidence; the PNG is what people look at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import math
import re
from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw

from videoschalter.cases.texts import Refusal

Point = tuple[float, float, int, float]
Stroke = list[Point]

MIN_SIDE, MAX_SIDE = 50, 4000
MAX_POINTS = 10_000
MAX_T_MS = 3_600_000  # an hour from the first touch; more is a broken clock, not a slow hand
RECORD_VERSION = 1
_SUPERSAMPLE = 3  # draw larger, then shrink: smooth edges without an anti-aliasing library
_HEX64 = re.compile(r"[0-9a-f]{64}")


class StrokesRefused(Refusal):
    """Strokes that cannot be a signature; ``code`` is ``bad_signature`` (the server answers 422)."""

    code = "bad_signature"


def validate_strokes(raw: Any, width: int, height: int) -> list[Stroke]:
    """Check untrusted JSON and return clean strokes; every problem is a :class:`StrokesRefused` (a ``ValueError``)."""
    _check_side(width, "Die Breite des Unterschriftenfelds muss eine ganze Zahl von {low} bis {high} sein.")
    _check_side(height, "Die Höhe des Unterschriftenfelds muss eine ganze Zahl von {low} bis {high} sein.")
    if not isinstance(raw, list) or not raw:
        raise StrokesRefused("Die Unterschrift ist leer. Bitte unterschreiben Sie im Feld.")
    strokes: list[Stroke] = []
    total = 0
    for i, raw_stroke in enumerate(raw, start=1):
        if not isinstance(raw_stroke, list) or not raw_stroke:
            raise StrokesRefused("Strich {stroke} der Unterschrift ist leer oder keine Liste von Punkten.", stroke=i)
        total += len(raw_stroke)
        if total > MAX_POINTS:
            raise StrokesRefused("Die Unterschrift hat zu viele Punkte (höchstens {limit}). Bitte neu unterschreiben.",
                                 limit=MAX_POINTS)
        stroke: Stroke = []
        last_t = -1
        for j, raw_point in enumerate(raw_stroke, start=1):
            x, y, t, p = _point(raw_point, i, j)
            problem = None
            if not (0 <= x <= width and 0 <= y <= height):
                problem = "Strich {stroke}, Punkt {point} liegt außerhalb des Unterschriftenfelds."
            elif not 0 <= p <= 1:
                problem = "Strich {stroke}, Punkt {point}: der Druck muss zwischen 0 und 1 liegen."
            elif not 0 <= t <= MAX_T_MS:
                problem = "Strich {stroke}, Punkt {point}: die Zeit muss zwischen 0 und {limit} ms liegen."
            elif t < last_t:
                problem = "Strich {stroke}, Punkt {point}: die Zeit läuft rückwärts."
            if problem:
                raise StrokesRefused(problem, stroke=i, point=j, limit=MAX_T_MS)
            last_t = t
            stroke.append((x, y, t, p))
        strokes.append(stroke)
    return strokes


def _check_side(value: Any, template: str) -> None:
    if type(value) is not int or not MIN_SIDE <= value <= MAX_SIDE:
        raise StrokesRefused(template, low=MIN_SIDE, high=MAX_SIDE)


def _point(raw: Any, stroke: int, point: int) -> Point:
    if not isinstance(raw, list | tuple) or len(raw) != 4:
        raise StrokesRefused("Strich {stroke}, Punkt {point}: erwartet [x, y, Zeit in ms, Druck].",
                             stroke=stroke, point=point)
    numbers = []
    for value in raw:
        try:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError
            number = float(value)  # OverflowError for an int beyond float range
        except (TypeError, OverflowError):
            raise StrokesRefused("Strich {stroke}, Punkt {point}: enthält etwas anderes als eine Zahl.",
                                 stroke=stroke, point=point) from None
        if not math.isfinite(number):
            raise StrokesRefused("Strich {stroke}, Punkt {point}: enthält eine unendliche oder ungültige Zahl.",
                                 stroke=stroke, point=point)
        numbers.append(number)
    x, y, t, p = numbers
    return x, y, round(t), p


def render_png(strokes: Sequence[Stroke], width: int, height: int) -> bytes:
    """Black ink on a transparent background, line width from pen pressure; same input, same bytes."""
    s = _SUPERSAMPLE
    mask = Image.new("L", (width * s, height * s), 0)
    draw = ImageDraw.Draw(mask)
    base = max(2.0, min(width, height) / 90) * s
    for stroke in strokes:
        pts = [(x * s, y * s, base * (0.5 + p)) for x, y, _t, p in stroke]
        for (x0, y0, w0), (x1, y1, w1) in itertools.pairwise(pts):
            draw.line([(x0, y0), (x1, y1)], fill=255, width=max(1, round((w0 + w1) / 2)))
        for x, y, w in pts:  # round caps and joins, and a dot for a single tap
            r = w / 2
            draw.ellipse([x - r, y - r, x + r, y + r], fill=255)
    alpha = mask.resize((width, height), Image.Resampling.LANCZOS)
    ink = Image.merge("LA", (Image.new("L", (width, height), 0), alpha))
    out = io.BytesIO()
    ink.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def strokes_sha256(strokes: Sequence[Stroke], width: int, height: int) -> str:
    """Hash of the canonical JSON of size and strokes – lets an export name the strokes without holding them."""
    canonical = json.dumps({"width": width, "height": height, "strokes": _as_json(strokes)},
                           separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def signature_record(strokes: Sequence[Stroke], width: int, height: int, document_hash: str,
                     at: dt.datetime, png: bytes | None = None) -> dict[str, Any]:
    """What is stored for one signature (JSON-ready): the strokes, the size, the bound hash and a summary.

    ``png_sha256`` is the hash of :func:`render_png` of the same strokes, so the picture
    shown anywhere can be checked against the record. Pass ``png`` when it was already
    rendered, to save drawing it twice.
    """
    if not isinstance(document_hash, str) or not _HEX64.fullmatch(document_hash):
        raise ValueError("Der Dokument-Hash muss ein SHA-256 in Hex-Schreibweise sein (64 Zeichen 0-9, a-f).")
    if at.tzinfo is None:
        raise ValueError("Der Zeitpunkt der Unterschrift braucht eine Zeitzone.")
    times = [t for stroke in strokes for _x, _y, t, _p in stroke]
    return {
        "record_version": RECORD_VERSION,
        "document_hash": document_hash,
        "signed_at": at.isoformat(),
        "width": width,
        "height": height,
        "strokes": _as_json(strokes),
        "stroke_count": len(strokes),
        "point_count": len(times),
        "duration_ms": (max(times) - min(times)) if times else 0,
        "strokes_sha256": strokes_sha256(strokes, width, height),
        "png_sha256": hashlib.sha256(png if png is not None else render_png(strokes, width, height)).hexdigest(),
    }


def _as_json(strokes: Sequence[Stroke]) -> list[list[list[float | int]]]:
    return [[[x, y, t, p] for x, y, t, p in stroke] for stroke in strokes]
