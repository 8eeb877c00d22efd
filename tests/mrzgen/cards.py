"""Flat renderings of ID cards (TD1), TD2 documents and passport data pages (TD3) with an OCR-B MRZ."""

from __future__ import annotations

import glob
import os
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .identities import Identity

PX_PER_MM = 10.0
SIZES_MM = {"TD1": (85.6, 53.98), "TD2": (105.0, 74.0), "TD3": (125.0, 88.0)}
PITCH_MM = 2.54  # ICAO: 10 characters per inch
MRZ_LEFT_MM = {"TD1": 4.7, "TD2": 6.8, "TD3": 6.6}


OCRB_DIRS = ("/usr/share/fonts/opentype/ocr-b", str(Path(__file__).resolve().parents[2] / "hardware" / "mrz" / "fonts"))


@lru_cache(maxsize=8)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    if not path:  # no TrueType text font on this system: Pillow's bundled default face
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def _ocrb_paths() -> list[str]:
    """Debian's fonts-ocr-b if installed, else the copy the reader ships (same files, e.g. on Windows)."""
    for folder in OCRB_DIRS:
        paths = sorted(glob.glob(os.path.join(folder, "OCRB*.otf")))
        if paths:
            # Regular and Sharp are the print faces; Outline/Inverted/Oblique are not used in MRZs.
            return [p for p in paths if p.endswith(("OCRB.otf", "OCRBS.otf"))] or paths
    raise FileNotFoundError("no OCR-B font: install fonts-ocr-b or keep hardware/mrz/fonts/")


def _text_font() -> str:
    """DejaVu Sans for the visual zone; any TrueType font elsewhere; '' = Pillow's default face."""
    hits = glob.glob("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf") or sorted(
        glob.glob("/usr/share/fonts/**/*.ttf", recursive=True))
    return hits[0] if hits else ""


@dataclass
class Card:
    image: np.ndarray  # RGB uint8, the flat document
    mrz_quad: np.ndarray  # (4, 2) float32: MRZ text box tl, tr, br, bl in card pixels


def _background(rng: random.Random, w: int, h: int) -> Image.Image:
    base = np.array([rng.randint(200, 245), rng.randint(200, 240), rng.randint(195, 245)], np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    tint = np.array([rng.uniform(-25, 10) for _ in range(3)], np.float32)
    grad = (xx / w)[..., None] * tint
    img = base + grad
    # guilloche-like fine waves, typical of security printing
    for _ in range(rng.randint(2, 4)):
        f1, f2, ph = rng.uniform(0.01, 0.05), rng.uniform(0.01, 0.05), rng.uniform(0, 6.3)
        wave = np.sin(xx * f1 + np.sin(yy * f2 + ph) * 3) ** 8
        img -= wave[..., None] * np.array([rng.uniform(5, 25) for _ in range(3)], np.float32)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def render_card(identity: Identity, rng: random.Random) -> Card:
    """Draw the document of ``identity`` at PX_PER_MM with a random design and OCR-B MRZ."""
    kind = identity.type
    w_mm, h_mm = SIZES_MM[kind]
    w, h = round(w_mm * PX_PER_MM), round(h_mm * PX_PER_MM)
    im = _background(rng, w, h)
    draw = ImageDraw.Draw(im)
    sans = _text_font()
    # header, photo and printed fields (visual-zone clutter the detector must ignore)
    draw.text((w * 0.05, h * 0.04), rng.choice(["BUNDESREPUBLIK DEUTSCHLAND", "PERSONALAUSWEIS", "REISEPASS",
                                                "IDENTITY CARD", "PASSPORT"]), font=_font(sans, int(h * 0.05)),
              fill=(40, 40, 90))
    px0, py0 = w * 0.05, h * 0.16
    draw.rectangle([px0, py0, px0 + w * 0.26, py0 + h * 0.45], fill=tuple(rng.randint(90, 170) for _ in range(3)))
    draw.ellipse([px0 + w * 0.06, py0 + h * 0.06, px0 + w * 0.2, py0 + h * 0.3], fill=(200, 170, 150))
    small = _font(sans, int(h * 0.035))
    big = _font(sans, int(h * 0.05))
    y = h * 0.16
    for label, value in [("Name / Surname", identity.surname), ("Vornamen / Given names", identity.given_names),
                         ("Geburtstag / Date of birth", identity.birth_date.strftime("%d.%m.%Y")),
                         ("Gueltig bis / Date of expiry", identity.expiry_date.strftime("%d.%m.%Y"))]:
        draw.text((w * 0.36, y), label, font=small, fill=(90, 90, 110))
        draw.text((w * 0.36, y + h * 0.04), value, font=big, fill=(20, 20, 20))
        y += h * 0.105
    # MRZ: fixed pitch, OCR-B, a dark ink with random weight
    n_lines = len(identity.lines)
    pitch = PITCH_MM * PX_PER_MM * rng.uniform(0.985, 1.015)
    line_gap = rng.uniform(3.9, 4.4) * PX_PER_MM
    path = rng.choice(_ocrb_paths())
    probe = _font(path, 100)
    font = _font(path, max(8, round(100 * pitch / probe.getlength("0"))))
    ascent, _ = font.getmetrics()
    bbox = font.getbbox("0")
    top_off, bottom_off = bbox[1], ascent  # digits top and baseline relative to the draw origin
    x0 = MRZ_LEFT_MM[kind] * PX_PER_MM + rng.uniform(-4, 4)
    bottom_margin = rng.uniform(3.0, 4.5) * PX_PER_MM
    y_first = h - bottom_margin - (n_lines - 1) * line_gap - bottom_off
    ink = tuple(rng.randint(0, 45) for _ in range(3))
    mrz_layer = Image.new("L", (w, h), 0)
    mdraw = ImageDraw.Draw(mrz_layer)
    for i, line in enumerate(identity.lines):
        for j, ch in enumerate(line):
            jitter = rng.uniform(-0.4, 0.4)
            mdraw.text((x0 + j * pitch + jitter, y_first + i * line_gap), ch, font=font, fill=255)
    weight = rng.choice([0, 0, 0, 1, -1])
    arr_mask = np.asarray(mrz_layer)
    if weight:
        import cv2

        k = np.ones((3, 3), np.uint8)
        arr_mask = cv2.dilate(arr_mask, k) if weight > 0 else cv2.erode(arr_mask, np.ones((2, 2), np.uint8))
    img = np.asarray(im).astype(np.float32)
    alpha = (arr_mask.astype(np.float32) / 255.0)[..., None] * rng.uniform(0.85, 1.0)
    img = img * (1 - alpha) + np.array(ink, np.float32) * alpha
    top = y_first + top_off
    bottom = y_first + (n_lines - 1) * line_gap + bottom_off
    right = x0 + len(identity.lines[0]) * pitch
    quad = np.array([[x0, top], [right, top], [right, bottom], [x0, bottom]], np.float32)
    return Card(np.clip(img, 0, 255).astype(np.uint8), quad)
