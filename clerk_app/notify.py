"""Tell the clerk that somebody arrived: a short chime and a tray message.

The chime is generated (a soft two-tone WAV written once to a temporary
file), so nothing has to be shipped or licensed; on a machine without sound
or tray it stays silent.
"""

from __future__ import annotations

import math
import struct
import tempfile
import wave
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtMultimedia import QSoundEffect
from PySide6.QtWidgets import QSystemTrayIcon, QWidget


def chime_wav(path: Path, rate: int = 22050) -> Path:
    frames = bytearray()
    for freq, length in ((880.0, 0.18), (660.0, 0.28)):
        n = int(rate * length)
        for i in range(n):
            envelope = min(1.0, i / (0.01 * rate)) * (1 - i / n)
            frames += struct.pack("<h", int(9000 * envelope * math.sin(2 * math.pi * freq * i / rate)))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return path


class Notifier:
    def __init__(self, parent: QWidget):
        self.enabled = True
        self.count = 0
        self._dir = tempfile.TemporaryDirectory(prefix="videoschalter-")
        self.sound = QSoundEffect(parent)
        self.sound.setSource(QUrl.fromLocalFile(str(chime_wav(Path(self._dir.name) / "chime.wav"))))
        self.sound.setVolume(0.6)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            pixmap = QPixmap(32, 32)
            pixmap.fill(QColor(0, 75, 135))
            self.tray = QSystemTrayIcon(QIcon(pixmap), parent)
            self.tray.setToolTip("Videoschalter")
            self.tray.show()

    def arrived(self, name: str, department: str) -> None:
        if not self.enabled:
            return
        self.count += 1
        self.sound.play()
        if self.tray is not None:
            self.tray.showMessage("Neu im Warteraum", f"{name} wartet ({department})",
                                  QSystemTrayIcon.MessageIcon.Information, 5000)

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
        self._dir.cleanup()
