"""A model folder describes itself in ``jprivacy.json`` and never needs unpickling to load."""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from .errors import JprivacyError
from .labels import LABELS

CARD = "jprivacy.json"
# 2: the card's ``labels`` are the model's own label set (1: always the ten of jprivacy.labels)
FORMAT_VERSION = 2
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".bin", ".pt", ".pth", ".ckpt", ".npy_pickle"}


_JSON_NAMES = {str: "string", list: "list", dict: "object"}


class ModelFolderError(JprivacyError):
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
            data = json.loads(path.read_text(encoding="utf-8-sig"))  # a BOM left by an editor is not an error
        except UnicodeDecodeError as err:
            raise ModelFolderError(f"{path}: not UTF-8 text (byte {err.start})") from None
        except json.JSONDecodeError as err:
            raise ModelFolderError(f"{path}: not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})") from None
        if not isinstance(data, dict):
            raise ModelFolderError(f"{path}: must hold a JSON object, not {type(data).__name__}")
        if "format_version" not in data:
            raise ModelFolderError(f"{path}: missing format_version")
        version = data["format_version"]
        if isinstance(version, bool) or not isinstance(version, int):
            raise ModelFolderError(f"{path}: format_version must be a whole number such as {FORMAT_VERSION}, "
                                   f"not {json.dumps(version)}")
        if version > FORMAT_VERSION:
            raise ModelFolderError(f"{path}: format version {version} is newer than this jprivacy "
                                   f"understands ({FORMAT_VERSION}); upgrade jprivacy")
        data = _upgraded(data, version, path)
        known = set(cls.__dataclass_fields__)
        missing = {"backend", "labels", "thresholds"} - set(data)
        if missing:
            raise ModelFolderError(f"{path}: missing field(s) {', '.join(sorted(missing))}")
        card = cls(**{k: v for k, v in data.items() if k in known})
        for name, kind in (("backend", str), ("labels", list), ("settings", dict)):
            if not isinstance(getattr(card, name), kind):
                raise ModelFolderError(f"{path}: {name} must be a JSON {_JSON_NAMES[kind]}, "
                                       f"not {json.dumps(getattr(card, name), ensure_ascii=False)}")
        if (not card.labels or not all(isinstance(n, str) and n for n in card.labels)
                or len(set(card.labels)) != len(card.labels)):
            raise ModelFolderError(f"{path}: labels must be a list of distinct label names, not {card.labels}")
        if not isinstance(card.thresholds, dict) or set(card.thresholds) - set(card.labels):
            raise ModelFolderError(f"{path}: thresholds must give one value per label")
        for name in card.labels:  # missing, null, NaN or out of range would switch a label off without a word
            if name not in card.thresholds:
                raise ModelFolderError(f"{path}: thresholds.{name} is missing; thresholds must give one "
                                       "value per label")
            value = card.thresholds[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ModelFolderError(f"{path}: thresholds.{name} must be a number from 0 to 1, "
                                       f"not {json.dumps(value)}")
        return card


def _upgraded(data: dict, version: int, path: Path) -> dict:
    """A card of an older format in the current one: the one place that reads older cards.
    Format 1 cards were all of the ten-label taxonomy of :mod:`jprivacy.labels`."""
    if version == 1 and data.get("labels") != list(LABELS):
        raise ModelFolderError(f"{path}: a format 1 card must have the labels {list(LABELS)}")
    return {**data, "format_version": FORMAT_VERSION}


def check_files(folder: Path, required: tuple[str, ...]) -> None:
    """Refuse folders with pickled files and folders missing a backend file."""
    pickles = sorted(p.name for p in folder.rglob("*") if p.suffix.lower() in _PICKLE_SUFFIXES)
    if pickles:
        raise ModelFolderError(f"{folder}: refusing to load pickled file(s) {', '.join(pickles)}; "
                               "jprivacy model folders hold only safetensors, JSON and text files")
    missing = [name for name in required if not (folder / name).is_file()]
    if missing:
        raise ModelFolderError(f"{folder}: missing file(s) {', '.join(missing)}")


def check_replaceable(output: Path) -> None:
    """Refuse an output folder that holds files and is not a model folder: replacing it would
    delete them."""
    if output.is_dir() and any(output.iterdir()) and not (output / CARD).is_file():
        raise ModelFolderError(f"{output}: exists, is not empty and is not a jprivacy model folder; "
                               "name a new or empty folder")


@contextmanager
def staged_folder(output: Path):
    """Yield a new hidden folder beside ``output`` to write a model into; on success it replaces
    ``output`` whole (no file of an earlier model stays), on any failure or interruption it is
    removed.  ``output`` must pass :func:`check_replaceable`."""
    output = Path(output)
    check_replaceable(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    # made by mkdir, not mkdtemp (which makes it private): the umask gives it the permissions of any new folder
    staging = output.parent / f".{output.name}.{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        yield staging
        if output.exists():
            old = output.parent / f".{output.name}.old.{secrets.token_hex(4)}"
            os.replace(output, old)
            os.replace(staging, output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


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
