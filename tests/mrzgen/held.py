"""A document held up to a webcam over time: the frame at any moment, for measuring the stream reader.

Why not a clip of still frames: consecutive frames of one card share its print, light and glare, so a misread
tends to repeat. The stream reader's two-frame rule is only tested by frames that are alike in this way but not
identical: the hand sways (smooth, a few millimetres and about a degree), a fast sway smears the frame along its
direction, and every frame has its own sensor noise. Light, glare, focus and JPEG quality stay those the scene
drew. Same seed, same scene as :func:`tests.mrzgen.make_sample`; only the pose moves.

The citizen follows the reader's hint: asked to come closer (:meth:`HeldCard.follow_hint`), they start to move the
card nearer and towards the middle a reaction time later, until the print has a pitch of about 14 px or the card
fills the frame. The move smears the frames it spans.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np

from .cards import PX_PER_MM
from .scenes import Sample, Scene, make_scene

EXPOSURE_S = 1 / 30  # a webcam in office light: a moving card smears over this time
REACTION_S = 1.0  # from a hint appearing to the hand starting to move
APPROACH_S = 0.7  # how long bringing the card closer takes
TARGET_PITCH_PX = 14.0


def _ease(x: float) -> tuple[float, float]:
    """Smoothstep on [0, 1] and its derivative."""
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x), 6 * x * (1 - x)


@dataclass(frozen=True)
class Sway:
    """One sinusoidal component of the hand's motion."""

    amplitude: float  # px (shift) or degrees (rotation) or share (scale)
    hz: float
    phase: float

    def at(self, t: float) -> float:
        return self.amplitude * math.sin(2 * math.pi * self.hz * t + self.phase)

    def rate(self, t: float) -> float:
        return self.amplitude * 2 * math.pi * self.hz * math.cos(2 * math.pi * self.hz * t + self.phase)


@dataclass
class HeldCard:
    """The scene of one seed with a swaying hand: :meth:`frame` renders the moment ``t`` seconds in."""

    scene: Scene
    seed: int
    dx: tuple[Sway, ...]
    dy: tuple[Sway, ...]
    turn: Sway
    zoom: Sway
    approach_at: float | None = None  # when the hand starts bringing the card closer

    def _points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Card centre, MRZ centre and card corners in the frame under the scene's pose."""
        ch, cw = self.scene.card.image.shape[:2]
        pts = np.array([[[cw / 2, ch / 2], [0, 0], [cw, 0], [cw, ch], [0, ch]]], np.float32)
        frame_pts = cv2.perspectiveTransform(pts, self.scene.pose)[0].astype(np.float64)
        mrz = cv2.perspectiveTransform(self.scene.card.mrz_quad[None], self.scene.pose)[0].mean(axis=0)
        return frame_pts[0], mrz.astype(np.float64), frame_pts[1:]

    def _approach(self) -> tuple[float, np.ndarray]:
        """Zoom about the card centre and shift that bring the print to TARGET_PITCH_PX with the card in view."""
        centre, _, corners = self._points()
        w, h = self.scene.size
        span = corners.max(axis=0) - corners.min(axis=0)
        zoom = max(1.0, min(TARGET_PITCH_PX / self.scene.pitch, 0.96 * w / span[0], 0.96 * h / span[1]))
        lo, hi = centre + zoom * (corners.min(axis=0) - centre), centre + zoom * (corners.max(axis=0) - centre)
        margin = 0.02 * np.array([w, h])
        shift = np.maximum(margin - lo, 0) - np.maximum(hi - (np.array([w, h]) - margin), 0)
        return zoom, shift

    def _pose(self, t: float) -> np.ndarray:
        centre = self._points()[0]
        shift = np.array([sum(s.at(t) for s in self.dx), sum(s.at(t) for s in self.dy)])
        move = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), self.turn.at(t), 1 + self.zoom.at(t))
        move[:, 2] += shift
        pose = np.vstack([move, [0, 0, 1]]) @ self.scene.pose
        if self.approach_at is None or t <= self.approach_at:
            return pose
        e, _ = _ease((t - self.approach_at) / APPROACH_S)
        zoom, offset = self._approach()
        z = 1 + (zoom - 1) * e
        near = np.array([[z, 0, (1 - z) * centre[0] + e * offset[0]], [0, z, (1 - z) * centre[1] + e * offset[1]],
                         [0, 0, 1]])
        return near @ pose

    def smear(self, t: float) -> tuple[int, float] | None:
        """Motion blur of the frame at ``t``: length in px and angle (degrees, counter-clockwise on screen)."""
        vx, vy = sum(s.rate(t) for s in self.dx), sum(s.rate(t) for s in self.dy)
        if self.approach_at is not None and t > self.approach_at:
            _, rate = _ease((t - self.approach_at) / APPROACH_S)
            zoom, offset = self._approach()
            centre, mrz, _ = self._points()
            v = (offset + (zoom - 1) * (mrz - centre)) * rate / APPROACH_S
            vx, vy = vx + v[0], vy + v[1]
        length = round(math.hypot(vx, vy) * EXPOSURE_S)
        return (length, math.degrees(math.atan2(-vy, vx))) if length >= 2 else None

    def follow_hint(self, hint: str, t: float) -> None:
        """The citizen reads ``hint``, shown from ``t`` on: asked to come closer, they start REACTION_S later."""
        if hint == "closer" and self.approach_at is None:
            self.approach_at = t + REACTION_S

    def pitch(self, t: float) -> float:
        """The print's pitch in frame pixels at ``t`` (the sway's 2 % aside)."""
        if self.approach_at is None or t <= self.approach_at:
            return self.scene.pitch
        return self.scene.pitch * (1 + (self._approach()[0] - 1) * _ease((t - self.approach_at) / APPROACH_S)[0])

    def frame(self, t: float) -> Sample:
        """The frame the camera takes ``t`` seconds after the card came into view."""
        noise = None
        if self.scene.conditions is not None:
            noise = (self.scene.conditions.noise_seed + 7919 * round(t * 1000)) % 2**32
        return self.scene.render(self._pose(t), noise_seed=noise, extra_motion=self.smear(t))


def held_card(seed: int, kind: str | None = None, size: tuple[int, int] | None = None, level: str = "webcam",
              names: str = "list", pitch_px: tuple[float, float] = (8.5, 20.0)) -> HeldCard:
    """The card of ``make_sample(seed, ...)`` held by a hand that sways 0.5-3 mm at 0.3-1 Hz with a tremor of up
    to 1 mm at 1-2 Hz, turns by up to 1.5 degrees and moves up to 2 % nearer or away."""
    scene = make_scene(seed, kind=kind, size=size, level=level, pitch_px=pitch_px, names=names)
    rng = random.Random(f"held:{seed}")
    px_per_mm = _px_per_mm(scene)

    def sway(lo: float, hi: float, f_lo: float, f_hi: float) -> Sway:
        return Sway(rng.uniform(lo, hi), rng.uniform(f_lo, f_hi), rng.uniform(0, 2 * math.pi))

    return HeldCard(scene, seed,
                    dx=(sway(0.5 * px_per_mm, 3 * px_per_mm, 0.3, 1.0), sway(0, 1 * px_per_mm, 1.0, 2.0)),
                    dy=(sway(0.5 * px_per_mm, 3 * px_per_mm, 0.3, 1.0), sway(0, 1 * px_per_mm, 1.0, 2.0)),
                    turn=sway(0.2, 1.5, 0.2, 1.0), zoom=sway(0, 0.02, 0.2, 0.8))


def _px_per_mm(scene: Scene) -> float:
    """Frame pixels per millimetre of the card, from the pose's scale at the card's centre."""
    ch, cw = scene.card.image.shape[:2]
    pts = np.array([[[cw / 2, ch / 2], [cw / 2 + PX_PER_MM, ch / 2]]], np.float32)
    a, b = cv2.perspectiveTransform(pts, scene.pose)[0]
    return float(np.linalg.norm(b - a))
