"""The clerk's speaker and microphone through Qt Multimedia (portable: WASAPI, CoreAudio, Pulse/ALSA).

Incoming WebRTC audio is resampled to 48 kHz mono 16-bit and pushed into a
QAudioSink; the microphone is read from a QAudioSource and handed to aiortc
as a track. Without a device (a server, a test machine) both fall back
quietly: nothing is played, and silence is sent.
"""

from __future__ import annotations

import asyncio
import fractions
import logging

import numpy as np
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError
from av import AudioFrame, AudioResampler
from PySide6.QtCore import QIODevice
from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QAudioSource, QMediaDevices

log = logging.getLogger("videoschalter.audio")
RATE = 48000
PTIME_SAMPLES = 960  # 20 ms, what WebRTC's Opus uses


def pcm_format() -> QAudioFormat:
    fmt = QAudioFormat()
    fmt.setSampleRate(RATE)
    fmt.setChannelCount(1)
    fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    return fmt


class Speaker:
    """Plays the citizen's voice. ``play`` never blocks: what the device cannot take is dropped."""

    def __init__(self) -> None:
        self._resampler = AudioResampler(format="s16", layout="mono", rate=RATE)
        self._sink: QAudioSink | None = None
        self._io: QIODevice | None = None
        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            log.info("no audio output device; the citizen's voice is not played")
            return
        self._sink = QAudioSink(device, pcm_format())
        self._sink.setBufferSize(RATE * 2 // 5)  # 200 ms
        self._io = self._sink.start()

    @property
    def available(self) -> bool:
        return self._io is not None

    def play(self, frame: AudioFrame) -> None:
        if self._io is None or self._sink is None:
            return
        for out in self._resampler.resample(frame):
            data = bytes(out.planes[0])[: out.samples * 2]
            free = self._sink.bytesFree()
            if free > 0:
                self._io.write(data[:free])

    def close(self) -> None:
        if self._sink is not None:
            self._sink.stop()
            self._sink = self._io = None


class MicrophoneTrack(AudioStreamTrack):
    """The clerk's microphone as an aiortc track; silence when muted or when there is no microphone."""

    def __init__(self) -> None:
        super().__init__()
        self.muted = False
        self._buffer = bytearray()
        self._source: QAudioSource | None = None
        self._io: QIODevice | None = None
        self._pts = 0
        self._start: float | None = None
        device = QMediaDevices.defaultAudioInput()
        if device.isNull():
            log.info("no microphone; sending silence")
            return
        self._source = QAudioSource(device, pcm_format())
        self._io = self._source.start()
        if self._source.state() == QAudio.State.StoppedState:
            self._source = self._io = None

    @property
    def available(self) -> bool:
        return self._io is not None

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        # pace like a real device: one 20 ms frame per 20 ms
        wait = self._start + self._pts / RATE - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        if self._io is not None:
            self._buffer += bytes(self._io.readAll().data())
        need = PTIME_SAMPLES * 2
        if len(self._buffer) >= need and not self.muted:
            chunk, self._buffer = bytes(self._buffer[:need]), self._buffer[need:]
            samples = np.frombuffer(chunk, dtype=np.int16).reshape(1, -1)
        else:
            if self.muted:
                self._buffer.clear()
            samples = np.zeros((1, PTIME_SAMPLES), dtype=np.int16)
        frame = AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, RATE)
        self._pts += PTIME_SAMPLES
        return frame

    def stop(self) -> None:
        super().stop()
        if self._source is not None:
            self._source.stop()
            self._source = self._io = None
