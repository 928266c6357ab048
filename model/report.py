"""Policy coverage reports: which disclosures Japanese law expects a policy makes, with evidence.

The checklist (:data:`CHECKLIST`) is data: each item names the disclosure in Japanese, its
legal basis, and a rule over the labels of the clauses (and, where labels alone cannot tell,
keywords in the clause or its section heading).  The clauses that satisfy the rule are the
item's evidence.  An item is

- ``present`` when some clause is evidence for it;
- ``missing`` when none is and the law expects it — always, or because the practice it
  explains (``after``) is stated;
- ``not_stated`` when none is and the law asks for it only where the business does the
  practice (joint use, overseas transfer, external transmission …).

The labels come from a model: a report is a reading aid for a person, not legal advice.

>>> from jprivacy.report import coverage
>>> report = coverage(tagger.tag("policy.html"))[0]
>>> report.missing, report.to_frame(), report.to_html()
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from .display import HTML, highlight_html, label_counts
from .labels import BY_NAME, CATEGORIES, LABELS
from .outputs import atomic_text, write_json_atomic
from .readers import ReadError

PRESENT, MISSING, NOT_STATED = "present", "missing", "not_stated"
STATUS_MARK = {PRESENT: "✓", MISSING: "✗", NOT_STATED: "–"}
STATUS_COLOR = {PRESENT: "#2e7d32", MISSING: "#c62828", NOT_STATED: "#757575"}
MISSING_BACKGROUND = "#fdecea"


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


_APPI = "個人情報保護法"
_TBA = "電気通信事業法第27条の12、同法施行規則第22条の2の29"
COUNTRIES = ("米国", "アメリカ", "合衆国", "中国", "中華人民共和国", "韓国", "台湾", "香港", "シンガポール",
             "インド", "ベトナム", "フィリピン", "タイ", "マレーシア", "インドネシア", "英国", "イギリス",
             "ドイツ", "フランス", "アイルランド", "オランダ", "スウェーデン", "フィンランド", "スイス", "カナダ",
             "オーストラリア", "ニュージーランド", "ブラジル", "EU", "欧州", "EEA", "国名")

CHECKLIST: tuple[Item, ...] = (
    Item("purpose", "利用目的", f"{_APPI}第17条第1項・第21条第1項", ("purpose",), required=True),
    Item("third_party", "第三者提供", f"{_APPI}第27条第1項", ("third_party",), ("第三者",), required=True),
    Item("third_party_exceptions", "第三者提供の例外（法令に基づく場合等）", f"{_APPI}第27条第1項各号",
         ("third_party",), ("法令に基づ", "法令により", "法令に定め", "生命", "公衆衛生", "国の機関",
                            "地方公共団体"), after="third_party"),
    Item("outsourcing", "委託", f"{_APPI}第27条第5項第1号・第25条", ("third_party",), ("委託",)),
    Item("joint_use", "共同利用", f"{_APPI}第27条第5項第3号・第6項", ("third_party",),
         ("共同利用", "共同して利用", "共同で利用")),
    Item("foreign_transfer", "外国にある第三者への提供", f"{_APPI}第28条", ("international",)),
    Item("foreign_country", "移転先の国名", f"{_APPI}第28条第2項、同法施行規則第17条第2項第1号",
         ("international",), COUNTRIES, after="foreign_transfer"),
    Item("foreign_regime", "移転先の国の個人情報保護制度", f"{_APPI}第28条第2項、同法施行規則第17条第2項第2号",
         ("international",), ("制度", "法制", "法令", "GDPR", "十分性", "保護法"), after="foreign_transfer"),
    Item("foreign_safeguards", "移転先が講ずる保護措置", f"{_APPI}第28条第1項・第3項、同法施行規則第16条・第18条",
         ("international",), ("措置", "体制", "契約", "監督", "基準", "条項"), after="foreign_transfer"),
    Item("security", "安全管理措置", f"{_APPI}第23条・第32条第1項第4号（同法施行令第10条第1号）",
         ("security",), required=True),
    Item("rights_procedure", "開示等の請求の手続", f"{_APPI}第32条第1項第3号・第33条〜第35条・第37条",
         ("rights",), ("開示", "訂正", "追加", "削除", "利用停止", "利用の停止", "消去", "提供の停止",
                       "請求", "求め"), required=True),
    Item("complaints_desk", "苦情・問い合わせ窓口", f"{_APPI}第32条第1項第4号（同法施行令第10条第2号）・第40条",
         ("contact",), ("窓口", "問い合わせ", "問合せ", "問い合せ", "お問合わせ", "苦情", "相談", "連絡先",
                        "受付", "メール", "mail", "電話", "tel", "@", "フォーム"), required=True),
    Item("business_identity", "事業者の名称・住所・代表者", f"{_APPI}第32条第1項第1号",
         ("contact",), ("株式会社", "有限会社", "合同会社", "合資会社", "法人", "住所", "所在地", "〒",
                        "代表者", "代表取締役", "理事長", "院長", "学長", "事業者名", "名称"), required=True),
    Item("retention", "保存期間・消去", f"{_APPI}第22条（正確性の確保・不要となった個人データの消去）",
         ("retention",), required=True),
    Item("external_transmission", "外部送信（Cookie等）", _TBA, ("cookies",)),
    Item("transmitted_data", "外部送信される情報の内容", _TBA, ("cookies",),
         ("閲覧履歴", "行動履歴", "利用履歴", "購買履歴", "識別子", "ID", "IPアドレス", "端末", "位置情報",
          "URL", "OS", "ブラウザ", "送信される情報", "取得する情報", "情報の内容", "項目"),
         after="external_transmission"),
    Item("transmission_recipients", "外部送信先", _TBA, ("cookies",),
         ("Google", "Meta", "Facebook", "Amazon", "Yahoo", "LINE", "Microsoft", "TikTok", "Twitter",
          "株式会社", "LLC", "Inc", "Ltd", "送信先", "提供者", "提供元", "事業者"),
         after="external_transmission"),
    Item("transmission_purposes", "外部送信の目的", _TBA, ("cookies",),
         ("目的", "ため", "分析", "広告配信", "効果測定", "改善"), after="external_transmission"),
    Item("policy_change", "ポリシーの改定", f"{_APPI}第21条第3項（利用目的の変更の通知・公表）",
         ("policy_change",), required=True),
)
ITEMS: dict[str, Item] = {item.id: item for item in CHECKLIST}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass
class Finding:
    """One checklist item for one policy: its status and the numbers of its evidence clauses."""

    item: Item
    status: str
    evidence: list[int] = field(default_factory=list)


def check(clauses: pd.DataFrame, checklist: Sequence[Item] = CHECKLIST) -> list[Finding]:
    """Apply the checklist to the clause records of one policy."""
    labels = list(clauses["labels"])
    sections = [s if isinstance(s, str) else "" for s in clauses.get("section", [""] * len(clauses))]
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
                 checklist: Sequence[Item] = CHECKLIST):
        self.doc = doc
        self.clauses = clauses.reset_index(drop=True)
        self.text = text
        self.model = model
        self.findings = check(self.clauses, checklist)
        self._rows = {int(r.clause): r for r in self.clauses.itertuples()}

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

    def _clause(self, number: int) -> dict:
        row = self._rows[int(number)]
        return {"clause": int(number), "start": int(row.start), "end": int(row.end),
                "section": row.section if isinstance(row.section, str) else "",
                "text": row.text, "labels": list(row.labels)}

    def label_totals(self) -> dict[str, int]:
        """Clauses carrying each label."""
        counts = label_counts(self.clauses).sum() if len(self.clauses) else pd.Series(0, index=list(LABELS))
        return {name: int(counts[name]) for name in LABELS}

    def to_dict(self) -> dict:
        """JSON-ready: clause and label counts, and every item with its status and evidence."""
        return {"doc": self.doc, "model": self.model, "clauses": int(len(self.clauses)),
                "labels": self.label_totals(),
                "missing": self.missing,
                "items": [{"id": f.item.id, "name": f.item.name, "basis": f.item.basis, "status": f.status,
                           "evidence": [self._clause(n) for n in f.evidence]} for f in self.findings]}

    def to_frame(self) -> pd.DataFrame:
        """One row per checklist item: name, legal basis, status, evidence count and clauses."""
        rows = [{"id": f.item.id, "name": f.item.name, "basis": f.item.basis, "status": f.status,
                 "evidence": len(f.evidence),
                 "clauses": [self._clause(n)["text"] for n in f.evidence]} for f in self.findings]
        return pd.DataFrame(rows).set_index("id")

    # -- HTML ------------------------------------------------------------------
    def checklist_html(self, anchor: str = "c0", max_evidence: int = 4) -> str:
        rows = []
        for f in self.findings:
            quotes = []
            for n in f.evidence[:max_evidence]:
                text = self._clause(n)["text"]
                short = text if len(text) <= 80 else text[:78] + "…"
                quotes.append(f'<li><a href="#{anchor}-{n}">#{n}</a> {html.escape(short)}</li>')
            more = len(f.evidence) - max_evidence
            if more > 0:
                quotes.append(f"<li>… {more} more</li>")
            note = {MISSING: "<b>missing</b>", NOT_STATED: "not stated (needed only where the business does "
                    "this)"}.get(f.status, "")
            rows.append(
                f'<tr class="jp-item jp-{f.status}" data-item="{f.item.id}" data-status="{f.status}" '
                f'style="background:{MISSING_BACKGROUND if f.status == MISSING else "none"}">'
                f'<td style="color:{STATUS_COLOR[f.status]};font-size:120%;text-align:center">'
                f'{STATUS_MARK[f.status]}</td><td><b>{html.escape(f.item.name)}</b><br>'
                f'<code style="color:#666">{f.item.id}</code></td>'
                f'<td style="font-size:85%">{html.escape(f.item.basis)}</td>'
                f'<td>{note}<ul style="margin:0;padding-left:1.2em">{"".join(quotes)}</ul></td></tr>')
        return (f'<table class="jp-checklist" style="border-collapse:collapse;width:100%">'
                f'<thead><tr><th></th><th>開示事項 (item)</th><th>根拠 (legal basis)</th>'
                f'<th>evidence (clause number and text)</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')

    def body_html(self) -> str:
        """The report without the page around it (used in Jupyter and in the standalone page)."""
        missing = ", ".join(ITEMS[i].name for i in self.missing) or "none"
        counts = self.label_totals()
        bars = [(c.name, counts[c.name], c.color, f"{c.ja}: {counts[c.name]} clauses") for c in CATEGORIES]
        return (f'<div class="jp-report"><h2>{html.escape(self.doc)}</h2>'
                f'<p>{len(self.clauses)} clauses; {len(self.present)} of {len(self.findings)} checklist items '
                f'present. <b>Missing:</b> {html.escape(missing)}</p>'
                f'<h3>Checklist</h3>{self.checklist_html()}'
                f'<h3>Clauses per category</h3>{svg_bars(bars)}'
                f'<h3>Text</h3>{highlight_html(self.clauses, {self.doc: self.text} if self.text else None)}</div>')

    def to_html(self) -> str:
        """A self-contained HTML page (no external resources)."""
        return page(f"Coverage: {self.doc}", self.body_html(), self.model)

    def _repr_html_(self) -> str:
        return self.body_html()


def coverage(frame: pd.DataFrame, model: str | None = None,
             checklist: Sequence[Item] = CHECKLIST) -> list[PolicyReport]:
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
    return pd.DataFrame.from_dict(rows, orient="index", columns=[i.id for i in CHECKLIST]).rename_axis("doc")


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
    links = links or {}
    rates = coverage_rates(summary)
    bars = [(ITEMS[i].name, round(100 * rates[i], 1), BY_NAME[ITEMS[i].labels[0]].color,
             f"{ITEMS[i].name} ({i}): present in {(summary[i] == PRESENT).sum()} of {len(summary)} policies")
            for i in summary.columns]
    head = "".join(f'<th title="{html.escape(ITEMS[i].name)}" style="writing-mode:vertical-rl;font-weight:normal">'
                   f'{html.escape(ITEMS[i].name)}</th>' for i in summary.columns)
    rows = []
    for doc, statuses in summary.iterrows():
        name = html.escape(str(doc))
        cell = f'<a href="{html.escape(links[doc])}">{name}</a>' if doc in links else name
        marks = "".join(f'<td class="jp-{s}" style="text-align:center;color:{STATUS_COLOR[s]}" '
                        f'title="{html.escape(ITEMS[i].name)}: {s}">{STATUS_MARK[s]}</td>'
                        for i, s in statuses.items())
        missing = (statuses == MISSING).sum()
        rows.append(f'<tr class="jp-policy"><td>{cell}</td><td style="text-align:right">{missing}</td>{marks}</tr>')
    failed = ("<h3>Inputs that could not be read</h3><ul>" +
              "".join(f"<li>{html.escape(e)}</li>" for e in errors) + "</ul>") if errors else ""
    body = (f'<h2>Coverage of {len(summary)} policies</h2>'
            f'<p>✓ present · ✗ missing (expected) · – not stated (needed only where the business does it)</p>'
            f'<h3>Share of policies in which each item is present</h3>{svg_bars(bars, unit="%", maximum=100)}'
            f'<h3>Policies</h3><table class="jp-summary" style="border-collapse:collapse">'
            f'<thead><tr><th>policy</th><th>missing</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'{failed}')
    return page("Policy coverage summary", body, model)


# -- files -------------------------------------------------------------------------------------
def report_format(path: str | Path) -> str:
    """``html`` or ``json`` from the output file's extension; ValueError otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix == ".json":
        return "json"
    raise ValueError(f"{path}: unknown report extension {suffix or '(none)'!r}; use .html or .json")


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
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def add(self, report: PolicyReport) -> None:
        self.rows[report.doc] = report.statuses()
        if self.kind == "json":
            self.reports.append(report.to_dict())
        elif self.folder is None:
            atomic_text(self.path, report.to_html())
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{len(self.links):04d}_{re.sub(r'[^0-9A-Za-z_.-]+', '_', Path(report.doc).stem)[:60]}.html"
            atomic_text(self.folder / name, report.to_html())
            self.links[report.doc] = f"{self.folder.name}/{name}"

    def close(self, errors: Sequence[ReadError] = ()) -> None:
        summary = _summary(self.rows)
        if self.kind == "json":
            write_json_atomic(self.path, {
                "model": self.model, "checklist": [item.to_dict() for item in CHECKLIST],
                "policies": self.reports,
                "summary": {"policies": len(summary), "items": summary_counts(summary), "table": self.rows},
                "errors": [{"doc": e.doc, "error": e.reason} for e in errors]})
        elif self.folder is not None:
            atomic_text(self.path, summary_html(summary, self.links, [str(e) for e in errors], self.model))


# -- building blocks -----------------------------------------------------------------------------
def svg_bars(bars: Sequence[tuple[str, float, str, str]], unit: str = "", maximum: float | None = None,
             width: int = 640, row: int = 22) -> HTML:
    """A horizontal bar chart as inline SVG; ``bars`` are (label, value, colour, hover text) and
    ``unit`` is written after each value.

    Text is left to the browser's fonts, so Japanese labels render without a font in Python.
    """
    value_w = 60
    label_w = min(420, 8 + max([sum(12 if ord(ch) > 0x2E7F else 7 for ch in label) for label, *_ in bars] or [0]))
    top = max([maximum or 0, *[value for _, value, _, _ in bars]]) or 1
    plot_w = width - label_w - value_w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="jp-chart" width="{width}" '
             f'height="{row * len(bars) + 4}" role="img" style="font:12px sans-serif">']
    for k, (label, value, color, title) in enumerate(bars):
        y = k * row + 2
        w = plot_w * value / top
        parts.append(f'<g><title>{html.escape(title)}</title>'
                     f'<text x="{label_w - 6}" y="{y + row * 0.65:.1f}" text-anchor="end">{html.escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{color}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + row * 0.65:.1f}">'
                     f'{value:g}{html.escape(unit)}</text></g>')
    parts.append("</svg>")
    return HTML("".join(parts))


_STYLE = """body{font-family:sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222}
table.jp-checklist td,table.jp-checklist th,table.jp-summary td,table.jp-summary th{
border:1px solid #ddd;padding:4px 6px;vertical-align:top}
footer{margin-top:2em;color:#777;font-size:85%}"""


def page(title: str, body: str, model: str | None = None) -> str:
    """A complete, self-contained HTML page (inline CSS only; no scripts, fonts or links out)."""
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    by = f" with model {html.escape(model)}" if model else ""
    return (f'<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<style>{_STYLE}</style></head><body>{body}'
            f'<footer>Made by jprivacy{by} on {made}. Labels are automatic: check the evidence clauses; '
            f'this is a reading aid, not legal advice.</footer></body></html>\n')
