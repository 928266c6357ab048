"""How well does the rules-only field extractor read the fields of ../shared/FIELDS.md?

    python benchmarks/fields_dev.py [--eval ../shared/eval] [--model M] [--only dev|corpus]

Tags each policy with the clause model (the bundled one by default), runs
:func:`jprivacy.extract.extract` on its clause records, and scores the extracted values per field
against the annotated gold with :func:`jprivacy.data.fields.set_scores` (micro precision, recall
and F1 of the policies' value sets; names compared by ``name_key``, transmissions by service):

(a) dev: the 12 policies of ``EVAL/dev`` against ``data/fields/dev/gold.jsonl`` — measured only,
    never used to write the rules;
(b) corpus: the annotated training corpus (the wild and in-house policies of ``data/fields``,
    ``final_records()``), which the rules were developed on — an optimistic figure, and the clause
    model has seen most of these policies too.

Prints one markdown table per set.  Not run in CI (tagging the corpus takes a minute or two).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tag_and_extract(tagger, docs: dict[str, Path]) -> dict[str, dict[str, set]]:
    """``{doc: value sets}`` of the extractor on each policy file, tagged with ``tagger``."""
    from jprivacy.extract import extract
    from jprivacy.readers import Document, read_document

    documents = {doc: read_document(path) for doc, path in docs.items()}
    records: dict[str, list[dict]] = defaultdict(list)
    stream = tagger.iter_records(Document(doc, d.text, d.headings) for doc, d in documents.items())
    for record in stream:
        if isinstance(record, dict):
            records[record["doc"]].append(record)
    return {doc: extract(doc, d.text, records[doc]).value_sets() for doc, d in documents.items()}


def table(title: str, scores: dict[str, dict], policies: int, seconds: float) -> str:
    """A markdown table of per-field precision, recall, F1 and gold support."""
    lines = [f"### {title} ({policies} policies, {seconds:.0f} s)", "",
             "| field | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for name, s in scores.items():
        lines.append(f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    f1s = [s["f1"] for s in scores.values() if s["support"]]
    lines.append(f"| *macro F1* | | | {sum(f1s) / len(f1s):.3f} | |")
    return "\n".join(lines)


def score(tagger, records: list[dict], title: str, **where) -> str:
    """Tag, extract and score the policies that ``records`` annotate."""
    from jprivacy.data.fields import policy_values, set_scores, text_path, with_text

    started = time.perf_counter()
    rows = with_text(records, **where)
    docs = sorted({r["doc"] for r in rows})
    predicted = tag_and_extract(tagger, {doc: text_path(doc, **where) for doc in docs})
    scores = set_scores(policy_values(rows), predicted, docs)
    return table(title, scores, len(docs), time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--model", help="clause model folder (default: the bundled model)")
    parser.add_argument("--only", choices=("dev", "corpus"), help="score one set only")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import jprivacy
    from jprivacy.data.fields import DEV_DIR, final_records, read_records

    tagger = jprivacy.load(args.model)
    if args.only != "corpus":
        print(score(tagger, read_records(DEV_DIR / "gold.jsonl"), "(a) dev gold", eval_dir=args.eval))
        print()
    if args.only != "dev":
        print(score(tagger, final_records(), "(b) annotated training corpus"))


if __name__ == "__main__":
    main()
