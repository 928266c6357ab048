"""Policy-grouped folds: the clauses of one policy are always in the same fold."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from jprivacy.data import SEED


def policy_folds(docs: Iterable[str], k: int, seed: int = SEED) -> list[list[str]]:
    """``k`` folds of the distinct policies in ``docs``: sorted, shuffled with ``seed`` (the corpus
    split's seed), then dealt out in turn, so fold sizes differ by one at most."""
    order = sorted(set(docs))
    np.random.default_rng(seed).shuffle(order)
    return [order[i::k] for i in range(k)]
