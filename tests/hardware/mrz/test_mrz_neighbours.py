"""Close pairs for linking components: the same set as comparing every pair, at every scale and on cell edges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hardware.mrz.neighbours import pairs_within


def brute_force(points: np.ndarray, reach: float) -> set[tuple[int, int]]:
    d = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    i, j = np.nonzero(np.triu(d <= reach, k=1))
    return set(zip(i.tolist(), j.tolist(), strict=True))


def as_set(pairs: np.ndarray) -> set[tuple[int, int]]:
    got = {(min(a, b), max(a, b)) for a, b in pairs.tolist()}
    assert len(got) == len(pairs), "a pair came twice"
    return got


@pytest.mark.parametrize("seed", range(40))
def test_same_pairs_as_comparing_all(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    points = (rng.random((n, 2)) * rng.integers(5, 1300)).astype(np.float32)
    if seed % 2:
        points = np.round(points / 4) * 4  # on a lattice: many distances exactly at the radius, points on cell edges
    reach = float(rng.choice([4.0, rng.uniform(0.5, 90)]))
    assert as_set(pairs_within(points, reach)) == brute_force(points.astype(np.float64), reach)


def test_negative_coordinates_and_extra_columns() -> None:
    points = np.array([[-5.0, -5.0, 99], [-2.0, -1.0, 99], [30.0, 30.0, 99]])
    assert as_set(pairs_within(points, 5.0)) == {(0, 1)}


@pytest.mark.parametrize("points", [np.empty((0, 2)), np.zeros((1, 2))])
def test_nothing_to_pair(points: np.ndarray) -> None:
    assert pairs_within(points, 10.0).shape == (0, 2)


def test_the_reader_runs_without_scipy() -> None:
    """The clerk app's bundle leaves SciPy out (packaging/pyinstaller.spec): reading must not import it."""
    import subprocess
    import sys

    code = ("import sys\nfrom hardware.mrz import read_mrz\nfrom tests.mrzgen import make_sample\n"
            "s = make_sample(7, kind='TD1', size=(1280, 720), level='clean')\n"
            "assert read_mrz(s.frame) is not None\n"
            "assert 'scipy' not in sys.modules, sorted(m for m in sys.modules if m.startswith('scipy'))[:3]\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[3],
                            env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
