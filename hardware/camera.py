"""The clerk's own camera and microphone as aiortc tracks, with a test pattern fallback.

Office PCs differ: the camera back-end is chosen per platform (Media
Foundation on Windows, AVFoundation on macOS, V4L2 on Linux). When no camera
opens, a generated and clearly labelled test pattern is sent instead, so a
call still works and nobody mistakes it for a broken picture.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

import cv2
import numpy as np
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from av import VideoFrame

log = logging.getLogger("videoschalter.camera")
WIDTH, HEIGHT = 640, 480


def camera_backend() -> int:
    if sys.platform.startswith("win"):
        return cv2.CAP_MSMF
    if sys.platform == "darwin":
        return cv2.CAP_AVFOUNDATION
    return cv2.CAP_V4L2


class TestPattern:
    """Colour bars, a moving marker and a label that says what this is."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, label: str = "TESTBILD - keine Kamera", width: int = WIDTH, height: int = HEIGHT):
        self.width, self.height = width, height
        bars = np.array([[235, 235, 235], [235, 235, 16], [16, 235, 235], [16, 235, 16],
                         [235, 16, 235], [235, 16, 16], [16, 16, 235], [16, 16, 16]], dtype=np.uint8)
        cols = np.repeat(np.arange(8), -(-width // 8))[:width]
        self._background = np.ascontiguousarray(np.broadcast_to(bars[cols], (height, width, 3)))
        cv2.rectangle(self._background, (0, height - 90), (width, height), (30, 30, 30), -1)
        cv2.putText(self._background, label, (20, height - 50), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    (255, 255, 255), 2, cv2.LINE_AA)
        self._start = time.monotonic()

    def frame(self) -> np.ndarray:
        """An RGB frame; the marker and clock move so frozen video is visible."""
        img = self._background.copy()
        t = time.monotonic() - self._start
        x = int((t * 120) % (self.width - 40))
        cv2.rectangle(img, (x, 20), (x + 40, 60), (255, 80, 0), -1)
        cv2.putText(img, time.strftime("%H:%M:%S"), (20, self.height - 15), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    (200, 200, 200), 2, cv2.LINE_AA)
        return img


class LocalVideo:
    """The clerk's picture: a camera read on its own thread, or the test pattern.

    ``latest_rgb()`` serves the self-view, ``track()`` a new WebRTC track per call.
    """

    def __init__(self, use_camera: bool = True, camera_index: int = 0):
        self.enabled = True  # "camera off" sends black frames instead of stopping the track
        self._pattern: TestPattern | None = None
        self._capture: cv2.VideoCapture | None = None
        self._latest: np.ndarray | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        if use_camera:
            self._open_camera(camera_index)
        if self._capture is None:
            self._pattern = TestPattern()

    @property
    def is_test_pattern(self) -> bool:
        return self._pattern is not None

    def _open_camera(self, index: int) -> None:
        try:
            capture = cv2.VideoCapture(index, camera_backend())
        except cv2.error:
            return
        if not capture.isOpened():
            capture.release()
            return
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, WIDTH)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, HEIGHT)
        ok, frame = capture.read()
        if not ok:
            capture.release()
            return
        self._capture = capture
        self._latest = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        threading.Thread(target=self._read_loop, name="camera-reader", daemon=True).start()
        log.info("camera %d opened", index)

    def _read_loop(self) -> None:
        assert self._capture is not None
        while not self._stop.is_set():
            ok, frame = self._capture.read()
            if not ok:
                log.warning("camera stopped delivering frames; switching to the test pattern")
                self._pattern = TestPattern("TESTBILD - Kamera getrennt")
                break
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            with self._lock:
                self._latest = rgb
        self._capture.release()

    def latest_rgb(self) -> np.ndarray:
        if self._pattern is not None:
            return self._pattern.frame()
        with self._lock:
            assert self._latest is not None
            return self._latest

    def track(self) -> LocalVideoTrack:
        return LocalVideoTrack(self)

    def close(self) -> None:
        self._stop.set()


class LocalVideoTrack(VideoStreamTrack):
    """Paces frames at 30 fps from a LocalVideo."""

    def __init__(self, source: LocalVideo):
        super().__init__()
        self.source = source
        self._black: np.ndarray | None = None

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        pts, time_base = await self.next_timestamp()
        rgb = self.source.latest_rgb()
        if not self.source.enabled:
            if self._black is None or self._black.shape != rgb.shape:
                self._black = np.zeros_like(rgb)
            rgb = self._black
        frame = VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        return frame


class LocalAudioTrack(AudioStreamTrack):
    """The clerk's microphone.

    Until a platform microphone adapter exists this sends silence (the call
    still carries an audio track, so the citizen's side works unchanged);
    ``muted`` is honoured either way.
    """

    muted = False
