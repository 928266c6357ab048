"""The segmenter: golden files on the five seed policies, and targeted cases.

Regenerate the golden files after an intended change with
``JPRIVACY_REGENERATE=1 pytest tests/test_segment.py`` and review the diff.
"""

import json
import os
from pathlib import Path

import pytest

from jprivacy import read_document, segment
from jprivacy.data import POLICIES

GOLDEN = Path(__file__).parent / "golden"
SEEDS = sorted(POLICIES.glob("00[0-4]_*.txt"))


def as_rows(text):
    return [{"start": c.start, "end": c.end, "heading": c.is_heading, "section": c.section, "text": c.text}
            for c in segment(text)]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_seed_matches_golden_file(seed):
    rows = as_rows(read_document(seed).text)
    golden = GOLDEN / (seed.stem + ".jsonl")
    if os.environ.get("JPRIVACY_REGENERATE"):
        golden.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    expected = [json.loads(line) for line in golden.read_text(encoding="utf-8").splitlines()]
    assert rows == expected


def test_five_seeds_are_present():
    assert len(SEEDS) == 5


def texts(text):
    return [c.text for c in segment(text)]


def test_sentences_split_after_terminators_outside_brackets():
    assert texts("当社は取得します。「確認しました。」と表示します！よろしいですか？はい") == [
        "当社は取得します。", "「確認しました。」と表示します！", "よろしいですか？", "はい"]


def test_no_split_inside_parentheses_and_unmatched_bracket_is_harmless():
    assert texts("本人確認（公的な証明書の写しを郵送して頂く場合を含みます。）を行います。（注") == [
        "本人確認（公的な証明書の写しを郵送して頂く場合を含みます。）を行います。", "（注"]


def test_urls_decimals_inc_and_yahoo_stay_whole():
    text = "詳細は https://example.com/a.html?x=1.5 をご覧ください。Google Inc. と Yahoo！JAPAN のツールを使います。バージョン 2.0 以降に対応します。"
    assert texts(text) == ["詳細は https://example.com/a.html?x=1.5 をご覧ください。",
                           "Google Inc. と Yahoo！JAPAN のツールを使います。", "バージョン 2.0 以降に対応します。"]


@pytest.mark.parametrize("marker", ["(1)", "（１）", "①", "1.", "１．", "a.", "ア", "・", "●", "■", "※", "第3条"])
def test_list_markers_after_whitespace_start_a_clause(marker):
    text = f"次の情報を取得します {marker} 氏名 {marker} 住所"
    assert texts(text)[1].startswith(marker)


def test_table_rows_stay_whole():
    assert texts("Google Analytics | Google LLC | 米国 | 解析。利用します。\n次の行") == [
        "Google Analytics | Google LLC | 米国 | 解析。利用します。", "次の行"]


def test_flattened_heading_is_separated_from_its_body_and_sections_follow():
    clauses = segment("5. 第三者提供 当社は、次の場合を除き第三者に提供しません。 6. お問い合わせ 下記の窓口までご連絡ください。")
    assert [c.text for c in clauses] == ["5. 第三者提供", "当社は、次の場合を除き第三者に提供しません。",
                                         "6. お問い合わせ", "下記の窓口までご連絡ください。"]
    assert [c.is_heading for c in clauses] == [True, False, True, False]
    assert clauses[1].section == "5. 第三者提供" and clauses[3].section == "6. お問い合わせ"


def test_navigation_menu_of_a_flattened_page_is_split_into_items():
    menu = "ホーム サービス 料金プラン 会社概要 採用情報 お問い合わせ ログイン "
    body = "当社は、お客様の個人情報を適切に取り扱います。" * 12
    parts = texts(menu + body)
    assert parts[:6] == ["ホーム", "サービス", "料金プラン", "会社概要", "採用情報", "お問い合わせ"]
    # the run's last item is kept with the sentence it runs into (as in "株式会社 Smartlog（以下…）は、")
    assert parts[6].startswith("ログイン 当社は、")


def test_nested_sections_form_a_path():
    text = "第5条（第三者提供）\n当社は提供しません。\n(1) 委託\n委託先を監督します。\n第6条（開示）\n請求できます。"
    sections = {c.text: c.section for c in segment(text)}
    assert sections["委託先を監督します。"] == "第5条（第三者提供） > (1) 委託"
    assert sections["請求できます。"] == "第6条（開示）"


def test_list_items_are_not_mistaken_for_headings():
    text = "1. 目的\n以下の場合を除き提供しません。\n(1) 同意がある場合\n(2) 法令に基づく場合\n(3) 生命の保護に必要な場合\n次の文です。"
    headings = [c.text for c in segment(text) if c.is_heading]
    assert headings == ["1. 目的"]
