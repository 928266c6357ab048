"""The interface every classifier backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import numpy as np


class Backend(ABC):
    """Scores (clause, section) pairs for every label of the taxonomy.

    ``fit`` learns from texts, their section headings and a multi-hot matrix ``y``
    (n_clauses x n_labels); ``predict_proba`` returns probabilities of the same shape.
    ``save`` writes the backend's files (never pickles) into a folder and returns the
    settings to record in ``jprivacy.json``; ``load`` rebuilds the backend from them.
    """

    name: str
    files: tuple[str, ...]  # files a saved folder of this backend must contain

    @abstractmethod
    def fit(self, texts: Sequence[str], sections: Sequence[str], y: np.ndarray,
            validation: tuple[Sequence[str], Sequence[str], np.ndarray] | None = None) -> None: ...

    @abstractmethod
    def predict_proba(self, texts: Sequence[str], sections: Sequence[str]) -> np.ndarray: ...

    @abstractmethod
    def save(self, folder: Path) -> dict: ...

    @classmethod
    @abstractmethod
    def load(cls, folder: Path, settings: dict) -> "Backend": ...
