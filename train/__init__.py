"""Training and evaluation: ``jprivacy.train.train_model`` fits any backend on the corpus.

The names below load their modules when first used, so that ``jprivacy.train.config`` (the
settings the ``train`` and ``pretrain`` commands take as flags) imports no training code.
"""

from importlib import import_module

_HOMES = {"train_model": "fit", "cross_validate": "fit", "label_scores": "metrics", "format_scores": "metrics",
          "multi_hot": "metrics", "tune": "thresholds"}
__all__ = list(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
