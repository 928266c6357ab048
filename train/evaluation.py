"""Evaluate a loaded model on a corpus split or on a labeled records file, and tabulate the results.

>>> from jprivacy.train.evaluation import evaluate_split, evaluate_gold
>>> result = evaluate_split(tagger, "test")          # the policy-grouped test split
>>> result.table(), result.error_cooccurrence(), result.threshold_table()
>>> evaluate_gold(tagger, "gold.jsonl")              # sections derived from the policies beside it
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from jprivacy.data import LABELED, load_frame
from jprivacy.errors import UsageError
from jprivacy.labels import LABELS
from jprivacy.outputs import iter_json_lines, read_records
from jprivacy.readers import POLICY_SUFFIXES, ReadError, read_document
from jprivacy.records import record_contexts

from .metrics import label_scores, multi_hot
from .thresholds import tune

NONE = "(none)"


def read_gold(path: str | Path) -> list[dict]:
    """The records of a labeled JSON Lines file (``-``: stdin), checked: every line is an object
    with a string ``text`` and a list of label names of the taxonomy.  Otherwise, or when the
    file holds no records, :class:`~jprivacy.errors.UsageError` naming the file and line."""
    try:
        lines = iter_json_lines(path)
    except OSError as err:
        raise UsageError(f"{path}: cannot read ({err.strerror or err})") from None
    records = []
    for where, record in lines:
        if isinstance(record, ReadError):
            raise UsageError(str(record))
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise UsageError(f"{where}: record has no string field 'text'")
        if not isinstance(record.get("labels"), list):
            raise UsageError(f"{where}: no labels list")
        if not all(isinstance(name, str) for name in record["labels"]):
            raise UsageError(f"{where}: labels must be label names (strings), "
                             f"not {json.dumps(record['labels'], ensure_ascii=False)[:80]}")
        records.append(record)
    if not records:
        raise UsageError(f"{path}: no records")
    return records


def check_label_names(records: list[dict], labels: Sequence[str], where: str) -> None:
    """Refuse gold records whose labels are not among the model's ``labels``."""
    unknown = {name for r in records for name in r["labels"]} - set(labels)
    if unknown:
        raise UsageError(f"{where}: unknown label(s) {sorted(unknown)}; the model has {', '.join(labels)}")


def sections_from_policies(records: list[dict], folder: Path) -> str:
    """Fill in missing ``section`` fields from the policy texts in ``folder``.

    Each record with ``doc`` and ``start`` gets the section of the segmenter's clause that
    contains its start offset in ``folder/<doc>`` or ``folder/<doc>.txt`` (or another policy suffix).  Records are
    changed in place.  Returns a sentence saying where the sections came from.
    """
    if all(isinstance(r.get("section"), str) for r in records):
        return "sections: given in the file"
    found = 0
    by_doc: dict[str, list] = {}
    for record in records:
        if isinstance(record.get("section"), str) or "start" not in record or "doc" not in record:
            continue
        doc = str(record["doc"])
        if doc not in by_doc:
            path = next((folder / f"{doc}{ext}" for ext in ("", *sorted(POLICY_SUFFIXES))
                         if (folder / f"{doc}{ext}").is_file()), None)
            by_doc[doc] = read_document(path).segment() if path else []
        clauses = by_doc[doc]
        if not clauses:
            continue
        at = max((c for c in clauses if c.start <= record["start"]), key=lambda c: c.start, default=clauses[0])
        record["section"] = at.section
        record.setdefault("lead", at.lead)
        found += 1
    return (f"sections: derived for {found} of {len(records)} clauses by segmenting the policy texts "
            f"in {folder} (jprivacy segmenter); the rest evaluated without a section")


def label_cooccurrence(y: np.ndarray, labels: Sequence[str] = LABELS) -> pd.DataFrame:
    """Labels x labels: clauses carrying both (the diagonal counts each label)."""
    y = np.asarray(y, dtype=np.int64)
    return pd.DataFrame(y.T @ y, index=list(labels), columns=list(labels))


@dataclass
class Evaluation:
    """Gold labels and predicted probabilities of one evaluation set, with the model's thresholds."""

    name: str
    y_true: np.ndarray
    probs: np.ndarray
    thresholds: np.ndarray
    note: str = ""
    labels: tuple[str, ...] = LABELS

    @property
    def y_pred(self) -> np.ndarray:
        return (self.probs >= self.thresholds).astype(np.float32)

    def scores(self) -> dict:
        """Per-label and averaged precision/recall/F1 (see :func:`jprivacy.train.label_scores`)."""
        return label_scores(self.y_true, self.y_pred, labels=self.labels)

    def table(self) -> pd.DataFrame:
        """Per-label precision, recall, F1 and support, then the macro and micro averages."""
        scores = self.scores()
        rows = {**scores["labels"], **{avg: {**scores[avg], "support": scores["n"]} for avg in ("macro", "micro")}}
        return pd.DataFrame.from_dict(rows, orient="index")[["precision", "recall", "f1", "support"]]

    def error_cooccurrence(self) -> pd.DataFrame:
        """Missed gold label (rows) x wrongly predicted label (columns), counted per clause.

        A clause that misses ``a`` and wrongly gets ``b`` adds one to (a, b); ``(none)`` stands
        for a clause with only misses (column) or only false alarms (row).
        """
        missed = (self.y_true == 1) & (self.y_pred == 0)
        extra = (self.y_true == 0) & (self.y_pred == 1)
        names = [*self.labels, NONE]
        counts = pd.DataFrame(0, index=names, columns=names)
        for fn, fp in zip(missed, extra):
            rows = [self.labels[j] for j in np.flatnonzero(fn)] or [NONE]
            cols = [self.labels[j] for j in np.flatnonzero(fp)] or [NONE]
            for a in rows:
                for b in cols:
                    if not (a == NONE and b == NONE):
                        counts.loc[a, b] += 1
        return counts

    def threshold_table(self) -> pd.DataFrame:
        """Per label: the model's threshold and its F1 here, F1 at 0.5, and the best threshold here.

        The model's thresholds were tuned on the validation split; the best threshold on this set
        shows how much a different choice could gain (it is not a fair score for this set).
        """
        best = tune(self.y_true, self.probs)

        def f1(j: int, threshold: float) -> float:
            return f1_score(self.y_true[:, j], self.probs[:, j] >= threshold, zero_division=0)

        rows = {name: {"threshold": float(self.thresholds[j]), "f1": f1(j, self.thresholds[j]),
                       "f1_at_0.5": f1(j, 0.5), "best_threshold_here": float(best[j]),
                       "best_f1_here": f1(j, best[j])} for j, name in enumerate(self.labels)}
        return pd.DataFrame.from_dict(rows, orient="index")


def evaluate_records(tagger, records: list[dict], name: str = "records", note: str = "") -> Evaluation:
    """Score ``tagger`` on records with ``text``, ``labels`` and optional ``section`` and ``lead``."""
    check_label_names(records, tagger.labels, name)
    probs = tagger.predict_proba([r["text"] for r in records], record_contexts(records))
    return Evaluation(name, multi_hot([r["labels"] for r in records], tagger.labels), probs, tagger.thresholds, note,
                      tagger.labels)


def evaluate_split(tagger, split: str = "test", labeled: Path = LABELED) -> Evaluation:
    """Score ``tagger`` on one split of the policy-grouped corpus (train / validation / test)."""
    frame = load_frame(labeled)
    records = frame[frame["split"] == split].to_dict(orient="records")
    if not records:
        raise ValueError(f"no clauses in split {split!r}")
    return evaluate_records(tagger, records, name=f"corpus {split} split",
                            note=f"{len(records)} clauses, {len({r['doc'] for r in records})} policies")


def evaluate_gold(tagger, path: str | Path) -> Evaluation:
    """Score ``tagger`` on a gold JSON Lines file; sections come from the policies next to it."""
    path = Path(path)
    records = read_records(path)
    note = sections_from_policies(records, path.parent)
    return evaluate_records(tagger, records, name=str(path), note=note)
