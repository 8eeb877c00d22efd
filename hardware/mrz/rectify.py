"""Warping an MRZ band to a canonical image in which every character cell is PITCH pixels wide.

The quadrilateral from the first and last line's ends gives a homography that removes rotation and perspective
at once. The canonical image keeps the band's aspect ratio, so glyphs keep the font's proportions and can be
compared with the rendered OCR-B templates directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .glyphs import INK_LEFT, INK_RIGHT, PITCH
from .locate import Band

MARGIN_X = 2 * PITCH
MARGIN_Y = PITCH


@dataclass(frozen=True)
class Rectified:
    """Canonical grey image of the band; ``line_y`` are the expected line centres, ``H`` maps frame to canonical."""

    image: np.ndarray  # float32
    line_y: tuple[float, ...]
    n_chars: int
    H: np.ndarray

    def cell_x(self, k: int) -> float:
        """Nominal left edge of cell ``k``."""
        return MARGIN_X + k * PITCH


def band_rectangle(band: Band, flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Rotated rectangle (tl, tr, br, bl) around the band's text and the line centres, in frame coordinates.

    Line ends are taken as medians over the lines, and no perspective is inferred from the band: its height is
    too small to estimate foreshortening from; the OCR fits the residual pitch change from the glyphs themselves.
    """
    d = np.mean([ln.direction for ln in band.lines], axis=0)
    d /= np.linalg.norm(d)
    n = np.array([-d[1], d[0]])
    along = [float(ln.center @ d) for ln in band.lines]
    left = float(np.median([a - ln.length / 2 for a, ln in zip(along, band.lines, strict=True)]))
    right = float(np.median([a + ln.length / 2 for a, ln in zip(along, band.lines, strict=True)]))
    top = float(band.lines[0].center @ n - band.lines[0].thickness / 2)
    bottom = float(band.lines[-1].center @ n + band.lines[-1].thickness / 2)
    rect = np.array([left * d + top * n, right * d + top * n, right * d + bottom * n, left * d + bottom * n])
    centers = np.array([ln.center for ln in band.lines])
    if flip:
        rect, centers = rect[[2, 3, 0, 1]], centers[::-1]
    return rect.astype(np.float32), centers.astype(np.float32)


def rectify(gray: np.ndarray, band: Band, n_chars: int, flip: bool = False) -> Rectified | None:
    """Warp ``band`` of ``gray`` so its text spans ``n_chars`` cells; ``flip`` reads it upside down."""
    quad, centers = band_rectangle(band, flip)
    width_frame = float(np.linalg.norm(quad[1] - quad[0]))
    height_frame = float(np.linalg.norm(quad[3] - quad[0]))
    ink_w = (n_chars - 1 + INK_RIGHT - INK_LEFT) * PITCH
    scale = ink_w / max(width_frame, 1.0)
    ink_h = height_frame * scale
    if not (0.3 * PITCH * band.count < ink_h < 4 * PITCH * band.count):
        return None
    x0, x1 = MARGIN_X + INK_LEFT * PITCH, MARGIN_X + ink_w + INK_LEFT * PITCH
    dst = np.array([[x0, MARGIN_Y], [x1, MARGIN_Y], [x1, MARGIN_Y + ink_h]], np.float32)
    A = cv2.getAffineTransform(quad[:3], dst)
    size = (int(2 * MARGIN_X + n_chars * PITCH), round(2 * MARGIN_Y + ink_h))
    src = gray
    if 1 / scale > 1.6:  # strong downscale: low-pass first against aliasing
        src = cv2.GaussianBlur(gray, (0, 0), 0.35 / scale)
    img = cv2.warpAffine(src, A, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    H = np.vstack([A, [0, 0, 1]])
    ys = cv2.perspectiveTransform(centers[None], H)[0][:, 1]
    return Rectified(img.astype(np.float32), tuple(float(y) for y in ys), n_chars, H)


def refine(gray: np.ndarray, rect: Rectified, src: np.ndarray, dst: np.ndarray) -> Rectified | None:
    """Re-warp with the homography that moves the cells found at ``src`` onto the ideal grid ``dst``.

    The band's outline from detection gives rotation and scale but cannot reveal perspective (foreshortening
    along the line); the glyph grid found by the OCR can, and glyphs must have template size to match well.
    """
    F, _ = cv2.findHomography(src, dst, 0)
    if F is None:
        return None
    H = F @ rect.H
    h, w = rect.image.shape
    img = cv2.warpPerspective(gray, H, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    ys = cv2.perspectiveTransform(np.array([[[w / 2, y] for y in rect.line_y]], np.float32), F)[0][:, 1]
    return Rectified(img.astype(np.float32), tuple(float(y) for y in ys), rect.n_chars, H)
