"""Several models scoring together.

An ensemble folder holds one complete model folder per member (``linear/``, ``transformer/``
or ``onnx/``: each loads on its own with :func:`jprivacy.load`) and records in its own card the
members, their weights and how their scores combine:

- ``mean``: the weighted mean of the members' probabilities; the ensemble's own thresholds
  apply to it and the members' thresholds are not used.
- ``log_odds``: the sigmoid of the weighted mean of each member's log-odds centred on its own
  threshold, ``logit(p) - logit(t)``.  A label is on when the weighted members lean towards it
  on balance, so the ensemble's thresholds are all 0.5 and nothing is tuned again on data a
  member was fitted on.

Weights are normalised to sum to 1 in both.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy.special import expit, logit

from ..labels import LABELS
from ..model_folder import ModelCard, share_like_other_files
from .base import Backend, Settings, Trainable


COMBINATIONS = ("mean", "log_odds")
CLIP = 1e-6  # probabilities are clipped to [CLIP, 1 - CLIP] before their log-odds are taken


@dataclass
class EnsembleSettings(Settings):
    """The ``settings`` of an ensemble card: member folder names (sub-folders of the ensemble),
    the weight of each, and how their scores combine (``mean`` or ``log_odds``)."""

    members: list[str] = field(default_factory=lambda: ["linear", "transformer"])
    weights: list[float] = field(default_factory=lambda: [0.5, 0.5])
    combine: str = "mean"

    def __post_init__(self):
        super().__post_init__()
        if not self.members or len(self.weights) != len(self.members):
            raise ValueError(f"an ensemble needs one weight per member, not {len(self.weights)} weights "
                             f"for {len(self.members)} members")
        if not all(math.isfinite(w) and w >= 0 for w in self.weights) or sum(self.weights) <= 0:
            raise ValueError(f"member weights must be non-negative with a positive sum, not {self.weights}")
        if len(set(self.members)) != len(self.members):
            raise ValueError(f"each member may be listed once, not {self.members}")
        if any(not name or "/" in name or name.startswith(".") for name in self.members):
            raise ValueError(f"member names must be plain folder names, not {self.members}")
        if self.combine not in COMBINATIONS:
            raise ValueError(f"combine must be one of {', '.join(COMBINATIONS)}, not {self.combine!r}")


def combine_scores(probabilities: Sequence[np.ndarray], weights: Sequence[float], combine: str = "mean",
                   thresholds: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Scores from members' probability matrices (n x labels, in member order): their weighted
    mean, or for ``log_odds`` the sigmoid of the weighted mean of their log-odds centred on each
    member's ``thresholds`` (one array per member, in label order)."""
    weights = np.asarray(weights, np.float64) / np.sum(weights)
    if combine == "mean":
        return np.tensordot(weights, np.stack(probabilities), axes=1).astype(np.float32)
    centred = [logit(np.clip(np.asarray(p, np.float64), CLIP, 1 - CLIP)) - logit(np.clip(t, CLIP, 1 - CLIP))
               for p, t in zip(probabilities, thresholds)]
    return expit(np.tensordot(weights, np.stack(centred), axes=1)).astype(np.float32)


class EnsembleBackend(Trainable):
    """Members are backends; ``fit`` fits those that are not fitted yet (one taken from a folder
    trained before, with :meth:`adopt`, is kept as it is)."""

    name = "ensemble"
    files = ()

    def __init__(self, members: dict[str, Backend], weights: Sequence[float] | None = None, combine: str = "mean",
                 labels: Sequence[str] = LABELS):
        """``members``: member name → backend (a trainable one is fitted by :meth:`fit`, e.g. a
        new ``LinearBackend()`` or ``jprivacy.train.transformer.FineTuner(...)``); ``weights``:
        one per member (default: equal); ``combine``: "mean" or "log_odds" (see the module's
        docstring)."""
        self.members: dict[str, Backend] = dict(members)
        self.labels = tuple(labels)
        self.fitted: set[str] = set()
        self.cards: dict[str, ModelCard] = {}
        self.settings = EnsembleSettings(list(members), list(weights or [1.0 / len(members)] * len(members)), combine)

    def adopt(self, name: str, member: Backend, card) -> None:
        """Make ``member``, fitted before (``card``: its model card), the ensemble's member ``name``."""
        if name not in self.settings.members:
            raise ValueError(f"the ensemble has no member {name!r}; it has {', '.join(self.members)}")
        self.members[name] = member
        self.fitted.add(name)
        self.cards[name] = card

    @property
    def base_model(self) -> str | None:
        return next((getattr(m, "base_model", None) for m in self.members.values()
                     if getattr(m, "base_model", None)), None)

    def fit(self, texts, sections, y, validation=None) -> "EnsembleBackend":
        """Fit the members not fitted yet (``validation`` goes to each: the transformer early-stops on it)."""
        for name, member in self.members.items():
            if name not in self.fitted:
                member.fit(texts, sections, y, validation=validation)
                self.fitted.add(name)
        return self

    def member_card(self, name: str) -> ModelCard:
        """The card member ``name`` is saved with: the one it came with, or one that names its
        backend with thresholds of 0.5 until :func:`~jprivacy.train.train_model` tunes them."""
        if name in self.cards:
            return self.cards[name]
        member = self.members[name]
        return ModelCard(backend=member.name, labels=list(self.labels), thresholds={n: 0.5 for n in self.labels},
                         base_model=getattr(member, "base_model", None),
                         training_data={"thresholds_tuned_on": "none (0.5)", "member_of": "ensemble"})

    def member_thresholds(self, name: str) -> np.ndarray:
        """Member ``name``'s own thresholds, in label order."""
        return np.array([self.member_card(name).thresholds[label] for label in self.labels], np.float64)

    def member_probabilities(self, texts: Sequence[str], sections: Sequence[str]) -> list[np.ndarray]:
        """Each member's probabilities, in member order."""
        return [member.predict_proba(texts, sections) for member in self.members.values()]

    def predict_proba(self, texts: Sequence[str], sections: Sequence[str]) -> np.ndarray:
        return self.combine(self.member_probabilities(texts, sections))

    def combine(self, probabilities: Sequence[np.ndarray]) -> np.ndarray:
        """The ensemble's scores from the members' probability matrices (n x labels, in member
        order); see :func:`combine_scores`."""
        thresholds = [self.member_thresholds(name) for name in self.members] if self.settings.combine == "log_odds" else None
        return combine_scores(probabilities, self.settings.weights, self.settings.combine, thresholds)

    def save(self, folder: Path) -> dict:
        """Each member as a model folder of its own, with its :meth:`member_card`."""
        for name, member in self.members.items():
            target = Path(folder) / name
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            card = replace(self.member_card(name), settings=member.save(target), versions={})
            card.write(target)
            share_like_other_files(target)
        return self.settings.to_dict()

    @classmethod
    def from_members(cls, settings: EnsembleSettings, members: dict[str, tuple[Backend, ModelCard]],
                     labels: Sequence[str] = LABELS) -> "EnsembleBackend":
        """The ensemble of ``members`` (member name → its loaded backend and card), each of them
        fitted, as ``settings`` combine them (:func:`jprivacy.backends.loading.load_backend`
        loads an ensemble folder this way)."""
        ensemble = cls({name: backend for name, (backend, _) in members.items()}, settings.weights, settings.combine,
                       labels)
        for name, (backend, card) in members.items():
            ensemble.adopt(name, backend, card)
        return ensemble
