"""Train a backend on the corpus and write a self-describing model folder."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from jprivacy.backends import backend_class
from jprivacy.data import LABELED, load_frame
from jprivacy.labels import LABELS
from jprivacy.model_folder import ModelCard

from .metrics import multi_hot, report
from .thresholds import tune


def split_arrays(frame, split: str):
    part = frame[frame["split"] == split]
    return part["text"].tolist(), part["section"].fillna("").tolist(), multi_hot(part["labels"])


def train_model(output: str | Path, backend: str = "linear", labeled: Path = LABELED,
                settings: dict | None = None, base_model: str | None = None, log=print) -> ModelCard:
    """Fit on the train split, tune thresholds on validation, score on test, save to ``output``.

    ``settings`` are the backend's constructor arguments (for the transformer backend, the
    fields of :class:`jprivacy.train.transformer.TrainConfig`).
    """
    frame = load_frame(labeled)
    train, validation, test = (split_arrays(frame, s) for s in ("train", "validation", "test"))
    model = backend_class(backend)(**(settings or {}))
    log(f"training {backend} backend on {len(train[0])} clauses "
        f"({frame[frame.split == 'train'].doc.nunique()} policies)")
    started = time.perf_counter()
    model.fit(*train, validation=validation)
    seconds = time.perf_counter() - started
    thresholds = tune(validation[2], model.predict_proba(validation[0], validation[1]))
    test_probs = model.predict_proba(test[0], test[1])
    metrics = {"test": report(test[2], (test_probs >= thresholds).astype(np.float32)),
               "train_seconds": round(seconds, 1)}
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    saved_settings = model.save(output)
    card = ModelCard(
        backend=backend, labels=list(LABELS),
        thresholds={name: float(t) for name, t in zip(LABELS, thresholds)},
        settings=saved_settings, base_model=base_model or getattr(model, "base_model", None),
        training_data={"corpus": "jprivacy.data (data/labeled)",
                       "splits": {s: {"clauses": int((frame.split == s).sum()),
                                      "policies": int(frame[frame.split == s].doc.nunique())}
                                  for s in ("train", "validation", "test")},
                       "thresholds_tuned_on": "validation", "metrics_on": "test"},
        metrics=metrics)
    card.write(output)
    log(f"saved {output} (test macro-F1 {metrics['test']['macro']['f1']:.3f}, "
        f"micro-F1 {metrics['test']['micro']['f1']:.3f}, {seconds:.1f}s)")
    return card
