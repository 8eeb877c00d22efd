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


@dataclass(frozen=True)
class Conditions:
    """How a webcam degrades one scene; drawn once, so a held card keeps its light and glare over frames."""

    gain: float
    light: tuple[float, float]  # brightness slope across x and y
    glare: tuple[int, float, float] | None  # card corner it sits towards, radius (share of width), peak
    blur: float | None  # Gaussian sigma
    motion: tuple[int, float] | None  # kernel length, angle in degrees
    noise: float  # sigma of the sensor noise
    noise_seed: int
    jpeg: int  # JPEG quality

    def summary(self) -> dict[str, float]:
        out: dict[str, float] = {"gain": self.gain}
        if self.glare is not None:
            out["glare"] = self.glare[2]
        if self.blur is not None:
            out["blur"] = self.blur
        if self.motion is not None:
            out["motion"] = self.motion[0]
        out["noise"], out["jpeg"] = self.noise, self.jpeg
        return out


def draw_conditions(rng: random.Random, level: str) -> Conditions | None:
    """The degradations of a cheap webcam in an office; ``level`` 'clean' (None), 'webcam' or 'hard'."""
    if level == "clean":
        return None
    hard = level == "hard"
    gain = rng.uniform(0.35 if hard else 0.5, 1.15)
    light = (rng.uniform(-0.25, 0.25), rng.uniform(-0.2, 0.2))
    glare = None
    if rng.random() < (0.4 if hard else 0.2):
        glare = (rng.randrange(4), rng.uniform(0.05, 0.2), rng.uniform(80, 255) if hard else rng.uniform(40, 110))
    blur = rng.uniform(0.3, 1.8 if hard else 1.1) if rng.random() < 0.6 else None
    motion = None
    if rng.random() < (0.4 if hard else 0.2):
        motion = (rng.randint(3, 11 if hard else 5), rng.uniform(0, 180))
    noise = rng.uniform(1, 10 if hard else 6) * (1.5 if gain < 0.6 else 1.0)
    noise_seed = rng.randrange(2**32)
    return Conditions(gain, light, glare, blur, motion, noise, noise_seed, rng.randint(30 if hard else 45, 92))


def line_blur(f: np.ndarray, length: int, angle: float) -> np.ndarray:
    """Blur along a line of ``length`` px at ``angle`` degrees: a camera or card moving during the exposure."""
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0 / length
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    k = cv2.warpAffine(k, rot, (length, length))
    return cv2.filter2D(f, -1, k / max(k.sum(), 1e-6))


def render_conditions(img: np.ndarray, card_quad: np.ndarray, c: Conditions | None,
                      noise_seed: int | None = None, extra_motion: tuple[int, float] | None = None) -> np.ndarray:
    """Apply ``c`` to a clean RGB frame. ``noise_seed`` replaces the drawn one (a new sensor noise per video frame);
    ``extra_motion`` adds a hand's motion blur after the drawn one."""
    if c is None:
        return img
    f = img.astype(np.float32)
    h, w = f.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1 + c.light[0] * (xx / w - 0.5) + c.light[1] * (yy / h - 0.5)
    f = f * c.gain * light[..., None]
    if c.glare is not None:
        corner, radius, peak = c.glare
        cx, cy = card_quad[corner] * 0.5 + card_quad.mean(axis=0) * 0.5
        r = radius * w
        f += (peak * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))[..., None]
    f = np.clip(f, 0, 255)
    if c.blur is not None:
        f = cv2.GaussianBlur(f, (0, 0), c.blur)
    if c.motion is not None:
        f = line_blur(f, *c.motion)
    if extra_motion is not None:
        f = line_blur(f, *extra_motion)
    seed = c.noise_seed if noise_seed is None else noise_seed
    f += np.random.default_rng(seed).normal(0, c.noise, f.shape).astype(np.float32)
    out = np.clip(f, 0, 255).astype(np.uint8)
    _, enc = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, c.jpeg])
    return cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1].copy()


def apply_conditions(rng: random.Random, img: np.ndarray, card_quad: np.ndarray, level: str) -> tuple[np.ndarray, dict]:
    """Degrade a clean frame like a cheap webcam in an office would; ``level`` 'clean', 'webcam' or 'hard'."""
    c = draw_conditions(rng, level)
    return render_conditions(img, card_quad, c), ({} if c is None else c.summary())


@dataclass
class Scene:
    """A document in front of a webcam, before it is rendered: a frame is this scene under one pose."""

    identity: Identity
    card: Card
    size: tuple[int, int]
    pose: np.ndarray  # card-to-frame homography
    backdrop: np.ndarray  # RGB background
    conditions: Conditions | None
    pitch: float  # MRZ character pitch in frame pixels

    def render(self, pose: np.ndarray | None = None, noise_seed: int | None = None,
               extra_motion: tuple[int, float] | None = None) -> Sample:
        """The frame under ``pose`` (default: the scene's), with ``render_conditions``' per-frame options."""
        H = self.pose if pose is None else pose
        w, h = self.size
        ch, cw = self.card.image.shape[:2]
        frame = cv2.warpPerspective(self.card.image, H, (w, h), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_TRANSPARENT, dst=self.backdrop.copy())
        card_quad = cv2.perspectiveTransform(np.array([[[0, 0], [cw, 0], [cw, ch], [0, ch]]], np.float32), H)[0]
        mrz_quad = cv2.perspectiveTransform(self.card.mrz_quad[None], H)[0]
        frame = render_conditions(frame, card_quad, self.conditions, noise_seed, extra_motion)
        cond = {} if self.conditions is None else self.conditions.summary()
        cond["pitch"] = self.pitch
        return Sample(frame, self.identity, mrz_quad, card_quad, cond)


def make_scene(seed: int, kind: str | None = None, size: tuple[int, int] | None = None, level: str = "webcam",
               pitch_px: tuple[float, float] = (8.5, 20.0), max_angle: float = 12.0, names: str = "list") -> Scene:
    """The scene of :func:`make_sample` for the same arguments."""
    rng = random.Random(seed)
    identity = random_identity(rng, kind, names=names)
    card = render_card(identity, rng)
    w, h = size or rng.choice(FRAME_SIZES)
    ch, cw = card.image.shape[:2]
    max_scale = 0.92 * min(w / cw, h / ch) * PX_PER_MM  # card must fit
    scale = min(rng.uniform(*pitch_px) / PITCH_MM, max_scale)
    H = pose_card(rng, card, w, h, scale, max_angle=max_angle)
    backdrop = background(rng, w, h)
    return Scene(identity, card, (w, h), H, backdrop, draw_conditions(rng, level), scale * PITCH_MM)


def make_sample(seed: int, kind: str | None = None, size: tuple[int, int] | None = None, level: str = "webcam",
                pitch_px: tuple[float, float] = (8.5, 20.0), max_angle: float = 12.0, names: str = "list") -> Sample:
    """One deterministic frame: MRZ character pitch in the frame is drawn from ``pitch_px``; ``names`` as in
    :func:`random_identity`."""
    return make_scene(seed, kind, size, level, pitch_px, max_angle, names).render()


def make_samples(n: int, seed: int = 0, **kw) -> list[Sample]:
    return [make_sample(seed * 100003 + i, **kw) for i in range(n)]
