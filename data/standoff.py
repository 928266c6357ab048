"""Standoff labels for the real policies of ``../shared/wild``: built from the annotation passes.

The project keeps no text of these policies.  ``wild/annotation/`` holds the labeling passes
as ``{doc, clause, labels}`` (pass A over every policy, pass B over a sample, and the
adjudicated labels of the sample); ``wild/labels.jsonl`` joins them with the offsets the
segmenter gives and the SHA-256 of each text, so that loading can check it reads the very
text the labels were made on.  A clause of 20+ characters that also occurs in an evaluation
text keeps ``"labels": null`` and is never trained on.

    python -m jprivacy.data.standoff build       # wild/labels.jsonl from the passes and the texts
    python -m jprivacy.data.standoff agreement [--batch first|second]   # Cohen's kappa of A and B, per label
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from jprivacy.labels import LABELS
from jprivacy.readers import read_document

from . import DATA_DIR, WILD_LABELS, sha256, wild_batch, wild_texts
from .annotation import agreement, read_pass

WILD_ANNOTATION = DATA_DIR / "wild" / "annotation"
DEFAULT_EVAL = DATA_DIR.parent.parent / "shared" / "eval"


def final_labels(annotation: Path = WILD_ANNOTATION) -> dict[tuple[str, int], list[str]]:
    """Adjudicated labels where a policy was labeled twice, pass A elsewhere."""
    labels = read_pass(annotation / "pass_a.jsonl")
    labels.update(read_pass(annotation / "adjudicated.jsonl"))
    return labels


def build(texts: Path | None = None, annotation: Path = WILD_ANNOTATION,
          eval_dir: Path | None = DEFAULT_EVAL) -> list[dict]:
    """Standoff records ``{doc, clause, start, end, labels, sha256}`` for every labeled clause."""
    folder = wild_texts(texts)
    labels = final_labels(annotation)
    eval_text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(eval_dir).rglob("*.txt"))) \
        if eval_dir and Path(eval_dir).is_dir() else ""
    records = []
    for doc in sorted({doc for doc, _ in labels}):
        document = read_document(folder / f"{doc}.txt")
        digest = sha256(document.text)
        clauses = document.segment()
        missing = [i for i in range(len(clauses)) if (doc, i) not in labels]
        if missing:
            raise ValueError(f"{doc}: clauses {missing[:5]} have no labels in {annotation}")
        for i, clause in enumerate(clauses):
            used = not (len(clause.text) >= 20 and clause.text in eval_text)
            records.append({"doc": doc, "clause": i, "start": clause.start, "end": clause.end,
                            "labels": [n for n in LABELS if n in labels[(doc, i)]] if used else None,
                            "sha256": digest})
    return records


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "agreement"])
    parser.add_argument("--wild", help="folder of the wild policy texts (default: ../shared/wild/policies)")
    parser.add_argument("--batch", choices=["first", "second"],
                        help="agreement on one batch of ../shared/wild only (w001-w186 or w187 on)")
    args = parser.parse_args(argv)
    if args.command == "build":
        records = build(args.wild)
        WILD_LABELS.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        print(f"wrote {len(records)} clauses of {len({r['doc'] for r in records})} policies to {WILD_LABELS}")
        return
    def batch(labels: dict) -> dict:
        if args.batch is None:
            return labels
        return {k: v for k, v in labels.items() if wild_batch(k[0]) == args.batch}

    a, b = batch(read_pass(WILD_ANNOTATION / "pass_a.jsonl")), batch(read_pass(WILD_ANNOTATION / "pass_b.jsonl"))
    final = batch(read_pass(WILD_ANNOTATION / "adjudicated.jsonl"))
    print(json.dumps({"pass_a_vs_pass_b": agreement(a, b), "pass_a_vs_adjudicated": agreement(a, final),
                      "pass_b_vs_adjudicated": agreement(b, final)}, indent=2))


if __name__ == "__main__":
    main()
