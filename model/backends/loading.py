"""Load a model folder's backend: the one loader, used by :func:`jprivacy.load` and by the
ensemble for each of its members."""

from __future__ import annotations

from pathlib import Path

from safetensors import SafetensorError

from ..model_folder import ModelCard, ModelFolderError, check_files
from . import BACKEND_NAMES, Backend, backend_class
from .ensemble import EnsembleBackend, EnsembleSettings


def load_backend(folder: str | Path) -> tuple[Backend, ModelCard]:
    """The backend saved in ``folder`` and its card; :class:`ModelFolderError` (one line) for a
    folder that cannot be used: no card, an unknown backend, a pickle, a missing, damaged or
    mismatched file (weights for another number of labels than the card's, a vocabulary that is
    not the graph's).  A backend kept in one folder is ``load(folder, settings, labels)``-ed."""
    folder = Path(folder)
    card = ModelCard.read(folder)
    try:
        cls = backend_class(card.backend)
    except ValueError as err:
        raise ModelFolderError(f"{folder}: {err}") from None
    check_files(folder, cls.files)
    try:
        backend = (_load_ensemble(folder, card) if card.backend == "ensemble"
                   else cls.load(folder, card.settings, tuple(card.labels)))
    except ModelFolderError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError, SafetensorError) as err:  # damaged or mismatched files
        raise ModelFolderError(f"{folder}: cannot load {card.backend} backend ({err})") from None
    except ImportError as err:  # an install older than the model's backend
        raise ModelFolderError(f"{folder}: the {card.backend} backend needs {err.name or err}, which is not "
                               "installed; reinstall jprivacy (pip install -e .)") from None
    return backend, card


def _load_ensemble(folder: Path, card: ModelCard) -> EnsembleBackend:
    """An ensemble folder: each member loaded from its own folder, which must hold the kind of
    model its name says (``linear/`` a linear model: members swapped between folders are refused)."""
    settings = EnsembleSettings.from_dict(card.settings)
    members = {}
    for name in settings.members:
        members[name] = load_backend(folder / name)
        if name in BACKEND_NAMES and members[name][1].backend != name:
            raise ValueError(f"member {name!r} holds a {members[name][1].backend} model, not a {name} model")
        if members[name][1].labels != card.labels:
            raise ValueError(f"member {name!r} has the labels {members[name][1].labels}, the ensemble {card.labels}")
    return EnsembleBackend.from_members(settings, members, tuple(card.labels))
