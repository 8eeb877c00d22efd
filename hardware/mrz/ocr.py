"""Reading a rectified MRZ line: every fixed-pitch cell is scored by two recognisers.

Pass 1 searches +-half a pitch around each nominal cell with one template set and fits the grid through the
best positions (absorbing residual pitch, skew and perspective errors). Pass 2 scores each cell +-1 px around the
fitted position against all template variants (zero-normalised cross-correlation, ZNCC) and, at the best
matching position, with the learned glyph classifier (``classifier.py``, log-probabilities). The decoder works
on ZNCC + log-probability * CLASSIFIER_WEIGHT and, where check digits cannot catch a misread, demands that both
recognisers agree (``decode.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .checkdigit import ALPHABET
from .classifier import log_probs
from .glyphs import CELL_H, GLYPH_HEIGHT, PITCH, TOP_PAD, motion_templates, templates
from .rectify import Rectified

USE_CLASSIFIER = True
CLASSIFIER_WEIGHT = 1 / 60  # one unit of log-probability counts as much as 0.017 of ZNCC
LOG_PROB_FLOOR = -30.0
_OFFSETS = np.array([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)])

SEARCH_X = PITCH // 2
COARSE_GLYPHS = "<OIMWAES127XLT"  # the position search (pass 1) matches these shapes only
SEARCH_Y = 4


def _normalise(windows: np.ndarray) -> np.ndarray:
    """Zero-mean, unit-norm rows (flattened windows); flat windows become zero."""
    flat = windows.reshape(windows.shape[0], -1).astype(np.float32)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(flat, axis=1, keepdims=True)
    return flat / np.maximum(norm, 1e-3)


_TEMPLATE_CACHE: dict[str, np.ndarray] = {}


def _template_matrix(kind: str) -> np.ndarray:
    """(37 * variants, D) normalised templates; 'coarse' = one blurred variant for the position search, 'full' =
    all variants, 'motion' = all variants and the motion-blurred ones."""
    if kind not in _TEMPLATE_CACHE:
        t = templates()
        sel = t[1:2] if kind == "coarse" else t
        if kind == "motion":
            sel = np.concatenate([t, motion_templates()])
        v, c = sel.shape[:2]
        _TEMPLATE_CACHE[kind] = _normalise(sel.reshape(v * c, CELL_H, PITCH))
    return _TEMPLATE_CACHE[kind]


def _coarse_templates() -> list[np.ndarray]:
    if "coarse_raw" not in _TEMPLATE_CACHE:
        idx = [ALPHABET.index(c) for c in COARSE_GLYPHS]
        _TEMPLATE_CACHE["coarse_raw"] = _normalise(templates()[1][idx]).reshape(-1, CELL_H, PITCH)
    return list(_TEMPLATE_CACHE["coarse_raw"])


def _fit(k: np.ndarray, v: np.ndarray, w: np.ndarray, degree: int) -> np.ndarray:
    """Weighted polynomial fit v ~ k (coefficients, highest first), refitted without the worst residuals."""
    mask = w > 0
    if mask.sum() < degree + 4:
        return np.array([0.0] * degree + [float(np.median(v))])
    coef = np.polyfit(k[mask], v[mask], degree, w=w[mask])
    for _ in range(2):
        res = np.abs(np.polyval(coef, k) - v)
        cut = max(1.0, float(np.percentile(res[mask], 75)))
        m2 = mask & (res <= cut)
        if m2.sum() < degree + 4:
            break
        coef = np.polyfit(k[m2], v[m2], degree, w=w[m2])
    return coef


def _unwrap(v: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Undo the modulo-pitch ambiguity of cell offsets: each confident offset is moved by whole pitches to be
    closest to the median of the previous three, so a slowly growing offset (perspective) is followed."""
    out = v.astype(float).copy()
    hist: list[float] = []
    for i in np.nonzero(ok)[0]:
        if hist:
            last = sorted(hist[-3:])
            ref = last[len(last) // 2] if len(last) % 2 else (last[0] + last[1]) / 2
            out[i] = v[i] + PITCH * round((ref - v[i]) / PITCH)
        hist.append(out[i])
    return out


def _edge_shift(view: np.ndarray, cx: np.ndarray, cy: np.ndarray, n: int, margin_x: int) -> int | None:
    """Whole-cell shift that puts ink in all n cells and blank cells just outside, or None if there is none.

    Every MRZ cell holds ink (even '<'), and the clear zone around the MRZ holds none. A grid that is off by one
    cell would read a plausible but shifted line, and names have no check digit to catch that.
    """
    ks = np.arange(-3, n + 3, dtype=float)
    x = np.round(np.polyval(cx, ks) + ks * PITCH).astype(int) + margin_x
    y = np.clip(np.round(np.polyval(cy, ks)).astype(int), 0, view.shape[0] - 1)
    inside = (x >= 0) & (x < view.shape[1])
    ink = np.zeros(len(ks))
    win = view[y[inside], x[inside]].reshape(int(inside.sum()), -1)
    ink[inside] = win.std(axis=1)
    ref = float(np.median(ink[3:3 + n]))
    if ref <= 1e-3:
        return None
    ink /= ref
    best = None
    relaxed = []
    for s in (-2, -1, 0, 1, 2):
        cells = ink[3 + s:3 + s + n]
        outside = max(ink[2 + s], ink[3 + s + n])
        if cells.min() > 0.45 and outside < 0.45 and (best is None or outside < best[1]):
            best = (s, outside)
        if cells.min() > 0.45 and outside < min(EDGE_RELAXED, cells.min() - EDGE_GAP):
            relaxed.append(s)
    if best is None and len(relaxed) == 1:
        # textured or glaring background next to the line: accept a fainter blank if the weakest cell of the line
        # still holds clearly more ink and no other shift fits at all
        return relaxed[0]
    return None if best is None else best[0]


EDGE_RELAXED = 0.65  # most ink a blank cell beside the line may hold (relative to a typical cell) ...
EDGE_GAP = 0.2  # ... if the line's weakest cell holds this much more, and no other shift fits


@dataclass
class _Pass1:
    view: np.ndarray
    search_y: int
    margin_x: int
    cx: np.ndarray  # quadratic fit of the x offset per cell
    cy: np.ndarray  # linear fit of the window row per cell
    dx: np.ndarray  # unwrapped x offset found per cell
    weight: np.ndarray  # confidence per cell (best coarse score - 0.3, >= 0)


def _pass1(rect: Rectified, line: int, search_x: int = SEARCH_X, search_y: int = SEARCH_Y) -> _Pass1:
    """Coarse search around each nominal cell (+-half a pitch unless told) with one template set, then fit the
    grid."""
    img = rect.image
    n = rect.n_chars
    top = rect.line_y[line] - GLYPH_HEIGHT * PITCH / 2 - TOP_PAD  # template row 0 for a centred line
    margin_x = 2 * PITCH
    y0 = round(top) - search_y
    x0 = round(rect.cell_x(0)) - margin_x
    h_need = CELL_H + 2 * search_y
    w_need = n * PITCH + 2 * margin_x
    pad = np.pad(img, ((h_need, h_need), (w_need, w_need)), mode="edge")
    strip = np.ascontiguousarray(pad[y0 + h_need:y0 + 2 * h_need, x0 + w_need:x0 + 2 * w_need], np.float32)
    view = sliding_window_view(strip, (CELL_H, PITCH))  # (2SY+1, w_need-PITCH+1, CELL_H, PITCH)
    ks = np.arange(n)
    dys, dxs = np.meshgrid(np.arange(2 * search_y + 1), np.arange(-search_x, search_x + 1), indexing="ij")
    xs = margin_x + ks[:, None] * PITCH + dxs.ravel()[None, :]
    ys = np.broadcast_to(dys.ravel()[None, :], xs.shape)
    # best ZNCC over the glyphs at every window position of the strip: correlation with zero-mean, unit-norm
    # templates, divided once by each window's norm about its mean
    best_map = None
    for t in _coarse_templates():
        r = cv2.matchTemplate(strip, t, cv2.TM_CCORR)
        best_map = r if best_map is None else np.maximum(best_map, r, out=best_map)
    area = CELL_H * PITCH
    s1 = cv2.boxFilter(strip, -1, (PITCH, CELL_H), anchor=(0, 0), normalize=False, borderType=cv2.BORDER_CONSTANT)
    s2 = cv2.boxFilter(strip * strip, -1, (PITCH, CELL_H), anchor=(0, 0), normalize=False,
                       borderType=cv2.BORDER_CONSTANT)
    var = s2[:best_map.shape[0], :best_map.shape[1]] - s1[:best_map.shape[0], :best_map.shape[1]] ** 2 / area
    best_map /= np.sqrt(np.maximum(var, 1e-2))
    best_pos = best_map[ys, xs]
    arg = best_pos.argmax(axis=1)
    weight = np.clip(best_pos[ks, arg] - 0.3, 0, None)
    kf = ks.astype(float)
    dx = _unwrap(dxs.ravel()[arg].astype(float), weight > 0.15)
    return _Pass1(view, search_y, margin_x, _fit(kf, dx, weight, 2), _fit(kf, ys[ks, arg].astype(float), weight, 1),
                  dx, weight)


def _line_cells(rect: Rectified, line: int, kind: str = "full") -> tuple[np.ndarray, np.ndarray] | None:
    """ZNCC of every cell against every template variant, (n_chars, positions, variants, 37), and the raw cell
    windows (n_chars, positions, CELL_H * PITCH); None when the line's ends do not fit the cell grid."""
    n = rect.n_chars
    p1 = _pass1(rect, line)
    view, margin_x, cx, cy = p1.view, p1.margin_x, p1.cx, p1.cy
    shift = _edge_shift(view, cx, cy, n, margin_x)
    if shift is None:
        return None
    # pass 2: all variants, +-1 px around the fitted positions (moved by whole cells if the ends say so)
    kk = np.arange(n, dtype=float) + shift
    fx = np.clip(np.round(np.polyval(cx, kk) + kk * PITCH).astype(int) + margin_x, 1, view.shape[1] - 2)
    fy = np.clip(np.round(np.polyval(cy, kk)).astype(int), 1, 2 * p1.search_y - 1)
    yy = fy[:, None] + _OFFSETS[None, :, 0]
    xx = fx[:, None] + _OFFSETS[None, :, 1]
    raw = view[yy.ravel(), xx.ravel()]
    sc = (_normalise(raw) @ _template_matrix(kind).T).reshape(n, len(_OFFSETS), -1, 37)
    return sc, raw.reshape(n, len(_OFFSETS), -1)


def score_parts(rect: Rectified, kind: str = "full") -> list[np.ndarray] | None:
    """Per line, the two opinions on every cell: ZNCC (best template variant and position), (n_chars, 37), and
    the classifier's log-probabilities at each cell's best-matching position, (n_chars, 37), stacked as
    (2, n_chars, 37); None if a line does not fit the grid."""
    out = score_parts_cells(rect, kind)
    return None if out is None else out[0]


def score_parts_cells(rect: Rectified, kind: str = "full") -> tuple[list[np.ndarray], np.ndarray] | None:
    """:func:`score_parts` and every cell's window at its best-matching position, (cells, CELL_H, PITCH), in MRZ
    position order (what :func:`stroke_presence` measures)."""
    cells = []
    for i in range(len(rect.line_y)):
        c = _line_cells(rect, i, kind)
        if c is None:
            return None
        cells.append(c)
    sc = np.concatenate([c[0] for c in cells])
    raw = np.concatenate([c[1] for c in cells])
    sc = sc.max(axis=2)  # (cells, positions, classes)
    zncc = sc.max(axis=1)
    n = len(sc)
    if USE_CLASSIFIER:
        pos = sc.max(axis=2).argmax(axis=1)
        lp = np.maximum(log_probs(raw[np.arange(n), pos]), LOG_PROB_FLOOR)
    else:
        lp = np.zeros_like(zncc)
    parts = np.stack([zncc, lp])
    n_chars = rect.n_chars
    pos = sc.max(axis=2).argmax(axis=1)
    windows = raw[np.arange(n), pos].reshape(n, CELL_H, PITCH)
    return [parts[:, i * n_chars:(i + 1) * n_chars] for i in range(len(cells))], windows


def combine(parts: np.ndarray) -> np.ndarray:
    """The decoder's score per cell and character from :func:`score_parts` output (..., 2, cells, 37)."""
    return parts[..., 0, :, :] + parts[..., 1, :, :] * CLASSIFIER_WEIGHT


def score_lines(rect: Rectified) -> list[np.ndarray] | None:
    """Combined scores (n_chars, 37) per line: ZNCC plus the weighted classifier log-probability."""
    parts = score_parts(rect)
    return None if parts is None else [combine(p) for p in parts]


def score_line(rect: Rectified, line: int) -> np.ndarray | None:
    """Scores (n_chars, 37) for one line (see :func:`score_lines`)."""
    lines = score_lines(rect)
    return None if lines is None else lines[line]


def grid_points(rect: Rectified) -> tuple[np.ndarray, np.ndarray] | None:
    """Where the coarse pass found the cells (canonical px) and where they belong on the ideal grid.

    Feeding these to a homography fit removes the perspective that the band's outline could not reveal.
    """
    src, dst = [], []
    for i in range(len(rect.line_y)):
        p1 = _pass1(rect, i)
        ks = np.arange(rect.n_chars, dtype=float)
        top = rect.line_y[i] - GLYPH_HEIGHT * PITCH / 2 - TOP_PAD
        y_row = round(top) - SEARCH_Y + np.polyval(p1.cy, ks)
        x = rect.cell_x(0) + ks * PITCH + np.polyval(p1.cx, ks)
        mid = float(np.polyval(p1.cy, rect.n_chars / 2)) + round(top) - SEARCH_Y
        src.append(np.stack([x, y_row], axis=1))
        dst.append(np.stack([rect.cell_x(0) + ks * PITCH, np.full_like(ks, mid)], axis=1))
    if not src:
        return None
    return np.concatenate(src).astype(np.float32), np.concatenate(dst).astype(np.float32)


def score_band_parts(rect: Rectified, kind: str = "full") -> np.ndarray | None:
    """(2, lines * n_chars, 37): ZNCC and classifier log-probabilities in MRZ position order, or None; ``kind``
    names the template set (see :func:`_template_matrix`)."""
    out = score_band_cells(rect, kind)
    return None if out is None else out[0]


def score_band_cells(rect: Rectified, kind: str = "full") -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`score_band_parts` and the cells' windows (see :func:`score_parts_cells`), or None."""
    out = score_parts_cells(rect, kind)
    return None if out is None else (np.concatenate(out[0], axis=1), out[1])


# OCR-B glyphs that are another glyph plus one small stroke (fuller first): E = F + bottom bar, R = P + leg,
# Q = O + tail, G = C + bar. Names have no check digit, and a faint stroke turns one into the other.
STROKE_TWINS = ("EF", "RP", "QO", "GC")
_STROKE_PAIRS = {frozenset((ALPHABET.index(a), ALPHABET.index(b))) for a, b in STROKE_TWINS}
_STROKE_CACHE: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None] = {}
_SHIFTS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def _stroke_masks(a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """For glyphs ``a`` and ``b`` (ALPHABET indices): the strokes only ``a`` has, those only ``b`` has, the ink
    both share and the paper both leave blank (boolean CELL_H x PITCH masks of the sharp plain rendering); None
    unless the two are :data:`STROKE_TWINS` (and their renderings show it: one is the other plus strokes)."""
    key = (a, b)
    if frozenset(key) not in _STROKE_PAIRS:
        return None
    if key not in _STROKE_CACHE:
        ink = 1.0 - templates()[0]
        k = np.ones((3, 3), np.uint8)
        near_a = cv2.dilate((ink[a] > 0.2).astype(np.uint8), k) > 0
        near_b = cv2.dilate((ink[b] > 0.2).astype(np.uint8), k) > 0
        only_a = (ink[a] > 0.5) & ~near_b
        only_b = (ink[b] > 0.5) & ~near_a
        both = (ink[a] > 0.5) & (ink[b] > 0.5)
        blank = ~near_a & ~near_b
        ok = min(only_a.sum(), only_b.sum()) <= 1 and max(only_a.sum(), only_b.sum()) >= 4 and both.sum() >= 10
        _STROKE_CACHE[key] = (only_a, only_b, both, blank) if ok else None
    return _STROKE_CACHE[key]


def stroke_presence(cell: np.ndarray, a: int, b: int) -> tuple[float, bool] | None:
    """How much of the strokes that tell glyphs ``a`` and ``b`` apart the cell window holds (1 where it shows the
    extra strokes of the fuller glyph as dark as the strokes both share, 0 where that place is as light as the
    paper), and whether ``a`` is the fuller glyph; None unless the two are :data:`STROKE_TWINS`.

    The window is aligned (+-1 px) on the shared strokes alone, so neither hypothesis is favoured; a faint bottom
    bar (E read as F) then measures between 0.3 and 0.5.
    """
    masks = _stroke_masks(a, b)
    if masks is None:
        return None
    only_a, only_b, both, blank = masks
    a_fuller = bool(only_a.sum() > only_b.sum())
    extra = only_a if a_fuller else only_b
    img = np.pad(cell.astype(np.float32), 1, mode="edge")
    best = None
    for dy, dx in _SHIFTS:
        w = img[1 + dy:1 + dy + CELL_H, 1 + dx:1 + dx + PITCH]
        fg = float(w[both].mean())
        bg = float(np.median(w[blank]))
        if best is None or bg - fg > best[0]:
            best = (bg - fg, float(w[extra].mean()), bg)
    contrast, extra_mean, bg = best
    if contrast <= 1e-3:
        return None
    return (bg - extra_mean) / contrast, a_fuller


def score_band(rect: Rectified) -> np.ndarray | None:
    """Scores for all lines, flattened to (lines * n_chars, 37) in MRZ position order; None if a line's ends
    do not fit the grid."""
    lines = score_lines(rect)
    return None if lines is None else np.concatenate(lines)
