"""Pictures of tagged policies: highlighted text, coverage reports, diffs and bar charts as HTML.

The markup and its inline CSS are Jinja2 templates in ``templates/`` (package data); the
functions here compute what the templates show and fill them in.  Every page is self-contained:
inline CSS only, no scripts, fonts or links out.  Matplotlib charts are in :mod:`.plots`.

The core pipeline never imports this package; a :class:`~jprivacy.frame.ClauseFrame` imports it
when it is displayed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from difflib import SequenceMatcher
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import jinja2
import pandas as pd

from ..records import label_counts, text_or_empty
from ..labels import BY_NAME, CATEGORIES, LABELS

TEMPLATES = Path(__file__).parent / "templates"
BACKGROUND_ALPHA = "66"  # hex alpha appended to a category colour for the clause background
CLAUSE_CLASS = "jp-clause"
# how each coverage status (see jprivacy.report) is shown
STATUS_MARK = {"present": "✓", "missing": "✗", "not_stated": "–"}
STATUS_COLOR = {"present": "#2e7d32", "missing": "#c62828", "not_stated": "#757575"}
MISSING_BACKGROUND = "#fdecea"
NOT_NEEDED_COLOR = "#cfcfcf"  # the part of a coverage bar where an item is not needed (not_stated)
# fonts that hold Japanese on Linux (Noto), macOS (Hiragino) and Windows (Yu Gothic, Meiryo), so no
# character shows as a box where the browser's default sans-serif font lacks kana and kanji
FONT_FAMILY = jinja2.utils.markupsafe.Markup(
    "'Noto Sans JP','Noto Sans CJK JP','Hiragino Kaku Gothic ProN','Hiragino Sans','Yu Gothic',"
    "YuGothic,Meiryo,sans-serif")

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                          lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
_ENV.globals.update(STATUS_MARK=STATUS_MARK, STATUS_COLOR=STATUS_COLOR, MISSING_BACKGROUND=MISSING_BACKGROUND,
                    FONT_FAMILY=FONT_FAMILY)


class HTML(str):
    """A string of HTML that Jupyter renders (IPython is not needed to build one) and that
    templates insert as it is."""

    def _repr_html_(self) -> str:
        return str(self)

    def __html__(self) -> str:
        return str(self)


def fill(template: str, **values) -> HTML:
    """The template ``templates/<template>`` filled in with ``values`` (text is escaped, HTML is not)."""
    return HTML(_ENV.get_template(template).render(**values))


def page(title: str, body: str, model: str | None = None) -> str:
    """A complete, self-contained HTML page around ``body`` (HTML)."""
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return str(fill("page.html", title=title, body=HTML(body), model=model, made=made))


# -- clauses ---------------------------------------------------------------------------------------
def clause_style(labels: Iterable[str]) -> str:
    """Inline CSS: the first label colours the background, further labels add underline stripes."""
    colors = [BY_NAME[name].color for name in labels]
    style = f"background:{colors[0]}{BACKGROUND_ALPHA};border-radius:2px;padding:0 1px"
    stripes = [f"inset 0 -{3 * k}px 0 {color}" for k, color in enumerate(colors[1:], 1)]
    return style + (f";box-shadow:{','.join(stripes)}" if stripes else "")


def clause_title(labels: Iterable[str], scores: Mapping[str, float] | None) -> str:
    """Hover text: each label with its Japanese name and score."""
    lines = []
    for name in labels:
        score = f" {scores[name]:.2f}" if isinstance(scores, Mapping) and name in scores else ""
        lines.append(f"{name} {BY_NAME[name].ja}{score}")
    return "\n".join(lines)


def legend_html(counts: Mapping[str, int] | None = None) -> HTML:
    """One swatch per category (with its clause count when given)."""
    return fill("legend.html", categories=CATEGORIES, counts=counts)


def _spans(rows: pd.DataFrame, text: str | None) -> tuple[str, list[tuple[int, int, object]]]:
    """The text and (start, end, row) spans to mark; rebuilds the text from the clauses when the
    document text is unknown or does not match the offsets."""
    rows = rows.sort_values("start", kind="stable")
    if text is not None and all(text[r.start:r.end] == r.text for r in rows.itertuples()):
        return text, [(r.start, r.end, r) for r in rows.itertuples()]
    spans, cursor = [], 0
    for r in rows.itertuples():
        spans.append((cursor, cursor + len(r.text), r))
        cursor += len(r.text) + 1
    return "\n".join(rows["text"]), spans


def document_html(doc: str, rows: pd.DataFrame, text: str | None, anchor: str = "c") -> HTML:
    """One document's text with each labeled clause in a ``<mark>`` coloured by its labels.

    Every clause has ``id="{anchor}-{clause}"`` so a report can link to it.
    """
    text, spans = _spans(rows, text)
    has_scores = "scores" in rows.columns
    pieces, cursor = [], 0
    for start, end, r in spans:
        if start < cursor:  # overlapping clause: leave it unmarked rather than duplicate text
            continue
        labels = [name for name in LABELS if name in r.labels]
        piece = {"before": text[cursor:start], "clause": r.clause, "labels": labels, "text": text[start:end]}
        if labels:
            section = text_or_empty(r.section)
            piece["style"] = clause_style(labels)
            piece["title"] = clause_title(labels, r.scores if has_scores else None) + (
                f"\n§ {section}" if section else "")
        pieces.append(piece)
        cursor = end
    return fill("document.html", pieces=pieces, rest=text[cursor:], anchor=anchor)


def highlight_html(frame: pd.DataFrame, texts: Mapping[str, str] | None = None,
                   max_docs: int | None = 3) -> HTML:
    """Legend, then each document (up to ``max_docs``) with its labeled clauses highlighted."""
    texts = texts or {}
    docs = list(dict.fromkeys(frame["doc"]))
    counts = label_counts(frame).sum().to_dict() if len(frame) else {}
    shown = docs if max_docs is None else docs[:max_docs]
    parts = []
    for i, doc in enumerate(shown):
        rows = frame[frame["doc"] == doc]
        parts.append({"name": str(doc), "clauses": len(rows),
                      "text": document_html(doc, rows, texts.get(doc), anchor=f"c{i}")})
    return fill("highlight.html", legend=legend_html(counts), docs=parts, hidden=len(docs) - len(shown))


def clause_frame_html(highlight: str, table: str) -> HTML:
    """A clause frame in Jupyter: the highlighted text, then the table."""
    return fill("clause_frame.html", highlight=HTML(highlight), table=HTML(table))


# -- charts ----------------------------------------------------------------------------------------
def svg_bars(bars: Sequence[tuple[str, float, str, str]], unit: str = "", maximum: float | None = None,
             width: int = 640, row: int = 22) -> HTML:
    """A horizontal bar chart as inline SVG; ``bars`` are (label, value, colour, hover text) and
    ``unit`` is written after each value.  A bar may carry a second part after its value,
    (…, extra value, extra colour, extra name), drawn after the first and named after its value.

    Text is left to the browser's fonts (:data:`FONT_FAMILY`), so Japanese labels render
    without a font in Python.
    """
    value_w = 170 if any(len(bar) > 4 for bar in bars) else 60  # room for " + 20% not needed"
    label_w = min(420, 8 + max([sum(12 if ord(ch) > 0x2E7F else 7 for ch in label) for label, *_ in bars] or [0]))
    top = max([maximum or 0, *[bar[1] + (bar[4] if len(bar) > 4 else 0) for bar in bars]]) or 1
    plot_w = width - label_w - value_w
    shapes = []
    for k, (label, value, color, title, *second) in enumerate(bars):
        extra, extra_color, extra_name = second or (0, None, "")
        y = k * row + 2
        w, extra_w = plot_w * value / top, plot_w * extra / top
        shapes.append({"title": title, "label": label, "label_x": label_w - 6, "text_y": f"{y + row * 0.65:.1f}",
                       "x": label_w, "y": y + 3, "width": f"{w:.1f}", "height": row - 6, "color": color,
                       "extra_x": f"{label_w + w:.1f}", "extra_width": f"{extra_w:.1f}" if extra else None,
                       "extra_color": extra_color, "extra_label": f" + {extra:g}{unit} {extra_name}" if extra else "",
                       "value_x": f"{label_w + w + extra_w + 4:.1f}", "value": f"{value:g}"})
    return fill("bars.svg", bars=shapes, unit=unit, width=width, height=row * len(bars) + 4)


# -- coverage reports ------------------------------------------------------------------------------
def report_html(report, anchor: str = "c0", max_evidence: int = 4) -> HTML:
    """A :class:`jprivacy.report.PolicyReport` without the page around it: the checklist with
    evidence quotes, a chart of clauses per category and the highlighted text."""
    rows = []
    for f in report.findings:
        quotes = []
        for n in f.evidence[:max_evidence]:
            text = report.clause(n)["text"]
            quotes.append({"clause": n, "text": text if len(text) <= 80 else text[:78] + "…"})
        rows.append({"id": f.item.id, "name": f.item.name, "basis": f.item.basis, "status": f.status,
                     "quotes": quotes, "more": len(f.evidence) - max_evidence})
    missing = [f.item.name for f in report.findings if f.status == "missing"]
    counts = report.label_totals()
    bars = [(c.name, counts[c.name], c.color, f"{c.ja}: {counts[c.name]} clauses") for c in CATEGORIES]
    text = highlight_html(report.clauses, {report.doc: report.text} if report.text else None)
    record = report.fields.to_dict()
    inventory = [(name, ", ".join(map(str, record[name])) or "—") for name in
                 ("data_types", "purposes", "recipients", "recipient_kinds", "countries", "retention", "rights",
                  "request_channels", "security")]
    inventory = [("operator", " / ".join(v for v in record["operator"].values() if v) or "—"),
                 ("fee", "—" if record["fee"] is None else f"{record['fee']} 円"), *inventory]
    evidence: dict[str, list] = {}
    for e in record["evidence"]:
        evidence.setdefault(e["field"].split(".")[0], []).append(e)
    inventory = [(name, value, [{"clause": e["clause"], "text": e["text"]} for e in evidence.get(name, [])[:max_evidence]])
                 for name, value in inventory]
    return fill("report.html", doc=report.doc, clauses=len(report.clauses), present=len(report.present),
                items=len(report.findings), missing=", ".join(missing) or "none", rows=rows, anchor=anchor,
                bars=svg_bars(bars), text=text, inventory=inventory, transmissions=record["transmissions"],
                checks=report.field_checks)


def summary_html(summary: pd.DataFrame, items: Mapping, rates: Mapping[str, float],
                 counts: Mapping[str, Mapping[str, int]], links: Mapping[str, str] | None = None,
                 errors: Sequence[str] = (), model: str | None = None) -> str:
    """Index page for a set of policies: the share of policies where each checklist item is
    present (``rates``; ``counts`` has the policies of each item per status), then the
    policy x item table.  ``items`` maps item ids to checklist items."""
    links = links or {}
    n = max(len(summary), 1)  # not needed (not_stated) is its own grey part, not counted as absent
    bars = [(items[i].name, round(100 * rates[i], 1), BY_NAME[items[i].labels[0]].color,
             f"{items[i].name} ({i}): present in {counts[i]['present']}, not needed in {counts[i]['not_stated']}, "
             f"missing in {counts[i]['missing']} of {len(summary)} policies",
             round(100 * counts[i]["not_stated"] / n, 1), NOT_NEEDED_COLOR, "not needed")
            for i in summary.columns]
    rows = [{"doc": str(doc), "link": links.get(doc), "missing": (statuses == "missing").sum(),
             "cells": [(items[i].name, s) for i, s in statuses.items()]} for doc, statuses in summary.iterrows()]
    body = fill("summary.html", bars=svg_bars(bars, unit="%", maximum=100), rows=rows, errors=errors,
                names=[items[i].name for i in summary.columns])
    return page("Policy coverage summary", body, model)


# -- diffs -----------------------------------------------------------------------------------------
def _inline(old: str, new: str) -> list[tuple[str, str]]:
    """``old`` rewritten into ``new``: (kind, text) pieces, kind "delete", "insert" or "equal"."""
    pieces = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            pieces.append(("delete", old[i1:i2]))
        if tag in ("insert", "replace"):
            pieces.append(("insert", new[j1:j2]))
        if tag == "equal":
            pieces.append(("equal", old[i1:i2]))
    return pieces


def _change(change, other: str) -> dict:
    shown = {"kind": change.kind, "old": change.old, "new": change.new, "similarity": change.similarity}
    if change.kind == "reworded":
        relabel = ""
        if change.old["labels"] != change.new["labels"]:
            before, after = (", ".join(c["labels"]) or other for c in (change.old, change.new))
            relabel = f"; labels {before} → {after}"
        shown.update(relabel=relabel, pieces=_inline(change.old["text"], change.new["text"]))
    return shown


def diff_html(diff, kinds: Sequence[str], other: str) -> HTML:
    """A :class:`jprivacy.diff.PolicyDiff` without the page around it: the checklist items whose
    status changed, then the changes of each category, ``kinds`` in order; ``other`` names
    clauses without labels."""
    groups = []
    for name, changes in diff.by_category().items():
        category = BY_NAME.get(name)
        groups.append({"name": name, "color": category.color if category else "#999",
                       "ja": f" {category.ja}" if category else "",
                       "kinds": [(kind, [_change(c, other) for c in changes if c.kind == kind]) for kind in kinds
                                 if any(c.kind == kind for c in changes)]})
    return fill("diff.html", summary=diff.summary(), coverage=diff.coverage, groups=groups, diff=diff)


def fields_html(fields, max_evidence: int = 3) -> HTML:
    """A :class:`jprivacy.extract.PolicyFields` as a table: each field's values, each with the
    words of the policy that state it (highlighted) and their clause."""
    rows: dict[tuple, dict] = {}
    for e in fields.evidence:
        row = rows.setdefault((e.field, str(e.value), e.entry), {"field": e.field + (f" #{e.entry}" if e.entry else ""),
                                                               "value": e.value, "evidence": []})
        if len(row["evidence"]) < max_evidence:
            row["evidence"].append({"clause": e.clause, "text": e.text})
    return fill("fields.html", doc=fields.doc, rows=list(rows.values()))
