"""Training data and training of the glyph classifier: OCR-B lines rendered and degraded like a webcam would.

No downloaded data or weights: lines of random MRZ characters are drawn with the system's OCR-B font(s), degraded
at the scale they have in a camera frame (character pitch 7-22 px; paper tint, background print, glare, dim light,
focus and motion blur, noise, JPEG), then resampled to the canonical PITCH px per cell with a small residual
misregistration, exactly as ``rectify`` does with a real band. The cells cut from these lines train a small MLP
(``classifier.py``). Everything is seeded, so the same font files give the same model.

This code is independent of the test generator in ``tests/mrzgen`` (which the benchmark uses): different
rendering path, different parameter draws; only the kind of degradations (those of a webcam) is the same.

``python -m hardware.mrz.train [PATH]`` rebuilds the model (default: ``hardware/mrz/glyph_mlp.npz``, the file the
reader loads); without that file the reader trains the model on first use and caches it.
"""

from __future__ import annotations

import glob
import os
import time
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .checkdigit import ALPHABET
from .glyphs import CELL_H, GLYPH_HEIGHT, PITCH, TOP_PAD, find_font

HI = 64  # supersampled pitch of the glyph sprites
N_CLASSES = len(ALPHABET)


def training_fonts() -> list[str]:
    """OCR-B faces used for MRZ print: the regular face and, if installed, the 'sharp' variant of the same family."""
    main = find_font()
    out = [main]
    for extra in sorted(glob.glob(os.path.join(os.path.dirname(main), "OCRBS.otf"))):
        if extra not in out:
            out.append(extra)
    return out


@lru_cache(maxsize=4)
def _sprites(font_path: str) -> tuple[np.ndarray, int]:
    """Ink coverage (0..1) of every glyph in a HI-px cell, shape (37, rows, HI), and the digits' top row."""
    from PIL import Image, ImageDraw, ImageFont

    probe = ImageFont.truetype(font_path, 200)
    font = ImageFont.truetype(font_path, max(8, round(200 * HI / probe.getlength("0"))))
    ascent, descent = font.getmetrics()
    rows = ascent + descent + HI // 2
    cells = []
    for ch in ALPHABET:
        im = Image.new("L", (2 * HI, rows), 0)
        ImageDraw.Draw(im).text((HI // 2, HI // 4), ch, font=font, fill=255)
        cells.append(np.asarray(im, np.float32)[:, HI // 2 - HI // 4:HI // 2 - HI // 4 + 3 * HI // 2] / 255.0)
    probe_im = np.stack(cells)[ALPHABET.index("0")]
    top = int(np.nonzero((probe_im > 0.5).any(axis=1))[0].min())
    return np.stack(cells), top


def _random_text(rng: np.random.Generator, n: int) -> np.ndarray:
    """Class indices of a random MRZ-like line: runs of fillers, letters and digits."""
    out = np.empty(n, int)
    i = 0
    while i < n:
        run = int(rng.integers(1, 10))
        kind = rng.random()
        if kind < 0.3:
            out[i:i + run] = N_CLASSES - 1  # '<'
        elif kind < 0.65:
            out[i:i + run] = rng.integers(10, 36, run)[:max(0, min(run, n - i))]
        elif kind < 0.9:
            out[i:i + run] = rng.integers(0, 10, run)[:max(0, min(run, n - i))]
        else:
            out[i:i + run] = rng.integers(0, N_CLASSES, run)[:max(0, min(run, n - i))]
        i += run
    return out[:n]


def _guilloche(rng: np.random.Generator, h: int, w: int, pitch: float) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(0, 4))):
        f1, f2 = rng.uniform(0.02, 0.25, 2) / pitch * 2.54
        ph = rng.uniform(0, 6.3)
        out += np.sin(xx * f1 + np.sin(yy * f2 + ph) * 3) ** 8 * rng.uniform(3, 30)
    return out


def _line(rng: np.random.Generator, fonts: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
    """One degraded, rectified line: canonical image (float32), class per cell, x of cell 0's left edge."""
    n = int(rng.integers(30, 45))
    labels = _random_text(rng, n)
    sprites, top = _sprites(fonts[int(rng.integers(len(fonts)))])
    rows = sprites.shape[1]
    pitch_hi = HI * rng.uniform(0.985, 1.015)
    pad = 2 * HI
    width = int(pad * 2 + n * pitch_hi + HI)
    cov = np.zeros((rows + HI, width), np.float32)
    y_off = HI // 2
    for k, c in enumerate(labels):
        x = round(pad + k * pitch_hi + rng.uniform(-0.4, 0.4) / 25.4 * HI) - HI // 4
        cov[y_off:y_off + rows, x:x + sprites.shape[2]] = np.maximum(cov[y_off:y_off + rows, x:x + sprites.shape[2]],
                                                                     sprites[c])
    weight = rng.choice([-1, -1, 0, 0, 0, 0, 1, 1, 2])  # ink spread or thin print, as a fraction of the stroke
    if weight:
        r = int(abs(weight) * HI * 0.04) * 2 + 1
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (r, r))
        cov = cv2.dilate(cov, k) if weight > 0 else cv2.erode(cov, k)
    # to camera scale: pitch p_f px; then the frame's degradations at that scale
    p_f = float(rng.uniform(7.0, 22.0))
    s = p_f / HI
    small = cv2.resize(cov, (max(8, round(width * s)), max(8, round(cov.shape[0] * s))), interpolation=cv2.INTER_AREA)
    h, w = small.shape
    paper = rng.uniform(170, 250) + np.linspace(0, 1, w)[None, :] * rng.uniform(-30, 15)
    paper = paper - _guilloche(rng, h, w, p_f)
    ink = rng.uniform(0, 55)
    alpha = small * rng.uniform(0.8, 1.0)
    img = paper * (1 - alpha) + ink * alpha
    img *= rng.uniform(0.35, 1.15) * (1 + rng.uniform(-0.15, 0.15) * np.linspace(-0.5, 0.5, w)[None, :])
    if rng.random() < 0.3:  # glare: a broad bright bump, possibly saturating
        cx, cy, r = rng.uniform(0, w), rng.uniform(-h, 2 * h), rng.uniform(3, 15) * p_f
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        img += rng.uniform(20, 140) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    img = np.clip(img, 0, 255).astype(np.float32)
    if rng.random() < 0.7:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.3))
    if rng.random() < 0.3:
        length = int(rng.integers(3, 7))
        k = np.zeros((length, length), np.float32)
        k[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
        k = cv2.warpAffine(k, rot, (length, length))
        img = cv2.filter2D(img, -1, k / max(float(k.sum()), 1e-6))
    img += rng.normal(0, rng.uniform(0.5, 9.0), img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.85:
        _, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 95))])
        img = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)
    # to the canonical image, as rectify() does, with a residual error of the grid fit
    scale = PITCH / p_f * rng.uniform(0.985, 1.015)
    ang = np.radians(rng.uniform(-0.8, 0.8))
    digit_mid_hi = y_off + top + GLYPH_HEIGHT * HI / 2  # digits' vertical centre, supersampled rows
    src_x0, src_y = pad * s, digit_mid_hi * s  # cell 0's left edge, line centre in camera pixels
    margin = 2 * PITCH
    out_w, out_h = int(2 * margin + n * PITCH), CELL_H + 2 * PITCH
    dst_x0, dst_y = margin + rng.uniform(-0.7, 0.7), out_h / 2 + rng.uniform(-0.7, 0.7)
    c, si = np.cos(ang) * scale, np.sin(ang) * scale
    A = np.array([[c, -si, dst_x0 - (c * src_x0 - si * src_y)], [si, c, dst_y - (si * src_x0 + c * src_y)]])
    src = img.astype(np.float32)
    if 1 / scale > 1.6:
        src = cv2.GaussianBlur(src, (0, 0), 0.35 / scale)
    canon = cv2.warpAffine(src, A, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return canon, labels, float(margin)


def cell_offsets(canon_h: int) -> tuple[int, int]:
    """Row of a cell window's top for a line centred in the canonical image (as ocr.py places it)."""
    return round(canon_h / 2 - GLYPH_HEIGHT * PITCH / 2 - TOP_PAD), 0


def make_dataset(n_cells: int, seed: int = 0, fonts: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(n, CELL_H * PITCH) float32 raw cells and their labels; each cell cut at a jittered position (+-1 px)."""
    rng = np.random.default_rng(seed)
    fonts = fonts or training_fonts()
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    total = 0
    while total < n_cells:
        canon, labels, x0 = _line(rng, fonts)
        y0, _ = cell_offsets(canon.shape[0])
        for k, c in enumerate(labels):
            dy, dx = (int(v) for v in rng.integers(-1, 2, 2)) if rng.random() < 0.35 else (0, 0)
            x = round(x0 + k * PITCH) + dx
            xs.append(canon[y0 + dy:y0 + dy + CELL_H, x:x + PITCH].ravel())
            ys.append(np.int64(c))
        total += len(labels)
    return np.stack(xs).astype(np.float32), np.array(ys)


def normalise(x: np.ndarray) -> np.ndarray:
    """Zero-mean, unit-norm rows scaled to unit variance per pixel (the classifier's input)."""
    x = x - x.mean(axis=1, keepdims=True)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-3) * np.sqrt(x.shape[1])


def train_mlp(x: np.ndarray, y: np.ndarray, hidden: int = 192, epochs: int = 8, seed: int = 0,
              batch: int = 256, lr: float = 2e-3, log: bool = False) -> dict[str, np.ndarray]:
    """One hidden ReLU layer, softmax output, Adam, weight decay; returns the weights as float32 arrays."""
    rng = np.random.default_rng(seed)
    x = normalise(x)
    d = x.shape[1]
    p = {"W1": (rng.normal(0, np.sqrt(2 / d), (d, hidden))).astype(np.float32), "b1": np.zeros(hidden, np.float32),
         "W2": (rng.normal(0, np.sqrt(1 / hidden), (hidden, N_CLASSES))).astype(np.float32),
         "b2": np.zeros(N_CLASSES, np.float32)}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    t = 0
    steps = epochs * (len(x) // batch)
    for ep in range(epochs):
        order = rng.permutation(len(x))
        loss_sum = 0.0
        for b in range(len(x) // batch):
            idx = order[b * batch:(b + 1) * batch]
            xb, yb = x[idx], y[idx]
            h = np.maximum(xb @ p["W1"] + p["b1"], 0)
            z = h @ p["W2"] + p["b2"]
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            prob = e / e.sum(axis=1, keepdims=True)
            loss_sum += float(-np.log(prob[np.arange(len(yb)), yb] + 1e-9).mean())
            g = prob
            g[np.arange(len(yb)), yb] -= 1
            g /= len(yb)
            grads = {"W2": h.T @ g, "b2": g.sum(axis=0)}
            gh = (g @ p["W2"].T) * (h > 0)
            grads["W1"] = xb.T @ gh
            grads["b1"] = gh.sum(axis=0)
            t += 1
            rate = lr * 0.5 * (1 + np.cos(np.pi * t / steps))  # cosine decay
            for k in p:
                gk = grads[k] + (1e-4 * p[k] if k.startswith("W") else 0)
                m[k] = 0.9 * m[k] + 0.1 * gk
                v[k] = 0.999 * v[k] + 0.001 * gk * gk
                mh = m[k] / (1 - 0.9 ** t)
                vh = v[k] / (1 - 0.999 ** t)
                p[k] -= (rate * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
        if log:
            print(f"epoch {ep + 1}/{epochs}: loss {loss_sum / (len(x) // batch):.4f}", flush=True)
    return {k: v.astype(np.float32) for k, v in p.items()}


def build_model(n_cells: int = 300_000, data_seed: int = 1, seed: int = 0, hidden: int = 256, epochs: int = 12,
                log: bool = False) -> dict[str, np.ndarray]:
    """The shipped model's recipe (about 3 minutes on one core, most of it rendering the training lines)."""
    t0 = time.perf_counter()
    x, y = make_dataset(n_cells, data_seed)
    if log:
        print(f"{len(x)} training cells in {time.perf_counter() - t0:.1f} s", flush=True)
    model = train_mlp(x, y, hidden=hidden, epochs=epochs, seed=seed, log=log)
    if log:
        print(f"trained in {time.perf_counter() - t0:.1f} s", flush=True)
    return model


if __name__ == "__main__":
    import sys

    from .classifier import SHIPPED_MODEL, save_model

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SHIPPED_MODEL
    save_model(build_model(log=True), target)
    print(target)
