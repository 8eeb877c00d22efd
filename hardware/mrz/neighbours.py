"""Pairs of points closer than a radius, for linking character components into text lines.

What ``scipy.spatial.cKDTree.query_pairs`` gives, in NumPy: the MRZ reader needed nothing else from
SciPy, and SciPy with its Fortran runtime made up 73 MB of the clerk app's bundle.
"""

from __future__ import annotations

import numpy as np

_HALF_NEIGHBOURHOOD = ((0, 0), (1, 0), (-1, 1), (0, 1), (1, 1))  # own cell and four of the eight around it


def pairs_within(points: np.ndarray, reach: float) -> np.ndarray:
    """Index pairs (i, j) of points at most ``reach`` apart, each unordered pair once, in no particular order.

    A uniform grid of reach-sized cells: a point meets only the points of its own cell and of the cells
    around it, so the work grows with the number of close pairs, not with the square of the points. Each
    pair of neighbouring cells is visited from one side only (the half neighbourhood).
    """
    n = len(points)
    if n < 2 or not reach > 0:
        return np.empty((0, 2), np.intp)
    pts = np.asarray(points, np.float64)[:, :2]
    x, y = pts[:, 0], pts[:, 1]
    cells = np.floor(pts / reach).astype(np.int64)
    cells -= cells.min(axis=0)
    width = int(cells[:, 0].max()) + 3  # one empty column either side: x +- 1 never wraps into another row
    key = (cells[:, 1] + 1) * width + cells[:, 0] + 1
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    found = []
    for dx, dy in _HALF_NEIGHBOURHOOD:
        target = key + dy * width + dx
        start = np.searchsorted(sorted_keys, target, "left")
        counts = np.searchsorted(sorted_keys, target, "right") - start
        total = int(counts.sum())
        if not total:
            continue
        i = np.repeat(np.arange(n), counts)
        # for each i, the run order[start[i] : start[i] + counts[i]]
        j = order[np.repeat(start - (np.cumsum(counts) - counts), counts) + np.arange(total)]
        if dx == dy == 0:
            keep = i < j
            i, j = i[keep], j[keep]
        ddx, ddy = x[i] - x[j], y[i] - y[j]
        near = ddx * ddx + ddy * ddy <= reach * reach
        found.append(np.stack([i[near], j[near]], axis=1))
    return np.concatenate(found) if found else np.empty((0, 2), np.intp)
