"""Several models scoring together: the weighted mean of their probabilities.

An ensemble folder holds one complete model folder per member (``linear/``, ``transformer/``
or ``onnx/``: each loads on its own with :func:`jprivacy.load`) and records in its own card the
members and their weights.  The ensemble's thresholds apply to the mean; the members' own
thresholds are not used.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from ..labels import LABELS
from ..model_folder import ModelCard, share_like_other_files
from .base import Backend, Settings, Trainable


@dataclass
class EnsembleSettings(Settings):
    """The ``settings`` of an ensemble card: member folder names (sub-folders of the ensemble)
    and the weight of each in the mean."""

    members: list[str] = field(default_factory=lambda: ["linear", "transformer"])
    weights: list[float] = field(default_factory=lambda: [0.5, 0.5])

    def __post_init__(self):
        if not self.members or len(self.weights) != len(self.members):
            raise ValueError(f"an ensemble needs one weight per member, not {len(self.weights)} weights "
                             f"for {len(self.members)} members")
        if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
            raise ValueError(f"member weights must be non-negative with a positive sum, not {self.weights}")
        if any(not name or "/" in name or name.startswith(".") for name in self.members):
            raise ValueError(f"member names must be plain folder names, not {self.members}")


class EnsembleBackend(Trainable):
    """Members are backends; ``fit`` fits those that are not fitted yet (a member built from a
    folder already trained, with :meth:`from_members`, is kept as it is)."""

    name = "ensemble"
    files = ()

    def __init__(self, members: dict[str, dict] | None = None, weights: Sequence[float] | None = None):
        """``members``: member name → settings of a new backend of that name ("linear",
        "transformer"); ``weights``: one per member (default: equal)."""
        from . import backend_class

        members = members if members is not None else {"linear": {}, "transformer": {}}
        self._hold({name: backend_class(name)(**settings) for name, settings in members.items()}, weights)

    def _hold(self, members: dict[str, Backend], weights: Sequence[float] | None, cards: dict | None = None,
              fitted: Sequence[str] = ()) -> None:
        self.members = dict(members)
        self.fitted = set(fitted)
        self.cards = dict(cards or {})
        self.settings = EnsembleSettings(list(members), list(weights or [1.0 / len(members)] * len(members)))

    @classmethod
    def from_members(cls, members: dict[str, Backend], weights: Sequence[float] | None = None,
                     cards: dict | None = None) -> "EnsembleBackend":
        """An ensemble of backends already fitted (``cards``: their model cards, kept in the folder)."""
        ensemble = cls.__new__(cls)
        ensemble._hold(members, weights, cards, fitted=list(members))
        return ensemble

    def adopt(self, name: str, member: Backend, card) -> None:
        """Replace member ``name`` by a backend fitted before (``card``: its model card)."""
        if name not in self.members:
            raise ValueError(f"the ensemble has no member {name!r}; it has {', '.join(self.members)}")
        self.members[name] = member
        self.fitted.add(name)
        self.cards[name] = card

    @property
    def base_model(self) -> str | None:
        return next((getattr(m, "base_model", None) for m in self.members.values()
                     if getattr(m, "base_model", None)), None)

    def fit(self, texts, sections, y, validation=None) -> "EnsembleBackend":
        """Fit the members not fitted yet; with ``validation``, tune each new member's own
        thresholds on it (for its card, so that it also works alone)."""
        from jprivacy.train.thresholds import tune

        for name, member in self.members.items():
            if name in self.fitted:
                continue
            member.fit(texts, sections, y, validation=validation)
            self.fitted.add(name)
            thresholds = (tune(validation[2], member.predict_proba(validation[0], validation[1]))
                          if validation else np.full(len(LABELS), 0.5))
            self.cards[name] = ModelCard(backend=member.name, labels=list(LABELS),
                                         thresholds={n: float(t) for n, t in zip(LABELS, thresholds)},
                                         base_model=getattr(member, "base_model", None),
                                         training_data={"thresholds_tuned_on": "validation" if validation
                                                        else "none (0.5)", "member_of": "ensemble"})
        return self

    def member_probabilities(self, texts: Sequence[str], sections: Sequence[str]) -> list[np.ndarray]:
        """Each member's probabilities, in member order."""
        return [member.predict_proba(texts, sections) for member in self.members.values()]

    def predict_proba(self, texts: Sequence[str], sections: Sequence[str]) -> np.ndarray:
        return combine(self.member_probabilities(texts, sections), self.settings.weights)

    def save(self, folder: Path) -> dict:
        """Each member as a model folder of its own, with its card (written when it was fitted
        or read when it was loaded)."""
        for name, member in self.members.items():
            target = Path(folder) / name
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            card = replace(self.cards[name], settings=member.save(target), versions={})
            card.write(target)
            share_like_other_files(target)
        return self.settings.to_dict()

    @classmethod
    def load(cls, folder: Path, settings: dict) -> "EnsembleBackend":
        from jprivacy.tagger import load

        checked = EnsembleSettings.from_dict(settings)
        taggers = {name: load(Path(folder) / name) for name in checked.members}
        return cls.from_members({name: t.backend for name, t in taggers.items()}, checked.weights,
                                {name: t.card for name, t in taggers.items()})


def combine(probabilities: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """The weighted mean of several (n x labels) probability matrices."""
    weights = np.asarray(weights, np.float32) / np.sum(weights)
    return np.tensordot(weights, np.stack(probabilities), axes=1).astype(np.float32)
