"""The interfaces every classifier backend implements, and the settings a model card records."""

from __future__ import annotations

import dataclasses
import typing
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np


# the field types whose values are checked when settings are read: int fields take ints, float
# fields ints or floats, bool fields booleans, str fields strings (None where the type allows it)
_PLAIN_TYPES = {int: (int,), float: (int, float), bool: (bool,), str: (str,),
                int | None: (int, type(None)), float | None: (int, float, type(None)),
                str | None: (str, type(None)), bool | None: (bool, type(None))}
_PLAIN_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "a string",
                int | None: "a whole number or null", float | None: "a number or null",
                str | None: "a string or null", bool | None: "true, false or null"}


# The arithmetic a model can run in, per runtime: the one list the settings, the CLI and the
# exporter take their choices from.
TorchPrecision = typing.Literal["fp32", "bf16", "int8"]
OnnxPrecision = typing.Literal["fp32", "int8", "int8-static"]
RUNTIMES = ("onnx", "torch")


def precisions(runtime: str) -> tuple[str, ...]:
    """The precisions a model exported for ``runtime`` ("onnx" or "torch") can have."""
    return typing.get_args(OnnxPrecision if runtime == "onnx" else TorchPrecision)


@dataclasses.dataclass
class Settings:
    """Base of the settings dataclasses: a backend's inference settings (recorded in a model
    card's ``settings``) and the training settings that extend them.

    :meth:`from_dict` refuses a key that is not a field, naming it; checks that involve
    several fields belong in a subclass's ``__post_init__`` (they raise ValueError).
    """

    def __post_init__(self):
        """Refuse a value of a ``Literal`` field that is not one of its choices (subclasses add
        their checks across fields, calling this first)."""
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            choices = typing.get_args(hints[f.name]) if typing.get_origin(hints[f.name]) is typing.Literal else ()
            if choices and getattr(self, f.name) not in choices:
                raise ValueError(f"{f.name} must be one of {', '.join(choices)}, not {getattr(self, f.name)!r}")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_dict(cls, data: Mapping):
        """The settings in ``data``, refused (ValueError naming the key) when a key is not a field
        or a value is not of its field's plain type (``max_length: "128"``); then checked by
        ``__post_init__``."""
        if not isinstance(data, Mapping):
            raise ValueError(f"settings must be a JSON object, not {data!r}")
        unknown = [key for key in data if key not in cls.field_names()]
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(map(repr, unknown))}; "
                             f"{cls.__name__} takes {', '.join(cls.field_names())}")
        hints = typing.get_type_hints(cls)
        for key, value in data.items():
            expected = _PLAIN_TYPES.get(hints.get(key))
            if expected and not (isinstance(value, expected) and not (isinstance(value, bool) and bool not in expected)):
                raise ValueError(f"setting {key} must be {_PLAIN_NAMES[hints[key]]}, not {value!r}")
        return cls(**data)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


class Backend(ABC):
    """Scores (clause, context) pairs for every label of the taxonomy.

    ``predict_proba`` returns probabilities (n_clauses x n_labels).  ``save`` writes the
    backend's files (never pickles) into a folder and returns the settings to record in
    ``jprivacy.json``; a backend kept in one folder rebuilds itself from them with the class
    method ``load(folder, settings)`` (an ensemble is put together from its members' folders by
    :func:`jprivacy.backends.loading.load_backend`).  A backend that can learn
    is a :class:`Trainable`; one that only predicts (an exported model) has no ``fit``.
    """

    name: str
    files: tuple[str, ...]  # files a saved folder of this backend must contain

    @abstractmethod
    def predict_proba(self, texts: Sequence[str], sections: Sequence[str]) -> np.ndarray: ...

    @abstractmethod
    def save(self, folder: Path) -> dict: ...


class Trainable(Backend):
    """A backend that learns: ``fit`` takes texts, their contexts and a multi-hot matrix ``y``
    (n_clauses x n_labels), and returns the backend itself (scikit-learn's rule)."""

    @abstractmethod
    def fit(self, texts: Sequence[str], sections: Sequence[str], y: np.ndarray,
            validation: tuple[Sequence[str], Sequence[str], np.ndarray] | None = None) -> "Trainable": ...
