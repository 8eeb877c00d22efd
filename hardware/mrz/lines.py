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
A third, ``context`` (``line_ctc_context.onnx``, fine's strips; two dilated layers let an output see about ten
characters, trained with random names so it cannot learn the generator's), is paired with ``half`` the same way:
either pair's agreement is the result (thirteenth session).
A read of the right length with at most ``MAX_SYNTAX_FIXES`` characters its fields forbid (a date's 0 read as O)
is decoded once more under the MRZ syntax (``ctc_constrained``); such reads count for a model's own agreement only.
All are trained by ``hardware/mrz/train_lines.py`` on generated frames and run in OpenCV's
dnn module: no further runtime dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from .glyphs import PITCH
from .layouts import Layout, allowed_chars
from .locate import Band, LineBlob
from .parse import parse_mrz
from .rectify import rectify

ALPHABET = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # class k + 1; class 0 is CTC's blank
HALF_H = 1.15 * PITCH  # half the strip's height in canonical pixels around a line's centre
FACTORS = (1.0, 0.97, 1.03, 0.94, 1.06, 0.985, 1.015)  # band lengths tried (the detected one, +-1.5, 3 and 6 %)
MIN_VOTES = 3
MAX_SYNTAX_FIXES = 2  # characters a read may have where its field forbids them and still be decoded under the syntax


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
    "context": LineModel(Path(__file__).with_name("line_ctc_context.onnx"), 0.75, 24, 516),
}
# the pairs whose agreement makes a result (``cross_agreed``): the half model and each other model
PAIRS = (("half", "fine"), ("half", "context"))


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


_NEG = -1e9


def ctc_constrained(probs: np.ndarray, allowed: Sequence[str]) -> str | None:
    """The likeliest path of one line's (classes, time) probabilities that spells exactly ``len(allowed)``
    characters, character i from ``allowed[i]`` (Viterbi over CTC's blank-separated states); None if no path fits.

    Why: the models see about three characters at a time, so a date's 0 in small print comes out as the letter O
    as often as not; the MRZ syntax says which kind each position holds. Used only on reads of the right length
    with at most ``MAX_SYNTAX_FIXES`` forbidden characters (``_read``), and such reads only count where a text is
    agreed, never as the other model's confirmation (``cross_agreed``'s ``witnesses``).
    """
    lp = np.log(np.maximum(probs.astype(np.float64), 1e-30))
    blank, chars = lp[0], lp[1:]
    n, t_len = len(allowed), lp.shape[1]
    if t_len < n:
        return None
    mask = np.zeros((n, len(ALPHABET)), bool)
    for i, ok in enumerate(allowed):
        mask[i, [ALPHABET.index(c) for c in ok]] = True
    rows, cls = np.arange(n), np.arange(len(ALPHABET))
    # a[i, c]: best log-score of a path ending on character i read as c; b[i]: ending on the blank before char i
    a = np.where(mask[0], chars[:, 0], _NEG)[None, :].repeat(n, 0)
    a[1:] = _NEG
    b = np.full(n + 1, _NEG)
    b[0] = blank[0]
    from_a = np.empty((t_len, n, len(ALPHABET)), np.int16)  # -1 stay, -2 from blank i, else previous char's class
    from_b = np.empty((t_len, n + 1), np.int16)  # -1 stay, else previous char's class
    for t in range(1, t_len):
        a1 = a.argmax(1)
        m1 = a[rows, a1]
        rest = a.copy()
        rest[rows, a1] = _NEG
        a2 = rest.argmax(1)
        m2 = rest[rows, a2]
        same = a1[:-1, None] == cls[None, :]  # CTC: two equal characters need a blank between them
        prev = np.full(a.shape, _NEG)
        prev[1:] = np.where(same, m2[:-1, None], m1[:-1, None])
        src_prev = np.full(a.shape, -3, np.int16)
        src_prev[1:] = np.where(same, a2[:-1, None], a1[:-1, None])
        best, src = a, np.full(a.shape, -1, np.int16)
        take = b[:n, None] > best
        best, src = np.where(take, b[:n, None], best), np.where(take, -2, src)
        take = prev > best
        best, src = np.where(take, prev, best), np.where(take, src_prev, src)
        from_a[t] = src
        into_b = np.concatenate([[_NEG], m1])
        take_b = into_b > b
        from_b[t] = np.where(take_b, np.concatenate([[-3], a1]), -1)
        a = np.where(mask, best + chars[:, t][None, :], _NEG)
        b = np.where(take_b, into_b, b) + blank[t]
    end_a = float(a[n - 1].max())
    if max(end_a, float(b[n])) <= _NEG / 2:
        return None
    on_char, i, c = (False, n, -1) if b[n] >= end_a else (True, n - 1, int(a[n - 1].argmax()))
    out = [""] * n
    for t in range(t_len - 1, 0, -1):
        if on_char:
            out[i] = ALPHABET[c]
            s = int(from_a[t, i, c])
            if s == -2:
                on_char = False
            elif s >= 0:
                i, c = i - 1, s
        else:
            s = int(from_b[t, i])
            if s >= 0:
                on_char, i, c = True, i - 1, s
    if on_char:
        out[i] = ALPHABET[c]
    return "".join(out) if all(out) else None


def line_probs(images: list[np.ndarray], model: str = "half") -> np.ndarray:
    """The model's (lines, classes, time) probabilities for strips cut by :func:`strips`."""
    net = _net(MODELS[model].path)
    net.setInput(normalise(np.stack(images))[:, None].astype(np.float32))
    y = net.forward()[:, :, 0, :]  # lines, classes, time
    y = np.exp(y - y.max(axis=1, keepdims=True))
    return y / y.sum(axis=1, keepdims=True)


def read_strips(images: list[np.ndarray], model: str = "half") -> list[LineRead]:
    return [ctc_greedy(p) for p in line_probs(images, model)]


@dataclass(frozen=True)
class BandRead:
    """One valid read of a band: the lines, the orientation, and whether the syntax-constrained decode made it."""

    lines: tuple[str, ...]
    flip: bool
    constrained: bool


def band_reads(gray: np.ndarray, band: Band, layouts: list[Layout], flips: tuple[bool, ...] = (False, True),
               model: str = "half", constrain: bool = False,
               raw: list[tuple[bool, tuple[str, ...]]] | None = None) -> list[BandRead]:
    """Every valid read any band length, layout and orientation gives (with ``constrain``, reads made valid by the
    syntax-constrained decode too). ``raw``, if given, collects every read's lines, valid or not, with its
    orientation (for :func:`rivals`).

    Without the model file (a broken install) nothing: the cell reader alone still works; the clerk bundle's
    ``--check`` reports the missing file.
    """
    out: list[BandRead] = []
    if not _present(MODELS[model].path):
        return out
    for layout in layouts:
        for flip in flips:
            for f in FACTORS:
                seen: list[tuple[str, ...]] = []
                read = _read(gray, scaled(band, f) if f != 1.0 else band, layout, flip, model, constrain, seen)
                if raw is not None:
                    raw.extend((flip, lines) for lines in seen)
                if read is not None:
                    out.append(BandRead(read[0], flip, read[1]))
    return out


def read_band(gray: np.ndarray, band: Band, layouts: list[Layout], flips: tuple[bool, ...] = (False, True),
              model: str = "half") -> dict[tuple[str, ...], int]:
    """Every valid text (as read, unconstrained) any band length, layout and orientation gives, with the number
    of reads that gave it."""
    votes: dict[tuple[str, ...], int] = {}
    for read in band_reads(gray, band, layouts, flips, model):
        votes[read.lines] = votes.get(read.lines, 0) + 1
    return votes


def valid_read(gray: np.ndarray, band: Band, layout: Layout, flip: bool = False, model: str = "half",
               constrain: bool = False) -> tuple[str, ...] | None:
    """The band's lines as this recogniser reads them, if they form a valid MRZ of ``layout`` (with ``constrain``
    also when the syntax-constrained decode makes them one; None without the model file)."""
    read = _read(gray, band, layout, flip, model, constrain)
    return read[0] if read is not None else None


def _read(gray: np.ndarray, band: Band, layout: Layout, flip: bool = False, model: str = "half",
          constrain: bool = False, seen: list[tuple[str, ...]] | None = None) -> tuple[tuple[str, ...], bool] | None:
    """The band's valid lines and whether the syntax-constrained decode (``ctc_constrained``) was needed; the
    lines as read, valid or not, go to ``seen``."""
    if not _present(MODELS[model].path):
        return None
    images = strips(gray, band, layout.length, flip, model)
    if not images:
        return None
    probs = line_probs(images, model)
    lines = tuple(ctc_greedy(p).text for p in probs)
    if seen is not None:
        seen.append(lines)
    if any(len(t) != layout.length for t in lines):
        return None
    if parse_mrz(list(lines)) is not None:
        return lines, False
    if not constrain:
        return None
    fixed = _under_syntax(layout, lines, probs)
    return (fixed, True) if fixed is not None else None


def _under_syntax(layout: Layout, lines: tuple[str, ...], probs: np.ndarray) -> tuple[str, ...] | None:
    """``lines`` (each of the layout's length) decoded again under the MRZ syntax, if 1 to ``MAX_SYNTAX_FIXES``
    characters stand where their field forbids them and the result is valid."""
    allowed = allowed_chars(layout, list(lines))
    per_line = [allowed[j * layout.length:(j + 1) * layout.length] for j in range(layout.lines)]
    broken = [sum(ch not in ok for ch, ok in zip(t, al, strict=True)) for t, al in zip(lines, per_line, strict=True)]
    if not 0 < sum(broken) <= MAX_SYNTAX_FIXES:
        return None
    fixed: list[str] = []
    for text, al, p, bad in zip(lines, per_line, probs, broken, strict=True):
        new = ctc_constrained(p, al) if bad else text
        if new is None:
            return None
        fixed.append(new)
    return tuple(fixed) if parse_mrz(fixed) is not None else None


def agreed(votes: dict[tuple[str, ...], int]) -> list[str] | None:
    """The one text read by at least MIN_VOTES reads, if no read gave another valid text."""
    if len(votes) != 1:
        return None
    (lines, n), = votes.items()
    return list(lines) if n >= MIN_VOTES else None


def cross_agreed(votes: dict[str, dict[tuple[str, ...], int]],
                 witnesses: dict[str, dict[tuple[str, ...], int]] | None = None) -> list[str] | None:
    """The text a pair of ``PAIRS`` agrees on (:func:`pair_agreed`), the first pair's first; with only two models
    in ``votes``, theirs.

    Why pairs and not all three: the context model reads differently from the fine one (on the 348 logged fallback
    frames alone in its place it read 11 frames the fine model does not and missed 12 it does), so requiring all
    three would read fewer frames than either pair; each pair keeps the two-model rule that refused the wrong
    texts below (thirteenth session: +11 frames of 5 500, 0 wrong, none lost).
    """
    pairs = [p for p in PAIRS if all(m in votes for m in p)] or [tuple(votes)]
    for pair in pairs:
        lines = pair_agreed({m: votes[m] for m in pair},
                            None if witnesses is None else {m: witnesses.get(m, {}) for m in pair})
        if lines is not None:
            return lines
    return None


MIN_PLAIN = 2  # plain reads (over all models) a line text needs before it is reported
MIN_PLAIN_OWN = 2  # ... and one model must have read it plainly this often by itself
MIN_PLAIN_LEAD = 2  # ... and this many times the plain reads of any other text


def supported(lines: list[str] | tuple[str, ...], plain: dict[str, dict[tuple[str, ...], int]]) -> bool:
    """True if the models' plain reads (valid as read, not made valid by the syntax) back ``lines``: at least
    ``MIN_PLAIN`` of them over all models, one model's ``MIN_PLAIN_OWN``, and twice as many as any other text has.

    Why: a pair's agreement ignores the third model and lets constrained reads count, and the stream benchmark
    (fourteenth session) found two wrong names that passed that way, each in one frame of a held card:
    PAUL read as RAUL (half model 3 reads, all made valid by the syntax, the context model 3 with 1 plain; the
    fine model read PAUL) and FISCHER as EISCHER (half model 6 reads, 3 plain, the context model 2 plain; but the
    fine and context models read FISCHER plainly 6 times). On the 351 logged fallback frames this rule refuses
    both and 3 right reads (of 237).

    Why one model twice (sixteenth session): three single plain reads, one per model, are what a shared misread
    of one frame gives. Fresh frame 141756 (TD1 at 9.7 px, dark, motion-blurred): all three models read LINA as
    LZNA plainly once each (the half model twice more under the syntax), beside two other names; the cell reader
    leaned to Z as well (8 of 12 reads), so nothing disputed it. Replayed on the 351 logged fallback frames it cost
    2 of 234 right results (51013, 71438: also one plain read per model); re-reading the sets, 2 frames of
    11 500 (71438, 91309).

    Why twice (seventeenth session; until then: no other text with more): on fresh frame 191813 (TD1 at 9.4 px
    pitch, glare) the models read BECKER as RECKER plainly 10 times, BECKER 7 times and DECKER once; the context
    model read BECKER 5 times to RECKER's 2, and the cell reader split 6 to 5. 10 to 7 is a coin flip, not a
    result. Against one rival, not all: reads that scatter over several wrong texts (WICHEIM 4, WICHELM 4,
    WILHEIM 1 beside WILHELM 11) are noise, not a rival; two thirds of all plain reads refused such frames too."""
    text = tuple(lines)
    counts = totals(plain)
    mine = counts.get(text, 0)
    own = max((reads.get(text, 0) for reads in plain.values()), default=0)
    rival = max((n for other, n in counts.items() if other != text), default=0)
    return mine >= MIN_PLAIN and own >= MIN_PLAIN_OWN and mine >= MIN_PLAIN_LEAD * rival


def rivals(layout: Layout, lines: list[str] | tuple[str, ...],
           raw: dict[str, list[tuple[str, ...]]]) -> list[tuple[str, ...]]:
    """Other valid texts that single lines of the models' reads (``raw``: per model, every read of the text's bands,
    valid or not) point to, read by one model at least ``MIN_PLAIN_OWN`` times: a line that differs from ``lines``
    in 1 or 2 cells no check digit covers and makes a valid MRZ with the other lines.

    Why single lines: a name line has no check digit, so a read of it is evidence about the name whatever the
    model made of the other lines, and the valid-text votes never see such a read when another line failed.
    Fresh frame 151913 (TD2, 10 px pitch, dark, blurred): the context model read HUBER 3 times (the second line
    wrong each time), the three models NUBER 17 times, the cell reader leaned to H. See ``reader._contested``."""
    counts: dict[tuple[str, ...], dict[str, int]] = {}
    for model, reads in raw.items():
        for read in reads:
            if len(read) != len(lines):
                continue
            for j, (mine, other) in enumerate(zip(lines, read, strict=True)):
                if len(other) != len(mine):
                    continue
                cells = [j * layout.length + k for k, (a, b) in enumerate(zip(mine, other, strict=True)) if a != b]
                if not 0 < len(cells) <= 2 or any(i in layout.protected for i in cells):
                    continue
                text = (*lines[:j], other, *lines[j + 1:])
                per_model = counts.setdefault(text, {})
                per_model[model] = per_model.get(model, 0) + 1
    return [text for text, per_model in counts.items()
            if max(per_model.values()) >= MIN_PLAIN_OWN and parse_mrz(list(text)) is not None]


def outnumbered(lines: list[str] | tuple[str, ...], plain: dict[str, dict[tuple[str, ...], int]]) -> bool:
    """True if the models' plain reads favour another text: at least ``MIN_PLAIN`` reads of it, more than of
    ``lines``. For the cell reader's thin reads, which the line models may not read at all."""
    counts = totals(plain)
    mine = counts.get(tuple(lines), 0)
    return any(n >= MIN_PLAIN and n > mine for text, n in counts.items() if text != tuple(lines))


def totals(plain: dict[str, dict[tuple[str, ...], int]]) -> dict[tuple[str, ...], int]:
    """Reads per text over all models."""
    totals: dict[tuple[str, ...], int] = {}
    for reads in plain.values():
        for text, n in reads.items():
            totals[text] = totals.get(text, 0) + n
    return totals


def pair_agreed(votes: dict[str, dict[tuple[str, ...], int]],
                witnesses: dict[str, dict[tuple[str, ...], int]] | None = None) -> list[str] | None:
    """The text one model agrees on (:func:`agreed` over ``votes``) if every other model read that text too: at
    least once among its ``witnesses`` (its unconstrained reads; by default its ``votes``), or as the only valid
    text it read at all, constrained reads included.

    Why the second model: each model alone has agreed on a wrong text. The half model read a TD2 document number
    LFWF7WY9Y1 as LFWF7WT9T1 at 3 band lengths and nothing else (two Y/T swaps at weights 7 and 1 keep the check
    digit; held-out frame, seed 71004: the ninth session's code reported it); the fine model read the right
    number there. The fine model reads WERNER as WFRNER at 4 of 7 band lengths on a clean frame whose E has a
    faint bottom bar (seed 7102; both cell recognisers see F too), where the half model reads WERNER. Letting a
    silent second model pass would have read 4 more of 3 500 logged frames (tenth session), and let the first
    case through whenever the other model happens to read nothing valid.

    Why a constrained read may confirm only as the other model's sole text: made valid under the syntax, a
    fine-model read confirmed the wrong number of 71004 beside the right one it also read. Where the syntax is all
    that keeps the other model from reading the text plainly (a date's 0 seen as O in every read) and it reads
    nothing else, it has no other text to offer (thirteenth session: 5 more of 5 500 logged frames, 0 wrong).
    """
    seen = votes if witnesses is None else witnesses

    def confirms(model: str, lines: tuple[str, ...]) -> bool:
        return lines in seen.get(model, {}) or set(votes.get(model, {})) == {lines}

    for name, own in votes.items():
        lines = agreed(own)
        if lines is not None and all(confirms(n, tuple(lines)) for n in votes if n != name):
            return lines
    return None
