"""Standoff labels of real policies: joined with their texts, checked, and skipped loudly when a text is wrong."""

import json

from jprivacy.data import load_frame, read_wild, sha256, validate_wild
from jprivacy.segment import segment

TEXT = "プライバシーポリシー\n1. 取得する情報\n当社は以下の情報を取得します。\n・氏名\n・メールアドレス\n2. お問い合わせ\n窓口：privacy@example.jp\n"


def make_wild(tmp_path, texts):
    folder = tmp_path / "texts"
    folder.mkdir()
    records = []
    for doc, text in texts.items():
        (folder / f"{doc}.txt").write_text(text, encoding="utf-8")
        for i, c in enumerate(segment(text)):
            records.append({"doc": doc, "clause": i, "start": c.start, "end": c.end,
                            "labels": ["collection"] if "取得" in c.text or c.lead else [], "sha256": sha256(text)})
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return labels, folder


def test_wild_records_carry_text_section_lead_and_origin(tmp_path):
    labels, folder = make_wild(tmp_path, {"w1": TEXT})
    rows = read_wild(labels, folder, log=lambda m: None)
    assert [r["text"] for r in rows] == [c.text for c in segment(TEXT)]
    item = next(r for r in rows if r["text"] == "・氏名")
    assert item["lead"] == "当社は以下の情報を取得します。" and item["section"].endswith("1. 取得する情報")
    assert {r["origin"] for r in rows} == {"wild"}


def test_a_changed_or_missing_text_is_skipped_with_one_line_naming_it(tmp_path):
    labels, folder = make_wild(tmp_path, {"w1": TEXT, "w2": TEXT.replace("氏名", "お名前"), "w3": TEXT})
    (folder / "w2.txt").write_text(TEXT, encoding="utf-8")   # changed after labeling
    (folder / "w3.txt").unlink()                              # missing
    lines = []
    rows = read_wild(labels, folder, log=lines.append)
    assert {r["doc"] for r in rows} == {"w1"}
    assert len(lines) == 2 and "w2" in lines[0] and "SHA-256" in lines[0] and "w3" in lines[1]
    problems = validate_wild(labels, folder, log=lambda m: None)
    assert any("w2" in p for p in problems) and any("w3" in p for p in problems)


def test_without_the_wild_folder_loading_says_so_once_and_goes_on(tmp_path):
    labels, _ = make_wild(tmp_path, {"w1": TEXT})
    lines = []
    frame = load_frame(wild=tmp_path / "absent", wild_labels=labels, log=lines.append)
    assert len(lines) == 1 and "not found" in lines[0]
    assert set(frame["origin"]) <= {"seed", "in-house"} and len(frame) > 5000


def test_clauses_marked_as_eval_text_are_never_loaded(tmp_path):
    labels, folder = make_wild(tmp_path, {"w1": TEXT})
    records = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    records[2]["labels"] = None
    labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    rows = read_wild(labels, folder, log=lambda m: None)
    assert len(rows) == len(records) - 1 and records[2]["start"] not in {r["start"] for r in rows}
