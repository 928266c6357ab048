"""Per-label decision thresholds (jprivacy.train.thresholds)."""

import numpy as np
import pytest

from jprivacy.train.thresholds import GRID, tune


def test_a_separable_label_gets_a_threshold_in_the_middle_of_the_gap():
    y = np.array([[0], [0], [1], [1]])
    probs = np.array([[0.1], [0.3], [0.7], [0.9]])
    threshold = tune(y, probs)[0]
    assert 0.3 < threshold <= 0.7 and threshold == pytest.approx(0.5, abs=0.03)


def test_a_label_without_positives_keeps_the_default_and_each_column_is_tuned_alone():
    y = np.array([[0, 1], [0, 0], [0, 1], [0, 0]])
    probs = np.array([[0.9, 0.2], [0.1, 0.1], [0.8, 0.15], [0.2, 0.05]])
    thresholds = tune(y, probs, default=0.4)
    assert thresholds.dtype == np.float32 and thresholds[0] == pytest.approx(0.4)
    assert 0.1 < thresholds[1] <= 0.15  # only the positives' scores reach it


def test_thresholds_come_from_the_grid_and_maximise_f1():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (200, 1))
    probs = np.clip(y * 0.3 + rng.random((200, 1)) * 0.7, 0, 1)
    threshold = tune(y, probs)[0]
    assert np.isclose(GRID, threshold).any()

    def f1(t):
        hit = probs[:, 0] >= t
        tp = (hit & (y[:, 0] == 1)).sum()
        return 2 * tp / (hit.sum() + y.sum())
    assert f1(threshold) == pytest.approx(max(f1(t) for t in GRID))
