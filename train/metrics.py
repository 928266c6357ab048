"""Multi-label scores: per-label precision/recall/F1 with macro and micro averages.

These are a model's *scores* (:func:`label_scores`, :func:`format_scores`); the legal coverage
report of a policy is :mod:`jprivacy.report`.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from jprivacy.labels import LABELS


def multi_hot(label_lists, labels=LABELS) -> np.ndarray:
    """Label lists → a clauses x labels matrix of 0/1 (KeyError on a name not in ``labels``)."""
    index = {name: j for j, name in enumerate(labels)}
    y = np.zeros((len(label_lists), len(labels)), np.float32)
    for i, names in enumerate(label_lists):
        for name in names:
            y[i, index[name]] = 1.0
    return y


def label_scores(y_true: np.ndarray, y_pred: np.ndarray, labels=LABELS) -> dict:
    """``{"labels": {name: {precision, recall, f1, support}}, "macro": {...}, "micro": {...},
    "unsupported": [...]}``.  A label no gold clause has cannot be scored: it is listed in
    ``unsupported`` and left out of the macro average (its false positives still count in micro)."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    out = {"labels": {name: {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]),
                             "support": int(s[j])} for j, name in enumerate(labels)}}
    supported = [j for j in range(len(labels)) if s[j] > 0]
    out["macro"] = {key: float(np.mean([v[j] for j in supported])) if supported else 0.0
                    for key, v in (("precision", p), ("recall", r), ("f1", f))}
    pa, ra, fa, _ = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)
    out["micro"] = {"precision": float(pa), "recall": float(ra), "f1": float(fa)}
    out["unsupported"] = [name for j, name in enumerate(labels) if s[j] == 0]
    out["n"] = int(len(y_true))
    out["exact_match"] = float((y_true == y_pred).all(axis=1).mean())
    return out


def format_scores(scores: dict) -> str:
    """:func:`label_scores` as a table: one row per label, then the averages and exact match."""
    lines = [f"{'label':<15}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for name, m in scores["labels"].items():
        if m["support"] == 0:
            lines.append(f"{name:<15}{'-':>10}{'-':>10}{'-':>10}{0:>10d}")
        else:
            lines.append(f"{name:<15}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>10d}")
    for avg in ("macro", "micro"):
        m = scores[avg]
        lines.append(f"{avg:<15}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{scores['n']:>10d}")
    lines.append(f"exact match of the label set: {scores['exact_match']:.3f}")
    if scores.get("unsupported"):
        lines.append(f"not scored, no gold clause has them (left out of the macro average): "
                     f"{', '.join(scores['unsupported'])}")
    return "\n".join(lines)

