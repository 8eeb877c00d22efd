"""A second recogniser that reads whole lines (small CNNs with CTC), for bands the cell reader refuses.

Why: most frames the cell reader leaves unread had their cell grid slip (band length a few per cent off, small
blurred print), and the cell reader's safety rules then rightly refuse. A line recogniser needs no grid: it reads
the rectified line as a sequence. It is only a fallback and answers only under rules of its own: every line has
the layout's length, syntax and all check digits hold, the same text comes out of at least ``MIN_VOTES`` of the
band lengths tried, and no read of the band gives another valid text (its wrong reads on the development frames
were single, stroke-twin name letters - E/F, R/P, O/D - at one band length, beside the right text at the
others). Two models read the band (``MODELS``): ``half`` (``line_ctc.onnx``, 120 000 weights, strips at half the
canonical pitch) and ``fine`` (``line_ctc_fine.onnx``, 136 000 weights, at 0.75 of it: small print keeps more of
its strokes); a text one model agrees on stands only if the other model reads that text too (``cross_agreed``).
Both are trained by ``hardware/mrz/train_lines.py`` on generated frames and run in OpenCV's
dnn module: no further runtime dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from .glyphs import PITCH
from .layouts import Layout
from .locate import Band, LineBlob
from .parse import parse_mrz
from .rectify import rectify

ALPHABET = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # class k + 1; class 0 is CTC's blank
HALF_H = 1.15 * PITCH  # half the strip's height in canonical pixels around a line's centre
FACTORS = (1.0, 0.97, 1.03, 0.94, 1.06, 0.985, 1.015)  # band lengths tried (the detected one, +-1.5, 3 and 6 %)
MIN_VOTES = 3


@dataclass(frozen=True)
class LineModel:
    """A trained line recogniser and the strip geometry it was trained on."""

    path: Path
    scale: float  # strip pixels per canonical pixel
    strip_h: int  # rows of the model's input (the network collapses them to one: strip_h // 4 after two poolings)
    strip_w: int  # columns: a 44-character line at ``scale`` times the canonical pitch plus margins


# ``half`` reads for the vetoes of the cell reader (reader._lines_differ, ...) and, with ``fine``, as the fallback
MODELS = {
    "half": LineModel(Path(__file__).with_name("line_ctc.onnx"), 0.5, 16, 344),
    "fine": LineModel(Path(__file__).with_name("line_ctc_fine.onnx"), 0.75, 24, 516),
}


@dataclass(frozen=True)
class LineRead:
    text: str
    confidence: float  # the weakest character's probability


@cache
def _present(path: Path) -> bool:
    """Whether the model file is there, looked up once per path (the reader asks for every strip it reads)."""
    return path.is_file()


@cache
def _net(path: Path) -> cv2.dnn.Net:
    return cv2.dnn.readNetFromONNX(str(path))


def scaled(band: Band, factor: float) -> Band:
    """``band`` with every line's length multiplied by ``factor`` about its centre."""
    lines = tuple(LineBlob(ln.center, ln.direction, ln.length * factor, ln.thickness) for ln in band.lines)
    return Band(lines, band.quad)


def strips(gray: np.ndarray, band: Band, n_chars: int, flip: bool = False, model: str = "half"
           ) -> list[np.ndarray] | None:
    """One strip_h x strip_w float32 image per line: the rectified band at the model's scale."""
    m = MODELS[model]
    rect = rectify(gray, band, n_chars, flip=flip)
    if rect is None:
        return None
    sy = m.strip_h / (2 * HALF_H)
    w = min(int(rect.image.shape[1] * m.scale), m.strip_w)
    out = []
    for y in rect.line_y:
        M = np.float32([[m.scale, 0, 0], [0, sy, -(y - HALF_H) * sy]])
        s = cv2.warpAffine(rect.image, M, (w, m.strip_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # the training crops were stored as 8-bit images
        s = np.clip(s, 0, 255).astype(np.uint8).astype(np.float32)
        full = np.empty((m.strip_h, m.strip_w), np.float32)
        full[:, :w] = s
        full[:, w:] = s[:, w - 1:w]
        out.append(full)
    return out


def normalise(x: np.ndarray) -> np.ndarray:
    """Per strip: zero mean, unit-ish contrast (the +8 keeps blank strips from being blown up)."""
    m = x.mean(axis=(-2, -1), keepdims=True)
    sd = x.std(axis=(-2, -1), keepdims=True) + 8
    return (x - m) / sd


def ctc_greedy(probs: np.ndarray) -> LineRead:
    """Best path of one line's (classes, time) probabilities: repeats merged, blanks dropped."""
    best = probs.argmax(axis=0)
    text: list[str] = []
    conf: list[float] = []
    prev = 0
    for t, k in enumerate(best):
        if k != 0 and k != prev:
            text.append(ALPHABET[k - 1])
            conf.append(float(probs[k, t]))
        elif k != 0:
            conf[-1] = max(conf[-1], float(probs[k, t]))
        prev = int(k)
    return LineRead("".join(text), min(conf, default=0.0))


def read_strips(images: list[np.ndarray], model: str = "half") -> list[LineRead]:
    net = _net(MODELS[model].path)
    net.setInput(normalise(np.stack(images))[:, None].astype(np.float32))
    y = net.forward()[:, :, 0, :]  # lines, classes, time
    y = np.exp(y - y.max(axis=1, keepdims=True))
    return [ctc_greedy(p / p.sum(axis=0, keepdims=True)) for p in y]


def read_band(gray: np.ndarray, band: Band, layouts: list[Layout], flips: tuple[bool, ...] = (False, True),
              model: str = "half") -> dict[tuple[str, ...], int]:
    """Every valid text any band length, layout and orientation gives, with the number of reads that gave it.

    Without the model file (a broken install) nothing: the cell reader alone still works; the clerk bundle's
    ``--check`` reports the missing file.
    """
    votes: dict[tuple[str, ...], int] = {}
    if not _present(MODELS[model].path):
        return votes
    for layout in layouts:
        for flip in flips:
            for f in FACTORS:
                lines = valid_read(gray, scaled(band, f) if f != 1.0 else band, layout, flip, model)
                if lines is not None:
                    votes[lines] = votes.get(lines, 0) + 1
    return votes


def valid_read(gray: np.ndarray, band: Band, layout: Layout, flip: bool = False, model: str = "half"
               ) -> tuple[str, ...] | None:
    """The band's lines as this recogniser reads them, if they form a valid MRZ of ``layout`` (None without the
    model file)."""
    if not _present(MODELS[model].path):
        return None
    images = strips(gray, band, layout.length, flip, model)
    if not images:
        return None
    lines = tuple(r.text for r in read_strips(images, model))
    if all(len(t) == layout.length for t in lines) and parse_mrz(list(lines)) is not None:
        return lines
    return None


def agreed(votes: dict[tuple[str, ...], int]) -> list[str] | None:
    """The one text read by at least MIN_VOTES reads, if no read gave another valid text."""
    if len(votes) != 1:
        return None
    (lines, n), = votes.items()
    return list(lines) if n >= MIN_VOTES else None


def cross_agreed(votes: dict[str, dict[tuple[str, ...], int]]) -> list[str] | None:
    """The text one model agrees on (:func:`agreed`) if every other model read that text too (at least once).

    Why the second model: each model alone has agreed on a wrong text. The half model read a TD2 document number
    LFWF7WY9Y1 as LFWF7WT9T1 at 3 band lengths and nothing else (two Y/T swaps at weights 7 and 1 keep the check
    digit; held-out frame, seed 71004: the ninth session's code reported it); the fine model read the right
    number there. The fine model reads WERNER as WFRNER at 4 of 7 band lengths on a clean frame whose E has a
    faint bottom bar (seed 7102; both cell recognisers see F too), where the half model reads WERNER. Letting a
    silent second model pass would have read 4 more of 3 500 logged frames (tenth session), and let the first
    case through whenever the other model happens to read nothing valid.
    """
    for name, own in votes.items():
        lines = agreed(own)
        if lines is not None and all(tuple(lines) in other for n, other in votes.items() if n != name):
            return lines
    return None
