"""Line finding: pieces of one broken MRZ line are joined, separate lines are not."""

from __future__ import annotations

import numpy as np

from hardware.mrz.locate import LineBlob, _merge_collinear


def _blob(x: float, y: float, length: float, thickness: float = 10.0, angle_deg: float = 0.0) -> LineBlob:
    a = np.radians(angle_deg)
    return LineBlob(np.array([x, y]), np.array([np.cos(a), np.sin(a)]), length, thickness)


def test_pieces_of_one_line_are_joined() -> None:
    # a line from x=100 to x=500, broken between 300 and 320 (two glyphs' gap)
    merged = _merge_collinear([_blob(200, 50, 200), _blob(410, 51, 180)])
    assert len(merged) == 1
    (line,) = merged
    assert abs(line.length - 400) < 1 and abs(line.center[0] - 300) < 1


def test_separate_lines_stay_apart() -> None:
    two_rows = [_blob(300, 50, 400), _blob(300, 70, 400)]  # the MRZ's lines, one below the other
    assert len(_merge_collinear(two_rows)) == 2
    far = [_blob(100, 50, 100), _blob(400, 50, 100)]  # 200 px = 20 line heights apart
    assert len(_merge_collinear(far)) == 2
    crossing = [_blob(200, 50, 200), _blob(410, 50, 180, angle_deg=10)]
    assert len(_merge_collinear(crossing)) == 2


def _draw_glyphs(img: np.ndarray, x: int, y: int, n: int, merged: range = range(0)) -> None:
    """``n`` glyph-sized dark boxes 12 px tall at pitch 10 px from (x, y); the glyphs in ``merged`` are one solid
    run, as blur leaves 999999990 on a card."""
    for k in range(n):
        x0 = x + 10 * k
        x1 = x0 + (10 if k + 1 in merged and k in merged else 7)
        img[y:y + 12, x0:x1] = 30
        img[y + 4:y + 8, x0 + 2:x0 + 4] = 235 if k not in merged else 30  # a counter, so glyphs are not plain bars


def _line_image(merged: range) -> np.ndarray:
    """A white image with one line of 30 glyphs."""
    img = np.full((80, 360), 235, np.uint8)
    _draw_glyphs(img, 20, 34, 30, merged)
    return img


def test_a_run_of_merged_glyphs_does_not_break_the_line() -> None:
    from hardware.mrz.locate import _blobs

    img = _line_image(range(12, 22))  # ten glyphs merged into one 97 px component
    assert max(b.length for b in _blobs(img)) < 150  # the first detection pass sees the 12 glyphs before the run
    lines = _blobs(img, split_runs=True)
    assert len(lines) == 1
    assert abs(lines[0].length - 297) < 6  # x 20 .. 317: the whole line, not the 12 glyphs before the run


def test_wide_non_glyph_components_are_not_cut_into_glyphs() -> None:
    from hardware.mrz.locate import _components

    img = np.full((80, 360), 235, np.uint8)
    img[30:46, 20:340] = 30  # a bar 20 heights wide (a dark stripe, a table rule): too wide for a run of glyphs
    img[60:62, 20:340] = 30  # a thin rule
    assert len(_components(img, split_runs=True)) == 0


def test_a_band_keeps_its_lines_as_detected_when_one_picked_up_background_print() -> None:
    """Held-out frame 7282: print beside the card, on the same rows as the MRZ's first line, joins that line; the
    band takes the longest line's extent (right when a line lost its end, wrong here), so the lines as detected
    stay with the band and the reader tries their extents too."""
    from hardware.mrz.locate import find_bands
    from hardware.mrz.reader import _line_extents

    img = np.full((140, 520), 235, np.uint8)
    for row in range(3):
        _draw_glyphs(img, 160, 40 + 22 * row, 30)  # the MRZ: x 160 .. 457
    _draw_glyphs(img, 60, 40, 8)  # background print ending two glyphs before the MRZ's first line: x 60 .. 137
    band = find_bands(img)[0]
    assert band.count == 3 and abs(band.length - 397) < 8  # all lines took the joined first line's extent
    assert [abs(ln.length - 297) < 4 for ln in band.measured] == [False, True, True]
    extents = [(round(min(ln.center[0] - ln.length / 2 for ln in v.lines)), round(v.lines[0].length))
               for v in _line_extents(band)]
    assert any(abs(x0 - 160) < 4 and abs(n - 297) < 4 for x0, n in extents)


def test_a_line_found_only_in_part_pairs_with_its_neighbour_in_the_late_pass() -> None:
    """Blur and background noise can leave just half of an MRZ line as one chain (seed 51508: 262 of 400 px, the
    rest a separate piece too far below to join); a line that short did not pair with its full neighbour, and the
    frame had no band. In the reader's late pass (``partial``) a line down to 0.45 of its neighbour pairs if it
    starts or ends where the neighbour does; the band then takes the longer line's extent."""
    from hardware.mrz.locate import _compatible, find_bands

    full = _blob(300, 50, 400)
    assert _compatible(full, _blob(200, 72, 200), partial=True)  # 200 px from the same start (x 100)
    assert _compatible(full, _blob(400, 72, 200), partial=True)  # ... or to the same end (x 500)
    assert not _compatible(full, _blob(200, 72, 200))  # not in the first passes
    assert not _compatible(full, _blob(300, 72, 200), partial=True)  # a short line in the middle: no neighbour
    assert not _compatible(full, _blob(180, 72, 160), partial=True)  # shorter than 0.45 of it
    assert _compatible(full, _blob(300, 72, 300)) and _compatible(full, _blob(300, 72, 300), partial=True)
    img = np.full((120, 420), 235, np.uint8)
    _draw_glyphs(img, 40, 40, 34)  # x 40 .. 377
    _draw_glyphs(img, 40, 62, 18)  # the second line, of which only the first 18 glyphs were found: x 40 .. 217
    assert find_bands(img) == []
    bands = find_bands(img, partial=True)
    assert bands and bands[0].count == 2 and abs(bands[0].length - 337) < 8


def test_a_td1_band_found_with_two_of_its_lines_is_completed() -> None:
    """Blur, glare or a merged run of glyphs can hide one of a TD1's three lines, and a band of the other two has
    no TD1 reading; the reader's late step tries it with the third line where it must be: between two lines as
    far apart as a TD1's outer ones, else above or below two adjacent ones (fresh frames 121429, 121882)."""
    from hardware.mrz.locate import Band, _quad, completed

    def band(*lines: LineBlob) -> Band:
        return Band(lines, _quad(list(lines)).astype(np.float32))

    def rows(bands: list[Band]) -> list[list[int]]:
        return [[round(float(ln.center[1])) for ln in b.lines] for b in bands]

    outer = completed(band(_blob(300, 50, 300), _blob(290, 90, 280)))  # length / spacing 7.25
    assert rows(outer) == [[50, 70, 90]]
    middle = outer[0].lines[1]
    assert middle.length == 300 and round(float(middle.center[0])) == 300  # the longer line's extent
    assert rows(completed(band(_blob(300, 50, 300), _blob(300, 70, 300)))) == [[30, 50, 70], [50, 70, 90]]
    assert completed(band(_blob(300, 50, 440), _blob(300, 67, 440))) == []  # a TD3's lines (26)
    assert completed(band(*(_blob(300, y, 300) for y in (50, 70, 90)))) == []  # three lines already
