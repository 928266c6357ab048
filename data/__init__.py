"""The labeled clause corpus: policies in ``policies/``, clause labels in ``labeled/``.

>>> from jprivacy.data import load_dataset, load_frame
>>> load_dataset()            # DatasetDict: train / validation / test, split by policy
>>> load_frame()              # one row per clause, with a ``split`` column
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pandas as pd

from jprivacy.labels import LABELS
from jprivacy.readers import read_document
from jprivacy.segment import segment

DATA_DIR = Path(__file__).parent
POLICIES = DATA_DIR / "policies"
LABELED = DATA_DIR / "labeled"
SEED = 13
SPLIT_SHARES = {"validation": 0.15, "test": 0.15}
COLUMNS = ["doc", "clause", "start", "end", "section", "text", "labels"]


def policy_files(folder: Path = POLICIES) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in {".txt", ".md", ".html", ".htm"})


def split_of(docs: list[str], seed: int = SEED) -> dict[str, str]:
    """Assign whole policies to splits with a fixed seed (never split a policy's clauses)."""
    docs = sorted(docs)
    random.Random(seed).shuffle(docs)
    n_val = round(len(docs) * SPLIT_SHARES["validation"])
    n_test = round(len(docs) * SPLIT_SHARES["test"])
    splits = {}
    for i, doc in enumerate(docs):
        splits[doc] = "validation" if i < n_val else "test" if i < n_val + n_test else "train"
    return splits


def read_labeled(folder: Path = LABELED) -> list[dict]:
    records = []
    for path in sorted(folder.glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            records.extend(json.loads(line) for line in f if line.strip())
    return records


def load_frame(folder: Path = LABELED, seed: int = SEED) -> pd.DataFrame:
    """All labeled clauses as a DataFrame (columns: doc … labels, split)."""
    frame = pd.DataFrame(read_labeled(folder), columns=COLUMNS)
    frame["split"] = frame["doc"].map(split_of(frame["doc"].unique().tolist(), seed))
    return frame


def load_dataset(folder: Path = LABELED, seed: int = SEED):
    """The corpus as a ``datasets.DatasetDict`` with train / validation / test split by policy."""
    from datasets import Dataset, DatasetDict

    frame = load_frame(folder, seed)
    return DatasetDict({split: Dataset.from_pandas(frame[frame["split"] == split][COLUMNS],
                                                   preserve_index=False)
                        for split in ("train", "validation", "test")})


def _shingles(text: str, k: int = 8) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i:i + k] for i in range(0, max(0, len(text) - k + 1))}


def validate(policies: Path = POLICIES, labeled: Path = LABELED, eval_dir: Path | None = None,
             max_similarity: float = 0.35) -> list[str]:
    """Problems with the corpus (empty list when it is consistent).

    Checks: every policy has labels for exactly the clauses the segmenter produces, with
    matching offsets, text and section; labels come from the taxonomy; no clause text of
    20+ characters occurs in the evaluation policies (``eval_dir``, when it exists); no two
    policies near-duplicate each other (Jaccard similarity of 8-character shingles).
    """
    problems: list[str] = []
    by_doc: dict[str, list[dict]] = {}
    for record in read_labeled(labeled):
        by_doc.setdefault(record["doc"], []).append(record)
    texts: dict[str, str] = {}
    for path in policy_files(policies):
        doc = path.name
        document = read_document(path)
        texts[doc] = document.text
        clauses = segment(document.text, document.headings)
        records = sorted(by_doc.pop(doc, []), key=lambda r: r["clause"])
        if not records:
            problems.append(f"{doc}: no labeled clauses")
            continue
        if len(records) != len(clauses):
            problems.append(f"{doc}: {len(records)} labeled clauses, the segmenter gives {len(clauses)}")
        for record, clause in zip(records, clauses):
            where = f"{doc} clause {record['clause']}"
            if (record["start"], record["end"]) != (clause.start, clause.end):
                problems.append(f"{where}: offsets {record['start']}-{record['end']} != {clause.start}-{clause.end}")
            elif document.text[record["start"]:record["end"]] != record["text"]:
                problems.append(f"{where}: text does not match the policy at its offsets")
            elif record.get("section", "") != clause.section:
                problems.append(f"{where}: section {record.get('section')!r} != {clause.section!r}")
            unknown = set(record["labels"]) - set(LABELS)
            if unknown:
                problems.append(f"{where}: unknown label(s) {sorted(unknown)}")
            if len(set(record["labels"])) != len(record["labels"]):
                problems.append(f"{where}: repeated label")
        if [r["clause"] for r in records] != list(range(len(records))):
            problems.append(f"{doc}: clause numbers are not 0..{len(records) - 1} exactly once each")
    problems.extend(f"{doc}: labeled, but no such policy file" for doc in sorted(by_doc))

    if eval_dir is not None and Path(eval_dir).is_dir():
        eval_text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(eval_dir).rglob("*.txt")))
        for doc, text in texts.items():
            for clause in segment(text):
                if len(clause.text) >= 20 and clause.text in eval_text:
                    problems.append(f"{doc} clause at {clause.start}: text also appears in {eval_dir}")

    shingles = {doc: _shingles(text) for doc, text in texts.items()}
    docs = sorted(shingles)
    for i, a in enumerate(docs):
        for b in docs[i + 1:]:
            union = len(shingles[a] | shingles[b])
            similarity = len(shingles[a] & shingles[b]) / union if union else 0.0
            if similarity > max_similarity:
                problems.append(f"{a} and {b} near-duplicate each other (similarity {similarity:.2f})")
    return problems
