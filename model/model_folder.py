"""A model folder describes itself in ``jprivacy.json`` and never needs unpickling to load."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from .labels import LABELS

CARD = "jprivacy.json"
FORMAT_VERSION = 1
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".bin", ".pt", ".pth", ".ckpt", ".npy_pickle"}


class ModelFolderError(Exception):
    """A model folder that cannot be used; the message says what is wrong and where."""


@dataclass
class ModelCard:
    backend: str
    labels: list[str]
    thresholds: dict[str, float]
    settings: dict = field(default_factory=dict)       # backend hyper-parameters
    input: dict = field(default_factory=lambda: {"text": "clause", "context": "section heading path"})
    training_data: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    base_model: str | None = None
    versions: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def write(self, folder: Path) -> None:
        self.versions = self.versions or library_versions()
        tmp = folder / (CARD + ".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, folder / CARD)

    @classmethod
    def read(cls, folder: Path) -> "ModelCard":
        path = folder / CARD
        if not path.is_file():
            raise ModelFolderError(f"{folder}: not a jprivacy model folder (no {CARD})")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ModelFolderError(f"{path}: unreadable ({err})") from None
        version = data.get("format_version")
        if not isinstance(version, int):
            raise ModelFolderError(f"{path}: missing format_version")
        if version > FORMAT_VERSION:
            raise ModelFolderError(f"{path}: format version {version} is newer than this jprivacy "
                                   f"understands ({FORMAT_VERSION}); upgrade jprivacy")
        known = set(cls.__dataclass_fields__)
        missing = {"backend", "labels", "thresholds"} - set(data)
        if missing:
            raise ModelFolderError(f"{path}: missing field(s) {', '.join(sorted(missing))}")
        card = cls(**{k: v for k, v in data.items() if k in known})
        if list(card.labels) != list(LABELS):
            raise ModelFolderError(f"{path}: labels {card.labels} do not match the taxonomy {list(LABELS)}")
        if not isinstance(card.thresholds, dict) or set(card.thresholds) - set(LABELS):
            raise ModelFolderError(f"{path}: thresholds must give one value per label")
        for name in LABELS:  # missing, null, NaN or out of range would switch a label off without a word
            if name not in card.thresholds:
                raise ModelFolderError(f"{path}: thresholds.{name} is missing; thresholds must give one "
                                       "value per label")
            value = card.thresholds[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ModelFolderError(f"{path}: thresholds.{name} must be a number from 0 to 1, "
                                       f"not {json.dumps(value)}")
        return card


def check_files(folder: Path, required: tuple[str, ...]) -> None:
    """Refuse folders with pickled files and folders missing a backend file."""
    pickles = sorted(p.name for p in folder.rglob("*") if p.suffix.lower() in _PICKLE_SUFFIXES)
    if pickles:
        raise ModelFolderError(f"{folder}: refusing to load pickled file(s) {', '.join(pickles)}; "
                               "jprivacy model folders hold only safetensors, JSON and text files")
    missing = [name for name in required if not (folder / name).is_file()]
    if missing:
        raise ModelFolderError(f"{folder}: missing file(s) {', '.join(missing)}")


def share_like_other_files(folder: Path) -> None:
    """Give the weights files (``*.safetensors``) of ``folder`` the permissions the umask gives
    new files.

    safetensors writes its files private (0600), which would hide a model folder from the
    other users of a shared disk, such as the workers of a cluster.
    """
    umask = os.umask(0)
    os.umask(umask)
    for path in folder.glob("*.safetensors"):
        path.chmod(0o666 & ~umask)


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("jprivacy", "scikit-learn", "torch", "transformers", "fugashi", "unidic-lite"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions
