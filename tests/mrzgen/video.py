"""A .y4m clip of a document being held up to a webcam, for Chromium's --use-file-for-fake-video-capture."""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np

from .cards import PITCH_MM, PX_PER_MM, render_card
from .identities import Identity, random_identity
from .scenes import background


def _pose(t: float, w: int, h: int, card_w: int, card_h: int, scale: float, rng: random.Random) -> np.ndarray:
    """Card-to-frame homography at time t in [0, 1]: slides in during the first 40 %, then holds with tremor."""
    ease = min(1.0, t / 0.4)
    ease = ease * ease * (3 - 2 * ease)
    cx = w * (1.25 - 0.75 * ease) + (rng.uniform(-1.5, 1.5) if ease >= 1 else 0)
    cy = h * (0.55 - 0.05 * ease) + (rng.uniform(-1.5, 1.5) if ease >= 1 else 0)
    ang = np.radians(-15 * (1 - ease) + 3 + (rng.uniform(-0.3, 0.3) if ease >= 1 else 0))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    corners = np.array([[0, 0], [card_w, 0], [card_w, card_h], [0, card_h]], np.float64) - [card_w / 2, card_h / 2]
    dst = (corners * scale) @ rot.T + [cx, cy]
    src = (corners + np.array([card_w / 2, card_h / 2])).astype(np.float32)
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32))


def render_clip(seed: int = 0, kind: str = "TD1", seconds: float = 3.0, fps: int = 20,
                size: tuple[int, int] = (640, 480),
                identity: Identity | None = None) -> tuple[list[np.ndarray], Identity]:
    """RGB frames of the clip and the identity shown."""
    rng = random.Random(seed)
    identity = identity or random_identity(rng, kind)
    card = render_card(identity, rng)
    w, h = size
    ch, cw = card.image.shape[:2]
    scale = min(0.85 * w / cw, 0.8 * h / ch, 14.0 / (PITCH_MM * PX_PER_MM))
    bg = background(rng, w, h)
    frames = []
    n = max(2, round(seconds * fps))
    for i in range(n):
        t = i / (n - 1)
        H = _pose(t, w, h, cw, ch, scale, rng)
        frame = cv2.warpPerspective(card.image, H, (w, h), borderMode=cv2.BORDER_TRANSPARENT, dst=bg.copy())
        if t < 0.4:  # moving: motion blur
            k = np.zeros((1, 7), np.float32) + 1 / 7
            frame = cv2.filter2D(frame, -1, k)
        noise = np.random.default_rng(seed * 1000 + i).normal(0, 3, frame.shape)
        frames.append(np.clip(frame + noise, 0, 255).astype(np.uint8))
    return frames, identity


def write_y4m(path: str | Path, frames: list[np.ndarray], fps: int = 20) -> Path:
    """Write RGB frames as YUV4MPEG2 4:2:0 (C420jpeg), the format Chromium's fake capture reads."""
    path = Path(path)
    h, w = frames[0].shape[:2]
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            f.write(b"FRAME\n")
            f.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def make_y4m(directory: str | Path, seed: int = 0, kind: str = "TD1", seconds: float = 3.0, fps: int = 20,
             size: tuple[int, int] = (640, 480)) -> tuple[Path, Identity]:
    """Render a clip into ``directory``/mrz-<kind>-<seed>.y4m (about 0.46 MB per 640x480 frame)."""
    frames, identity = render_clip(seed, kind, seconds, fps, size)
    path = Path(directory) / f"mrz-{kind.lower()}-{seed}.y4m"
    return write_y4m(path, frames, fps), identity


def read_y4m(path: str | Path) -> list[np.ndarray]:
    """Read back a C420 .y4m written by :func:`write_y4m` as RGB frames (for tests)."""
    data = Path(path).read_bytes()
    header, _, rest = data.partition(b"\n")
    fields = {p[:1]: p[1:] for p in header.split()[1:]}
    w, h = int(fields[b"W"]), int(fields[b"H"])
    size = w * h * 3 // 2
    frames = []
    pos = 0
    while pos < len(rest):
        nl = rest.index(b"\n", pos)
        yuv = np.frombuffer(rest[nl + 1:nl + 1 + size], np.uint8).reshape(h * 3 // 2, w)
        frames.append(cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420))
        pos = nl + 1 + size
    return frames
