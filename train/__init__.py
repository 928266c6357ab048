"""Training and evaluation: ``jprivacy.train.train_model`` fits any backend on the corpus."""

from .fit import cross_validate, train_model
from .metrics import format_scores, label_scores, multi_hot
from .thresholds import tune

__all__ = ["train_model", "cross_validate", "label_scores", "format_scores", "multi_hot", "tune"]
