"""Policy diffs: clause alignment, rewording, categories, coverage changes, text/JSON/HTML and the CLI."""

import json

import pytest
from bs4 import BeautifulSoup

from jprivacy.cli import main
from jprivacy.diff import DEFAULT_THRESHOLD, diff, diff_files
from jprivacy.errors import UsageError
from jprivacy.frame import ClauseFrame
from jprivacy.report import NOT_STATED, PRESENT
from jprivacy.records import RECORD_FIELDS


def frame(doc, clauses):
    """A tagged frame from (text, labels) pairs laid out one clause per line."""
    rows, start = [], 0
    for i, (text, labels) in enumerate(clauses):
        rows.append({"doc": doc, "clause": i, "start": start, "end": start + len(text), "section": None,
                     "text": text, "labels": labels, "scores": {name: 0.9 for name in labels}})
        start += len(text) + 1
    return ClauseFrame(rows, columns=list(RECORD_FIELDS), texts={doc: "\n".join(text for text, _ in clauses)})


OLD = [("第1条（利用目的）", ["purpose"]),
       ("当社は、商品の配送のために個人情報を利用します。", ["purpose"]),
       ("当社は、個人情報を適切に管理します。", ["security"]),
       ("不要となった個人情報は、速やかに削除・廃棄いたします。", ["retention"])]
NEW = [("第1条（利用目的）", ["purpose"]),
       ("当社は、商品の配送およびアフターサービスのために個人情報を利用します。", ["purpose"]),
       ("不要となった個人情報は、速やかに削除・廃棄いたします。", ["retention"]),
       ("当社は、個人データを共同利用します。", ["third_party"])]
def test_diff_finds_added_removed_and_reworded_clauses_by_category():
    result = diff(frame("old", OLD), frame("new", NEW))
    kinds = {(c.kind, (c.old or c.new)["text"]) for c in result.changes}
    assert kinds == {("reworded", OLD[1][0]), ("removed", OLD[2][0]), ("added", NEW[3][0])}
    assert [c.new["text"] for c in result.changes if c.kind == "reworded"] == [NEW[1][0]]
    assert result.unchanged == 2
    groups = result.by_category()
    assert [c.kind for c in groups["purpose"]] == ["reworded"]
    assert [c.kind for c in groups["security"]] == ["removed"] and [c.kind for c in groups["third_party"]] == ["added"]
    assert result.counts().loc["third_party"].to_dict() == {"added": 1, "removed": 0, "reworded": 0}
    assert {"id": "joint_use", "name": "共同利用", "old": NOT_STATED, "new": PRESENT} in result.coverage
    html = result.to_html()
    assert "<del" in html and "<ins" in html and "jp-category" in html
    # a strict threshold turns the rewording into a removal and an addition
    strict = diff(frame("old", OLD), frame("new", NEW), threshold=0.99)
    assert sorted(c.kind for c in strict.changes) == ["added", "added", "removed", "removed"]




def test_cli_diff_outputs_and_exit_codes(tmp_path, linear_model, capsys):
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text("\n".join(t for t, _ in OLD) + "\n", encoding="utf-8")
    new.write_text("\n".join(t for t, _ in NEW) + "\n", encoding="utf-8")
    model = ["--model", str(linear_model)]
    assert main(["diff", str(old), str(new), *model]) == 0
    listing = capsys.readouterr().out
    assert "~ #1→#1" in listing and "+ #3 当社は、個人データを共同利用します。" in listing
    assert main(["diff", str(old), str(new), "-o", str(tmp_path / "d.json"), *model]) == 0
    data = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert sorted(c["kind"] for c in data["changes"]) == ["added", "removed", "reworded"] and data["unchanged"] == 2
    assert main(["diff", str(old), str(new), "-o", str(tmp_path / "d.html"), *model]) == 0
    assert "<del" in (tmp_path / "d.html").read_text(encoding="utf-8")
    assert main(["diff", str(old), str(tmp_path / "nope.txt"), *model]) == 1
    assert "nope.txt" in capsys.readouterr().err


def test_diff_files_tags_both_versions_and_names_every_one_it_cannot_read(tmp_path, linear_model):
    import jprivacy

    old = tmp_path / "old.txt"
    old.write_text("\n".join(t for t, _ in OLD) + "\n", encoding="utf-8")
    tagger = jprivacy.load(linear_model)
    result, errors = diff_files(tagger, old, old)
    assert errors == [] and result.unchanged == len(OLD) and result.changes == []
    result, errors = diff_files(tagger, tmp_path / "a.txt", tmp_path / "b.txt")
    assert result is None and [e.doc for e in errors] == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]


def test_a_diff_saves_as_json_or_html_by_its_extension(tmp_path):
    result = diff(frame("old", OLD), frame("new", NEW))
    result.save(tmp_path / "d.json")
    result.save(tmp_path / "d.htm")
    assert json.loads((tmp_path / "d.json").read_text(encoding="utf-8")) == json.loads(json.dumps(
        result.to_dict(), ensure_ascii=False))
    assert (tmp_path / "d.htm").read_text(encoding="utf-8") == result.to_html()
    with pytest.raises(UsageError, match="unknown report extension '.txt'"):
        result.save(tmp_path / "d.txt")




def test_moved_and_width_or_space_changed_clauses_are_unchanged():
    old = [("当社は個人情報を適切に管理します。", ["security"]), ("お問い合わせは窓口まで。", ["contact"])]
    new = [("お問い合わせは窓口まで。", ["contact"]), ("当社は 個人情報を適切に管理します｡", ["security"])]
    result = diff(frame("old", old), frame("new", new))
    assert result.changes == [] and result.unchanged == 2 and result.coverage == []
    assert result.summary().endswith("2 unchanged, 0 reworded, 0 added, 0 removed")


def test_each_clause_pairs_once_best_first_and_labels_of_either_version_count():
    old = [("当社は氏名と住所を取得します。", ["collection"])]
    new = [("当社は氏名と住所と電話番号を取得します。", ["collection", "contact"]),
           ("当社は氏名と住所を取得いたします。", [])]
    result = diff(frame("old", old), frame("new", new))
    reworded = [c for c in result.changes if c.kind == "reworded"]
    assert len(reworded) == 1 and reworded[0].new["text"] == new[1][0] and reworded[0].labels == ["collection"]
    added = [c for c in result.changes if c.kind == "added"]
    assert [c.categories for c in added] == [["collection", "contact"]]
    assert list(result.by_category()) == ["collection", "contact"]


def test_a_clause_without_labels_is_other_and_an_empty_version_is_all_added():
    result = diff(frame("old", []), frame("new", [("以上", [])]))
    assert [c.kind for c in result.changes] == ["added"] and list(result.by_category()) == ["other"]
    assert result.old_doc == "<old>" and result.to_dict()["counts"] == {"other": {"added": 1, "removed": 0,
                                                                                  "reworded": 0}}


@pytest.mark.parametrize("threshold", [0, 1.5, -0.1])
def test_threshold_must_be_a_similarity(threshold):
    with pytest.raises(ValueError, match="threshold must be in"):
        diff(frame("old", OLD), frame("new", NEW), threshold=threshold)


def test_text_json_and_html_say_the_same_changes():
    result = diff(frame("old", OLD), frame("new", NEW))
    listing = result.to_text().splitlines()
    assert listing[0] == result.summary() and "[purpose 利用目的] +0 -0 ~1" in listing
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["threshold"] == DEFAULT_THRESHOLD and [c["kind"] for c in data["changes"]] == [
        "added", "removed", "reworded"]
    assert data["changes"][2]["similarity"] == round(result.changes[2].similarity, 3) > DEFAULT_THRESHOLD
    soup = BeautifulSoup(result.to_html(), "html.parser")
    assert [h.get_text() for h in soup.select("h3.jp-category")] == [
        "purpose 利用目的", "third_party 第三者提供・委託・共同利用", "security 安全管理措置"]  # taxonomy order
    assert soup.select_one("li.jp-added ins").get_text() == NEW[3][0]
    assert soup.select_one("li.jp-removed del").get_text() == OLD[2][0]

    def version(drop):
        item = BeautifulSoup(result.to_html(), "html.parser").select_one("li.jp-reworded")
        for tag in item.select(f"small, {drop}"):
            tag.decompose()
        return item.get_text()
    assert (version("del"), version("ins")) == (NEW[1][0], OLD[1][0])  # the inline diff holds both versions
