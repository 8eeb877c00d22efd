"""Per-frame hints for the person holding the document: is there an MRZ, is it big, sharp and glare-free?"""

from __future__ import annotations

import cv2
import numpy as np

from .locate import Band, find_bands
from .reader import detect_widths

MIN_PITCH_PX = 8.0  # smaller characters are not read reliably: ask to come closer
GLARE_LEVEL = 250
GLARE_FRACTION = 0.03
MIN_SHARPNESS = 0.05

HINTS = ("none", "closer", "steady", "glare", "reading")
FOLLOW_DISTANCE = 0.5  # a band counts as the same one if its centre moved less than this share of its length
FOLLOW_SIZE = (0.7, 1.4)  # ... and its length changed by no more than these factors


def band_pitch(band: Band) -> float:
    """Approximate character pitch in frame pixels (TD1 has 30 characters a line, TD2/TD3 36/44)."""
    chars = 30 if band.count == 3 else (44 if band.length / max(band.line_spacing, 1e-3) > 24 else 36)
    return band.length / chars


def _band_pixels(gray: np.ndarray, band: Band, grow: float = 1.0) -> np.ndarray:
    """Pixels of the band's bounding box, the quad first scaled by ``grow`` about its centre."""
    c = band.quad.mean(axis=0)
    x, y, w, h = cv2.boundingRect(((band.quad - c) * grow + c).astype(np.float32))
    x, y = max(x, 0), max(y, 0)
    return gray[y:y + h, x:x + w]


def sharpness(patch: np.ndarray) -> float:
    """Edge energy relative to contrast: high for crisp print, low under blur or motion."""
    if patch.size < 16:
        return 0.0
    f = patch.astype(np.float32)
    contrast = float(np.percentile(f, 95) - np.percentile(f, 5))
    if contrast < 10:
        return 0.0
    lap = cv2.Laplacian(f, cv2.CV_32F)
    return float(np.mean(np.abs(lap))) / contrast


def frame_hint(gray: np.ndarray, band: Band | None) -> str:
    """One of HINTS for this frame and band."""
    if band is None:
        return "none"
    # glare first, looked for around the band too: a washed-out part of the MRZ makes the band look short
    around = _band_pixels(gray, band, grow=2.0)
    if around.size and float(np.mean(around >= GLARE_LEVEL)) > GLARE_FRACTION:
        return "glare"
    if band_pitch(band) < MIN_PITCH_PX:
        return "closer"
    patch = _band_pixels(gray, band)
    if sharpness(patch) < MIN_SHARPNESS:
        return "steady"
    return "reading"


def follow(gray: np.ndarray, quad: np.ndarray) -> np.ndarray | None:
    """The quad of the band in ``gray`` nearest to ``quad`` (same band, a moment later), or None when it is gone.

    Why: after a stable read the reader stops, but the card keeps moving; an outline left where the card was
    when it was read looks like a misplaced read. Detection alone (~8 ms at 1280x720) keeps it on the card.
    """
    centre, length = quad.mean(axis=0), float(np.linalg.norm(quad[1] - quad[0]))
    # small print is found only at the reader's finer detection width
    for width in detect_widths(gray):
        best: tuple[float, np.ndarray] | None = None
        for band in find_bands(gray, width):
            ratio = float(np.linalg.norm(band.quad[1] - band.quad[0])) / max(length, 1e-3)
            distance = float(np.linalg.norm(band.quad.mean(axis=0) - centre))
            near = FOLLOW_SIZE[0] <= ratio <= FOLLOW_SIZE[1] and distance < FOLLOW_DISTANCE * length
            if near and (best is None or distance < best[0]):
                best = (distance, band.quad)
        if best is not None:
            return best[1].copy()
    return None
