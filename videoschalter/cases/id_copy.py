"""A copy of the ID card only with consent (PAuswG §20), and marked as a copy.

Two pure parts, shared by the server and the clerk app:

* ``consent_state`` reads the case's audit log (``case_events``) and says whether the clerk may
  store one copy now. The log is the only place consent lives, so what allowed a copy is on
  record, and a restart changes nothing. A consent counts for ``CONSENT_TTL`` and one copy.
* ``stamp_copy`` / ``id_copy_png`` mark a video frame visibly: a diagonal, semi-transparent
  "KOPIE" over the picture and a footer line "Kopie – <Datum Uhrzeit> – Vorgang <id>" below it
  (the footer is added under the frame, so it never hides a part of the card).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from videoschalter.certificates.fonts import FontsMissingError, find_font_dir

CONSENT_TTL = dt.timedelta(minutes=2)
REQUESTED = "id_copy_requested"  # case_events kinds
CONSENT = "id_copy_consent"
KIND = "id_copy"  # case_documents kind (not "snapshot": that is a picture the clerk shows)
NO_CONSENT = ("Eine Kopie des Ausweises darf nur mit der Einwilligung der Person gespeichert werden "
              "(PAuswG §20). Bitte zuerst um Einwilligung bitten.")
NOT_REQUESTED = "Die Sachbearbeitung hat gerade keine Ausweiskopie angefragt."


def consent_state(events: Iterable[Mapping[str, Any]], now: dt.datetime, ttl: dt.timedelta = CONSENT_TTL) -> str:
    """``none`` / ``requested`` / ``granted`` / ``refused`` / ``used`` / ``expired`` from the audit log.

    ``events`` are ``case_store.events_of`` rows (``at`` ISO time, ``action``, ``detail``) in order.
    Only the latest request counts; a copy stored after the consent uses it up.
    """
    state, since = "none", None
    for event in events:
        action, detail = event.get("action"), event.get("detail") or {}
        if action == REQUESTED:
            state, since = "requested", event.get("at")
        elif action == CONSENT and state == "requested":
            state, since = ("granted" if detail.get("granted") is True else "refused"), event.get("at")
        elif action == "document_added" and detail.get("kind") == KIND and state == "granted":
            state = "used"
        elif action == "erased":
            state, since = "none", None
    if state in ("requested", "granted") and since is not None and now - _time(since) > ttl:
        return "expired"
    return state


def _time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# --- the visible mark -----------------------------------------------------------------------------
def footer_text(when: dt.datetime, case_id: int | str, dash: str = "–") -> str:
    return f"Kopie {dash} {when.strftime('%d.%m.%Y %H:%M')} {dash} Vorgang {case_id}"


@functools.cache
def _font_file(bold: bool) -> str | None:
    """DejaVu, as for the certificates (it has the dash and umlauts); None when it is not installed."""
    try:
        return str(find_font_dir() / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"))
    except FontsMissingError:
        return None


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_file(bold)
    # Pillow's bundled font as the fallback: it lacks "–", so the footer then uses "-"
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size=size)


def stamp_copy(rgb: np.ndarray | Image.Image, when: dt.datetime, case_id: int | str) -> Image.Image:
    """The frame with "KOPIE" across its diagonal (semi-transparent red) and the footer line below."""
    image = rgb.convert("RGB") if isinstance(rgb, Image.Image) else Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    width, height = image.size
    diagonal = math.hypot(width, height)
    # the word on its own transparent layer, sized to about 60 % of the diagonal, then rotated onto it
    size = max(12, int(diagonal * 0.6 / 3.2))
    font = _font(size, bold=True)
    left, top, right, bottom = font.getbbox("KOPIE")
    word = Image.new("RGBA", (right - left + size // 2, bottom - top + size // 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(word)
    draw.text((size // 4 - left, size // 4 - top), "KOPIE", font=font, fill=(210, 0, 0, 100),
              stroke_width=max(1, size // 30), stroke_fill=(255, 255, 255, 90))
    word = word.rotate(math.degrees(math.atan2(height, width)), expand=True, resample=Image.Resampling.BICUBIC)
    marked = image.convert("RGBA")
    x, y = (width - word.width) // 2, (height - word.height) // 2  # may be negative: crop the word to fit
    word = word.crop((max(0, -x), max(0, -y), min(word.width, width - x), min(word.height, height - y)))
    marked.alpha_composite(word, (max(0, x), max(0, y)))
    marked = marked.convert("RGB")
    # the footer: a white band under the picture with the line in black
    text = footer_text(when, case_id, "–" if _font_file(False) else "-")
    footer_font = _font(max(12, min(width // 40, 28)))
    while footer_font.getlength(text) > width - 16 and footer_font.size > 8:  # type: ignore[union-attr]
        footer_font = _font(footer_font.size - 1)  # type: ignore[union-attr]
    band = int(footer_font.size * 1.8)  # type: ignore[union-attr]
    out = Image.new("RGB", (width, height + band), (255, 255, 255))
    out.paste(marked, (0, 0))
    ImageDraw.Draw(out).text((8, height + band // 2), text, font=footer_font, fill=(0, 0, 0), anchor="lm")
    return out


def id_copy_png(rgb: np.ndarray | Image.Image, when: dt.datetime, case_id: int | str) -> bytes:
    """The stamped copy as PNG, ready for ``POST clerk/cases/{ticket}/documents?kind=id_copy``."""
    out = io.BytesIO()
    stamp_copy(rgb, when, case_id).save(out, "PNG")
    return out.getvalue()
