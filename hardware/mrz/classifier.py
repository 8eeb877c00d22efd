"""The glyph classifier: a small MLP over normalised cell pixels, trained on synthetic OCR-B renderings.

The model is built by ``train.py`` from the installed OCR-B fonts (no downloaded weights or data). Looked up in this
order: ``$VIDEOSCHALTER_MRZ_MODEL``; ``glyph_mlp.npz`` next to this file (generated with
``python -m hardware.mrz.train``, ~300 KB); a copy trained on first use and cached in ``$XDG_CACHE_HOME/videoschalter``
(``~/.cache/videoschalter``), keyed by a hash of the training code and the font files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path

import numpy as np

MODEL_ENV = "VIDEOSCHALTER_MRZ_MODEL"
SHIPPED_MODEL = Path(__file__).with_name("glyph_mlp.npz")
_LOCK = threading.Lock()
_MODEL: dict[str, np.ndarray] | None = None


def _fingerprint() -> str:
    from . import train

    h = hashlib.sha256()
    h.update(Path(train.__file__).read_bytes())
    h.update(Path(__file__).read_bytes())
    for font in train.training_fonts():
        h.update(Path(font).read_bytes())
    return h.hexdigest()[:16]


def model_path() -> Path:
    """Where the model is loaded from (and saved to, if it has to be trained)."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    if SHIPPED_MODEL.exists():
        return SHIPPED_MODEL
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "videoschalter"
    return base / f"mrz-glyphs-{_fingerprint()}.npz"


def save_model(model: dict[str, np.ndarray], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, **model)
    os.replace(tmp, path)


def get_model() -> dict[str, np.ndarray]:
    """The model, trained first if there is none (a few minutes, once)."""
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            path = model_path()
            try:
                with np.load(path) as data:
                    _MODEL = {k: data[k] for k in data.files}
            except (OSError, ValueError, KeyError):
                from .train import build_model

                _MODEL = build_model()
                with contextlib.suppress(OSError):  # read-only cache: keep the model in memory
                    save_model(_MODEL, path)
        return _MODEL


def log_probs(cells: np.ndarray) -> np.ndarray:
    """Log-probabilities (n, 37) for raw cells (n, CELL_H * PITCH) in ALPHABET order."""
    from .train import normalise

    m = get_model()
    x = normalise(cells.reshape(len(cells), -1).astype(np.float32))
    h = np.maximum(x @ m["W1"] + m["b1"], 0)
    z = h @ m["W2"] + m["b2"]
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
