"""The learned glyph classifier: shipped model, training data and the reproducibility of the recipe."""

from __future__ import annotations

import numpy as np

from hardware.mrz import classifier, train
from hardware.mrz.checkdigit import ALPHABET
from hardware.mrz.glyphs import CELL_H, PITCH, templates


def test_shipped_model_is_used_and_has_the_expected_shape() -> None:
    assert classifier.SHIPPED_MODEL.exists(), "run: python -m hardware.mrz.train"
    m = classifier.get_model()
    assert m["W1"].shape[0] == CELL_H * PITCH and m["W2"].shape[1] == len(ALPHABET)


def test_plain_renderings_are_classified() -> None:
    # the template renderings (a different rendering path from the training lines) are read correctly
    t = templates()
    for variant in (0, 1, 6):
        lp = classifier.log_probs(t[variant].reshape(len(ALPHABET), -1) * 255)
        assert (lp.argmax(axis=1) == np.arange(len(ALPHABET))).all()


def test_training_data_is_deterministic_and_balanced() -> None:
    x1, y1 = train.make_dataset(300, seed=3)
    x2, y2 = train.make_dataset(300, seed=3)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert x1.shape[1] == CELL_H * PITCH and len(x1) >= 300
    assert len(np.unique(y1)) > 30  # random MRZ-like lines cover nearly every character
