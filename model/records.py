"""Clause records: the fields ``tag`` writes, and the small rules for reading them back.

One home for these rules: the frame, the renderer, reports, diffs, the batch path, evaluation
and the corpus loaders all read records through them.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .labels import LABELS
from .segment import context

RECORD_FIELDS = ("doc", "clause", "start", "end", "section", "text", "labels", "scores")


def text_or_empty(value) -> str:
    """A record's text field (``section``, ``lead`` …) as a string: ``""`` where it is missing
    (None, or NaN after pandas)."""
    return value if isinstance(value, str) else ""


def record_contexts(records: Sequence[dict]) -> list[str]:
    """The classifier's context of each clause record: its ``section`` and ``lead`` when it has them."""
    return [context(text_or_empty(r.get("section")), text_or_empty(r.get("lead"))) for r in records]


def label_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Documents x labels: how many clauses of each document carry each label (the taxonomy's
    labels, then any other label the frame's model has)."""
    docs = pd.Index(list(dict.fromkeys(frame["doc"])), name="doc")
    pairs = pd.DataFrame(frame[["doc", "labels"]]).explode("labels").dropna()
    counts = pd.crosstab(pairs["doc"], pairs["labels"]) if len(pairs) else pd.DataFrame()
    labels = [*LABELS, *sorted(set(pairs["labels"]) - set(LABELS))]
    return counts.reindex(index=docs, columns=labels, fill_value=0).rename_axis(columns=None)


def records_text(records: Iterable[Mapping]) -> str:
    """A document's text rebuilt from its clause records (``start``, ``end``, ``text``) where the
    text itself is not at hand (records read back from a file): the clauses at their offsets,
    spaces between, so that every record's offsets still index its words."""
    spans = [(int(r["start"]), r["text"]) for r in records if isinstance(r, Mapping)
             and isinstance(r.get("text"), str) and isinstance(r.get("start"), (int, np.integer)) and r["start"] >= 0]
    chars = [" "] * max((start + len(text) for start, text in spans), default=0)
    for start, text in spans:
        chars[start:start + len(text)] = text
    return "".join(chars)
