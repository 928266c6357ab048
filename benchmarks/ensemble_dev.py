"""Would a BERT + linear ensemble beat the linear model on real policies?  Scores on dev for a grid of weights.

    python benchmarks/ensemble_dev.py --linear model/bundled --transformer runs/bert-ft2 \\
        [--gold ../shared/eval/dev/gold.jsonl]

Each member keeps its own recipe and thresholds (the linear model fitted on train + validation
with out-of-fold thresholds, the transformer early-stopped on validation with thresholds tuned
there).  They are combined as ``jprivacy train --backend ensemble --combine log-odds`` combines
them (see :mod:`jprivacy.backends.ensemble`), so that neither member's thresholds need tuning
again on data the other has seen.  Prints macro- and micro-F1 and per-label F1 for each weight
``w`` of the transformer.  Dev is for choosing models; a weight chosen here is scored
optimistically by the same set.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--linear", required=True, help="linear model folder")
    parser.add_argument("--transformer", required=True, help="transformer model folder")
    parser.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "eval" / "dev" / "gold.jsonl")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import jprivacy
    from jprivacy.backends.ensemble import combine_scores
    from jprivacy.labels import LABELS
    from jprivacy.records import record_contexts
    from jprivacy.train.evaluation import read_gold, sections_from_policies
    from jprivacy.train.metrics import label_scores, multi_hot

    gold = read_gold(args.gold)
    print(sections_from_policies(gold, args.gold.parent))
    texts, contexts, y = [r["text"] for r in gold], record_contexts(gold), multi_hot([r["labels"] for r in gold])
    taggers = [jprivacy.load(folder) for folder in (args.linear, args.transformer)]
    members = [t.predict_proba(texts, contexts) for t in taggers]  # scored once, combined per weight
    thresholds = [t.thresholds.astype(np.float64) for t in taggers]
    print(f"\n| BERT weight | macro-F1 | micro-F1 | {' | '.join(LABELS)} |\n|---|---:|---:|" + "---:|" * len(LABELS))
    for w in WEIGHTS:
        combined = combine_scores(members, [1 - w, w], "log_odds", thresholds)
        scores = label_scores(y, (combined >= 0.5).astype(np.float32))
        print(f"| {w:.1f} | {scores['macro']['f1']:.3f} | {scores['micro']['f1']:.3f} | "
              + " | ".join(f"{scores['labels'][name]['f1']:.3f}" for name in LABELS) + " |")


if __name__ == "__main__":
    main()
