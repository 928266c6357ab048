"""What changed between two versions of a policy, clause by clause, grouped by category.

Clauses are aligned with :class:`difflib.SequenceMatcher` over the two lists of clause texts
(whitespace and full/half-width differences ignored).  Clauses left over on both sides are
paired as *reworded* when their character similarity reaches ``threshold``, best pairs first;
the rest are *added* (only in the new version) or *removed* (only in the old one).  Identical
clauses that moved count as unchanged.

>>> from jprivacy.diff import diff
>>> changes = diff(tagger.tag_file("policy_2023.html"), tagger.tag_file("policy_2024.html"))
>>> changes.counts(), changes.to_html()
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import pandas as pd

from . import render
from .errors import UsageError
from .fields import name_key
from .labels import BY_NAME, LABELS, OTHER
from .outputs import atomic_text, write_json_atomic
from .readers import ReadError, read_document
from .records import text_or_empty
from .report import check, checklist_items, report_format

ADDED, REMOVED, REWORDED = "added", "removed", "reworded"
KINDS = (ADDED, REMOVED, REWORDED)
DEFAULT_THRESHOLD = 0.7
_SIGN = {ADDED: "+", REMOVED: "-", REWORDED: "~"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _record(row) -> dict:
    return {"clause": int(row.clause), "section": text_or_empty(row.section),
            "text": row.text, "labels": [name for name in LABELS if name in row.labels]}


@dataclass
class Change:
    """One added, removed or reworded clause (``old``/``new`` are clause records or None)."""

    kind: str
    old: dict | None
    new: dict | None
    similarity: float | None = None

    @property
    def labels(self) -> list[str]:
        """Labels of either version, in taxonomy order."""
        names = set((self.old or {}).get("labels", [])) | set((self.new or {}).get("labels", []))
        return [name for name in LABELS if name in names]

    @property
    def categories(self) -> list[str]:
        return self.labels or [OTHER]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "labels": self.labels, "old": self.old, "new": self.new,
                "similarity": None if self.similarity is None else round(self.similarity, 3)}


def _pair(a: list[str], b: list[str], left_a: list[int], left_b: list[int], threshold: float):
    """Best-first pairs (similarity, i, j) of leftover clauses at or above ``threshold``."""
    candidates = []
    matcher = SequenceMatcher(autojunk=False)
    for j in left_b:
        matcher.set_seq2(b[j])
        for i in left_a:
            matcher.set_seq1(a[i])
            if matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold:
                ratio = matcher.ratio()
                if ratio >= threshold:
                    candidates.append((ratio, i, j))
    used_a, used_b = set(), set()
    for ratio, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            yield ratio, i, j


class PolicyDiff:
    """Changes between two tagged versions of a policy, and the checklist items whose status changed."""

    def __init__(self, old: pd.DataFrame, new: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD):
        if not 0 < threshold <= 1:
            raise UsageError(f"threshold must be in (0, 1], got {threshold}")
        old, new = old.sort_values("clause").reset_index(drop=True), new.sort_values("clause").reset_index(drop=True)
        self.old_doc = str(old["doc"].iloc[0]) if len(old) else "<old>"
        self.new_doc = str(new["doc"].iloc[0]) if len(new) else "<new>"
        self.old_clauses, self.new_clauses, self.threshold = len(old), len(new), threshold
        old_rows, new_rows = list(old.itertuples()), list(new.itertuples())
        a, b = [_norm(t) for t in old["text"]], [_norm(t) for t in new["text"]]
        self.unchanged, left_a, left_b = 0, [], []
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag == "equal":
                self.unchanged += i2 - i1
            else:
                left_a.extend(range(i1, i2))
                left_b.extend(range(j1, j2))
        self.changes: list[Change] = []
        for ratio, i, j in _pair(a, b, left_a, left_b, threshold):
            left_a.remove(i)
            left_b.remove(j)
            if ratio == 1.0:
                self.unchanged += 1
            else:
                self.changes.append(Change(REWORDED, _record(old_rows[i]), _record(new_rows[j]), ratio))
        self.changes += [Change(REMOVED, _record(old_rows[i]), None) for i in left_a]
        self.changes += [Change(ADDED, None, _record(new_rows[j])) for j in left_b]
        self.changes.sort(key=lambda c: (KINDS.index(c.kind), (c.new or c.old)["clause"]))
        before = {f.item.id: f.status for f in check(old)} if len(old) else {}
        after = {f.item.id: f.status for f in check(new)} if len(new) else {}
        items = checklist_items()
        self.coverage = [{"id": i, "name": items[i].name, "old": before.get(i), "new": after.get(i)}
                         for i in items if before.get(i) != after.get(i)]
        self.fields = field_changes(_fields(old), _fields(new))

    def __repr__(self) -> str:
        n = {kind: sum(c.kind == kind for c in self.changes) for kind in KINDS}
        return (f"PolicyDiff({self.old_doc!r} → {self.new_doc!r}: {self.unchanged} unchanged, "
                f"{n[REWORDED]} reworded, {n[ADDED]} added, {n[REMOVED]} removed)")

    def by_category(self) -> dict[str, list[Change]]:
        """Category (the ten labels, then ``other``) → its changes; a clause with two labels is in both."""
        groups: dict[str, list[Change]] = {name: [] for name in (*LABELS, OTHER)}
        for change in self.changes:
            for name in change.categories:
                groups[name].append(change)
        return {name: changes for name, changes in groups.items() if changes}

    def counts(self) -> pd.DataFrame:
        """Categories x (added, removed, reworded): the number of changed clauses."""
        rows = {name: {kind: sum(c.kind == kind for c in changes) for kind in KINDS}
                for name, changes in self.by_category().items()}
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(KINDS)).rename_axis("category")

    def to_dict(self) -> dict:
        return {"old": {"doc": self.old_doc, "clauses": self.old_clauses},
                "new": {"doc": self.new_doc, "clauses": self.new_clauses},
                "threshold": self.threshold, "unchanged": self.unchanged,
                "counts": {name: row for name, row in self.counts().to_dict(orient="index").items()},
                "coverage": self.coverage, "fields": self.fields, "changes": [c.to_dict() for c in self.changes]}

    def summary(self) -> str:
        n = {kind: sum(c.kind == kind for c in self.changes) for kind in KINDS}
        return (f"{self.old_doc} ({self.old_clauses} clauses) → {self.new_doc} ({self.new_clauses} clauses): "
                f"{self.unchanged} unchanged, {n[REWORDED]} reworded, {n[ADDED]} added, {n[REMOVED]} removed")

    def to_text(self) -> str:
        """A plain-text listing for the terminal, grouped by category."""
        lines = [self.summary()]
        lines += [f"coverage: {c['name']} ({c['id']}): {c['old']} → {c['new']}" for c in self.coverage]
        lines += [f"{f['field']}: " + "; ".join(
            part for part in (f"+ {', '.join(map(str, f['added']))}" if f["added"] else "",
                              f"- {', '.join(map(str, f['removed']))}" if f["removed"] else "") if part)
            for f in self.fields]
        for name, changes in self.by_category().items():
            counts = " ".join(f"{_SIGN[k]}{sum(c.kind == k for c in changes)}" for k in KINDS)
            title = f"{name} {BY_NAME[name].ja}" if name in BY_NAME else name
            lines.append(f"\n[{title}] {counts}")
            for c in changes:
                if c.kind == REWORDED:
                    lines.append(f"  ~ #{c.old['clause']}→#{c.new['clause']} ({c.similarity:.2f}) {c.old['text']}")
                    lines.append(f"      → {c.new['text']}")
                else:
                    record = c.new or c.old
                    lines.append(f"  {_SIGN[c.kind]} #{record['clause']} {record['text']}")
        return "\n".join(lines)

    def body_html(self) -> str:
        return render.diff_html(self, KINDS, OTHER)

    def to_html(self) -> str:
        return render.page(f"Changes: {self.old_doc} → {self.new_doc}", self.body_html())

    def _repr_html_(self) -> str:
        return self.body_html()

    def save(self, path: str | Path) -> None:
        """Write the diff to ``path`` as ``.json`` (:meth:`to_dict`) or ``.html`` (:meth:`to_html`), atomically."""
        if report_format(path) == "json":
            write_json_atomic(path, self.to_dict())
        else:
            atomic_text(path, self.to_html())


# fields whose changes a diff lists (values compared as FIELDS.md says: names by their key)
DIFF_FIELDS = ("data_types", "purposes", "recipients", "recipient_kinds", "countries", "retention", "rights", "fee",
               "request_channels", "transmissions")


def _fields(frame: pd.DataFrame) -> dict[str, list]:
    from .extract import extract

    if not len(frame):
        return {}
    doc = str(frame["doc"].iloc[0])
    record = extract(doc, (getattr(frame, "texts", None) or {}).get(doc, ""), frame).to_dict()
    record["fee"] = [] if record["fee"] is None else [record["fee"]]
    record["transmissions"] = [t["service"] or t["recipient"] for t in record["transmissions"]]
    return record


def field_changes(old: dict[str, list], new: dict[str, list]) -> list[dict]:
    """Per field of :data:`DIFF_FIELDS`, the values the new version adds and the ones it drops
    (new data types, new recipients or countries, a retention period or fee changed...)."""
    changes = []
    for field in DIFF_FIELDS:
        before, after = old.get(field, []), new.get(field, [])
        keys_before = {name_key(str(v)): v for v in before}
        keys_after = {name_key(str(v)): v for v in after}
        added = [v for k, v in keys_after.items() if k not in keys_before]
        removed = [v for k, v in keys_before.items() if k not in keys_after]
        if added or removed:
            changes.append({"field": field, "added": added, "removed": removed})
    return changes


def diff(old: pd.DataFrame, new: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD) -> PolicyDiff:
    """Compare two tagged versions of one policy (frames from :meth:`jprivacy.Tagger.tag`)."""
    return PolicyDiff(old, new, threshold)


def diff_files(tagger, old: str | Path, new: str | Path,
               threshold: float = DEFAULT_THRESHOLD) -> tuple[PolicyDiff | None, list[ReadError]]:
    """Tag two versions of a policy (files, or ``-`` for stdin) with ``tagger`` and compare them:
    ``(the diff, [])``, or ``(None, errors)`` when either cannot be read."""
    frames, errors = [], []
    for path in (old, new):
        try:
            frames.append(tagger.tag(read_document(path)))
        except ReadError as err:
            errors.append(err)
    return (None, errors) if errors else (diff(*frames, threshold=threshold), [])
