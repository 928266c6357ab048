"""Multi-label scores (jprivacy.train.metrics)."""

import numpy as np
import pytest

from jprivacy.labels import LABELS
from jprivacy.train.metrics import format_scores, label_scores, multi_hot

Y_TRUE = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], np.float32)
Y_PRED = np.array([[1, 0], [1, 0], [1, 1], [0, 0]], np.float32)


def test_multi_hot_follows_the_label_order_and_refuses_unknown_names():
    y = multi_hot([["purpose", "collection"], [], ["contact"]])
    assert y.shape == (3, len(LABELS)) and y.dtype == np.float32
    assert [LABELS[j] for j in np.flatnonzero(y[0])] == ["collection", "purpose"] and not y[1].any()
    with pytest.raises(KeyError):
        multi_hot([["purpse"]])


def test_label_scores_per_label_and_averaged():
    scores = label_scores(Y_TRUE, Y_PRED, labels=("a", "b"))
    assert scores["labels"]["a"] == {"precision": pytest.approx(2 / 3), "recall": 1.0, "f1": pytest.approx(0.8),
                                     "support": 2}
    assert scores["labels"]["b"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert scores["macro"]["f1"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert scores["micro"] == {"precision": 0.75, "recall": 0.75, "f1": 0.75}
    assert scores["n"] == 4 and scores["exact_match"] == 0.5


def test_no_predictions_score_zero_and_a_label_without_examples_is_zero_too():
    scores = label_scores(Y_TRUE, np.zeros_like(Y_TRUE), labels=("a", "b"))
    assert scores["macro"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0} and scores["exact_match"] == 0.25
    unseen = label_scores(np.zeros((2, 2)), np.zeros((2, 2)), labels=("a", "b"))
    assert unseen["labels"]["a"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_format_scores_is_a_table_of_labels_then_averages():
    lines = format_scores(label_scores(Y_TRUE, Y_PRED, labels=("a", "b"))).splitlines()
    assert lines[0].split() == ["label", "precision", "recall", "f1", "support"]
    assert lines[1].split() == ["a", "0.667", "1.000", "0.800", "2"]
    assert [line.split()[0] for line in lines[3:5]] == ["macro", "micro"] and lines[3].split()[-1] == "4"
    assert lines[-1] == "exact match of the label set: 0.500"

