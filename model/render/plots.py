"""Matplotlib charts of tagged clauses and evaluation results, in the categories' colours."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ..labels import CATEGORIES, LABELS


def _axes(ax, size=(6, 3.5)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_label_counts(counts: Mapping[str, int] | pd.Series, ax=None, title: str | None = None):
    """Horizontal bars: clauses per category, each in its category's colour."""
    ax = _axes(ax)
    values = [int(pd.Series(counts).get(name, 0)) for name in LABELS]
    ax.barh(list(LABELS), values, color=[c.color for c in CATEGORIES])
    ax.invert_yaxis()
    ax.set_xlabel("clauses")
    if title:
        ax.set_title(title)
    return ax


def plot_heatmap(matrix: pd.DataFrame, ax=None, title: str | None = None, cmap: str = "Blues"):
    """A labeled square heat map with the value in each cell (for co-occurrence tables)."""
    ax = _axes(ax, size=(6.5, 5.5))
    image = ax.imshow(matrix.to_numpy(), cmap=cmap)
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=45, ha="right")
    ax.set_yticks(range(matrix.shape[0]), matrix.index)
    peak = matrix.to_numpy().max() if matrix.size else 0
    for (i, j), value in pd.DataFrame(matrix.to_numpy()).stack().items():
        if value:
            ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=7,
                    color="white" if value > peak * 0.6 else "black")
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    if title:
        ax.set_title(title)
    return ax


def plot_pr_curves(y_true, probs, thresholds=None, ax=None, title: str | None = None):
    """One precision-recall curve per label; a dot marks each label's decision threshold."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    ax = _axes(ax, size=(6.5, 5))
    y_true, probs = np.asarray(y_true), np.asarray(probs)
    for j, c in enumerate(CATEGORIES):
        if not y_true[:, j].any():
            continue
        precision, recall, cuts = precision_recall_curve(y_true[:, j], probs[:, j])
        ap = average_precision_score(y_true[:, j], probs[:, j])
        ax.plot(recall, precision, color=c.color, label=f"{c.name} (AP {ap:.2f})")
        if thresholds is not None and len(cuts):
            k = min(int(np.searchsorted(cuts, thresholds[j])), len(cuts) - 1)
            ax.plot(recall[k], precision[k], "o", color=c.color)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, loc="lower left")
    if title:
        ax.set_title(title)
    return ax
