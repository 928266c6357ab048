"""Show tagged clauses: highlighted policy text for Jupyter and reports, and matplotlib charts.

:class:`ClauseFrame` is what :meth:`jprivacy.Tagger.tag` returns: a pandas DataFrame of clause
records that also holds the texts of its documents.  In Jupyter it displays as the policy text
with every labeled clause highlighted in its category's colour (labels and scores on hover), a
legend, and then the table.
"""

from __future__ import annotations

import html
from typing import Iterable, Mapping

import pandas as pd

from .labels import BY_NAME, CATEGORIES, LABELS

BACKGROUND_ALPHA = "66"  # hex alpha appended to a category colour for the clause background
CLAUSE_CLASS = "jp-clause"


class HTML(str):
    """A string of HTML that Jupyter renders (IPython is not needed to build one)."""

    def _repr_html_(self) -> str:
        return str(self)


class ClauseFrame(pd.DataFrame):
    """Clause records (one row per clause) with the texts of their documents in ``texts``.

    ``texts`` maps each ``doc`` to the text that its clauses' ``start``/``end`` index; it
    follows the frame through filtering, sorting and copying.
    """

    _metadata = ["texts"]
    texts: dict[str, str] | None = None

    def __init__(self, data=None, *args, texts: Mapping[str, str] | None = None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if texts is not None:
            self.texts = dict(texts)

    @property
    def _constructor(self):
        return ClauseFrame

    def label_counts(self) -> pd.DataFrame:
        """Clauses per label for each document (documents x labels, in taxonomy order)."""
        return label_counts(self)

    def highlight(self, max_docs: int | None = 3) -> HTML:
        """The documents' text with labeled clauses highlighted, and a legend."""
        return HTML(highlight_html(self, self.texts, max_docs=max_docs))

    def _repr_html_(self) -> str | None:
        table = pd.DataFrame(self).drop(columns=["scores"], errors="ignore")._repr_html_()
        if table is None or not {"doc", "start", "end", "text", "labels"} <= set(self.columns):
            return table
        return (f'<div class="jp-clause-frame">{self.highlight()}'
                f'<p style="margin:.8em 0 .3em;color:#555">Table (scores: hover a highlighted clause '
                f'or read the <code>scores</code> column)</p>{table}</div>')


def label_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Documents x labels: how many clauses of each document carry each label."""
    docs = pd.Index(list(dict.fromkeys(frame["doc"])), name="doc")
    pairs = pd.DataFrame(frame[["doc", "labels"]]).explode("labels").dropna()
    counts = pd.crosstab(pairs["doc"], pairs["labels"]) if len(pairs) else pd.DataFrame()
    return counts.reindex(index=docs, columns=list(LABELS), fill_value=0).rename_axis(columns=None)


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


def legend_html(counts: Mapping[str, int] | None = None) -> str:
    """One swatch per category (with its clause count when given)."""
    chips = []
    for c in CATEGORIES:
        count = f" ({counts.get(c.name, 0)})" if counts is not None else ""
        chips.append(f'<span style="display:inline-block;margin:2px 10px 2px 0;white-space:nowrap">'
                     f'<span style="display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;'
                     f'background:{c.color};border-radius:2px"></span> '
                     f'<b>{c.name}</b> {html.escape(c.ja)}{count}</span>')
    return (f'<div class="jp-legend" style="margin:.3em 0 .6em;font-size:90%">{"".join(chips)}'
            f'<span style="color:#666">— several labels: background = first, stripes = the others; '
            f'no highlight = other</span></div>')


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


def document_html(doc: str, rows: pd.DataFrame, text: str | None, anchor: str = "c") -> str:
    """One document's text with each labeled clause in a ``<mark>`` coloured by its labels.

    Every mark has ``id="{anchor}-{clause}"`` so a report can link to it.
    """
    text, spans = _spans(rows, text)
    has_scores = "scores" in rows.columns
    parts, cursor = [], 0
    for start, end, r in spans:
        if start < cursor:  # overlapping clause: leave it unmarked rather than duplicate text
            continue
        parts.append(html.escape(text[cursor:start]))
        labels = [name for name in LABELS if name in r.labels]
        body = html.escape(text[start:end])
        if labels:
            title = clause_title(labels, r.scores if has_scores else None)
            section = f"\n§ {r.section}" if isinstance(r.section, str) and r.section else ""
            parts.append(f'<mark class="{CLAUSE_CLASS}" id="{anchor}-{r.clause}" '
                         f'data-labels="{" ".join(labels)}" style="{clause_style(labels)}" '
                         f'title="{html.escape(title + section)}">{body}</mark>')
        else:
            parts.append(f'<span id="{anchor}-{r.clause}">{body}</span>')
        cursor = end
    parts.append(html.escape(text[cursor:]))
    return (f'<div class="jp-text" style="white-space:pre-wrap;line-height:1.8;font-family:sans-serif;'
            f'border:1px solid #ddd;padding:.6em .8em;max-height:40em;overflow:auto">{"".join(parts)}</div>')


def highlight_html(frame: pd.DataFrame, texts: Mapping[str, str] | None = None,
                   max_docs: int | None = 3) -> str:
    """Legend, then each document (up to ``max_docs``) with its labeled clauses highlighted."""
    texts = texts or {}
    docs = list(dict.fromkeys(frame["doc"]))
    counts = label_counts(frame).sum().to_dict() if len(frame) else {}
    parts = [legend_html(counts)]
    shown = docs if max_docs is None else docs[:max_docs]
    for i, doc in enumerate(shown):
        rows = frame[frame["doc"] == doc]
        parts.append(f'<h4 style="margin:.6em 0 .2em">{html.escape(str(doc))} '
                     f'<small style="color:#666">{len(rows)} clauses</small></h4>')
        parts.append(document_html(doc, rows, texts.get(doc), anchor=f"c{i}"))
    if len(shown) < len(docs):
        parts.append(f'<p style="color:#666">… and {len(docs) - len(shown)} more document(s); '
                     f'<code>frame.highlight(max_docs=None)</code> shows all.</p>')
    return "".join(parts)


# -- matplotlib ---------------------------------------------------------------------------------
def _axes(ax, size=(6, 3.5)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_label_counts(counts: Mapping[str, int] | pd.Series, ax=None, title: str | None = None):
    """Horizontal bars: clauses per category, each in its category's colour."""
    ax = _axes(ax)
    values = [int(pd.Series(counts).get(name, 0)) for name in LABELS]
    ax.barh(list(LABELS), values, color=[c.color for c in CATEGORIES])
    ax.invert_yaxis()
    ax.set_xlabel("clauses")
    if title:
        ax.set_title(title)
    return ax


def plot_heatmap(matrix: pd.DataFrame, ax=None, title: str | None = None, cmap: str = "Blues"):
    """A labeled square heat map with the value in each cell (for co-occurrence tables)."""
    ax = _axes(ax, size=(6.5, 5.5))
    image = ax.imshow(matrix.to_numpy(), cmap=cmap)
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=45, ha="right")
    ax.set_yticks(range(matrix.shape[0]), matrix.index)
    peak = matrix.to_numpy().max() if matrix.size else 0
    for (i, j), value in pd.DataFrame(matrix.to_numpy()).stack().items():
        if value:
            ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=7,
                    color="white" if value > peak * 0.6 else "black")
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    if title:
        ax.set_title(title)
    return ax


def plot_pr_curves(y_true, probs, thresholds=None, ax=None, title: str | None = None):
    """One precision-recall curve per label; a dot marks each label's decision threshold."""
    import numpy as np
    from sklearn.metrics import average_precision_score, precision_recall_curve

    ax = _axes(ax, size=(6.5, 5))
    y_true, probs = np.asarray(y_true), np.asarray(probs)
    for j, c in enumerate(CATEGORIES):
        if not y_true[:, j].any():
            continue
        precision, recall, cuts = precision_recall_curve(y_true[:, j], probs[:, j])
        ap = average_precision_score(y_true[:, j], probs[:, j])
        ax.plot(recall, precision, color=c.color, label=f"{c.name} (AP {ap:.2f})")
        if thresholds is not None and len(cuts):
            k = min(int(np.searchsorted(cuts, thresholds[j])), len(cuts) - 1)
            ax.plot(recall[k], precision[k], "o", color=c.color)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, loc="lower left")
    if title:
        ax.set_title(title)
    return ax
