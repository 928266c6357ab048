"""Policy coverage reports: which disclosures Japanese law expects a policy makes, with evidence.

The checklist (:func:`default_checklist`, also ``CHECKLIST``) is data, read from
``checklist.toml`` when a report first needs it: each item names the disclosure in Japanese, its legal basis, and a rule over the labels of the clauses (and, where
labels alone cannot tell, keywords in the clause or its section heading).  The clauses that satisfy the rule are the
item's evidence.  An item is

- ``present`` when some clause is evidence for it;
- ``missing`` when none is and the law expects it — always, or because the practice it
  explains (``after``) is stated;
- ``not_stated`` when none is and the law asks for it only where the business does the
  practice (joint use, overseas transfer, external transmission …).

The labels come from a model: a report is a reading aid for a person, not legal advice.
The HTML is drawn by :mod:`jprivacy.render`.

>>> from jprivacy.report import coverage
>>> report = coverage(tagger.tag_file("policy.html"))[0]
>>> report.missing, report.to_frame(), report.to_html()
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from .errors import UsageError
from .labels import LABELS
from .outputs import atomic_text, write_json_atomic
from .readers import ReadError, written_by_jprivacy
from .records import label_counts, text_or_empty
from .render import MISSING_BACKGROUND, STATUS_COLOR, STATUS_MARK, page, svg_bars

__all__ = ["coverage", "PolicyReport", "CHECKLIST", "ITEMS", "COUNTRIES", "Item", "Finding", "check",
           "read_checklist", "PRESENT", "MISSING", "NOT_STATED", "summary_frame", "summary_counts",
           "coverage_rates", "summary_html", "report_format", "ReportWriter",
           # how reports look: jprivacy.render's, offered here too
           "STATUS_MARK", "STATUS_COLOR", "MISSING_BACKGROUND", "svg_bars", "page"]

PRESENT, MISSING, NOT_STATED = "present", "missing", "not_stated"
CHECKLIST_FILE = Path(__file__).parent / "checklist.toml"


@dataclass(frozen=True)
class Item:
    """One disclosure of the checklist.

    Evidence is a clause carrying any of ``labels`` whose text or section heading contains any
    of ``keywords`` (any clause with the labels when no keywords are given).  ``required`` says
    the law always expects the disclosure; ``after`` names an item whose presence makes this
    one expected; otherwise it is expected only where the business does the practice.
    """

    id: str
    name: str
    basis: str
    labels: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    required: bool = False
    after: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "basis": self.basis, "labels": list(self.labels),
                "keywords": list(self.keywords), "required": self.required, "after": self.after}


def read_checklist(path: Path = CHECKLIST_FILE) -> tuple[Item, ...]:
    """The checklist items of a TOML file like ``checklist.toml`` (ValueError on an unknown label)."""
    with open(path, "rb") as f:
        items = tuple(Item(**{**entry, "labels": tuple(entry["labels"]), "keywords": tuple(entry.get("keywords", ()))})
                      for entry in tomllib.load(f)["item"])
    unknown = sorted({name for item in items for name in item.labels} - set(LABELS))
    if unknown:
        raise ValueError(f"{path}: unknown label(s) {unknown}")
    return items


@cache
def default_checklist() -> tuple[Item, ...]:
    """The project's checklist, read from ``checklist.toml`` the first time a report needs it."""
    return read_checklist()


def checklist_items() -> dict[str, Item]:
    """The default checklist's items by id."""
    return {item.id: item for item in default_checklist()}


def __getattr__(name: str):
    """``CHECKLIST``, ``ITEMS`` and ``COUNTRIES`` (the names that tell where data goes abroad),
    read when first asked for: importing this module reads no file."""
    if name == "CHECKLIST":
        return default_checklist()
    if name == "ITEMS":
        return checklist_items()
    if name == "COUNTRIES":
        return checklist_items()["foreign_country"].keywords
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass
class Finding:
    """One checklist item for one policy: its status and the numbers of its evidence clauses."""

    item: Item
    status: str
    evidence: list[int] = field(default_factory=list)


def check(clauses: pd.DataFrame, checklist: Sequence[Item] | None = None) -> list[Finding]:
    """Apply the checklist (default: the project's) to the clause records of one policy."""
    checklist = checklist or default_checklist()
    labels = list(clauses["labels"])
    sections = [text_or_empty(s) for s in clauses.get("section", [""] * len(clauses))]
    words = [_fold(f"{section}\n{text}") for section, text in zip(sections, clauses["text"])]
    numbers = list(clauses["clause"])
    found: dict[str, list[int]] = {}
    for item in checklist:
        keys = [_fold(k) for k in item.keywords]
        found[item.id] = [n for n, ls, w in zip(numbers, labels, words)
                          if set(ls) & set(item.labels) and (not keys or any(k in w for k in keys))]
    findings = []
    for item in checklist:
        expected = item.required or (item.after is not None and bool(found.get(item.after)))
        status = PRESENT if found[item.id] else MISSING if expected else NOT_STATED
        findings.append(Finding(item, status, found[item.id]))
    return findings


class PolicyReport:
    """The coverage of one policy: checklist findings over its tagged clauses.

    Displays in Jupyter as the checklist, a chart of clauses per category and the highlighted
    text; ``to_dict`` / ``to_frame`` / ``to_html`` give JSON, a DataFrame and a standalone page.
    """

    def __init__(self, doc: str, clauses: pd.DataFrame, text: str | None = None, model: str | None = None,
                 checklist: Sequence[Item] | None = None):
        self.doc = doc
        self.clauses = clauses.reset_index(drop=True)
        self.text = text
        self.model = model
        self.findings = check(self.clauses, checklist)
        self._rows = {int(r.clause): r for r in self.clauses.itertuples()}
        self.fields = _extract(doc, text, self.clauses)
        self.field_checks = field_checks(self.fields, self.clauses)

    def __repr__(self) -> str:
        return f"PolicyReport({self.doc!r}: {len(self.present)} present, missing {self.missing})"

    @property
    def present(self) -> list[str]:
        return [f.item.id for f in self.findings if f.status == PRESENT]

    @property
    def missing(self) -> list[str]:
        return [f.item.id for f in self.findings if f.status == MISSING]

    def statuses(self) -> dict[str, str]:
        return {f.item.id: f.status for f in self.findings}

    def clause(self, number: int) -> dict:
        """The record of clause ``number``: offsets, section, text and labels."""
        row = self._rows[int(number)]
        return {"clause": int(number), "start": int(row.start), "end": int(row.end),
                "section": text_or_empty(row.section),
                "text": row.text, "labels": list(row.labels)}

    def label_totals(self) -> dict[str, int]:
        """Clauses carrying each label."""
        counts = label_counts(self.clauses).sum() if len(self.clauses) else pd.Series(0, index=list(LABELS))
        return {name: int(counts[name]) for name in LABELS}

    def to_dict(self) -> dict:
        """JSON-ready: clause and label counts, every item with its status and evidence, the
        policy's fields (what it states, with evidence) and the checks made on them."""
        return {"doc": self.doc, "model": self.model, "clauses": int(len(self.clauses)),
                "labels": self.label_totals(),
                "missing": self.missing,
                "fields": self.fields.to_dict(),
                "field_checks": self.field_checks,
                "items": [{"id": f.item.id, "name": f.item.name, "basis": f.item.basis, "status": f.status,
                           "evidence": [self.clause(n) for n in f.evidence]} for f in self.findings]}

    def to_frame(self) -> pd.DataFrame:
        """One row per checklist item: name, legal basis, status, evidence count and clauses."""
        rows = [{"id": f.item.id, "name": f.item.name, "basis": f.item.basis, "status": f.status,
                 "evidence": len(f.evidence),
                 "clauses": [self.clause(n)["text"] for n in f.evidence]} for f in self.findings]
        return pd.DataFrame(rows).set_index("id")

    # -- HTML ------------------------------------------------------------------
    def body_html(self) -> str:
        """The report without the page around it (used in Jupyter and in the standalone page)."""
        from . import render

        return render.report_html(self)

    def to_html(self) -> str:
        """A self-contained HTML page (no external resources)."""
        return page(f"Coverage: {self.doc}", self.body_html(), self.model)

    def _repr_html_(self) -> str:
        return self.body_html()


def _extract(doc: str, text: str | None, clauses: pd.DataFrame):
    from .extract import extract

    return extract(doc, text or "", clauses)


def field_checks(fields, clauses: pd.DataFrame) -> list[dict]:
    """What the law asks a policy to state, checked on its fields: ``{id, name, basis, status,
    detail}`` with status present / missing / not_stated.

    - the operator's name, address and representative (個人情報保護法第32条第1項第1号);
    - the countries, where data goes abroad (第28条第2項): needed when a clause is labeled
      ``international``;
    - the fee and the channels of requests (第32条第1項第3号, 第33条): needed when a clause is
      labeled ``rights``;
    - for each external transmission, the information sent, the recipient and the purpose
      (電気通信事業法第27条の12): an entry missing one of the three is named.
    """
    record = fields.to_dict()
    labels = {name for names in clauses.get("labels", []) for name in (list(names) if names is not None else [])}
    checks = []

    def add(id_: str, name: str, basis: str, needed: bool, missing: list[str], detail: str) -> None:
        status = PRESENT if not missing else MISSING if needed else NOT_STATED
        checks.append({"id": id_, "name": name, "basis": basis, "status": status,
                       "detail": detail if not missing else f"not stated: {', '.join(missing)}"})

    operator = record["operator"]
    add("operator_identity", "事業者の氏名・名称、住所、代表者", "個人情報保護法第32条第1項第1号", True,
        [part for part in ("name", "address", "representative") if not operator[part]],
        " / ".join(v for v in operator.values() if v))
    add("foreign_countries", "外国にある第三者の国名", "個人情報保護法第28条第2項", "international" in labels,
        [] if record["countries"] else ["the countries"], ", ".join(record["countries"]))
    add("request_fee_and_channels", "開示等の請求の手数料・方法", "個人情報保護法第32条第1項第3号・第33条",
        "rights" in labels, [p for p, v in (("the fee", record["fee"] is not None),
                                           ("the channels", record["request_channels"])) if not v],
        f"fee {record['fee']} yen; {', '.join(record['request_channels'])}")
    entries = record["transmissions"]
    if not entries:  # no tool named: expected only where the policy speaks of cookies or tags
        add("transmission_entries", "外部送信: 送信される情報・送信先・利用目的", "電気通信事業法第27条の12",
            "cookies" in labels, ["the tools and their recipients"], "")
        return checks
    gaps = [f"{e['service'] or e['recipient']} ({', '.join(p for p, v in (('the information sent', e['data_types']), ('the recipient', e['recipient']), ('the purpose', e['purposes'])) if not v)})"
            for e in entries if not (e["data_types"] and e["recipient"] and e["purposes"])]
    add("transmission_entries", "外部送信: 送信される情報・送信先・利用目的", "電気通信事業法第27条の12",
        bool(entries), gaps, f"{len(entries)} entries, each with the information sent, the recipient and the purpose")
    return checks


def coverage(frame: pd.DataFrame, model: str | None = None,
             checklist: Sequence[Item] | None = None) -> list[PolicyReport]:
    """One :class:`PolicyReport` per document of a tagged frame (from ``Tagger.tag``/``tag_many``)."""
    texts = getattr(frame, "texts", None) or {}
    groups = dict(tuple(frame.groupby("doc", sort=False)))
    docs = list(dict.fromkeys([*groups, *texts]))
    return [PolicyReport(doc, groups.get(doc, frame.iloc[0:0]), texts.get(doc), model, checklist) for doc in docs]


# -- a set of policies ---------------------------------------------------------------------
def summary_frame(reports: Iterable[PolicyReport]) -> pd.DataFrame:
    """Policies x checklist items, each cell a status (present / missing / not_stated)."""
    return _summary({r.doc: r.statuses() for r in reports})


def _summary(rows: dict[str, dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=[i.id for i in default_checklist()]).rename_axis("doc")


def summary_counts(summary: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Item → how many policies have it present, missing and not stated."""
    return {item: {status: int((summary[item] == status).sum()) for status in (PRESENT, MISSING, NOT_STATED)}
            for item in summary.columns}


def coverage_rates(summary: pd.DataFrame) -> pd.Series:
    """Share of policies in which each item is present."""
    return (summary == PRESENT).mean() if len(summary) else pd.Series(0.0, index=summary.columns)


def summary_html(summary: pd.DataFrame, links: dict[str, str] | None = None,
                 errors: Sequence[str] = (), model: str | None = None) -> str:
    """Index page for a set of policies: coverage chart, then the policy x item table."""
    from . import render

    return render.summary_html(summary, checklist_items(), coverage_rates(summary), summary_counts(summary), links,
                               errors, model)


# -- files -------------------------------------------------------------------------------------
def report_format(path: str | Path) -> str:
    """``html`` or ``json`` from the output file's extension; :class:`~jprivacy.errors.UsageError` otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix == ".json":
        return "json"
    raise UsageError(f"{path}: unknown report extension {suffix or '(none)'!r}; use .html or .json")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class ReportWriter:
    """Write policy reports as they are made, each file atomically.

    - ``.json``: one file with the checklist, every policy's report, a summary and the errors.
    - ``.html`` with one input: that policy's page.
    - ``.html`` with several inputs: one page per policy in the folder named after the file
      (``out.html`` → ``out/``), and ``out.html`` as the index with the summary table and chart.
    """

    def __init__(self, path: str | Path, many: bool, model: str | None = None):
        self.path, self.kind, self.many, self.model = Path(path), report_format(path), many, model
        self.rows: dict[str, dict[str, str]] = {}
        self.links: dict[str, str] = {}
        self.reports: list[dict] = []
        self.folder = self.path.with_suffix("") if self.kind == "html" and many else None
        # pages are written into a hidden folder beside it, which becomes ``folder`` at close:
        # a run that fails or is stopped leaves no folder of pages without their index
        self.pages: Path | None = None
        if self.folder is not None and self.folder.exists():
            foreign = [p for p in self.folder.rglob("*") if not p.is_dir() and not written_by_jprivacy(p)]
            if not self.folder.is_dir() or foreign:
                raise UsageError(f"{self.folder}: the folder for the pages of {self.path.name} holds other files "
                                 f"(e.g. {foreign[0].name if foreign else self.folder.name}); choose another -o")

    def add(self, report: PolicyReport) -> None:
        self.rows[report.doc] = report.statuses()
        if self.kind == "json":
            self.reports.append(report.to_dict())
        elif self.folder is None:
            atomic_text(self.path, report.to_html())
        else:
            if self.pages is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.pages = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}.", dir=self.path.parent))
            name = f"{len(self.links):04d}_{re.sub(r'[^0-9A-Za-z_.-]+', '_', Path(report.doc).stem)[:60]}.html"
            atomic_text(self.pages / name, report.to_html())
            self.links[report.doc] = f"{self.folder.name}/{name}"

    def discard(self) -> None:
        """Remove the pages of a run that did not finish."""
        if self.pages is not None:
            shutil.rmtree(self.pages, ignore_errors=True)
            self.pages = None

    def close(self, errors: Sequence[ReadError] = ()) -> None:
        summary = _summary(self.rows)
        if self.kind == "json":
            write_json_atomic(self.path, {
                "model": self.model, "checklist": [item.to_dict() for item in default_checklist()],
                "policies": self.reports,
                "summary": {"policies": len(summary), "items": summary_counts(summary), "table": self.rows},
                "errors": [{"doc": e.doc, "error": e.reason} for e in errors]})
        elif self.folder is not None:
            self.pages.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the umask gives a new folder's
            if self.folder.exists():
                shutil.rmtree(self.folder)
            os.replace(self.pages, self.folder)
            self.pages = None
            atomic_text(self.path, summary_html(summary, self.links, [str(e) for e in errors], self.model))
