"""The consent rule read from the audit log, and the visible copy mark (PAuswG §20)."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
from PIL import Image

from videoschalter.cases.id_copy import consent_state, footer_text, id_copy_png, stamp_copy

T0 = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def ev(action: str, minutes: float = 0, **detail: object) -> dict:
    return {"action": action, "at": (T0 + dt.timedelta(minutes=minutes)).isoformat(), "detail": detail}


def test_consent_lifecycle() -> None:
    asked = [ev("chat"), ev("id_copy_requested")]
    assert consent_state([], T0) == "none"
    assert consent_state(asked, T0) == "requested"
    assert consent_state([*asked, ev("id_copy_consent", 0.5, granted=False)], T0) == "refused"
    granted = [*asked, ev("id_copy_consent", 0.5, granted=True)]
    assert consent_state(granted, T0 + dt.timedelta(minutes=2)) == "granted"
    assert consent_state(granted, T0 + dt.timedelta(minutes=2, seconds=31)) == "expired"
    used = [*granted, ev("document_added", 1, kind="id_copy")]
    assert consent_state(used, T0 + dt.timedelta(minutes=1)) == "used"
    other_doc = [*granted, ev("document_added", 1, kind="shared")]
    assert consent_state(other_doc, T0 + dt.timedelta(minutes=1)) == "granted"
    assert consent_state([*used, ev("id_copy_requested", 2)], T0 + dt.timedelta(minutes=2)) == "requested"
    assert consent_state([*granted, ev("erased", 1)], T0 + dt.timedelta(minutes=1)) == "none"


def test_consent_without_a_request_counts_for_nothing() -> None:
    assert consent_state([ev("id_copy_consent", granted=True)], T0) == "none"
    assert consent_state([ev("id_copy_requested"), ev("id_copy_consent", granted="yes")], T0) == "refused"


def frame(width: int = 640, height: int = 400) -> np.ndarray:
    """A grey card-like picture with some texture (a flat image would hide a wrong blend)."""
    rng = np.random.default_rng(1)
    rgb = np.full((height, width, 3), 150, np.uint8)
    rgb += rng.integers(0, 20, rgb.shape, dtype=np.uint8)
    return rgb


def test_the_mark_covers_the_diagonal_and_keeps_the_picture_visible() -> None:
    rgb = frame()
    out = np.asarray(stamp_copy(rgb, T0, 17))
    height, width = rgb.shape[:2]
    picture = out[:height]
    diff = np.abs(picture.astype(int) - rgb.astype(int)).sum(axis=2) > 30
    # along the diagonal from bottom left to top right the word changed pixels in the middle part
    hits = [diff[int(height - 1 - y * height / 10) - 15:int(height - 1 - y * height / 10) + 15,
                 int(y * width / 10) - 15:int(y * width / 10) + 15].mean() for y in range(3, 8)]
    assert sum(h > 0.02 for h in hits) >= 3, hits
    # corners off the diagonal stay untouched, and the mark is see-through (reddish, not solid)
    assert not diff[:40, :40].any() and not diff[-40:, -40:].any()
    changed = picture[diff]
    assert changed[:, 0].mean() > changed[:, 1].mean() + 20  # red tint
    assert changed[:, 1].mean() > 40  # not opaque: the card shows through


def test_the_footer_is_below_the_picture_with_date_and_case() -> None:
    rgb = frame()
    image = stamp_copy(rgb, T0, 17)
    assert image.width == 640 and image.height > 400
    band = np.asarray(image)[400:]
    dark = band.min(axis=2) < 100
    assert dark.mean() > 0.01 and dark[:, :40].any()  # text starts at the left
    assert np.asarray(image)[400:, -5:].min() > 200  # white band, text ends before the edge
    assert footer_text(T0, 17) == "Kopie – 23.11.2026 12:00 – Vorgang 17"


def test_png_round_trip_and_small_frames() -> None:
    png = id_copy_png(frame(160, 120), T0, "42")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 160 and image.height > 120
