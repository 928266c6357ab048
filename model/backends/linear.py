"""Character n-gram TF-IDF + one-vs-rest logistic regression; runs anywhere, trains in seconds.

Saved as JSON (vocabularies, settings) and safetensors (idf weights, coefficients), so a
model folder loads without unpickling anything.
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from safetensors.numpy import load_file, save_file
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ..labels import LABELS
from ..segment import split_context
from .base import Settings, Trainable

WEIGHTS, VOCAB = "linear.safetensors", "linear_vocab.json"


def _vectorizer(ngram_range, min_df=1, max_features=None, vocabulary=None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=tuple(ngram_range), min_df=min_df,
                           max_features=max_features, sublinear_tf=True, lowercase=True,
                           vocabulary=vocabulary, dtype=np.float32)


@dataclasses.dataclass
class LinearSettings(Settings):
    """The linear backend's settings (recorded in the model card; unknown keys are refused)."""

    ngram_range: tuple[int, int] = (1, 3)  # character n-gram lengths
    min_df: int = 2                        # n-grams seen in fewer clauses are dropped
    max_features: int = 300_000            # per vocabulary (clause, headings, lead-in)
    C: float = 16.0                        # inverse regularisation of each label's regression
    section_weight: float = 0.5            # weight of the heading block
    section_levels: int = 2                # innermost heading levels used as context (0: all)
    max_chars: int = 2000                  # characters of a clause or context read
    lead_weight: float = 0.3               # weight of the lead-in block (0: the lead-in is not used)

    def __post_init__(self):
        super().__post_init__()
        self.ngram_range = tuple(self.ngram_range)
        if not 1 <= self.ngram_range[0] <= self.ngram_range[1]:
            raise ValueError(f"ngram_range must be (low, high) with 1 <= low <= high, not {self.ngram_range}")
        if self.section_levels < 0:
            raise ValueError(f"section levels must be 0 (all) or more, not {self.section_levels}")


class LinearBackend(Trainable):
    name = "linear"
    files = (WEIGHTS, VOCAB)

    def __init__(self, settings: LinearSettings | None = None, **overrides):
        """``settings``, or the fields of :class:`LinearSettings` to change from their defaults."""
        self.config = settings if settings is not None else LinearSettings.from_dict(overrides)
        for name, value in self.config.to_dict().items():
            setattr(self, name, value)
        self.text_vec: TfidfVectorizer | None = None
        self.section_vec: TfidfVectorizer | None = None
        self.lead_vec: TfidfVectorizer | None = None
        self.coef: np.ndarray | None = None       # (n_labels, n_features)
        self.intercept: np.ndarray | None = None  # (n_labels,)

    def settings(self) -> dict:
        return {**self.config.to_dict(), "ngram_range": list(self.config.ngram_range)}

    def _context(self, contexts):
        """(heading parts, lead-in parts) of ``context(section, lead)`` strings, NFKC-normalised."""
        sections, leads = [], []
        for c in contexts:
            section, lead = split_context(unicodedata.normalize("NFKC", c), self.section_levels)
            sections.append(section[-self.max_chars:] or " ")
            leads.append(lead[:self.max_chars] or " ")
        return sections, leads

    def _texts(self, texts):
        """What the vectorizer reads of each clause: its first characters, NFKC-normalised, so
        full-width Latin (Ｃｏｏｋｉｅ) and half-width katakana (ｸｯｷｰ) read as their usual forms,
        in training and tagging alike (the transformer's tokenizer does the same)."""
        return [unicodedata.normalize("NFKC", t[:self.max_chars]) for t in texts]

    def _features(self, texts, contexts):
        texts = self._texts(texts)
        sections, leads = self._context(contexts)
        blocks = [self.text_vec.transform(texts), self.section_weight * self.section_vec.transform(sections)]
        if self.lead_weight:
            blocks.append(self.lead_weight * self.lead_vec.transform(leads))
        return sp.hstack(blocks).tocsr()

    def fit(self, texts, sections, y, validation=None):
        self.text_vec = _vectorizer(self.ngram_range, self.min_df, self.max_features)
        self.section_vec = _vectorizer(self.ngram_range, self.min_df, self.max_features)
        self.text_vec.fit(self._texts(texts))
        context_sections, leads = self._context(sections)
        self.section_vec.fit(context_sections)
        if self.lead_weight:
            self.lead_vec = _vectorizer(self.ngram_range, self.min_df, self.max_features).fit(leads)
        x = self._features(texts, sections)
        coef, intercept = [], []
        for j in range(y.shape[1]):
            column = y[:, j].astype(int)
            if column.min() == column.max():  # a label never (or always) seen: constant score
                coef.append(np.zeros(x.shape[1], np.float32))
                intercept.append(-10.0 if column.max() == 0 else 10.0)
                continue
            clf = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced")
            clf.fit(x, column)
            coef.append(clf.coef_[0].astype(np.float32))
            intercept.append(float(clf.intercept_[0]))
        self.coef = np.vstack(coef)
        self.intercept = np.asarray(intercept, np.float32)
        return self

    def predict_proba(self, texts: Sequence[str], sections: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, len(self.intercept)), np.float32)
        logits = self._features(texts, sections) @ self.coef.T + self.intercept
        return expit(np.asarray(logits, np.float64)).astype(np.float32)

    def _vectorizers(self) -> dict[str, str]:
        return {"text": "text_vec", "section": "section_vec", **({"lead": "lead_vec"} if self.lead_weight else {})}

    def save(self, folder: Path) -> dict:
        vecs = {key: getattr(self, attr) for key, attr in self._vectorizers().items()}
        save_file({**{f"{key}_idf": vec.idf_.astype(np.float32) for key, vec in vecs.items()},
                   "coef": self.coef, "intercept": self.intercept}, str(folder / WEIGHTS))
        vocab = {key: sorted(vec.vocabulary_, key=vec.vocabulary_.get) for key, vec in vecs.items()}
        (folder / VOCAB).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        return self.settings()

    @classmethod
    def load(cls, folder: Path, settings: dict, labels: tuple[str, ...] = LABELS) -> "LinearBackend":
        backend = cls(**{"lead_weight": 0.0, **settings})  # cards older than the lead-in had none
        arrays = load_file(str(folder / WEIGHTS))
        vocab = json.loads((folder / VOCAB).read_text(encoding="utf-8"))
        for key, attr in backend._vectorizers().items():
            vec = _vectorizer(backend.ngram_range, vocabulary={g: i for i, g in enumerate(vocab[key])})
            vec.idf_ = arrays[f"{key}_idf"]
            setattr(backend, attr, vec)
        backend.coef, backend.intercept = arrays["coef"], arrays["intercept"]
        n_labels = len(labels)
        if backend.coef.ndim != 2 or backend.coef.shape[0] != n_labels or backend.intercept.shape != (n_labels,):
            raise ValueError(f"{folder}: the weights score {backend.coef.shape[0]} labels, the card has {n_labels}")
        n_features = sum(len(vocab[key]) for key in backend._vectorizers())
        if backend.coef.shape[1] != n_features:
            raise ValueError(f"{folder}: coefficients ({backend.coef.shape[1]}) do not match "
                             f"the vocabulary ({n_features} n-grams)")
        return backend
