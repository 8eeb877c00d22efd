"""``read_mrz``: one frame in, a fully validated MRZ (or None) out; plus the frame feedback the UI shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import cv2
import numpy as np

from .decode import (
    DecodeConfig,
    Decoded,
    contradicted,
    decode,
    disputed,
    leans_otherwise,
    outvoted,
    preferred,
    stroke_doubt,
    thinnest_unprotected,
)
from .layouts import LAYOUTS, Layout, layout_for
from .lines import (
    FACTORS,
    MODELS,
    agreed,
    band_reads,
    cross_agreed,
    outnumbered,
    read_band,
    rivals,
    scaled,
    supported,
    totals,
    valid_read,
)
from .locate import DETECT_WIDTH, Band, LineBlob, bands_of, completed, find_bands, text_lines
from .ocr import combine, grid_points, score_band_cells
from .parse import build_result
from .rectify import Rectified, rectify, refine
from .result import MrzResult

MAX_BANDS = 3
FINE_WIDTH = 1280  # second detection pass for small print
RETRY_BANDS = 2  # bands re-read with a corrected length when nothing decoded
LINE_BANDS = 3  # bands the line recogniser reads (its reads are cheap; the MRZ is sometimes the third band)
LENGTH_FACTORS = (0.97, 1.03, 0.94, 1.06, 0.91, 1.09)


@dataclass
class FrameRead:
    """Everything one frame yielded: the band (quad in frame coordinates), the scores and the decoded result."""

    band: Band | None = None
    layout: Layout | None = None
    scores: np.ndarray | None = None  # combined scores (positions, 37)
    parts: np.ndarray | None = None  # the recognisers' separate scores (2, positions, 37)
    decoded: Decoded | None = None
    result: MrzResult | None = None
    reason: str = "none"
    # a line result's plain line reads of other valid texts (``lines.supported`` let it pass), and how many line
    # models read its text plainly: the stream takes it as a clear witness only when no model read another text
    # and every model read this one
    dissent: int = 0
    backers: int = 0
    leaned: bool = False  # ... and whether the cell reader leaned to another character at an unchecked cell
    bands: list[Band] = field(default_factory=list)
    # combined scores of every band read so far, by (layout name, flipped): the votes for :func:`decode.outvoted`
    # (emptied when :func:`read_frame` returns)
    history: dict[tuple[str, bool], list[np.ndarray]] = field(default_factory=dict)


def to_gray(frame: np.ndarray) -> np.ndarray:
    """RGB (or already grey) uint8 frame to grey."""
    if frame.ndim == 2:
        return frame
    if frame.ndim != 3 or frame.shape[2] not in (3, 4):
        raise ValueError(f"expected an HxWx3 RGB frame, got shape {frame.shape}")
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY if frame.shape[2] == 3 else cv2.COLOR_RGBA2GRAY)


def candidate_layouts(band: Band) -> list[Layout]:
    """Layouts a band may hold, likeliest first: 3 lines are TD1; for 2 lines, line length vs spacing."""
    if band.count == 3:
        return [LAYOUTS["TD1"]]
    ratio = band.length / max(band.line_spacing, 1e-3)  # ~ 26 for TD3, ~ 21.5 for TD2
    return [LAYOUTS["TD3"], LAYOUTS["TD2"]] if ratio > 24 else [LAYOUTS["TD2"], LAYOUTS["TD3"]]


def detect_widths(gray: np.ndarray) -> tuple[int, ...]:
    """The detection widths worth trying on ``gray``: the fast one, and the finer one for small print when the
    frame is wider."""
    return (DETECT_WIDTH, FINE_WIDTH) if gray.shape[1] > DETECT_WIDTH else (DETECT_WIDTH,)


def read_frame(frame: np.ndarray, today: dt.date | None = None, cfg: DecodeConfig | None = None,
               try_flipped: bool = True) -> FrameRead:
    """Locate, rectify, OCR and decode; the first band that decodes validly wins."""
    out = _read_frame(to_gray(frame), today, cfg or DecodeConfig(), try_flipped)
    out.history.clear()  # only needed while the frame is read; the stream reader keeps 8 FrameReads
    return out


def _read_frame(gray: np.ndarray, today: dt.date | None, cfg: DecodeConfig, try_flipped: bool) -> FrameRead:
    bands = find_bands(gray)
    out = FrameRead(bands=bands)
    if bands:
        out.band = bands[0]
        out.reason = "unread"
    tried: list[Band] = []
    if _try_bands(gray, bands[:MAX_BANDS], out, today, cfg, try_flipped, tried):
        return out
    if gray.shape[1] > DETECT_WIDTH:  # small print: the downscaled copy may have merged or lost the characters
        fine = [b for b in find_bands(gray, FINE_WIDTH) if not any(_same(b, t) for t in tried)]
        out.bands = bands + fine
        if out.band is None and fine:
            out.band, out.reason = fine[0], "unread"
        if _try_bands(gray, fine[:MAX_BANDS], out, today, cfg, try_flipped, tried):
            return out
    # Second chance: the band's length comes from blob ends, which blur, ink spread and the first/last glyph's
    # shape move by a few per cent; a pitch that far off makes the grid fit slip at one end of the line. Re-read
    # the likeliest bands with the length scaled (upright only; every rule of the decoder still applies).
    distinct = [b for i, b in enumerate(tried) if not any(_same(b, t) for t in tried[:i])]
    retry = distinct[:RETRY_BANDS]
    variants = [scaled(b, f) for f in LENGTH_FACTORS for b in retry]
    for band in variants:
        if _try_bands(gray, [band], out, today, cfg, False, []):
            return out
    # Third chance: the lines of a band disagree on their length (one picked up a neighbouring mark or lost an end
    # to glare or blur), so their mean, the band's length, fits neither; try each line's own extent for all lines.
    if _try_scaled(gray, [v for b in retry for v in _line_extents(b)], EXTENT_FACTORS, out, today, cfg):
        return out
    # Last chance: motion blur smears glyphs along one direction, which the isotropic template blurs match poorly;
    # read the likeliest bands once more with motion-blurred templates added (only here: they cost time).
    for band in [scaled(b, f) for f in EXTENT_FACTORS for b in retry]:
        if _try_bands(gray, [band], out, today, cfg, False, [], templates="motion"):
            return out
    # Fallback: the line recognisers, which need no cell grid (``lines.py``: their own, stricter agreement rules).
    if _agreed_result(gray, _line_votes(gray, distinct[:LINE_BANDS]), out, today, cfg):
        return out
    # A TD1 found with two of its lines: read it with the third line added where it must be
    if _try_completed(gray, distinct[:MAX_BANDS], tried, out, today, cfg):
        return out
    # Late pass: blur merged a run of glyphs (999999990<) into one component, which breaks its line in two, and
    # the band was missed or found without that line; detect again with such runs cut into glyph-wide pieces.
    # Then bands with a line found only in part (``find_bands(..., partial=True)``).
    found = [text_lines(gray, width, split_runs=True) for width in detect_widths(gray)]
    for partial in (False, True):
        late: list[Band] = []
        for blobs, scale in found:
            late += [b for b in bands_of(blobs, scale, partial)[:MAX_BANDS]
                     if not any(_same(b, t) for t in tried + late)]
        if not late:
            continue
        out.bands = out.bands + late
        if _try_bands(gray, late[:MAX_BANDS], out, today, cfg, try_flipped, tried):
            return out
        if _agreed_result(gray, _line_votes(gray, late[:LINE_BANDS]), out, today, cfg):
            return out
        # a line given its neighbour's extent (``locate._equalise``) may be the one that was right: the longer
        # line can have run into print beside the card on the same row (fresh frame 121289)
        extents = [v for b in late[:MAX_BANDS] if b.measured for v in _line_extents(b)
                   if abs(v.length - b.length) > 0.01 * b.length]
        if _try_variants(gray, extents, EXTENT_FACTORS, out, today, cfg):
            return out
        if _try_completed(gray, late[:MAX_BANDS], tried, out, today, cfg):
            return out
    return out


@dataclass
class LineVotes:
    """The line models' valid texts over some bands, with the number of reads that gave each."""

    votes: dict[str, dict[tuple[str, ...], int]]  # per model: every valid read, syntax-constrained ones too
    plain: dict[str, dict[tuple[str, ...], int]]  # per model: reads valid as read (they alone confirm a text)
    sources: dict[tuple[str, ...], list[tuple[Band, bool]]]  # where each text was read: (band, flipped)
    # every read, valid or not: (band, flipped, model, lines), for ``_contested``
    raw: list[tuple[Band, bool, str, tuple[str, ...]]] = field(default_factory=list)


def _line_votes(gray: np.ndarray, bands: list[Band]) -> LineVotes:
    """Each line model's valid texts over ``bands`` (every length, layout and orientation).

    Once the half model reads no valid text the others are not run (their votes stay empty): every pair of
    ``cross_agreed`` needs it to read the text, and on frames nothing can read the other models would triple the
    fallback's time."""
    out = LineVotes({model: {} for model in MODELS}, {model: {} for model in MODELS}, {})
    for model, votes in out.votes.items():
        for band in bands:
            seen: list[tuple[bool, tuple[str, ...]]] = []
            for read in band_reads(gray, band, candidate_layouts(band), model=model, constrain=True, raw=seen):
                votes[read.lines] = votes.get(read.lines, 0) + 1
                if not read.constrained:
                    plain = out.plain[model]
                    plain[read.lines] = plain.get(read.lines, 0) + 1
                where = out.sources.setdefault(read.lines, [])
                if not any(b is band and f == read.flip for b, f in where):
                    where.append((band, read.flip))
            out.raw.extend((band, flip, model, lines) for flip, lines in seen)
        if not votes and model == "half":
            break
    return out


def _agreed_result(gray: np.ndarray, lv: LineVotes, out: FrameRead, today: dt.date | None,
                   cfg: DecodeConfig) -> bool:
    """Put the line models' agreed text (``lines.cross_agreed``, confirmed by plain reads) into ``out`` unless the
    plain reads do not back it (``lines.supported``) or the cell reader disputes it (``decode.disputed``); True if
    there was one."""
    agreed_lines = cross_agreed(lv.votes, lv.plain)
    layout = layout_for(agreed_lines) if agreed_lines is not None else None
    if agreed_lines is None or layout is None:
        return False
    if not supported(agreed_lines, lv.plain):
        out.reason = "lines unsupported"
        return False
    cells = [combine(read[0]) for band, flip in lv.sources[tuple(agreed_lines)] for f in FACTORS
             for rect in _warps(gray, scaled(band, f) if f != 1.0 else band, layout, flip)
             if (read := score_band_cells(rect)) is not None]
    if disputed(layout, agreed_lines, cells, cfg):
        out.reason = "cells dispute"
        return False
    if _contested(layout, agreed_lines, lv, cells):
        out.reason = "lines contested"
        return False
    out.layout, out.reason = layout, "lines"
    # the cell scores in ``out`` are of a band read that was refused, perhaps under another layout: they do not
    # describe this text, and the stream's vote averaged them with its other frames of this layout (a TD2 read's
    # scores beside TD3 ones made it fail on a held card; bench/mrz_stream.py, fourteenth session)
    out.scores = out.parts = None
    text = tuple(agreed_lines)
    out.dissent = sum(n for other, n in totals(lv.plain).items() if other != text)
    out.backers = sum(1 for reads in lv.plain.values() if reads.get(text, 0) > 0)
    out.leaned = leans_otherwise(layout, agreed_lines, cells)
    out.result = build_result(layout, agreed_lines, today)
    return True


def _contested(layout: Layout, lines: list[str], lv: LineVotes, cells: list[np.ndarray]) -> bool:
    """True if two different recognisers see another valid text in the agreed one's bands: a line model read one of
    its lines otherwise at least twice (``lines.rivals``: only cells no check digit covers, the rest unchanged)
    and the cell reader picks that text's characters there in most of its aligned reads (``decode.preferred``).

    Why: names have no check digit, and fresh frame 151913 (TD2, 10 px pitch, dark, blurred) was reported as
    FISCHER<NUBER for HUBER - all three models read NUBER plainly (17 reads), so every vote rule passed; but the
    context model read the name line as HUBER 3 times (each time with a wrong second line, so no valid text) and
    the cell reader chose H in 9 of its 13 aligned reads, by margins too thin (< 0.05) for ``disputed``. Of 584
    right line results in 15 500 frames of 17 sets it refuses 10, each a name where a model and the cell reader
    leaned the same other way (KRUESER for KRUEGER: the fine model 4 reads, the cell reader 11 of 12), i.e.
    results that were right by a vote's luck."""
    own = tuple(lines)
    sources = lv.sources[own]
    raw: dict[str, list[tuple[str, ...]]] = {}
    for band, flip, model, read in lv.raw:
        if any(b is band and f == flip for b, f in sources):
            raw.setdefault(model, []).append(read)
    return any(preferred(layout, lines, list(other), cells) for other in rivals(layout, lines, raw))


def _try_scaled(gray: np.ndarray, bands: list[Band], factors: tuple[float, ...], out: FrameRead,
                today: dt.date | None, cfg: DecodeConfig) -> bool:
    """Read ``bands`` upright with the cell reader, each at its length times ``factors``; True on a result."""
    return any(_try_bands(gray, [scaled(band, f) if f != 1.0 else band], out, today, cfg, False, [])
               for band in bands for f in factors)


def _try_variants(gray: np.ndarray, bands: list[Band], factors: tuple[float, ...], out: FrameRead,
                  today: dt.date | None, cfg: DecodeConfig) -> bool:
    """:func:`_try_scaled`, then the line models over ``bands``; True as soon as one of them gives a result."""
    return _try_scaled(gray, bands, factors, out, today, cfg) or (
        bool(bands) and _agreed_result(gray, _line_votes(gray, bands[:LINE_BANDS]), out, today, cfg))


def _try_completed(gray: np.ndarray, bands: list[Band], tried: list[Band], out: FrameRead, today: dt.date | None,
                   cfg: DecodeConfig) -> bool:
    """Read the TD1 bands ``bands`` may be two lines of (``locate.completed``), upright, at the detected length and
    +-3 %; True if one gave a result.

    Only after everything else: a completed band is a guess, and in the first pass such guesses took the places
    of real bands (fresh sets 121000 and 131000: 4 frames gained, 4 lost). Upright and three lengths only: every
    unread frame pays for this step (about 0.3 s), and the frames it gained read the same that way as with five
    lengths and both orientations, which cost 0.4 s more on 14 unread frames."""
    extra = [c for b in bands for c in completed(b) if not any(_same(c, t) for t in tried)]
    return _try_variants(gray, extra, EXTENT_FACTORS, out, today, cfg)


def _warps(gray: np.ndarray, band: Band, layout: Layout, flip: bool) -> list[Rectified]:
    """``band`` rectified for the cell reader: refitted to its fitted cell grid, then as warped.

    The refit normally removes foreshortening; when a line's grid fit went astray it can shear the band instead,
    so the plain warp is the fallback."""
    rect = rectify(gray, band, layout.length, flip=flip)
    if rect is None:
        return []
    points = grid_points(rect)
    refined = refine(gray, rect, *points) if points is not None else None
    return [refined, rect] if refined is not None else [rect]


EXTENT_SPREAD = 1.04  # longest / shortest line of a band above which each line's own extent is tried
EXTENT_FACTORS = (1.0, 0.97, 1.03)


def _line_extents(band: Band) -> list[Band]:
    """Variants of ``band`` in which all lines take the extent (along the lines) of one of them, as detected."""
    measured = band.measured or band.lines
    lengths = [ln.length for ln in measured]
    if band.count < 2 or max(lengths) < EXTENT_SPREAD * min(lengths):
        return []
    d = np.mean([ln.direction for ln in measured], axis=0)
    d /= np.linalg.norm(d)
    out = []
    for j, ref in enumerate(measured):
        if any(abs(ref.length - o.length) < 0.01 * ref.length for o in measured[:j]):
            continue  # the same extent as an earlier line
        a = float(ref.center @ d)
        lines = tuple(LineBlob(ln.center + (a - float(ln.center @ d)) * d, ln.direction, ref.length, ln.thickness)
                      for ln in measured)
        out.append(Band(lines, band.quad))
    return out


def _same(a: Band, b: Band) -> bool:
    """Two detections of the same band (same line count, centres within a fifth of the band's height)."""
    tol = 0.2 * float(np.linalg.norm(a.quad[3] - a.quad[0])) + 2
    return a.count == b.count and float(np.abs(a.quad - b.quad).max()) < max(tol, 0.02 * a.length)


def _try_bands(gray: np.ndarray, bands: list[Band], out: FrameRead, today: dt.date | None, cfg: DecodeConfig,
               try_flipped: bool, tried: list[Band], templates: str = "full") -> bool:
    """Read ``bands`` in order into ``out`` (with the template set ``templates``); True as soon as one decodes
    validly."""
    for band in bands:
        tried.append(band)
        for flip in (False, True) if try_flipped else (False,):
            for layout in candidate_layouts(band):
                sibling: list[tuple[np.ndarray, np.ndarray]] = []
                for candidate in _warps(gray, band, layout, flip):
                    read = score_band_cells(candidate, templates)
                    if read is None:
                        if out.scores is None:
                            out.reason = "grid"
                        continue
                    parts, cells = read
                    scores = combine(parts)
                    decoded, reason = decode(layout, scores, cfg, opinions=tuple(parts))
                    # a read whose risky cells other reads of this band saw differently is refused: the retries
                    # give a rare lucky misread many chances
                    earlier = out.history.setdefault((layout.name, flip), [])
                    if decoded is not None and (contradicted(layout, decoded.lines, sibling, cfg)
                                                or outvoted(layout, decoded.lines, scores, earlier, cfg)):
                        decoded, reason = None, "contradicted"
                    # a thin read between glyphs that differ by whole strokes must show those strokes clearly
                    if decoded is not None and stroke_doubt(layout, decoded.lines, scores, cells, cfg):
                        decoded, reason = None, "strokes"
                    # the line recogniser reading the same band as another valid MRZ: one of the two is wrong
                    if decoded is not None and _lines_differ(gray, band, layout, flip, decoded.lines):
                        decoded, reason = None, "lines differ"
                    # ... at every band length, when a cell no check digit protects was read thinly or the check
                    # digits allow another reading of the scores at little more cost
                    if (decoded is not None
                            and min(thinnest_unprotected(layout, decoded.lines, scores), decoded.rival)
                            < cfg.line_check_margin
                            and _lines_agree_otherwise(gray, band, layout, flip, decoded.lines)):
                        decoded, reason = None, "lines differ"
                    sibling.append((scores, parts))
                    earlier.append(scores)
                    if out.scores is None or decoded is not None:
                        out.band, out.layout, out.scores, out.reason = band, layout, scores, reason
                        out.parts = parts
                    if decoded is not None:
                        out.decoded = decoded
                        out.result = build_result(layout, decoded.lines, today, corrections=decoded.edits)
                        return True
    return False


def _lines_differ(gray: np.ndarray, band: Band, layout: Layout, flip: bool, lines: list[str]) -> bool:
    """True if the line recogniser reads ``band`` as a valid MRZ other than ``lines``.

    Why: the cell reader's errors can be systematic - every 0 of a document number read as O (a stretched card
    makes OCR-B's narrow 0 look like its round O), and two O-for-0 swaps at check-digit weights 7 and 3 change the
    sum by 240, which no check digit sees (held-out frame, seed 7071). The line recogniser reads whole lines with a
    different model; its read of the same band costs ~3 ms.

    The line read counts when the syntax makes it valid too (``constrain``, thirteenth session): on a fresh set
    (seed 91772, TD2) the cell reader read the document number H5B00KAZH as H5BOOKAZH (both recognisers O, 0.1
    ahead; weights 7 and 3 again), and the line recogniser read 00 there but an expiry date's 0 as O, so its read
    was no valid MRZ and the veto could not fire: the twelfth session's code reported the wrong number.
    """
    other = valid_read(gray, band, layout, flip, constrain=True)
    return other is not None and list(other) != lines


def _lines_agree_otherwise(gray: np.ndarray, band: Band, layout: Layout, flip: bool, lines: list[str]) -> bool:
    """True if the line recogniser, over all its band lengths, agrees on one valid MRZ other than ``lines``.

    Why: on a foreshortened card (glyphs taller than the cell) both cell recognisers read the O of KOWALSKI as
    Q, 0.065 ahead - above every margin rule, and names have no check digit - while the line recogniser read
    KOWALSKI at 3 band lengths and nothing else (held-out frame, seed 21660). Only for thin reads: ~20 ms.

    Also True if the plain reads of all three line models together favour another text (``lines.outnumbered``;
    fourteenth session, ~60 ms more): on a fresh set (frame 111450, TD1 at 8.8 px pitch) the cell reader read
    KLEIN as KLLIN (its template recogniser L over E by 0.02, the classifier sure of L; L and E differ by two
    strokes, so the stroke-twin rule does not apply), while the fine model read KLEIN at 4 band lengths, the half
    model KLEIN and KLGIN once each - no model agreed alone, so the rule above could not fire.
    """
    half = read_band(gray, band, [layout], (flip,))
    other = agreed(half)
    if other is not None and other != lines:
        return True
    plain = {"half": half} | {m: read_band(gray, band, [layout], (flip,), model=m) for m in MODELS if m != "half"}
    return outnumbered(lines, plain)


def read_mrz(frame: np.ndarray, today: dt.date | None = None) -> MrzResult | None:
    """The MRZ in an RGB uint8 frame (HxWx3) if one is found whose check digits all hold; otherwise None."""
    return read_frame(frame, today).result
