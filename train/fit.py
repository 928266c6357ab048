"""Train a backend on the corpus and write a self-describing model folder."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from jprivacy.backends import Settings, backend_class
from jprivacy.backends.ensemble import EnsembleBackend
from jprivacy.data import LABELED, contexts, load_frame
from jprivacy.errors import UsageError
from jprivacy.labels import LABELS
from jprivacy.model_folder import ModelCard, check_replaceable, share_like_other_files, staged_folder

from .folds import policy_folds
from .metrics import label_scores, multi_hot
from .model_readme import write_readme
from .thresholds import tune
from .transformer import is_main_process

_LOG = logging.getLogger(__name__)  # training's notices; the CLI passes its own log


def check_folds(kfold: int = 0, threshold_folds: int = 0, policies: int | None = None) -> None:
    """Refuse fold counts that would leave a fold with nothing to train on, tune or test (UsageError)."""
    if kfold and kfold < 3:
        raise UsageError(f"k-fold needs at least 3 folds (one tests, one tunes thresholds, the rest train), not {kfold}")
    if threshold_folds and threshold_folds < 2:
        raise UsageError(f"threshold folds must be 2 or more (or 0 for the validation split), not {threshold_folds}")
    if policies is not None and max(kfold, threshold_folds) > policies:
        raise UsageError(f"{max(kfold, threshold_folds)} folds but only {policies} policies to spread over them")


def new_backend(backend: str, settings: Settings | Mapping | None = None, ensemble: dict | None = None,
                labels: Sequence[str] = LABELS):
    """An unfitted backend named ``backend``, for ``labels``.  ``settings``: its settings
    dataclass (``LinearSettings``, ``TrainConfig``) or a mapping of the fields to change; for an
    ensemble, member name → that member's settings, and ``ensemble`` holds its ``weights`` and
    ``combine``.  A transformer is a :class:`~jprivacy.train.transformer.FineTuner`: fine-tuning
    is training's job."""
    if backend == "ensemble":
        members = settings if settings is not None else {"linear": None, "transformer": None}
        return EnsembleBackend({name: new_backend(name, member, labels=labels) for name, member in members.items()},
                               **(ensemble or {}), labels=labels)
    typed = settings if isinstance(settings, Settings) else None
    overrides = {} if typed is not None else dict(settings or {})
    if backend == "transformer":
        from .transformer import FineTuner

        return FineTuner(labels, typed, **overrides)
    return backend_class(backend)(typed, **overrides)


def with_labels(frame, labels: Sequence[str]):
    """``frame`` with each clause's labels cut to ``labels`` (a model of a smaller label set)."""
    keep = set(labels)
    return frame.assign(labels=frame["labels"].map(lambda names: [n for n in names if n in keep]))


def _probabilities(model, texts, contexts):
    """(probabilities, and for an ensemble each member's; else None), running every member once."""
    if isinstance(model, EnsembleBackend):
        members = model.member_probabilities(texts, contexts)
        return model.combine(members), members
    return model.predict_proba(texts, contexts), None


def _validation_thresholds(model, validation) -> tuple[np.ndarray, str]:
    """(thresholds, what they were tuned on) for a model fitted on the train split.

    Tuned on the ``validation`` split, except for a ``log_odds`` ensemble, whose thresholds are
    0.5.  An ensemble member trained here (one without a card) first gets thresholds of its own
    tuned on validation, so that it also works alone and so that ``log_odds`` can centre it.
    """
    texts, contexts_, y = validation
    if not isinstance(model, EnsembleBackend):
        return tune(y, model.predict_proba(texts, contexts_)), "validation"
    centred = (np.full(len(model.labels), 0.5), "none: 0.5 on the members' threshold-centred log-odds")
    if model.settings.combine == "log_odds" and set(model.cards) == set(model.members):
        return centred  # every member came with its thresholds: nothing to score validation for
    members = model.member_probabilities(texts, contexts_)
    for name, member_probs in zip(model.members, members):
        if name not in model.cards:
            tuned = dict(zip(model.labels, map(float, tune(y, member_probs))))
            model.cards[name] = replace(model.member_card(name), thresholds=tuned,
                                        training_data={"thresholds_tuned_on": "validation", "member_of": "ensemble"})
    if model.settings.combine == "log_odds":
        return centred
    return tune(y, model.combine(members)), "validation"


def reusable_member(folder: str | Path, frame, name: str, combine: str, labels: Sequence[str] = LABELS):
    """The backend and card of the model folder ``folder``, to join an ensemble as member
    ``name``; refused (ValueError) unless it has that member's kind of backend and its card says
    it was trained on the splits of ``frame`` (its validation and test policies must stay
    unseen).  A mean ensemble tunes its thresholds on validation, so a member fitted on
    validation as well (out-of-fold thresholds) can only join a ``log_odds`` ensemble."""
    from jprivacy.tagger import load

    tagger = load(folder)
    if tuple(tagger.labels) != tuple(labels):
        raise UsageError(f"{folder}: a model of the labels {', '.join(tagger.labels)}, not {', '.join(labels)}")
    kinds = {"linear": ("linear",), "transformer": ("transformer", "onnx")}.get(name, (tagger.card.backend,))
    if tagger.card.backend not in kinds:
        raise UsageError(f"{folder}: a {tagger.card.backend} model cannot be the ensemble's {name} member")
    recorded = tagger.card.training_data.get("splits", {})
    expected = {s: {"clauses": int((frame.split == s).sum()), "policies": int(frame[frame.split == s].doc.nunique())}
                for s in ("train", "validation", "test")}
    if recorded != expected:
        raise UsageError(f"{folder}: trained on other splits ({recorded or 'not recorded'}) than this corpus "
                         f"gives ({expected}); it cannot join an ensemble tuned and tested on them")
    tuned_on = str(tagger.card.training_data.get("thresholds_tuned_on", ""))
    if combine == "mean" and tuned_on.startswith("out-of-fold"):
        raise UsageError(f"{folder}: fitted on train and validation (thresholds: {tuned_on}); a mean ensemble "
                         "tunes its thresholds on validation, so join it with --combine log-odds")
    return tagger.backend, tagger.card


def split_arrays(frame, split: str, labels: Sequence[str] = LABELS):
    part = frame[frame["split"] == split]
    return part["text"].tolist(), contexts(part), multi_hot(part["labels"], labels)


def cross_validate(k: int, backend: str = "linear", labeled: Path = LABELED, settings: dict | None = None,
                   wild: str | Path | None = None, ensemble: dict | None = None, log=_LOG.info,
                   labels: Sequence[str] = LABELS) -> dict:
    """Policy-grouped k-fold: fold i is the test set, fold i+1 tunes thresholds, the rest trains.

    Returns per-fold scores and the mean ± sd of macro- and micro-F1.  ``settings``,
    ``ensemble`` and ``labels`` are as for :func:`train_model`; every member is trained afresh
    in each fold.
    """
    frame = with_labels(load_frame(labeled, wild=wild), labels)
    check_folds(kfold=k, policies=frame["doc"].nunique())
    folds = [set(fold) for fold in policy_folds(frame["doc"], k)]
    results = []
    for i in range(k):
        test_docs, val_docs = folds[i], folds[(i + 1) % k]
        part = frame.assign(split=frame["doc"].map(
            lambda d: "test" if d in test_docs else "validation" if d in val_docs else "train"))
        train, validation, test = (split_arrays(part, s, labels) for s in ("train", "validation", "test"))
        model = new_backend(backend, settings, ensemble, labels)
        model.fit(*train, validation=validation)
        thresholds, _ = _validation_thresholds(model, validation)
        rep = label_scores(test[2], (model.predict_proba(test[0], test[1]) >= thresholds).astype(np.float32), labels)
        results.append(rep)
        log(f"fold {i + 1}/{k}: macro-F1 {rep['macro']['f1']:.3f}, micro-F1 {rep['micro']['f1']:.3f}")
    summary = {avg: {"mean": float(np.mean([r[avg]["f1"] for r in results])),
                     "sd": float(np.std([r[avg]["f1"] for r in results], ddof=1)) if k > 1 else 0.0}
               for avg in ("macro", "micro")}
    log(f"{k}-fold by policy: macro-F1 {summary['macro']['mean']:.3f} ± {summary['macro']['sd']:.3f}, "
        f"micro-F1 {summary['micro']['mean']:.3f} ± {summary['micro']['sd']:.3f}")
    return {"folds": results, **summary}


def _out_of_fold(frame, k: int, backend: str, settings: dict | None, labels: Sequence[str] = LABELS):
    """Probabilities for every clause of ``frame`` from models that never saw its policy."""
    probs = np.zeros((len(frame), len(labels)), np.float32)
    for fold in policy_folds(frame["doc"], k):
        held = frame["doc"].isin(fold).to_numpy()
        model = new_backend(backend, settings, labels=labels)
        model.fit(frame[~held]["text"].tolist(), contexts(frame[~held]), multi_hot(frame[~held]["labels"], labels))
        probs[held] = model.predict_proba(frame[held]["text"].tolist(), contexts(frame[held]))
    return probs


def train_model(output: str | Path, backend: str = "linear", labeled: Path = LABELED,
                settings: dict | None = None, threshold_folds: int = 0,
                threshold_origin: str | None = None, wild: str | Path | None = None,
                reuse: dict[str, str | Path] | None = None, ensemble: dict | None = None,
                log=_LOG.info, labels: Sequence[str] = LABELS) -> ModelCard | None:
    """Train a model folder and score it on the test split.

    In a distributed run (``torchrun`` / ``accelerate launch``) every rank trains, and only the
    first scores and writes the folder; the others return None.

    By default: fit on the train split, tune thresholds on validation (where the transformer
    backend also early-stops).  With ``threshold_folds=K`` (backends without early stopping):
    tune thresholds on out-of-fold predictions of a policy-grouped K-fold over train and
    validation together, then fit on both; ``threshold_origin="wild"`` tunes them on the
    out-of-fold predictions of the real policies only.  ``settings`` are the backend's constructor
    arguments (for the transformer backend, the fields of ``TrainConfig``).  ``wild`` names the
    folder of wild policy texts (see :func:`jprivacy.data.wild_texts`); without it, training
    says in one line that they are absent and goes on with the rest.

    For the ensemble backend, ``settings`` maps member names to their settings
    (``{"linear": {...}, "transformer": {...}}``), ``reuse`` maps member names to model
    folders trained before on the same splits, which join the ensemble as they are, and
    ``ensemble`` holds its ``weights`` and ``combine`` (see :mod:`jprivacy.backends.ensemble`).
    A ``mean`` ensemble's thresholds are tuned on validation; a ``log_odds`` ensemble's are 0.5,
    each member keeping the thresholds it came with (or, trained here, tuned on validation).
    """
    if threshold_folds and backend == "ensemble":
        raise UsageError("threshold folds are for single models; an ensemble's members bring their own thresholds")
    check_replaceable(Path(output))
    labels = tuple(labels)
    frame = with_labels(load_frame(labeled, wild=wild, log=log), labels)
    check_folds(threshold_folds=threshold_folds,
                policies=frame[frame.split.isin(["train", "validation"])].doc.nunique())
    train, validation, test = (split_arrays(frame, s, labels) for s in ("train", "validation", "test"))
    model = new_backend(backend, settings, ensemble, labels)
    if backend == "ensemble":
        for name, folder in (reuse or {}).items():
            model.adopt(name, *reusable_member(folder, frame, name, model.settings.combine, labels))
    started = time.perf_counter()
    if threshold_folds:
        fit_part = frame[frame.split.isin(["train", "validation"])]
        log(f"tuning thresholds by {threshold_folds}-fold over {len(fit_part)} clauses, then training {backend}")
        probs = _out_of_fold(fit_part, threshold_folds, backend, settings, labels)
        rows = (fit_part["origin"] == threshold_origin).to_numpy() if threshold_origin else slice(None)
        thresholds = tune(multi_hot(fit_part["labels"], labels)[rows], probs[rows])
        model.fit(fit_part["text"].tolist(), contexts(fit_part), multi_hot(fit_part["labels"], labels))
        tuned_on = (f"out-of-fold predictions, {threshold_folds}-fold by policy over train+validation"
                    + (f", {threshold_origin} policies" if threshold_origin else ""))
    else:
        log(f"training {backend} backend on {len(train[0])} clauses "
            f"({frame[frame.split == 'train'].doc.nunique()} policies)")
        model.fit(*train, validation=validation)
        thresholds, tuned_on = _validation_thresholds(model, validation)
    seconds = time.perf_counter() - started
    if not is_main_process():
        return None
    test_probs, members = _probabilities(model, test[0], test[1])
    metrics = {"test": label_scores(test[2], (test_probs >= thresholds).astype(np.float32), labels),
               "train_seconds": round(seconds, 1)}
    if members is not None:
        metrics["members_test"] = {
            name: label_scores(test[2], (probs >= model.member_thresholds(name)).astype(np.float32), labels)
            for name, probs in zip(model.members, members)}
    with staged_folder(Path(output)) as folder:
        card = _save(model, folder, backend, labels, thresholds, frame, tuned_on, metrics, Path(output).resolve().name)
    log(f"saved {output} (test macro-F1 {metrics['test']['macro']['f1']:.3f}, "
        f"micro-F1 {metrics['test']['micro']['f1']:.3f}, {seconds:.1f}s)")
    return card


def _save(model, output: Path, backend: str, labels: Sequence[str], thresholds, frame, tuned_on: str,
          metrics: dict, name: str) -> ModelCard:
    """Write the trained model, its card (with its ``labels``) and its README into ``output``."""
    saved_settings = model.save(output)
    card = ModelCard(
        backend=backend, labels=list(labels),
        thresholds={name: float(t) for name, t in zip(labels, thresholds)},
        settings=saved_settings, base_model=getattr(model, "base_model", None),
        training_data={"corpus": "jprivacy.data (data/labeled, and data/wild standoff labels)",
                       "origins": {o: {"clauses": int((frame.origin == o).sum()),
                                       "policies": int(frame[frame.origin == o].doc.nunique())}
                                   for o in sorted(frame.origin.unique())},
                       "splits": {s: {"clauses": int((frame.split == s).sum()),
                                      "policies": int(frame[frame.split == s].doc.nunique())}
                                  for s in ("train", "validation", "test")},
                       "thresholds_tuned_on": tuned_on, "metrics_on": "test"},
        metrics=metrics)
    card.write(output)
    write_readme(output, card, name)
    share_like_other_files(output)
    return card
