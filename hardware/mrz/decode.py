"""Turning per-cell glyph scores into MRZ text that every check digit confirms, or into nothing.

Each position keeps the characters its field allows. Protected positions (under a check digit) may take a
runner-up character if the OCR found it nearly as likely; the cheapest combination of at most ``max_edits`` such
swaps that satisfies all check digits and the syntax wins, but only if no other valid combination comes close
(otherwise the read is ambiguous: G vs 6 in a document number can never be told apart by the check digit).
Unprotected positions (names, state codes, sex) have no check digit, so they must be clearly recognised.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .checkdigit import ALPHABET, char_value
from .layouts import Layout, allowed_chars
from .ocr import stroke_presence
from .parse import failed_checks, syntax_problems

_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_VALUE_MOD10 = np.array([char_value(ch) % 10 for ch in ALPHABET])


@dataclass(frozen=True)
class DecodeConfig:
    min_score: float = 0.45  # weakest acceptable best-match score of any cell
    min_margin_unprotected: float = 0.04  # best vs runner-up where no check digit can catch an error
    alt_cost: float = 0.04  # runner-ups this close to the best are tried at protected positions
    max_edits: int = 2
    max_alternatives: int = 10
    ambiguity_margin: float = 0.05  # the best valid reading must beat every other valid one by this much
    uncertain_margin: float = 0.05  # a cell whose runner-up is this close is "uncertain" ...
    max_uncertain: int = 4  # ... and a frame with more of them is too poor to trust any check-digit luck
    # where checks cannot help, the margin each recogniser needs on its own (ZNCC, classifier log-probability)
    opinion_margins: tuple[float, ...] = (0.015, 0.0)
    # unprotected cells read this thinly against their stroke twin (E/F, R/P, Q/O, G/C): the stroke that tells
    # them apart must be clearly inked (presence >= high) or clearly blank (<= low) in the cell
    stroke_thin: float = 0.05
    stroke_low: float = 0.3
    stroke_high: float = 0.5
    # a read whose thinnest unprotected cell is below this is checked against the line recogniser at every band
    # length (``reader._lines_agree_otherwise``); clearer reads only at the read's own length
    line_check_margin: float = 0.1
    # the line recognisers' agreed text is refused where the cell reader, in at least ``dispute_reads`` aligned
    # reads and all of them, prefers another character no check digit would notice by more than this
    # (``disputed``)
    dispute_margin: float = 0.05
    dispute_reads: int = 3


@dataclass(frozen=True)
class Decoded:
    lines: list[str]
    cost: float
    edits: int
    min_margin: float
    rival: float = float("inf")  # how much more the next valid reading of the scores costs


def _mask(layout: Layout, state: str) -> np.ndarray:
    allowed = allowed_chars(layout, issuing_state=state)
    m = np.zeros((len(allowed), len(ALPHABET)), bool)
    for i, chars in enumerate(allowed):
        m[i, [_INDEX[c] for c in chars]] = True
    return m


def _groups(layout: Layout) -> list[frozenset[int]]:
    """Flat positions under each check digit (data and the digit itself)."""
    out = []
    for g in layout.checks:
        cells = {line * layout.length + c for line, a, b in g.spans for c in range(a, b)}
        out.append(frozenset(cells | {g.digit[0] * layout.length + g.digit[1]}))
    return out


def _read_index(layout: Layout, lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """For a read ``lines``: each position's ALPHABET index, and the (positions, 37) mask of the characters each
    field allows (the issuing state taken from the read)."""
    text = "".join(lines)
    f = layout.field("issuing_state")
    st = f.line * layout.length + f.start
    return np.array([_INDEX[c] for c in text]), _mask(layout, text[st:st + 3])


def _split(layout: Layout, flat: list[str]) -> list[str]:
    s = "".join(flat)
    return [s[i * layout.length:(i + 1) * layout.length] for i in range(layout.lines)]


def decode(layout: Layout, scores: np.ndarray, cfg: DecodeConfig = DecodeConfig(),
           opinions: tuple[np.ndarray, ...] = ()) -> tuple[Decoded | None, str]:
    """Best valid reading of ``scores`` (positions x 37) under ``layout``, with a reason when there is none.

    ``opinions`` are the separate recognisers' scores that ``scores`` combines (same shape): where no check
    digit protects a cell, each of them must pick the same character as the combination.
    """
    if scores.shape != (layout.lines * layout.length, len(ALPHABET)):
        return None, "shape"
    f = layout.field("issuing_state")
    st = f.line * layout.length + f.start
    state = "".join(ALPHABET[int(j)] for j in scores[st:st + 3].argmax(axis=1))
    masked = np.where(_mask(layout, state), scores, -np.inf)
    order = np.argsort(-masked, axis=1)
    best = masked[np.arange(len(masked)), order[:, 0]]
    second = masked[np.arange(len(masked)), order[:, 1]]
    if not np.all(np.isfinite(best)) or best.min() < cfg.min_score:
        return None, "weak"
    margin = best - second
    unprot = np.array([i not in layout.protected for i in range(len(best))])
    if unprot.any() and margin[unprot].min() < cfg.min_margin_unprotected:
        return None, "uncertain"
    # Check digits cannot tell apart characters whose values differ by a multiple of 10 (G/Q, 6/G, K/U, '<'/K):
    # against those look-alikes a protected cell is as unprotected as a name character.
    allowed = np.isfinite(masked)
    twins = allowed & (_VALUE_MOD10[None, :] == _VALUE_MOD10[order[:, 0]][:, None])
    twins[unprot] = allowed[unprot]  # unprotected: every other allowed character
    twins[np.arange(len(best)), order[:, 0]] = False
    twin_best = np.where(twins, masked, -np.inf).max(axis=1)
    if np.any(best - twin_best < cfg.min_margin_unprotected):
        return None, "uncertain"
    # Where only one check digit covers a cell (TD1/TD2 optional data under the composite digit alone), two
    # misreads cancel out in one case of ten: there every recogniser must agree on the character outright.
    single = np.array(layout.coverage) == 1
    twins[single] = allowed[single]
    twins[np.arange(len(best)), order[:, 0]] = True
    for op, need in zip(opinions, cfg.opinion_margins, strict=False):
        among = np.where(twins, op, -np.inf)
        pick = among.argmax(axis=1)
        if np.any(pick != order[:, 0]):
            return None, "disagree"
        # ... and each by a margin of its own: one confident recogniser must not outvote a hesitant one
        own = among[np.arange(len(best)), pick]
        among[np.arange(len(best)), pick] = -np.inf
        if np.any(own - among.max(axis=1) < need):
            return None, "uncertain"
    if int((margin < cfg.uncertain_margin).sum()) > cfg.max_uncertain:
        return None, "poor"
    base = [ALPHABET[int(j)] for j in order[:, 0]]
    wide = []  # (cost, position, char): runner-ups within the line check's reach
    reach = max(cfg.alt_cost, cfg.line_check_margin)
    for i in layout.protected:
        for r in range(1, 4):
            cost = float(best[i] - masked[i, order[i, r]])
            if not np.isfinite(cost) or cost > reach:
                break
            wide.append((cost, i, ALPHABET[int(order[i, r])]))
    wide.sort()
    alts = [a for a in wide if a[0] <= cfg.alt_cost][:cfg.max_alternatives]
    valid = _valid_readings(layout, base, alts, cfg.max_edits)
    if not valid:
        return None, "checks"
    valid.sort(key=lambda v: v[0])
    cost, edits, lines, edited = valid[0]
    if len(valid) > 1 and valid[1][0] - cost < cfg.ambiguity_margin:
        return None, "ambiguous"
    # An edit satisfies a check digit; if another cell under the same (smallest) check digit is doubtful too,
    # the edit may merely cancel that cell's misread (O for 0 at weight 7 plus C for 0 at weight 1 adds 180,
    # seen on a generated frame): one check digit cannot locate two errors.
    doubtful = margin < cfg.alt_cost
    for p in edited:
        group = min((g for g in _groups(layout) if p in g), key=len)
        if any(doubtful[q] and q not in edited for q in group):
            return None, "ambiguous"
    prot = ~unprot
    rival = _rival(layout, base, wide[:cfg.max_alternatives], lines, cost, cfg.max_edits)
    return Decoded(lines, cost, edits, float(margin[prot].min() if prot.any() else 1.0), rival), "ok"


def _valid_readings(layout: Layout, base: list[str], alts: list[tuple[float, int, str]], max_edits: int
                    ) -> list[tuple[float, int, list[str], frozenset[int]]]:
    """Every reading of ``base`` with up to ``max_edits`` of the runner-ups ``alts`` (cost, position, char) that
    passes all check digits and the syntax: (summed cost, edits, lines, edited positions)."""
    valid = []
    for n_edits in range(max_edits + 1):
        for combo in itertools.combinations(alts, n_edits):
            if len({p for _, p, _ in combo}) < n_edits:
                continue
            flat = list(base)
            for _, p, ch in combo:
                flat[p] = ch
            lines = _split(layout, flat)
            if failed_checks(layout, lines) or syntax_problems(layout, lines):
                continue
            valid.append((sum(c for c, _, _ in combo), n_edits, lines, frozenset(p for _, p, _ in combo)))
    return valid


def _rival(layout: Layout, base: list[str], alts: list[tuple[float, int, str]], chosen: list[str], cost: float,
           max_edits: int) -> float:
    """How much more than ``cost`` the cheapest other valid reading from ``alts`` costs (inf if there is none).

    Why: the decoder's ambiguity margin only looks at runner-ups within ``alt_cost``; two cells a little further
    off can still cancel in a check digit (fresh frame 161407: a clean TD3 whose document number 8G7MAT00 the cell
    reader read as 8G7MATOO, O over 0 by 0.034 and 0.042 at weights 7 and 3, which add 240). The reader then asks
    the line models (``reader._lines_agree_otherwise``)."""
    return min((c - cost for c, _, lines, _ in _valid_readings(layout, base, alts, max_edits) if lines != chosen),
               default=float("inf"))


def _aligned(layout: Layout, lines: list[str], scores: np.ndarray,
             min_overlap: float) -> tuple[np.ndarray, np.ndarray] | None:
    """For a read ``lines`` and another read's ``scores``: the flat indices of ``lines`` and the mask of the
    look-alikes no check digit would notice (every other allowed character where a cell is unprotected or singly
    covered, the check-digit twins elsewhere); None if ``scores`` is a slipped grid (its best text matches
    ``lines`` in fewer than ``min_overlap`` of the positions)."""
    idx, allowed = _read_index(layout, lines)
    if float((np.where(allowed, scores, -np.inf).argmax(axis=1) == idx).mean()) < min_overlap:
        return None
    unprot = np.array([i not in layout.protected for i in range(len(idx))])
    risky = unprot | (np.array(layout.coverage) == 1)
    twin = allowed & (_VALUE_MOD10[None, :] == _VALUE_MOD10[idx][:, None])
    unseen = np.where(risky[:, None], allowed, twin)
    unseen[np.arange(len(idx)), idx] = False
    return idx, unseen


def contradicted(layout: Layout, lines: list[str], earlier: list[tuple[np.ndarray, np.ndarray]],
                 cfg: DecodeConfig = DecodeConfig(), min_overlap: float = 0.85) -> bool:
    """True if another read of the same band at the same length (the refitted warp, when the plain one decoded)
    had a recogniser pick another character where no check digit would notice.

    ``earlier`` holds the combined scores (positions, 37) and the recognisers' scores (2, positions, 37) of those
    reads. Where a cell is unprotected, singly covered or the other character is a check-digit twin, a recogniser
    that picked another character by its own margin (``cfg.opinion_margins``) vetoes the read: a faint bottom bar
    was read as F by both recognisers in the plain warp and as E by the classifier in the refitted one (seen on a
    development frame), and every rule held for the F. (That frame's F then passed at another band length, where
    both warps saw it: docs/mrz.md, Known limits.)
    """
    for scores, parts in earlier:
        a = _aligned(layout, lines, scores, min_overlap)
        if a is None:
            continue
        idx, unseen = a
        rows = np.arange(len(idx))
        for op, need in zip(parts, cfg.opinion_margins, strict=False):
            other = np.where(unseen, op, -np.inf).max(axis=1)
            if np.any(other - op[rows, idx] >= max(need, 1e-6)):
                return True
    return False


def outvoted(layout: Layout, lines: list[str], scores: np.ndarray, earlier: list[np.ndarray],
             cfg: DecodeConfig = DecodeConfig(), thin: float = 0.05, min_overlap: float = 0.85) -> bool:
    """True if a thinly read cell (margin < ``thin`` over a look-alike no check digit would notice) was read as
    another character by the earlier reads of the same band (other band lengths, the other warp): by most of them
    or by their summed margins. ``earlier`` are those reads' combined scores (positions, 37); slipped grids are
    ignored. A TD2 optional-data G was read as Q (a check-digit twin, margin 0.042) at the sixth band length after
    eight reads that all saw G (development frame)."""
    a = _aligned(layout, lines, scores, 0.0)
    if a is None or not earlier:
        return False
    idx, unseen = a
    rows = np.arange(len(idx))
    own = scores[rows, idx] - np.where(unseen, scores, -np.inf).max(axis=1)
    doubt = np.isfinite(own) & (own < thin)
    if not doubt.any():
        return False
    total = np.where(doubt, own, 0.0)
    pro = np.zeros(len(idx), int)
    con = np.zeros(len(idx), int)
    for sc in earlier:
        if _aligned(layout, lines, sc, min_overlap) is None:
            continue
        m = sc[rows, idx] - np.where(unseen, sc, -np.inf).max(axis=1)
        m = np.where(np.isfinite(m), m, 0.0)
        total += m
        pro += m > 0
        con += m < 0
    return bool(np.any(doubt & ((total <= 0) | (con > pro))))


def disputed(layout: Layout, lines: list[str], reads: list[np.ndarray], cfg: DecodeConfig = DecodeConfig(),
             min_overlap: float = 0.85) -> bool:
    """True if at some cell every one of the cell reader's ``reads`` (combined scores, positions x 37) that is
    aligned with ``lines`` prefers a character no check digit would notice by more than ``cfg.dispute_margin``,
    and at least ``cfg.dispute_reads`` reads are aligned.

    Why: both line models were trained on the same generator and can share a misread. On a held-out frame (seed
    71459, TD1 at 640x480) they read KAYA as KATA 5 times (and KAYA once, which alone kept KATA from being
    agreed); the cell reader, a different recogniser, preferred Y there in all 9 of its aligned reads, by 0.07 to
    0.18. On 168 logged right line results this rule refused 3 (the cell reader misreading a name letter the same
    way at every length).
    """
    margins = []
    for sc in reads:
        a = _aligned(layout, lines, sc, min_overlap)
        if a is None:
            continue
        idx, unseen = a
        other = np.where(unseen, sc, -np.inf).max(axis=1)
        margins.append(other - sc[np.arange(len(idx)), idx])
    if len(margins) < cfg.dispute_reads:
        return False
    return bool(np.any(np.min(margins, axis=0) > cfg.dispute_margin))


def _aligned_picks(layout: Layout, lines: list[str], reads: list[np.ndarray], min_overlap: float) -> np.ndarray:
    """Per read of ``reads`` aligned with ``lines`` (as in :func:`_aligned`), the character it picks at each cell
    among those the field allows: an (aligned reads, positions) array of ALPHABET indices."""
    idx, allowed = _read_index(layout, lines)
    picks = [p for sc in reads if float(((p := np.where(allowed, sc, -np.inf).argmax(axis=1)) == idx).mean())
             >= min_overlap]
    return np.array(picks).reshape(len(picks), len(idx))


def preferred(layout: Layout, lines: list[str], other: list[str], reads: list[np.ndarray],
              min_overlap: float = 0.85) -> bool:
    """True if more than half of the cell reader's ``reads`` that are aligned with ``lines`` pick ``other``'s
    character (best of those its field allows) at every cell where ``other`` differs from ``lines``.

    Unlike :func:`disputed` this asks for no margin: it only says which way the cell reader leans, as a second
    witness beside a line model's reads of ``other`` (``reader._contested``)."""
    flat, alt = "".join(lines), "".join(other)
    cells = [i for i, (a, b) in enumerate(zip(flat, alt, strict=True)) if a != b]
    picks = _aligned_picks(layout, lines, reads, min_overlap)
    if not cells or not len(picks):
        return False
    backing = np.all(picks[:, cells] == np.array([_INDEX[alt[i]] for i in cells]), axis=1)
    return 2 * int(backing.sum()) > len(picks)


def leans_otherwise(layout: Layout, lines: list[str], reads: list[np.ndarray], min_overlap: float = 0.85) -> bool:
    """True if at some cell no check digit covers, more than half of the cell reader's ``reads`` aligned with
    ``lines`` pick another character (best of those its field allows). For the stream's clear witnesses."""
    idx = np.array([_INDEX[c] for c in "".join(lines)])
    picks = _aligned_picks(layout, lines, reads, min_overlap)
    unprot = np.array([i not in layout.protected for i in range(len(idx))])
    return bool(np.any(unprot & (2 * (picks != idx).sum(axis=0) > len(picks))))


def stroke_doubt(layout: Layout, lines: list[str], scores: np.ndarray, cells: np.ndarray,
                 cfg: DecodeConfig = DecodeConfig()) -> bool:
    """True if an unprotected cell read with a thin margin (< ``cfg.stroke_thin``) over its stroke twin (the same
    glyph plus or minus one small stroke: E/F, R/P, Q/O, G/C) does not clearly show what the read claims: the
    stroke only the fuller glyph has must be inked (``stroke_presence`` >= ``cfg.stroke_high``) if the read is the
    fuller glyph, blank (<= ``cfg.stroke_low``) if it is the other. ``cells`` are the read's cell windows (positions,
    CELL_H, PITCH). A faint bottom bar was read as F in JUERGEN by both recognisers at margin 0.044 (development
    frame 94); its bar measured 0.38 of the other strokes' ink."""
    idx, allowed = _read_index(layout, lines)
    masked = np.where(allowed, scores, -np.inf)
    for i in range(len(idx)):
        if i in layout.protected:
            continue
        own = masked[i, idx[i]]
        for j in np.nonzero(own - masked[i] < cfg.stroke_thin)[0]:
            if j == idx[i]:
                continue
            found = stroke_presence(cells[i], int(idx[i]), int(j))
            if found is None:
                continue
            p, fuller_read = found
            if (p < cfg.stroke_high) if fuller_read else (p > cfg.stroke_low):
                return True
    return False


def thinnest_unprotected(layout: Layout, lines: list[str], scores: np.ndarray) -> float:
    """The smallest margin, over the cells no check digit protects, by which ``scores`` prefer the read character
    of ``lines`` to the best other character the field allows (inf if every cell is protected)."""
    idx, allowed = _read_index(layout, lines)
    masked = np.where(allowed, scores, -np.inf)
    rows = np.arange(len(idx))
    own = masked[rows, idx]
    masked[rows, idx] = -np.inf
    margin = own - masked.max(axis=1)
    unprot = np.array([i not in layout.protected for i in range(len(idx))])
    return float(margin[unprot].min()) if unprot.any() else float("inf")

