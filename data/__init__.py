"""The labeled clause corpus.

Two kinds of policies: the project's own (``policies/``: five real seed policies and the
in-house ones, labels with text in ``labeled/``), and real policies from elsewhere
(``wild/``: standoff labels only, ``{doc, clause, start, end, labels, sha256}``, that point
into texts kept outside the project, by default ``../shared/wild/policies``).

>>> from jprivacy.data import load_splits, load_frame
>>> load_splits()            # DatasetDict: train / validation / test, split by policy
>>> load_frame()              # one row per clause, with ``split`` and ``origin`` columns
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
from pathlib import Path
from typing import Callable

import pandas as pd

from jprivacy.labels import LABELS
from jprivacy.outputs import stream_records
from jprivacy.records import text_or_empty
from jprivacy.readers import POLICY_SUFFIXES, ReadError, read_document
from jprivacy.segment import context, segment

DATA_DIR = Path(__file__).resolve().parent  # the checkout's data/, also under a strict editable install
POLICIES = DATA_DIR / "policies"
LABELED = DATA_DIR / "labeled"
WILD_LABELS = DATA_DIR / "wild" / "labels.jsonl"
DEFAULT_WILD_TEXTS = DATA_DIR.parent.parent / "shared" / "wild" / "policies"
SEED = 13
SPLIT_SHARES = {"validation": 0.15, "test": 0.15}
COLUMNS = ["doc", "clause", "start", "end", "section", "lead", "text", "labels", "origin"]


_LOG = logging.getLogger("jprivacy.data")


def _warn(message: str) -> None:
    """The loaders' notices (a missing or changed wild text): ``logging`` warnings of ``jprivacy.data``."""
    _LOG.warning(message)


def wild_texts(folder: str | Path | None = None) -> Path:
    """Where the wild policy texts are: ``folder``, else ``$JPRIVACY_WILD``, else ``../shared/wild/policies``."""
    return Path(folder or os.environ.get("JPRIVACY_WILD") or DEFAULT_WILD_TEXTS)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


FIRST_WILD_BATCH = 186  # w001-w186; later policies (w187-) are split apart, so no earlier policy moves


def is_wild(doc: str) -> bool:
    """Whether ``doc`` names a policy of ``../shared/wild`` (``w001`` …)."""
    return doc[:1] == "w" and doc[1:].isdigit()


def wild_batch(doc: str) -> str:
    """``first`` or ``second``: the batch of ``../shared/wild`` a wild policy came in."""
    return "first" if int(doc[1:]) <= FIRST_WILD_BATCH else "second"


def origin_of(doc: str) -> str:
    """``wild`` for a policy of ``../shared/wild``, ``seed`` for the five real seed policies,
    ``in-house`` for the policies written here."""
    return "wild" if is_wild(doc) else "seed" if doc[:1].isdigit() else "in-house"


def policy_files(folder: Path = POLICIES) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in POLICY_SUFFIXES)


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


def wild_splits(docs: list[str], seed: int = SEED) -> dict[str, str]:
    """Splits of wild policies: each batch of ``../shared/wild`` split by policy on its own."""
    first = [d for d in docs if wild_batch(d) == "first"]
    return {**split_of(first, seed), **split_of([d for d in docs if d not in set(first)], seed)}


def corpus_splits(seed: int = SEED) -> dict[str, str]:
    """The split of every policy of the corpus (project policies and labeled wild ones), as
    :func:`load_frame` assigns them."""
    wild = sorted({r["doc"] for r in read_labeled_file(WILD_LABELS)}) if WILD_LABELS.is_file() else []
    return {**split_of([p.name for p in policy_files()], seed), **wild_splits(wild, seed)}


def read_labeled(folder: Path = LABELED) -> list[dict]:
    return [record for path in sorted(folder.glob("*.jsonl")) for record in read_labeled_file(path)]


def _with_leads(records: list[dict], policies: Path = POLICIES) -> list[dict]:
    """Add each record's ``lead`` (see :class:`jprivacy.segment.Clause`) from its policy file."""
    leads: dict[str, dict[int, str]] = {}
    for record in records:
        doc = record["doc"]
        if doc not in leads:
            path = policies / doc
            document = read_document(path) if path.is_file() else None
            leads[doc] = ({c.start: c.lead for c in document.segment()}
                          if document else {})
        record["lead"] = leads[doc].get(record["start"], "")
        record["origin"] = origin_of(doc)
    return records


def read_wild(labels: Path = WILD_LABELS, texts: str | Path | None = None,
              log: Callable[[str], None] = _warn) -> list[dict]:
    """Standoff wild labels joined with their texts: clause records like ``labeled/``'s.

    A policy whose text is missing or whose SHA-256 differs from the one its labels were made
    on is skipped with one line naming it (its offsets could point at the wrong words); so is
    one whose clauses no longer match the segmenter.  When the whole folder is absent, one line
    says so and nothing is returned.
    """
    if not Path(labels).is_file():
        return []
    folder = wild_texts(texts)
    if not folder.is_dir():
        log(f"wild policy texts not found at {folder}: using the in-house corpus only "
            "(pass --wild FOLDER or set JPRIVACY_WILD)")
        return []
    by_doc: dict[str, list[dict]] = {}
    for record in read_labeled_file(labels):
        by_doc.setdefault(record["doc"], []).append(record)
    rows, missing = [], []
    for doc, records in sorted(by_doc.items()):
        path = folder / f"{doc}.txt"
        if not path.is_file():
            missing.append(doc)
            continue
        try:
            document = read_document(path)
        except ReadError as err:
            log(f"{doc}: {err.reason}; its labels are skipped")
            continue
        if sha256(document.text) != records[0]["sha256"]:
            log(f"{doc}: {path} differs from the text its labels were made on (SHA-256); its labels are skipped")
            continue
        clauses = document.segment()
        if len(records) != len(clauses) or any(offset_problem(r, c, doc) for r, c in zip(records, clauses)):
            log(f"{doc}: the segmenter no longer splits {path} as its labels expect; its labels are skipped")
            continue
        rows.extend({"doc": doc, "clause": r["clause"], "start": c.start, "end": c.end, "section": c.section,
                     "lead": c.lead, "text": c.text, "labels": r["labels"], "origin": "wild"}
                    for r, c in zip(records, clauses) if r["labels"] is not None)
    if missing:  # said once: a folder of other texts would otherwise print a line per policy
        log(f"{len(missing)} of the {len(by_doc)} labeled wild policies have no text in {folder} "
            f"(e.g. {missing[0]}.txt); their labels are skipped")
    return rows


def read_labeled_file(path: Path) -> list[dict]:
    """The records of a JSON Lines file of the corpus; a line that is not UTF-8 JSON raises
    :class:`~jprivacy.errors.UsageError` naming the file and line."""
    return list(stream_records(path, "jsonl"))


def load_frame(folder: Path = LABELED, seed: int = SEED, wild: str | Path | None = None,
               wild_labels: Path | None | str = "project", log: Callable[[str], None] = _warn) -> pd.DataFrame:
    """All labeled clauses as a DataFrame (columns: doc … labels, origin, split).

    In-house and wild policies are split by policy, each with the same seed, so adding wild
    labels never moves an in-house policy to another split.  ``wild`` names the folder of wild
    texts (see :func:`wild_texts`).  ``wild_labels`` is a standoff file; by default the project's
    own when ``folder`` is the project's corpus, and none for another labeled folder;
    ``wild_labels=None`` leaves the wild policies out.
    """
    if wild_labels == "project":
        wild_labels = WILD_LABELS if Path(folder).resolve() == LABELED.resolve() else None
    own = pd.DataFrame(_with_leads(read_labeled(folder)), columns=COLUMNS)
    own["split"] = own["doc"].map(split_of(own["doc"].unique().tolist(), seed))
    found = pd.DataFrame(read_wild(wild_labels, wild, log) if wild_labels else [], columns=COLUMNS)
    if found.empty:
        return own
    found["split"] = found["doc"].map(wild_splits(found["doc"].unique().tolist(), seed))
    return pd.concat([own, found], ignore_index=True)


def contexts(frame: pd.DataFrame) -> list[str]:
    """The classifier's context for each clause of ``frame`` (heading path and lead-in)."""
    return [context(text_or_empty(s), text_or_empty(lead)) for s, lead in zip(frame["section"], frame["lead"])]


CALIBRATION_CLAUSES = 512


def calibration_clauses(n: int = CALIBRATION_CLAUSES, seed: int = 0):
    """``n`` clauses of the train split (wild ones only where their texts are present) for a
    static int8 export to calibrate on: a :class:`jprivacy.export.Calibration`."""
    from jprivacy.export import Calibration

    frame = load_frame(log=lambda message: None)
    train = frame[frame.split == "train"]
    sample = train.sample(min(n, len(train)), random_state=seed)
    return Calibration(sample["text"].tolist(), contexts(sample), {
        "clauses": len(sample), "split": "train",
        "origins": {str(k): int(v) for k, v in sample["origin"].value_counts().sort_index().items()}})


def load_splits(folder: Path = LABELED, seed: int = SEED, wild: str | Path | None = None):
    """The corpus as a ``datasets.DatasetDict`` with train / validation / test split by policy."""
    from datasets import Dataset, DatasetDict

    frame = load_frame(folder, seed, wild)
    return DatasetDict({split: Dataset.from_pandas(frame[frame["split"] == split][COLUMNS],
                                                   preserve_index=False)
                        for split in ("train", "validation", "test")})


def _shingles(text: str, k: int = 8) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i:i + k] for i in range(0, max(0, len(text) - k + 1))}


def offset_problem(record: dict, clause, where: str) -> str | None:
    """Why ``record``'s offsets are not those of the segmenter's ``clause`` (None when they are):
    the one check of the corpus's, the wild labels' and the loaders' offsets."""
    if (record["start"], record["end"]) != (clause.start, clause.end):
        return f"{where}: offsets {record['start']}-{record['end']} != {clause.start}-{clause.end}"
    return None


def validate(policies: Path = POLICIES, labeled: Path = LABELED, eval_dir: Path | None = None,
             max_similarity: float = 0.35, wild: str | Path | None = None) -> list[str]:
    """Problems with the corpus (empty list when it is consistent).

    Checks: every policy has labels for exactly the clauses the segmenter produces, with
    matching offsets, text and section; labels come from the taxonomy; no clause text of
    20+ characters occurs in the evaluation policies (``eval_dir``, when it exists); no two
    policies near-duplicate each other (Jaccard similarity of 8-character shingles).  The wild
    labels are checked against the texts in ``wild`` (see :func:`wild_texts` and :func:`validate_wild`).
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
        clauses = document.segment()
        records = sorted(by_doc.pop(doc, []), key=lambda r: r["clause"])
        if not records:
            problems.append(f"{doc}: no labeled clauses")
            continue
        if len(records) != len(clauses):
            problems.append(f"{doc}: {len(records)} labeled clauses, the segmenter gives {len(clauses)}")
        for record, clause in zip(records, clauses):
            where = f"{doc} clause {record['clause']}"
            if offset_problem(record, clause, where):
                problems.append(offset_problem(record, clause, where))
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

    problems.extend(validate_wild(texts=wild, eval_dir=eval_dir))

    shingles = {doc: _shingles(text) for doc, text in texts.items()}
    docs = sorted(shingles)
    for i, a in enumerate(docs):
        for b in docs[i + 1:]:
            union = len(shingles[a] | shingles[b])
            similarity = len(shingles[a] & shingles[b]) / union if union else 0.0
            if similarity > max_similarity:
                problems.append(f"{a} and {b} near-duplicate each other (similarity {similarity:.2f})")
    return problems


def validate_wild(labels: Path = WILD_LABELS, texts: str | Path | None = None, eval_dir: Path | None = None,
                  log: Callable[[str], None] = _warn) -> list[str]:
    """Problems with the standoff wild labels: hashes, offsets, clause numbers, label names, and
    used clauses of 20+ characters that occur in ``eval_dir``.  Without the texts, one line says
    that only the label names were checked."""
    if not Path(labels).is_file():
        return []
    problems: list[str] = []
    by_doc: dict[str, list[dict]] = {}
    for record in read_labeled_file(labels):
        by_doc.setdefault(record["doc"], []).append(record)
        if record["labels"] is not None:
            unknown = set(record["labels"]) - set(LABELS)
            if unknown or len(set(record["labels"])) != len(record["labels"]):
                problems.append(f"wild {record['doc']} clause {record['clause']}: unknown or repeated label(s)")
    folder = wild_texts(texts)
    if not folder.is_dir():
        log(f"wild policy texts not found at {folder}: checked label names only")
        return problems
    eval_text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(eval_dir).rglob("*.txt"))) \
        if eval_dir is not None and Path(eval_dir).is_dir() else ""
    missing: list[str] = []
    for doc, records in sorted(by_doc.items()):
        path = folder / f"{doc}.txt"
        if not path.is_file():
            missing.append(doc)
            continue
        try:
            document = read_document(path)
        except ReadError as err:
            problems.append(f"wild {doc}: {err.reason}")
            continue
        if sha256(document.text) != records[0]["sha256"] or len({r["sha256"] for r in records}) > 1:
            problems.append(f"wild {doc}: SHA-256 of {path} differs from the labels'")
            continue
        clauses = document.segment()
        if [r["clause"] for r in records] != list(range(len(clauses))):
            problems.append(f"wild {doc}: {len(records)} labeled clauses, the segmenter gives {len(clauses)}")
            continue
        for record, clause in zip(records, clauses):
            where = f"wild {doc} clause {record['clause']}"
            if offset_problem(record, clause, where):
                problems.append(offset_problem(record, clause, where))
            elif record["labels"] is not None and len(clause.text) >= 20 and clause.text in eval_text:
                problems.append(f"{where}: text also appears in {eval_dir}")
    if missing:  # one line: a folder of other texts would otherwise give one per policy
        problems.append(f"wild: {len(missing)} of the {len(by_doc)} labeled policies have no text in {folder} "
                        f"(e.g. {missing[0]}.txt)")
    return problems
