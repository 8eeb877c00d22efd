"""Finding MRZ text lines in a frame: morphology on a downscaled image, then grouping parallel line blobs.

The MRZ is two or three long, equally spaced, left-aligned lines of dark characters, longer than anything else
printed on a document. A black-hat filter keeps thin dark strokes, a horizontal closing merges the characters of
one line into a blob, and each elongated blob is described by its rotated rectangle. Grouping parallel blobs of
equal length gives the band and, from the ends of its first and last line, a quadrilateral for rectification.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from .neighbours import pairs_within

DETECT_WIDTH = 640
MERGE_GAP = 4.5  # line pieces this far apart (in line heights) are one line
MIN_FRAGMENT = 4  # chain pieces this long may be joined into a text line
MIN_LENGTH_RATIO = 0.7  # lines of one band: shorter / longer
PARTIAL_RATIO = 0.45  # ... down to this in the reader's late pass, if the shorter line starts or ends with the longer


@dataclass(frozen=True)
class LineBlob:
    """One text-line candidate in detection-image pixels."""

    center: np.ndarray  # (2,)
    direction: np.ndarray  # unit vector along the line, pointing right
    length: float
    thickness: float

    @property
    def normal(self) -> np.ndarray:
        return np.array([-self.direction[1], self.direction[0]])

    @property
    def angle(self) -> float:
        return float(np.degrees(np.arctan2(self.direction[1], self.direction[0])))


@dataclass(frozen=True)
class Band:
    """A group of 2 or 3 MRZ line candidates, ``lines`` ordered top to bottom, in frame coordinates."""

    lines: tuple[LineBlob, ...]
    quad: np.ndarray  # (4, 2) float32: tl, tr, br, bl of the text area
    # the lines as detected when ``_equalise`` gave them one extent: the longest line is not always the right one
    # (a line can pick up background print beside the card), so the reader can still try the others' extents
    measured: tuple[LineBlob, ...] = ()

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def length(self) -> float:
        return float(np.mean([ln.length for ln in self.lines]))

    @property
    def line_spacing(self) -> float:
        c = [ln.center for ln in self.lines]
        return float(np.mean([np.linalg.norm(b - a) for a, b in itertools.pairwise(c)]))


def _components(gray: np.ndarray, split_runs: bool = False) -> np.ndarray:
    """Character-sized dark components: rows of (x0, y0, x1, y1, cx, cy); with ``split_runs`` also wide
    components cut into glyph-wide pieces."""
    blur = cv2.GaussianBlur(gray, (3, 3), 0)
    binary = cv2.adaptiveThreshold(blur, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 21, 10)
    _, _, stats, cents = cv2.connectedComponentsWithStats(binary, connectivity=8)
    x, y, w, h, area = stats[1:].T
    keep = (h >= 4) & (h <= 40) & (w <= 3 * h) & (area >= 6) & (w >= 1)
    boxes = np.stack([x, y, x + w, y + h], axis=1)[keep].astype(np.float32)
    out = np.concatenate([boxes, cents[1:][keep].astype(np.float32)], axis=1)
    if split_runs:
        # a run of glyphs that blur merged into one component (999999990<) breaks its line into two pieces too
        # far apart to join; cut into glyph-wide pieces, the line's chain runs through it. Only on request (a late
        # pass of the reader): cut-up background bars also extend lines that were found right without them.
        run = (h >= 5) & (h <= 40) & (w > 3 * h) & (w <= 16 * h) & (area >= 0.3 * w * h)
        pieces = []
        for bx, by, bw, bh in zip(x[run], y[run], w[run], h[run], strict=True):
            k = max(2, round(bw / (0.85 * bh)))
            step = bw / k
            for t in range(k):
                x0 = bx + t * step
                pieces.append((x0, by, x0 + step, by + bh, x0 + step / 2, by + bh / 2))
        if pieces:
            out = np.concatenate([out, np.array(pieces, np.float32)])
    return out


def _chains(comp: np.ndarray) -> list[np.ndarray]:
    """Link each component to its nearest right-hand neighbour of similar height on the same text line."""
    n = len(comp)
    if n < 2:
        return []
    x0, y0, x1, y1, cx, cy = comp.T
    h = y1 - y0
    reach = float(np.percentile(h, 99)) * 2.6 + 2
    pairs = pairs_within(comp[:, 4:6], reach)
    if not len(pairs):
        return []
    pairs = np.concatenate([pairs, pairs[:, ::-1]])
    i, j = pairs[:, 0], pairs[:, 1]
    gap = x0[j] - x1[i]  # space from i's right edge to j's left edge
    dx = cx[j] - cx[i]
    dy = np.abs(cy[j] - cy[i])
    hr = h[j] / h[i]
    ok = (dx > 0) & (gap > -0.35 * h[i]) & (gap < 1.1 * h[i]) & (dy < 0.25 * h[i] + 0.45 * dx)
    ok &= (hr > 0.55) & (hr < 1.8)
    i, j, dist = i[ok], j[ok], (dx + 2 * dy)[ok]
    if not len(i):
        return []
    order = np.lexsort((dist, i))  # per i, nearest first
    right = np.full(n, -1)
    first = np.ones(len(order), bool)
    first[1:] = i[order][1:] != i[order][:-1]
    right[i[order][first]] = j[order][first]
    order = np.lexsort((dist, j))  # per j, nearest left-hand partner first
    first = np.ones(len(order), bool)
    first[1:] = j[order][1:] != j[order][:-1]
    left_best = np.full(n, -1)
    left_best[j[order][first]] = i[order][first]
    nxt = np.full(n, -1)
    has = np.nonzero(right >= 0)[0]
    mutual = left_best[right[has]] == has
    nxt[has[mutual]] = right[has[mutual]]
    is_target = np.zeros(n, bool)
    is_target[nxt[nxt >= 0]] = True
    chains = []
    for s in np.nonzero(~is_target & (nxt >= 0))[0]:
        chain = [int(s)]
        while nxt[chain[-1]] >= 0 and len(chain) <= n:
            chain.append(int(nxt[chain[-1]]))
        if len(chain) >= MIN_FRAGMENT:
            chains.append(np.array(chain))
    return _join_fragments(comp, chains)


def _join_fragments(comp: np.ndarray, chains: list[np.ndarray]) -> list[np.ndarray]:
    """Join chains that continue each other on the same text line (a line broken by a merged or split glyph,
    or by background print touching a character); keep the results of at least 8 components."""
    h = comp[:, 3] - comp[:, 1]
    frags = [list(c) for c in sorted(chains, key=lambda c: float(comp[c[0], 4]))]

    def stats(f: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        first, last = comp[f[0], 4:6], comp[f[-1], 4:6]
        d = last - first
        return first, last, d / max(float(np.linalg.norm(d)), 1e-6), float(np.median(h[f]))

    info = [stats(f) for f in frags]
    i = 0
    while i < len(frags):
        _, last, d, ha = info[i]
        nrm = np.array([-d[1], d[0]])
        for j in range(len(frags)):
            if j == i:
                continue
            first_b, _, db, hb = info[j]
            delta = first_b - last
            along, across = float(delta @ d), abs(float(delta @ nrm))
            if 0 < along < 2.6 * ha and across < 0.35 * ha and 0.7 < hb / ha < 1.4 and float(db @ d) > 0.995:
                frags[i].extend(frags[j])
                del frags[j], info[j]
                if j < i:
                    i -= 1
                info[i] = stats(frags[i])
                break
        else:
            i += 1
    return [np.array(f) for f in frags if len(f) >= 8]


def _blobs(gray: np.ndarray, split_runs: bool = False) -> list[LineBlob]:
    """Text lines of at least 8 linked components, as rotated rectangles."""
    comp = _components(gray, split_runs)
    if len(comp) > 30000:
        return []
    out = []
    for chain in _chains(comp):
        c = comp[chain]
        pts = c[:, 4:6]
        mean = pts.mean(axis=0)
        _, _, vt = np.linalg.svd(pts - mean, full_matrices=False)
        d = vt[0] if vt[0][0] >= 0 else -vt[0]
        if abs(d[1]) > 0.6:
            continue
        nrm = np.array([-d[1], d[0]])
        corners = np.concatenate([c[:, [0, 1]], c[:, [2, 1]], c[:, [2, 3]], c[:, [0, 3]]])
        along = (corners - mean) @ d
        across = (corners - mean) @ nrm
        length = float(along.max() - along.min())
        thickness = float(np.median(c[:, 3] - c[:, 1]))
        if length < 40 or length / thickness < 8:
            continue
        center = mean + d * (along.max() + along.min()) / 2 + nrm * (np.median(across))
        out.append(LineBlob(center, d, length, thickness))
    return _merge_collinear(out)


def _merge_collinear(blobs: list[LineBlob]) -> list[LineBlob]:
    """Join line pieces that continue each other: same direction and baseline, a gap of at most a few glyphs.

    Blur, glare or noise can break one MRZ line into chains the component linking cannot bridge (a merged run of
    glyphs, a hole in the ink); two equally long lines are needed to recognise the band.
    """
    blobs = sorted(blobs, key=lambda b: float(b.center[0]))
    merged = True
    while merged:
        merged = False
        for i, a in enumerate(blobs):
            for j, b in enumerate(blobs):
                if i == j or abs(a.angle - b.angle) > 3 or not 0.6 < b.thickness / a.thickness < 1.6:
                    continue
                delta = b.center - a.center
                along, across = float(delta @ a.direction), abs(float(delta @ a.normal))
                gap = along - (a.length + b.length) / 2
                thick = max(a.thickness, b.thickness)
                # pieces may also overlap: chains of one line can share a stretch (a stray component, a glyph
                # split in two) and their ends then reach past each other
                if along <= 0 or across > 0.4 * thick or not -min(a.length, b.length) < gap < MERGE_GAP * thick:
                    continue
                ends = [float((p - a.center) @ a.direction) for p in (a.center - a.direction * a.length / 2,
                        a.center + a.direction * a.length / 2, b.center - a.direction * b.length / 2,
                        b.center + a.direction * b.length / 2)]
                start = a.center + a.direction * min(ends)
                end = a.center + a.direction * max(ends)
                length = float((end - start) @ a.direction)
                w = a.length / (a.length + b.length)
                joined = LineBlob((start + end) / 2, a.direction, length, w * a.thickness + (1 - w) * b.thickness)
                blobs = [x for k, x in enumerate(blobs) if k not in (i, j)] + [joined]
                merged = True
                break
            if merged:
                break
    return blobs


def _compatible(a: LineBlob, b: LineBlob, partial: bool = False) -> bool:
    """b lies directly below a, parallel, of similar length and left-aligned; with ``partial`` one of them may be
    down to PARTIAL_RATIO of the other if it starts or ends where the other does."""
    ratio = b.length / a.length
    low = PARTIAL_RATIO if partial else MIN_LENGTH_RATIO
    if abs(a.angle - b.angle) > 5 or not low < ratio < 1 / low:
        return False
    if not 0.6 < b.thickness / a.thickness < 1.6:
        return False
    delta = b.center - a.center
    across = float(delta @ a.normal)
    along = float(delta @ a.direction)
    thick = (a.thickness + b.thickness) / 2
    if not 0.8 * thick < across < 3.2 * thick:
        return False
    if abs(along) < 0.12 * a.length and MIN_LENGTH_RATIO < ratio < 1 / MIN_LENGTH_RATIO:
        return True
    # a line whose end was lost (blur, glare) is shorter but still starts or ends with its neighbour
    half = (b.length - a.length) / 2
    return min(abs(along - half), abs(along + half)) < 0.04 * max(a.length, b.length)


def _equalise(group: list[LineBlob]) -> list[LineBlob]:
    """MRZ lines are equally long: a band with a clearly shorter line (part of it not detected) takes the
    longest line's extent for all of its lines."""
    longest = max(group, key=lambda ln: ln.length)
    if min(ln.length for ln in group) >= 0.8 * longest.length:
        return group
    out = []
    for ln in group:
        across = float((ln.center - longest.center) @ longest.normal)
        out.append(LineBlob(longest.center + longest.normal * across, longest.direction, longest.length,
                            ln.thickness))
    return out


def _quad(lines: list[LineBlob]) -> np.ndarray:
    top, bottom = lines[0], lines[-1]

    def ends(ln: LineBlob, side: float) -> tuple[np.ndarray, np.ndarray]:
        off = ln.normal * side * ln.thickness / 2
        half = ln.direction * ln.length / 2
        return ln.center - half + off, ln.center + half + off

    tl, tr = ends(top, -1)
    bl, br = ends(bottom, 1)
    return np.array([tl, tr, br, bl], np.float32)


def find_bands(frame_gray: np.ndarray, width: int = DETECT_WIDTH, split_runs: bool = False,
               partial: bool = False) -> list[Band]:
    """MRZ band candidates, most plausible first, with quads in frame coordinates; detection runs on a copy
    scaled to ``width`` px (the reader retries at full resolution for small print). With ``partial`` a line found
    only in part pairs with its neighbour (``_compatible``): blur and background noise can leave half of an MRZ
    line as one chain and the rest too far off to join (seed 51508). Only in the reader's late pass: in the first
    pass such a band, given the longer line's extent, was read less well than the band the full-resolution pass
    finds and then skips as the same (benchmark frame 81)."""
    return bands_of(*text_lines(frame_gray, width, split_runs), partial)


def text_lines(frame_gray: np.ndarray, width: int = DETECT_WIDTH, split_runs: bool = False
               ) -> tuple[list[LineBlob], float]:
    """The text lines of a copy of the frame scaled to ``width`` px, top to bottom, and that copy's scale: the
    costly half of :func:`find_bands`, which the reader's late pass pairs twice (without and with ``partial``)."""
    h, w = frame_gray.shape[:2]
    scale = min(1.0, width / w)
    small = cv2.resize(frame_gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) \
        if scale < 1 else frame_gray
    return sorted(_blobs(small, split_runs), key=lambda b: b.center[1] * 1.0), scale


def bands_of(blobs: list[LineBlob], scale: float, partial: bool = False) -> list[Band]:
    """The bands :func:`find_bands` pairs from ``text_lines``'s lines, in frame coordinates."""

    def to_frame(lines: list[LineBlob]) -> tuple[LineBlob, ...]:
        return tuple(LineBlob(ln.center / scale, ln.direction, ln.length / scale, ln.thickness / scale)
                     for ln in lines)

    bands: list[tuple[float, Band]] = []
    for i, a in enumerate(blobs):
        below = [b for b in blobs[i + 1:] if _compatible(a, b, partial)]
        for b in below:
            group = [a, b]
            third = [c for c in blobs if c is not a and c is not b and _compatible(b, c, partial)]
            if third:
                group.append(min(third, key=lambda c: float((c.center - b.center) @ b.normal)))
            if any(_compatible(c, a) for c in blobs if c is not a and c is not b):
                continue  # a has a compatible line above: the band starts higher up
            equal = _equalise(group)
            quad = _quad(equal) / scale
            score = len(equal) * 1000 + float(np.mean([ln.length for ln in equal]))
            measured = to_frame(group) if equal is not group else ()
            bands.append((score, Band(to_frame(equal), quad.astype(np.float32), measured)))
    bands.sort(key=lambda t: -t[0])
    return [b for _, b in bands]


TD1_OUTER = (6.5, 12.5)  # line length / spacing of a TD1 band's first and third line (its middle one missing)
TD1_ADJACENT = (12.5, 23.0)  # ... of two adjacent TD1 lines (overlaps TD2's ~18-27)


def completed(band: Band) -> list[Band]:
    """TD1 bands a 2-line band may be part of: with the middle line added when its lines are as far apart as a
    TD1's outer lines, or with a line above or below when they are as close as adjacent TD1 lines.

    Why: blur, glare or a merged run of glyphs can hide one line of a TD1, and a band of the other two has no
    TD1 reading at all (fresh frames 121429, 121882)."""
    if band.count != 2:
        return []
    a, b = band.lines
    d = a.direction + b.direction
    d = d / np.linalg.norm(d)
    n = np.array([-d[1], d[0]])
    spacing = float((b.center - a.center) @ n)
    if spacing <= 0:
        return []
    ratio = (a.length + b.length) / 2 / spacing
    ref = max(band.lines, key=lambda ln: ln.length)
    thick = (a.thickness + b.thickness) / 2

    def line_at(offset: float) -> LineBlob:  # a line ``offset`` below ``a``, aligned with the longer line
        c = a.center + offset * n
        return LineBlob(c + float((ref.center - c) @ d) * d, d, ref.length, thick)

    groups = []
    if TD1_OUTER[0] <= ratio < TD1_OUTER[1]:
        groups.append([a, line_at(spacing / 2), b])
    if TD1_ADJACENT[0] <= ratio < TD1_ADJACENT[1]:
        groups += [[line_at(-spacing), a, b], [a, b, line_at(2 * spacing)]]
    return [Band(tuple(g), _quad(g).astype(np.float32)) for g in groups]


def largest_text_line(frame_gray: np.ndarray) -> float:
    """Length in frame pixels of the longest line-like blob (for the 'closer' hint); 0 when none."""
    h, w = frame_gray.shape[:2]
    scale = min(1.0, DETECT_WIDTH / w)
    small = cv2.resize(frame_gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    blobs = _blobs(small)
    return max((b.length for b in blobs), default=0.0) / scale
