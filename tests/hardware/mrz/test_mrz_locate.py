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
