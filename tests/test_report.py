"""Rich display, coverage reports, the report command, and the report in a real browser."""

import json
import re
import shutil
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

import jprivacy
from jprivacy.cli import main
from jprivacy.frame import ClauseFrame
from jprivacy.report import CHECKLIST, ITEMS, MISSING, NOT_STATED, PRESENT, coverage, read_checklist, summary_html

LABELED = "jp-clause"


def frame(doc, clauses):
    """A tagged frame from (text, labels) pairs laid out one clause per line."""
    rows, start = [], 0
    for i, (text, labels) in enumerate(clauses):
        rows.append({"doc": doc, "clause": i, "start": start, "end": start + len(text), "section": "",
                     "text": text, "labels": labels, "scores": {name: 0.9 for name in labels}})
        start += len(text) + 1
    return ClauseFrame(rows, texts={doc: "\n".join(text for text, _ in clauses)})


CRAFTED = [
    ("プライバシーポリシー", []),
    ("当社は、ご注文の商品をお届けするために個人情報を利用します。", ["purpose"]),
    ("当社は、法令に基づく場合を除き、個人情報を第三者に提供しません。", ["third_party"]),
    ("当社は、配送業務を運送会社に委託することがあります。", ["third_party"]),
    ("当社は、お客様の情報を米国のクラウド事業者のサーバーに保存します。", ["international", "retention"]),
    ("お問い合わせ窓口：株式会社サンプル 個人情報相談室（東京都千代田区）", ["contact"]),
]


# -- checklist rules ----------------------------------------------------------------------------
def test_checklist_items_are_data_with_a_legal_basis():
    assert len({item.id for item in CHECKLIST}) == len(CHECKLIST)
    assert all(item.name and re.search(r"法.*第\d+条", item.basis) for item in CHECKLIST)
    assert all(item.after is None or item.after in ITEMS for item in CHECKLIST)
    assert "電気通信事業法第27条の12" in ITEMS["external_transmission"].basis


def test_the_checklist_is_read_from_its_data_file_and_unknown_labels_are_refused(tmp_path):
    bad = tmp_path / "checklist.toml"
    bad.write_text('[[item]]\nid = "x"\nname = "x"\nbasis = "法第1条"\nlabels = ["purpse"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown label.*purpse"):
        read_checklist(bad)
    assert read_checklist() == CHECKLIST and ITEMS["foreign_country"].keywords[0] == "米国"


def test_crafted_policy_items_present_missing_and_not_stated_with_evidence():
    report = coverage(frame("crafted", CRAFTED))[0]
    status = report.statuses()
    evidence = {f.item.id: f.evidence for f in report.findings}
    assert status["purpose"] == PRESENT and evidence["purpose"] == [1]
    assert status["third_party_exceptions"] == PRESENT and evidence["third_party_exceptions"] == [2]
    # outsourcing vs joint use: told apart by the words of the third_party clauses
    assert status["outsourcing"] == PRESENT and evidence["outsourcing"] == [3]
    assert status["joint_use"] == NOT_STATED and evidence["joint_use"] == []
    # an overseas transfer is stated, so the country is checked (present) and the regime and
    # safeguards are expected (missing)
    assert evidence["foreign_transfer"] == [4] and status["foreign_country"] == PRESENT
    assert status["foreign_regime"] == MISSING and status["foreign_safeguards"] == MISSING
    assert status["complaints_desk"] == status["business_identity"] == PRESENT
    # always expected and absent
    assert {"security", "rights_procedure", "policy_change"} <= set(report.missing)
    # external transmission is not practised here: not stated, and its details are not expected
    assert status["external_transmission"] == status["transmission_recipients"] == NOT_STATED


def test_a_report_without_the_practice_does_not_expect_its_details():
    report = coverage(frame("p", [("当社は、個人情報を第三者に提供しません。", ["purpose"])]))[0]
    assert report.statuses()["third_party"] == MISSING
    assert report.statuses()["foreign_country"] == NOT_STATED


def test_seed_policy_report_quotes_its_evidence(seed_policy):
    tagged = jprivacy.load().tag_file(seed_policy)
    report = coverage(tagged)[0]
    labels_of = dict(zip(tagged["clause"], tagged["labels"]))
    assert [f.item.id for f in report.findings] == [item.id for item in CHECKLIST]
    assert report.statuses()["purpose"] == PRESENT
    for f in report.findings:
        assert (f.status == PRESENT) == bool(f.evidence)
        assert all(set(labels_of[n]) & set(f.item.labels) for n in f.evidence)
    table = report.to_frame()
    assert list(table.index) == [item.id for item in CHECKLIST]
    assert table.loc["purpose", "evidence"] == len(table.loc["purpose", "clauses"]) > 3


def test_summary_page_links_policies_and_lists_unreadable_inputs():
    reports = coverage(frame("a", CRAFTED)) + coverage(frame("b", CRAFTED[:2]))
    from jprivacy.report import summary_frame

    soup = BeautifulSoup(summary_html(summary_frame(reports), {"a": "out/a.html"}, ["b.txt: <empty>"]), "html.parser")
    rows = soup.select("tr.jp-policy")
    assert [r.td.get_text() for r in rows] == ["a", "b"] and rows[0].a["href"] == "out/a.html"
    assert rows[1].select("td")[1].get_text() == str(len(reports[1].missing))
    assert [td["title"].split(": ")[1] for td in rows[0].select("td[title]")] == list(reports[0].statuses().values())
    assert soup.select_one("ul li").get_text() == "b.txt: <empty>" and len(soup.select("svg g")) == len(CHECKLIST)


# -- display ---------------------------------------------------------------------------------------
def test_tag_returns_a_clause_frame_that_highlights_every_labeled_clause(seed_policy):
    tagged = jprivacy.load().tag_file(seed_policy)
    assert isinstance(tagged, ClauseFrame) and tagged.texts == {str(seed_policy): seed_policy.read_text("utf-8")}
    html = tagged._repr_html_()
    soup = BeautifulSoup(html, "html.parser")
    marks = soup.select(f"mark.{LABELED}")
    assert len(marks) == sum(1 for labels in tagged["labels"] if labels)
    first = marks[0]
    assert first["data-labels"].split()[0] in jprivacy.LABELS and re.search(r"\d\.\d\d", first["title"])
    assert "jp-legend" in html and "<table" in html
    subset = tagged[tagged["labels"].map(lambda ls: "purpose" in ls)]
    assert isinstance(subset, ClauseFrame) and subset.texts == tagged.texts


def test_tagging_never_imports_the_renderer(linear_model):
    # with the linear model, not even jinja2 (transformers, which a BERT needs, imports it itself)
    code = ("import sys, jprivacy; jprivacy.load(sys.argv[1]).tag('当社は個人情報を第三者に提供しません。'); "
            "assert not {'jprivacy.render', 'jinja2'} & set(sys.modules); "
            "jprivacy.load().tag('当社は個人情報を第三者に提供しません。'); "
            "assert 'jprivacy.render' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code, str(linear_model)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def test_display_keeps_offering_its_names():
    from jprivacy import display, frame, render
    from jprivacy.render import plots

    assert display.ClauseFrame is frame.ClauseFrame and display.highlight_html is render.highlight_html
    assert display.plot_label_counts is plots.plot_label_counts


def test_highlight_rebuilds_the_text_when_the_frame_has_none():
    records = frame("x", CRAFTED)
    bare = ClauseFrame(records.to_dict(orient="records"))
    soup = BeautifulSoup(bare._repr_html_(), "html.parser")
    assert [m.get_text() for m in soup.select("mark")] == [t for t, labels in CRAFTED if labels]


# -- command line -----------------------------------------------------------------------------------
def test_cli_report_json_single_html_and_bad_extension(tmp_path, linear_model, seed_policy, capsys):
    out = tmp_path / "r.json"
    assert main(["report", str(seed_policy), "-o", str(out), "--model", str(linear_model)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    policy = data["policies"][0]
    text = seed_policy.read_text(encoding="utf-8")
    assert [i["id"] for i in policy["items"]] == [item.id for item in CHECKLIST] == [c["id"] for c in data["checklist"]]
    assert all(text[e["start"]:e["end"]] == e["text"] for i in policy["items"] for e in i["evidence"])
    assert policy["missing"] == [i["id"] for i in policy["items"] if i["status"] == MISSING]
    assert data["summary"]["policies"] == 1 and data["errors"] == []

    page = tmp_path / "r.html"
    assert main(["report", str(seed_policy), "-o", str(page), "--model", str(linear_model)]) == 0
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert not re.search(r"<(script|link|img|iframe)\b|(src|href)=\"(https?:)?//", html)  # self-contained
    assert not list(tmp_path.glob("*.tmp"))

    capsys.readouterr()
    assert main(["report", str(seed_policy), "-o", str(tmp_path / "r.pdf")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cli_report_over_a_folder_writes_pages_an_index_and_reports_bad_inputs(
        tmp_path, linear_model, seed_policy, capsys):
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(seed_policy, folder / "a.txt")
    (folder / "b.txt").write_text("第1条（利用目的）\n当社は、商品の配送のために個人情報を利用します。\n",
                                  encoding="utf-8")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    index = tmp_path / "out" / "index.html"
    code = main(["report", str(folder), str(tmp_path / "missing.txt"), "-o", str(index), "--model", str(linear_model)])
    err = capsys.readouterr().err
    assert code == 1 and "empty.txt" in err and "missing.txt" in err
    soup = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in soup.select("table.jp-summary a")]
    assert len(links) == 2 and all((index.parent / link).is_file() for link in links)
    assert len(soup.select("tr.jp-policy")) == 2 and soup.select("svg.jp-chart")
    assert "missing.txt" in soup.get_text()


# -- a real browser --------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(tmp_path, linear_model, seed_policy):
    page = tmp_path / "report.html"
    assert main(["report", str(seed_policy), "-o", str(page), "--model", str(linear_model)]) == 0
    labeled = sum(1 for labels in jprivacy.load(linear_model).tag_file(seed_policy)["labels"] if labels)
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = BeautifulSoup(result.stdout, "html.parser")
    assert dom.select_one("h2").get_text() == str(seed_policy)
    items = dom.select("table.jp-checklist tr.jp-item")
    assert [tr["data-item"] for tr in items] == [item.id for item in CHECKLIST]
    assert all(tr["data-status"] in (PRESENT, MISSING, NOT_STATED) for tr in items)
    assert len(dom.select(f"mark.{LABELED}")) == labeled > 0
    assert dom.select_one("svg.jp-chart rect") is not None
