"""Classifier backends: one interface (predict_proba / save / load; ``fit`` for those that learn),
several models, each with its inference settings.  Nothing here imports :mod:`jprivacy.train`."""

from __future__ import annotations

from .base import Backend, Settings, Trainable


BACKEND_NAMES = ("linear", "transformer", "onnx", "ensemble")
TRAINABLE = ("linear", "transformer", "ensemble")  # what `jprivacy train --backend` fits; onnx is exported


def backend_class(name: str) -> type[Backend]:
    """The backend class registered under ``name`` ("linear", "transformer", "onnx" or "ensemble")."""
    if name == "linear":
        from .linear import LinearBackend
        return LinearBackend
    if name == "transformer":
        from .transformer import TransformerBackend
        return TransformerBackend
    if name == "onnx":
        from .onnx import OnnxBackend
        return OnnxBackend
    if name == "ensemble":
        from .ensemble import EnsembleBackend
        return EnsembleBackend
    raise ValueError(f"unknown backend {name!r}; expected 'linear', 'transformer', 'onnx' or 'ensemble'")


__all__ = ["BACKEND_NAMES", "TRAINABLE", "Backend", "Trainable", "Settings", "backend_class"]
