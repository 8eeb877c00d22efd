"""Webcam-like frames of a document held up: background, pose, perspective, blur, noise, glare, dim light, JPEG."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import cv2
import numpy as np

from .cards import PITCH_MM, PX_PER_MM, Card, _font, _text_font, render_card
from .identities import Identity, random_identity

FRAME_SIZES = [(1280, 720), (1280, 720), (960, 540), (800, 600), (640, 480)]


@dataclass
class Sample:
    frame: np.ndarray  # RGB uint8
    identity: Identity
    mrz_quad: np.ndarray  # (4, 2) MRZ text box in frame coordinates
    card_quad: np.ndarray  # (4, 2) card outline in frame coordinates
    conditions: dict[str, float] = field(default_factory=dict)


def background(rng: random.Random, w: int, h: int) -> np.ndarray:
    """A room-ish background: colour, blurred texture, shapes and some text as a distractor."""
    base = np.array([rng.randint(30, 220) for _ in range(3)], np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(5, 30), (h // 8 + 1, w // 8 + 1, 3))
    tex = cv2.resize(noise.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    img = np.clip(base + tex, 0, 255).astype(np.uint8)
    for _ in range(rng.randint(0, 5)):
        p1 = (rng.randrange(w), rng.randrange(h))
        p2 = (rng.randrange(w), rng.randrange(h))
        cv2.rectangle(img, p1, p2, tuple(rng.randint(0, 255) for _ in range(3)), -1)
    if rng.random() < 0.5:
        from PIL import Image, ImageDraw

        pil = Image.fromarray(img)
        d = ImageDraw.Draw(pil)
        font = _font(_text_font(), rng.randint(12, 26))
        x, y = rng.randrange(w // 2), rng.randrange(h)
        for _ in range(rng.randint(1, 4)):
            words = " ".join(rng.choice(["TERMIN", "BUERGERAMT", "WARTEMARKE", "INFO", "OEFFNUNGSZEITEN", "MO-FR"])
                             for _ in range(rng.randint(2, 6)))
            d.text((x, y), words, font=font, fill=tuple(rng.randint(0, 80) for _ in range(3)))
            y += font.size + 6
        img = np.asarray(pil).copy()
    return img


def pose_card(rng: random.Random, card: Card, w: int, h: int, scale_px_per_mm: float,
              max_angle: float = 12.0, max_persp: float = 0.05) -> np.ndarray:
    """Homography from card pixels to frame: scale, rotation, perspective jitter, random position inside the frame."""
    ch, cw = card.image.shape[:2]
    s = scale_px_per_mm / PX_PER_MM
    ang = np.deg2rad(rng.uniform(-max_angle, max_angle))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    corners = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float64) - [cw / 2, ch / 2]
    dst = (corners * s) @ rot.T
    dst += np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * max_persp * cw * s
    span = dst.max(axis=0) - dst.min(axis=0)
    fit = min(1.0, 0.97 * w / span[0], 0.97 * h / span[1])  # rotation/perspective must not push it out
    dst *= fit
    span *= fit
    free_x, free_y = max(0.0, w - span[0]), max(0.0, h - span[1])
    offset = np.array([rng.uniform(0, free_x), rng.uniform(0, free_y)]) - dst.min(axis=0)
    dst += offset
    src = (corners + np.array([cw / 2, ch / 2])).astype(np.float32)
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32))


def apply_conditions(rng: random.Random, img: np.ndarray, card_quad: np.ndarray, level: str) -> tuple[np.ndarray, dict]:
    """Degrade a clean frame like a cheap webcam in an office would; ``level`` 'clean', 'webcam' or 'hard'."""
    cond: dict[str, float] = {}
    if level == "clean":
        return img, cond
    hard = level == "hard"
    f = img.astype(np.float32)
    h, w = f.shape[:2]
    gain = rng.uniform(0.35 if hard else 0.5, 1.15)
    cond["gain"] = gain
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1 + rng.uniform(-0.25, 0.25) * (xx / w - 0.5) + rng.uniform(-0.2, 0.2) * (yy / h - 0.5)
    f = f * gain * light[..., None]
    if rng.random() < (0.4 if hard else 0.2):
        cx, cy = card_quad[rng.randrange(4)] * 0.5 + card_quad.mean(axis=0) * 0.5
        r = rng.uniform(0.05, 0.2) * w
        peak = rng.uniform(80, 255) if hard else rng.uniform(40, 110)
        f += (peak * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))[..., None]
        cond["glare"] = peak
    f = np.clip(f, 0, 255)
    if rng.random() < 0.6:
        sigma = rng.uniform(0.3, 1.8 if hard else 1.1)
        f = cv2.GaussianBlur(f, (0, 0), sigma)
        cond["blur"] = sigma
    if rng.random() < (0.4 if hard else 0.2):
        length = rng.randint(3, 11 if hard else 5)
        k = np.zeros((length, length), np.float32)
        k[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
        k = cv2.warpAffine(k, rot, (length, length))
        f = cv2.filter2D(f, -1, k / max(k.sum(), 1e-6))
        cond["motion"] = length
    sigma_n = rng.uniform(1, 10 if hard else 6) * (1.5 if gain < 0.6 else 1.0)
    f += np.random.default_rng(rng.randrange(2**32)).normal(0, sigma_n, f.shape).astype(np.float32)
    cond["noise"] = sigma_n
    out = np.clip(f, 0, 255).astype(np.uint8)
    q = rng.randint(30 if hard else 45, 92)
    _, enc = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
    cond["jpeg"] = q
    return cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1].copy(), cond


def make_sample(seed: int, kind: str | None = None, size: tuple[int, int] | None = None, level: str = "webcam",
                pitch_px: tuple[float, float] = (8.5, 20.0), max_angle: float = 12.0, names: str = "list") -> Sample:
    """One deterministic frame: MRZ character pitch in the frame is drawn from ``pitch_px``; ``names`` as in
    :func:`random_identity`."""
    rng = random.Random(seed)
    identity = random_identity(rng, kind, names=names)
    card = render_card(identity, rng)
    w, h = size or rng.choice(FRAME_SIZES)
    ch, cw = card.image.shape[:2]
    max_scale = 0.92 * min(w / cw, h / ch) * PX_PER_MM  # card must fit
    scale = min(rng.uniform(*pitch_px) / PITCH_MM, max_scale)
    H = pose_card(rng, card, w, h, scale, max_angle=max_angle)
    frame = cv2.warpPerspective(card.image, H, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT,
                                dst=background(rng, w, h))
    card_quad = cv2.perspectiveTransform(np.array([[[0, 0], [cw, 0], [cw, ch], [0, ch]]], np.float32), H)[0]
    mrz_quad = cv2.perspectiveTransform(card.mrz_quad[None], H)[0]
    frame, cond = apply_conditions(rng, frame, card_quad, level)
    cond["pitch"] = scale * PITCH_MM
    return Sample(frame, identity, mrz_quad, card_quad, cond)


def make_samples(n: int, seed: int = 0, **kw) -> list[Sample]:
    return [make_sample(seed * 100003 + i, **kw) for i in range(n)]
