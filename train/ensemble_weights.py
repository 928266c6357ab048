"""Choose a log-odds ensemble's member weights on out-of-fold predictions over train+validation.

    python -m jprivacy.train.ensemble_weights --linear-model DIR --transformer-model DIR \\
        [--folds 5] [--rows all|unseen] [--wild FOLDER]

Dev is 12 policies: a weight picked on it is scored optimistically by it.  Here each clause of
train+validation (wild policies included) is scored by a linear model fitted, K-fold by policy,
without its policy (with the recipe and settings of ``--linear-model``), and by the transformer
member as it is.  ``--rows unseen`` keeps only the policies of the wild batches after the first
(``w187`` on), which a transformer trained before they existed never saw, so that both
members' predictions there are out of sample; ``--rows all`` uses every train+validation
policy (right for a transformer refitted per fold).  Each weight of a grid is scored by the
macro-F1 of the ensemble's labels (each member keeps its own thresholds, as in
``jprivacy train --backend ensemble --combine log-odds``); the best is printed with the table.
"""

from __future__ import annotations

import argparse
import numpy as np

from jprivacy.backends.ensemble import combine_scores
from jprivacy.backends.loading import load_backend
from jprivacy.data import contexts, is_wild, load_frame, wild_batch
from jprivacy.model_folder import ModelCard

from .fit import _out_of_fold, with_labels
from .metrics import label_scores, multi_hot

GRID = tuple(round(0.05 * i, 2) for i in range(21))  # the transformer's weight


def weight_table(linear_probs: np.ndarray, transformer_probs: np.ndarray, y: np.ndarray,
                 linear_card: ModelCard, transformer_card: ModelCard, grid=GRID) -> list[dict]:
    """Macro- and micro-F1 of the log-odds ensemble for each transformer weight of ``grid``, each
    member's log-odds centred on its own thresholds."""
    thresholds = [np.array([card.thresholds[n] for n in linear_card.labels], np.float64)
                  for card in (linear_card, transformer_card)]
    rows = []
    for w in grid:
        scores = combine_scores([linear_probs, transformer_probs], [1 - w, w], "log_odds", thresholds)
        report = label_scores(y, (scores >= 0.5).astype(np.float32))
        rows.append({"transformer_weight": w, "macro_f1": report["macro"]["f1"], "micro_f1": report["micro"]["f1"],
                     "labels": {n: m["f1"] for n, m in report["labels"].items()}})
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--linear-model", required=True, help="the linear member (its settings are refitted per fold)")
    parser.add_argument("--transformer-model", required=True, help="the transformer member (onnx or transformer)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--rows", choices=["all", "unseen"], default="unseen")
    parser.add_argument("--wild", help="folder of the wild policy texts")
    args = parser.parse_args(argv)

    frame = load_frame(wild=args.wild)
    fit_part = frame[frame.split.isin(["train", "validation"])].reset_index(drop=True)
    linear, linear_card = load_backend(args.linear_model)
    transformer, transformer_card = load_backend(args.transformer_model)
    print(f"out-of-fold linear predictions, {args.folds}-fold by policy over {len(fit_part)} clauses "
          f"({fit_part.doc.nunique()} policies)")
    labels = tuple(linear_card.labels)
    fit_part = with_labels(fit_part, labels)
    linear_probs = _out_of_fold(fit_part, args.folds, "linear", linear.settings(), labels)
    if args.rows == "unseen":
        keep = fit_part["doc"].map(lambda d: is_wild(d) and wild_batch(d) == "second")
    else:
        keep = fit_part["doc"].map(lambda d: True)
    keep = keep.to_numpy(bool)
    rows = fit_part[keep]
    print(f"scoring weights on {len(rows)} clauses of {rows.doc.nunique()} policies ({args.rows})")
    transformer_probs = transformer.predict_proba(rows["text"].tolist(), contexts(rows))
    if transformer_card.labels != linear_card.labels:
        raise SystemExit("the two members have different labels")
    table = weight_table(linear_probs[keep], transformer_probs, multi_hot(rows["labels"], linear_card.labels), linear_card,
                         transformer_card)
    print("| transformer weight | macro-F1 | micro-F1 |\n|---:|---:|---:|")
    for row in table:
        print(f"| {row['transformer_weight']:.2f} | {row['macro_f1']:.4f} | {row['micro_f1']:.4f} |")
    best = max(table, key=lambda r: (round(r["macro_f1"], 4), -r["transformer_weight"]))
    print(f"best: transformer weight {best['transformer_weight']:.2f} (macro-F1 {best['macro_f1']:.4f}); "
          f"use --weights {1 - best['transformer_weight']:.2f} {best['transformer_weight']:.2f}")


if __name__ == "__main__":
    main()
