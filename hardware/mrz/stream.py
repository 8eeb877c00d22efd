"""Reading an MRZ from a live video stream: a result is reported only once it is stable over frames.

Two ways to become stable, both requiring that no *different* valid reading was seen in the window:
the same fully valid reading in at least ``min_agree`` frames, at least one of which read every cell without a
check digit clearly (margin >= ``CLEAR``, or the line recogniser's agreed read), or a per-character vote (the
glyph scores of recent frames with the same layout, averaged per recogniser) that decodes to a fully valid MRZ
from at least ``min_vote`` frames under the decoder's rules, **and that some frame of the window read validly**.

Why the vote only confirms (seventeenth session): the averaged scores get the decoder's rules only, not the
single-frame reader's further checks (the stroke measurement, the line models), and in the stream benchmark
(clip 612057: a TD1 at 8.5 px pitch under glare) five frames that each read nothing averaged to KRUFGER for
KRUEGER, an E/F stroke twin in a name, which was reported. In 12 035 logged clip runs (4 079 clips, several
codes) no right result came from the vote without a frame that had read the text.

Why the clear witness: while a card still moves, horizontal motion blur straightens the left side of an O, and
the cell reader read NOAH as NDAH in two frames of a test clip (margins 0.041 and 0.066 over O: names have no
check digit); two thin reads agreeing is not the same as one clear one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from dataclasses import dataclass

import numpy as np

from .decode import DecodeConfig, decode, thinnest_unprotected
from .feedback import band_pitch, frame_hint
from .layouts import LAYOUTS
from .lines import MODELS
from .ocr import combine
from .parse import build_result
from .reader import FrameRead, read_frame, to_gray
from .result import MrzResult

CLEAR = 0.1  # margin every unprotected cell of at least one agreeing frame needs
# Print this small is readable, but often only in some frames; when it has not been read for a few frames in a
# row, ask the citizen to come closer: bigger print reads at once (``bench/mrz_stream.py``, fourteenth session).
SMALL_PITCH_PX = 11.0
UNREAD_BEFORE_CLOSER = 2


def _clear(read: FrameRead) -> bool:
    """A frame whose valid read no look-alike came close to where check digits cannot help.

    A line result is clear when no line model read another valid text plainly (fourteenth session): in the stream
    benchmark, single frames of held cards gave line results MUBER for HUBER and HANNAN for HANNAH that the models'
    majority backed, beside plain reads of the right name; one more such frame and the stream would have reported
    it, since until then every line result counted as clear. And every model must have read it plainly (fifteenth
    session): in clip 602386 two models read a document number's K as ``<`` (1 and 2 plain reads; K and ``<``
    differ by 20, which the check digit at weight 3 cannot see) while the third read nothing valid. And the cell
    reader must not lean to another character at a cell no check digit covers (seventeenth session): in clip 614366
    all three models read YUSUF as YUSUE in two frames, undisputed, while the cell reader picked F in 11 of 13
    reads; only a right read in the window kept the stream from reporting YUSUE."""
    if read.result is None or read.layout is None:
        return False
    if read.reason == "lines":
        return read.dissent == 0 and read.backers == len(MODELS) and not read.leaned
    return read.scores is not None and thinnest_unprotected(read.layout, read.result.mrz, read.scores) >= CLEAR


@dataclass
class FrameFeedback:
    """What the UI shows for one frame.

    ``quad``: MRZ band corners (tl, tr, br, bl) in frame pixels or None; ``hint``: none/closer/steady/glare/
    reading; ``frame_result``: a valid read in this frame alone (not yet trusted); ``result``: the stable result
    (None until stable); ``new``: True on the frame on which ``result`` became stable.
    """

    quad: np.ndarray | None
    hint: str
    frame_result: MrzResult | None
    result: MrzResult | None
    new: bool = False


class MrzStreamReader:
    """Feed RGB frames with :meth:`feed`; read :attr:`result` once stable. Not thread-safe: one per camera."""

    def __init__(self, window: int = 8, min_agree: int = 2, min_vote: int = 3, forget_after: int = 15,
                 today: dt.date | None = None, cfg: DecodeConfig | None = None) -> None:
        self.window, self.min_agree, self.min_vote, self.forget_after = window, min_agree, min_vote, forget_after
        self.today, self.cfg = today, cfg or DecodeConfig()
        self.reset()

    def reset(self) -> None:
        """Forget everything (e.g. after the clerk accepted the result)."""
        self._reads: deque[FrameRead] = deque(maxlen=self.window)
        self._missing = 0
        self._unread = 0  # frames in a row with a band but no valid read
        self.result: MrzResult | None = None

    def _valid(self) -> list[MrzResult]:
        return [r.result for r in self._reads if r.result is not None]

    def _vote(self) -> MrzResult | None:
        """The per-character vote of the window's frames of one layout; failing that, of its validly read frames.

        Why the second pool: when the citizen brought the card closer, the window still holds the small, unread
        frames from before; their scores drown the good ones (bench/mrz_stream.py, clip 600032: four agreeing
        valid reads after the move, each with a thin name cell, never became stable)."""
        every: dict[str, list[np.ndarray]] = {}
        valid: dict[str, list[np.ndarray]] = {}
        for r in self._reads:
            if r.parts is not None and r.layout is not None:
                every.setdefault(r.layout.name, []).append(r.parts)
                if r.result is not None:
                    valid.setdefault(r.layout.name, []).append(r.parts)
        for name, parts in every.items():
            read_ones = valid.get(name, [])
            for pool in (parts, read_ones) if len(read_ones) < len(parts) else (parts,):
                if len(pool) < self.min_vote:
                    continue
                mean = np.mean(pool, axis=0)  # both recognisers' scores averaged over the frames
                decoded, _ = decode(LAYOUTS[name], combine(mean), self.cfg, opinions=tuple(mean))
                if decoded is not None:
                    return build_result(LAYOUTS[name], decoded.lines, self.today, corrections=decoded.edits)
        return None

    def _stable(self) -> MrzResult | None:
        valid = self._valid()
        keys = Counter(tuple(r.mrz) for r in valid)
        if len(keys) > 1:
            return None  # conflicting valid reads: trust none of them
        if keys:
            key, count = keys.most_common(1)[0]
            witnesses = [r for r in self._reads if r.result is not None and tuple(r.result.mrz) == key]
            if count >= self.min_agree and any(_clear(r) for r in witnesses):
                return witnesses[0].result
        if not keys:
            return None  # the vote confirms a frame's read, it does not make one (see the module's docstring)
        voted = self._vote()
        if voted is not None and tuple(voted.mrz) in keys:
            return voted
        return None

    def feed(self, frame: np.ndarray) -> FrameFeedback:
        """Process one RGB uint8 frame and return the feedback for it."""
        gray = to_gray(frame)
        read = read_frame(gray, self.today, self.cfg)
        hint = frame_hint(gray, read.band)
        if read.band is None:
            self._missing += 1
            self._unread = 0
            if self._missing >= self.forget_after:
                self.reset()
        else:
            self._missing = 0
            self._unread = 0 if read.result is not None else self._unread + 1
            self._reads.append(read)
            if (hint == "reading" and self.result is None and self._unread >= UNREAD_BEFORE_CLOSER
                    and band_pitch(read.band) < SMALL_PITCH_PX):
                hint = "closer"
        new = False
        stable = self._stable() if read.band is not None else None
        if stable is not None and (self.result is None or tuple(stable.mrz) != tuple(self.result.mrz)):
            self.result, new = stable, True
        quad = None if read.band is None else read.band.quad.copy()
        return FrameFeedback(quad, hint, read.result, self.result, new)
