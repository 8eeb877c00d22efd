"""Reading the ID card's MRZ from the citizen's live video, off the UI.

The reader runs in a worker *process* (the OCR is CPU work; a thread would
share the GIL with the video and the UI). Only the newest frame is sent, and
only when the worker is idle and at most ``max_fps`` times a second, so the
reader takes what the CPU can spare and never builds a backlog. Nothing
here stores an image: frames live only in memory, one at a time (PAuswG §20).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from av import VideoFrame

log = logging.getLogger("videoschalter.id_check")

_reader: Any = None  # the worker process's MrzStreamReader
FOLLOW_SECONDS = 1.5  # after a stable read the (green) outline follows the card this long, then goes


def _worker_init() -> None:
    global _reader
    from hardware.mrz import MrzStreamReader

    _reader = MrzStreamReader()


def _worker_feed(rgb: np.ndarray) -> dict[str, Any]:
    feedback = _reader.feed(rgb)
    return {
        "quad": None if feedback.quad is None else feedback.quad.tolist(),
        "hint": feedback.hint,
        "result": None if feedback.result is None else feedback.result.to_json_dict(),
        "expired": None if feedback.result is None else feedback.result.expired(),
        "new": feedback.new,
    }


def _worker_reset() -> None:
    _reader.reset()


def _worker_follow(rgb: np.ndarray, quad: list[list[float]]) -> list[list[float]] | None:
    """Where the band that was read is in this frame (detection only: the reading is done)."""
    from hardware.mrz.feedback import follow
    from hardware.mrz.reader import to_gray

    found = follow(to_gray(rgb), np.asarray(quad, np.float32))
    return None if found is None else found.tolist()


@dataclass(frozen=True)
class IdFeedback:
    quad: list[list[float]] | None  # MRZ band corners in frame pixels
    frame_size: tuple[int, int]  # width, height of the frame the quad belongs to
    hint: str  # none | closer | steady | glare | reading | read
    result: dict[str, Any] | None  # the stable identity (ISO dates), once all check digits held over frames
    expired: bool | None


class IdCheck:
    def __init__(self, on_feedback: Callable[[IdFeedback], None], max_fps: float = 6.0):
        self.on_feedback = on_feedback
        self.max_fps = max_fps
        self.active = False
        self.result: dict[str, Any] | None = None
        self.expired: bool | None = None
        self.frames_checked = 0
        # after the read: the band's last known corners while the outline follows the card (None: not following)
        self._follow: list[list[float]] | None = None
        self._follow_end: asyncio.TimerHandle | None = None
        self._executor: ProcessPoolExecutor | None = None
        self._pending: VideoFrame | None = None
        self._busy = False
        self._last_start = 0.0

    def start_worker(self) -> None:
        """Start the worker early: importing OpenCV and the glyph models takes a moment."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"),
                                                 initializer=_worker_init)
            self._executor.submit(_worker_reset)  # forces the start now

    def begin(self) -> None:
        """A new call: read from scratch."""
        self.start_worker()
        self.active = True
        self.result = None
        self._stop_following()
        assert self._executor is not None
        self._executor.submit(_worker_reset)

    def stop(self) -> None:
        self.active = False
        self._pending = None
        self._stop_following()

    def _wanted(self) -> bool:
        """Frames are wanted until the read, and while the outline follows the card after it."""
        return self.active and (self.result is None or self._follow is not None)

    def _stop_following(self) -> None:
        self._follow = None
        if self._follow_end is not None:
            self._follow_end.cancel()
            self._follow_end = None

    def _end_following(self, size: tuple[int, int]) -> None:
        self._follow_end = None
        if self._follow is not None and self.active:
            self._follow = None
            self.on_feedback(IdFeedback(None, size, "read", self.result, self.expired))

    def offer(self, frame: VideoFrame) -> None:
        """Called for every decoded remote frame; cheap when the worker is busy (the frame just waits)."""
        if not self._wanted():
            return
        self._pending = frame
        if not self._busy:
            self._busy = True
            asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending is not None and self._wanted():
                wait = self._last_start + 1 / self.max_fps - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                frame, self._pending = self._pending, None
                if frame is None:
                    break
                self._last_start = time.monotonic()
                rgb = await asyncio.to_thread(frame.to_ndarray, format="rgb24")
                size = (rgb.shape[1], rgb.shape[0])
                assert self._executor is not None
                if self.result is not None:  # read: only keep the outline on the card
                    follow = self._follow
                    if follow is None:  # the follow phase ended while the frame was converted
                        continue
                    quad = await loop.run_in_executor(self._executor, _worker_follow, rgb, follow)
                    if self._wanted() and self._follow is not None:
                        self._follow = quad or self._follow
                        self.on_feedback(IdFeedback(quad, size, "read", self.result, self.expired))
                    continue
                out = await loop.run_in_executor(self._executor, _worker_feed, rgb)
                self.frames_checked += 1
                if not self.active:
                    break
                if out["result"] is not None:
                    self.result, self.expired = out["result"], out["expired"]
                    if out["quad"] is not None:
                        self._follow = out["quad"]
                        self._follow_end = loop.call_later(FOLLOW_SECONDS, self._end_following, size)
                self.on_feedback(IdFeedback(out["quad"], size, "read" if self.result else out["hint"],
                                            self.result, self.expired))
        except Exception:  # the reader must never take the call down
            log.exception("MRZ reading failed")
        finally:
            self._busy = False

    def close(self) -> None:
        self.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
