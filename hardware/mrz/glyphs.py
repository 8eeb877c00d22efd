"""Reference images of the 37 OCR-B MRZ glyphs, rendered once from the system's OCR-B font.

MRZs are printed in OCR-B at a fixed pitch, so a rectified MRZ line is a row of equal cells and every cell can be
compared with rendered glyphs directly; no general OCR model is needed. A few stroke weights, blurs and
sub-pixel phases cover ink spread, focus and grid misplacement.
"""

from __future__ import annotations

import glob
import os
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .checkdigit import ALPHABET

PITCH = 14  # px per character cell in the normalised line image
CELL_H = 20  # template rows: digits' top sits at row TOP_PAD
TOP_PAD = 2
GLYPH_HEIGHT = 1.07  # digit height / pitch, measured from the font
INK_LEFT = 0.15  # typical ink start / pitch
INK_RIGHT = 0.83  # typical ink end / pitch
_SS = 8  # supersampling factor for rendering
FONT_ENV = "VIDEOSCHALTER_OCRB_FONT"
PACKAGED_FONT_DIR = Path(__file__).with_name("fonts")  # OCRB.otf, OCRBS.otf from Debian fonts-ocr-b (fonts/README.md)
_FONT_GLOBS = ("/usr/share/fonts/opentype/ocr-b/OCRB.otf", "/usr/share/fonts/**/OCRB*.otf",
               "/usr/share/fonts/**/ocrb*.ttf", "/usr/share/fonts/**/OCRB*.ttf")


def find_font() -> str:
    """Path of the OCR-B font: ``$VIDEOSCHALTER_OCRB_FONT``, else the copy shipped in ``fonts/``, else the system's.

    The shipped copy makes the reader work where no OCR-B font is installed (the Windows clerk app): the ZNCC
    templates are rendered from it at run time; the classifier itself only needs ``glyph_mlp.npz``.
    """
    env = os.environ.get(FONT_ENV)
    if env:
        return env
    packaged = PACKAGED_FONT_DIR / "OCRB.otf"
    if packaged.is_file():
        return str(packaged)
    for pattern in _FONT_GLOBS:
        hits = sorted(glob.glob(pattern, recursive=True))
        if hits:
            return hits[0]
    raise FileNotFoundError("OCR-B font not found: install fonts-ocr-b or set " + FONT_ENV)


def render_line(text: str, pitch_px: float, font_path: str | None = None) -> tuple[np.ndarray, float]:
    """Render ``text`` black on white, one glyph per ``pitch_px`` cell (uint8 image), and the digits' top row.

    Glyphs are placed one by one: drawing the whole string would use the font's rounded advance and drift.
    """
    from PIL import Image, ImageDraw, ImageFont

    path = font_path or find_font()
    probe = ImageFont.truetype(path, 100)
    font = ImageFont.truetype(path, max(4, round(100 * pitch_px / probe.getlength("0"))))
    ascent, descent = font.getmetrics()
    im = Image.new("L", (int(np.ceil(pitch_px * len(text))) + 2, ascent + descent), 255)
    draw = ImageDraw.Draw(im)
    for i, ch in enumerate(text):
        draw.text((round(i * pitch_px), 0), ch, font=font, fill=0)
    probe_im = Image.new("L", (int(pitch_px) + 2, ascent + descent), 255)
    ImageDraw.Draw(probe_im).text((0, 0), "0", font=font, fill=0)
    top = float(np.nonzero((np.asarray(probe_im) < 128).any(axis=1))[0].min())
    return np.asarray(im), top


@lru_cache(maxsize=2)
def templates(font_path: str | None = None) -> np.ndarray:
    """Glyph cells, shape (variants, 37, CELL_H, PITCH) float32, dark ink = low values, order = ALPHABET.

    Variant 0 is the plain rendering; the others add stroke weight (bold, heavy), thinning, blur (0.8 and 1.5 px)
    and half-pixel phase. Variant 1 (plain, blur 0.8) is the coarse set for the position search.
    """
    hi_pitch = PITCH * _SS
    line, top = render_line(ALPHABET, hi_pitch, font_path)
    y0 = round(top) - TOP_PAD * _SS
    pad = np.full((CELL_H * _SS + 2 * _SS, line.shape[1] + 2 * _SS), 255, np.uint8)
    src = line[max(0, y0):y0 + CELL_H * _SS]
    pad[_SS + max(0, -y0):_SS + max(0, -y0) + src.shape[0], _SS:_SS + src.shape[1]] = src
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_SS // 2 + 1, _SS // 2 + 1))
    heavy = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_SS + 1, _SS + 1))
    weights = {"plain": pad, "bold": cv2.erode(pad, kernel), "thin": cv2.dilate(pad, kernel),
               "heavy": cv2.erode(pad, heavy)}
    variants = []
    for name, img in weights.items():
        for phase in (0, _SS // 2):
            for blur in (0.0, 0.8, 1.5):
                if (name != "plain" and phase) or (blur > 1 and name == "thin") or (blur == 0 and name == "heavy"):
                    continue
                cells = []
                for i in range(len(ALPHABET)):
                    x = _SS + round(i * hi_pitch) - phase
                    cell = img[_SS:_SS + CELL_H * _SS, x:x + hi_pitch]
                    small = cv2.resize(cell, (PITCH, CELL_H), interpolation=cv2.INTER_AREA).astype(np.float32)
                    if blur:
                        small = cv2.GaussianBlur(small, (0, 0), blur)
                    cells.append(small / 255.0)
                variants.append(np.stack(cells))
    return np.stack(variants)


MOTION_LENGTH = 5  # canonical px: 3-5 frame px of motion at 8.5-20 px pitch
MOTION_ANGLES = (0, 45, 90, 135)


@lru_cache(maxsize=2)
def motion_templates(font_path: str | None = None) -> np.ndarray:
    """The plain glyphs (blur 0.8) smeared along four directions, as a card moved during the exposure leaves them:
    shape (4, 37, CELL_H, PITCH). Read only as a last resort (``reader.py``)."""
    base = templates(font_path)[1]
    c = (MOTION_LENGTH / 2 - 0.5, MOTION_LENGTH / 2 - 0.5)
    out = []
    for angle in MOTION_ANGLES:
        k = np.zeros((MOTION_LENGTH, MOTION_LENGTH), np.float32)
        k[MOTION_LENGTH // 2, :] = 1.0
        k = cv2.warpAffine(k, cv2.getRotationMatrix2D(c, angle, 1.0), (MOTION_LENGTH, MOTION_LENGTH))
        k /= k.sum()
        out.append(np.stack([cv2.filter2D(cell, -1, k, borderType=cv2.BORDER_REPLICATE) for cell in base]))
    return np.stack(out)
