"""Per-label decision thresholds chosen to maximise F1 on held-out predictions."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def tune(y_true: np.ndarray, probs: np.ndarray, default: float = 0.5) -> np.ndarray:
    """One threshold per column; ``default`` where a label has no positive example."""
    out = np.full(y_true.shape[1], default, np.float32)
    for j in range(y_true.shape[1]):
        if y_true[:, j].sum() == 0:
            continue
        scores = [f1_score(y_true[:, j], probs[:, j] >= t, zero_division=0) for t in GRID]
        best = max(scores)
        # among ties, the threshold closest to the middle of the best plateau is the most stable
        ties = [t for t, s in zip(GRID, scores) if s >= best - 1e-9]
        out[j] = float(ties[len(ties) // 2])
    return out
