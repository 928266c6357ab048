"""Build ``labeled/`` from annotation passes and measure agreement between passes.

The corpus was labeled in two independent passes: pass A over every clause, pass B over a
sample of policies; disagreements were adjudicated against LABELS.md and GUIDELINE.md.
``annotation/`` keeps both passes and the adjudicated labels for the double-labeled
policies, so the agreement figures in the datasheet can be recomputed:

    python -m jprivacy.data.annotation agreement
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

from jprivacy.labels import LABELS
from jprivacy.outputs import stream_records

from . import DATA_DIR

ANNOTATION = DATA_DIR / "annotation"


def read_pass(path: Path) -> dict[tuple[str, int], list[str]]:
    """``{(doc, clause): labels}`` from a JSON Lines pass file."""
    return {(r["doc"], r["clause"]): r["labels"] for r in stream_records(path)}


def agreement(a: dict, b: dict) -> dict:
    """Per-label Cohen's κ, macro-F1 of B against A, and exact agreement on the common clauses."""
    keys = sorted(set(a) & set(b))
    ya = np.array([[name in a[k] for name in LABELS] for k in keys], int)
    yb = np.array([[name in b[k] for name in LABELS] for k in keys], int)
    kappa = {name: float(cohen_kappa_score(ya[:, j], yb[:, j])) for j, name in enumerate(LABELS)}
    return {"clauses": len(keys), "policies": len({k[0] for k in keys}),
            "kappa": kappa, "mean_kappa": float(np.mean(list(kappa.values()))),
            "macro_f1": float(f1_score(ya, yb, average="macro", zero_division=0)),
            "exact_agreement": float((ya == yb).all(axis=1).mean())}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["agreement"])
    parser.parse_args(argv)
    a = read_pass(ANNOTATION / "pass_a.jsonl")
    b = read_pass(ANNOTATION / "pass_b.jsonl")
    final = read_pass(ANNOTATION / "adjudicated.jsonl")
    print(json.dumps({"pass_a_vs_pass_b": agreement(a, b), "pass_a_vs_adjudicated": agreement(a, final),
                      "pass_b_vs_adjudicated": agreement(b, final)}, indent=2))


if __name__ == "__main__":
    main()
