"""What a policy states, where a user looks: the Python API, `jprivacy fields` and
`jprivacy evaluate-fields`, on ordinary and odd policies."""

import json
import time
from pathlib import Path

import pandas as pd
import pytest

import jprivacy
from jprivacy.field_frames import evidence_frame
from jprivacy.tagger import BUNDLED

POLICY = """株式会社サンプル商事（以下「当社」といいます。）は、次のとおり個人情報を取り扱います。
第1条（取得する情報）
当社は、氏名、メールアドレス、電話番号及び購入履歴を取得します。
第2条（利用目的）
当社は、商品の発送及び代金の請求のため、並びにお問い合わせへの回答のために利用します。
第3条（外国にある第三者への提供）
当社は、米国のクラウド事業者に個人データの取扱いを委託しています。
第4条（保存期間）
当社は、取得した個人情報を5年間保存し、その後遅滞なく削除します。
第5条（開示等の請求）
開示等の請求は、下記窓口まで郵送またはメールでお申し出ください。手数料は1件につき1,000円（税込）です。
第6条（Cookie等の外部送信）
当社は、Google LLCが提供するGoogle Analyticsを利用し、閲覧履歴を送信しています。
第7条（お問い合わせ窓口）
株式会社サンプル商事 個人情報相談窓口
〒100-0001 東京都千代田区千代田1-1-1
メール：privacy@sample-shoji.example.jp
"""


@pytest.fixture(scope="module")
def tagger():
    return jprivacy.load()


def test_fields_of_a_policy_have_values_and_exact_evidence(tagger):
    fields = tagger.fields(POLICY)
    record = fields.to_dict()
    assert record["operator"]["name"] == "株式会社サンプル商事"
    assert {"name", "email", "phone", "transactions"} <= set(record["data_types"])
    assert {"service", "billing", "support"} <= set(record["purposes"])
    assert record["countries"] == ["US"] and "P5Y" in record["retention"] and record["fee"] == 1000
    assert record["contacts"]["emails"] == ["privacy@sample-shoji.example.jp"]
    assert any(t["service"] == "Google Analytics" and t["recipient"] == "Google LLC" for t in record["transmissions"])
    for e in record["evidence"]:  # the quoted words are exactly the text at start:end
        assert POLICY[e["start"]:e["end"]] == e["text"]
    json.dumps(record, ensure_ascii=False)
    frame = evidence_frame([fields])
    assert list(frame.columns) == ["doc", "field", "value", "entry", "clause", "start", "end", "text"]
    assert len(frame) == len(record["evidence"])


def test_a_policy_that_states_no_fields_gets_empty_values_and_no_error(tagger):
    record = tagger.fields("このページは当社のお知らせ一覧です。\n新着情報はありません。").to_dict()
    assert record["data_types"] == [] and record["transmissions"] == [] and record["fee"] is None
    assert record["operator"] == {"name": None, "address": None, "representative": None}


def test_fields_frame_has_a_row_per_policy_with_list_columns(tagger, tmp_path):
    (tmp_path / "a.txt").write_text(POLICY, encoding="utf-8")
    (tmp_path / "b.txt").write_text("当社は、氏名を取得します。\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    frame, errors = tagger.fields_frame([tmp_path])
    assert list(frame["doc"]) == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert [e.doc for e in errors] == [str(tmp_path / "empty.txt")]
    assert isinstance(frame.loc[0, "data_types"], list) and "operator_name" in frame.columns
    with pytest.raises(TypeError, match="list of paths"):
        tagger.fields_frame(str(tmp_path))


def test_the_fields_command_writes_one_record_per_policy_and_resumes(run_main, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(POLICY, encoding="utf-8")
    (folder / "b.html").write_text(f"<html><body><p>{POLICY.replace(chr(10), '</p><p>')}</p></body></html>",
                                   encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"%PDF-1.7\n")
    out, errors = tmp_path / "f.jsonl", tmp_path / "errors.json"
    result = run_main("fields", folder, "-o", out, "--errors", errors)
    assert result.returncode == 1 and "binary file" in result.stderr.decode()
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["doc"]).name for r in records] == ["a.txt", "b.html"]
    assert set(records[0]) >= {"doc", "operator", "contacts", "data_types", "purposes", "recipients",
                               "recipient_kinds", "countries", "retention", "rights", "fee", "request_channels",
                               "security", "transmissions", "evidence"}
    assert [e["doc"] for e in json.loads(errors.read_text())] == [str(folder / "bad.txt")]
    (folder / "c.txt").write_text("当社は、メールアドレスを取得します。\n", encoding="utf-8")
    assert run_main("fields", folder, "-o", out, "--resume").returncode == 1
    assert [Path(json.loads(line)["doc"]).name for line in out.read_text().splitlines()] == ["a.txt", "b.html", "c.txt"]
    for suffix in (".csv", ".parquet", ".json"):
        assert run_main("fields", folder / "a.txt", "-o", tmp_path / f"f{suffix}").returncode == 0
    assert pd.read_parquet(tmp_path / "f.parquet").loc[0, "fee"] == 1000
    assert json.loads((tmp_path / "f.json").read_text())[0]["countries"] == ["US"]


KANA = ["アオ", "ミドリ", "アカ", "シロ", "クロ", "キイロ", "モモ", "ソラ", "ウミ", "ヤマ", "カワ", "ハナ", "ツキ", "ホシ",
        "カゼ", "モリ", "イシ", "タケ", "ユキ", "アメ"]


def test_odd_numbers_and_big_policies_are_handled_in_linear_time(run_main, tmp_path):
    odd = tmp_path / "odd.txt"
    odd.write_text("第1条（保存期間）\n当社は、個人情報を1,000,000,000年間保存します。\n"
                   "第2条（開示等の請求）\n開示の請求には、手数料として実費をいただきます。\n", encoding="utf-8")
    assert run_main("fields", odd, "-o", tmp_path / "odd.jsonl").returncode == 0
    record = json.loads((tmp_path / "odd.jsonl").read_text())
    assert record["retention"] == ["P1000000000Y"] and record["fee"] is None

    def timed(rows: int, kind: str) -> float:
        lines = ["第1条（委託先一覧）", "当社は、次の事業者に個人データの取扱いを委託します。"]
        for i in range(rows):
            name = f"株式会社{KANA[i % 20]}{KANA[i // 20 % 20]}{KANA[i // 400 % 20]}"
            lines.append(f"{name} | 東京都 | 配送業務 | 氏名、住所" if kind == "table" else f"・{name}（データ分析）")
        path = tmp_path / f"{kind}{rows}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        started = time.perf_counter()
        assert run_main("fields", path, "-o", tmp_path / f"{kind}{rows}.jsonl", "--model",
                        BUNDLED / "linear").returncode == 0
        return time.perf_counter() - started

    small, large = timed(500, "table"), timed(5000, "table")
    assert large < 10 * small * 2 + 5, (small, large)  # linear in the rows, with room for noise
    timed(300, "recipients")
    recipients = json.loads((tmp_path / "recipients300.jsonl").read_text())["recipients"]
    assert len(recipients) >= 250


def test_evaluate_fields_scores_the_dev_gold(run_main, tmp_path):
    from jprivacy.data.fields import DEFAULT_EVAL

    if not Path(DEFAULT_EVAL, "dev").is_dir():
        pytest.skip("no ../shared/eval here")
    result = run_main("evaluate-fields", "--model", BUNDLED / "linear", "--json", tmp_path / "s.json")
    assert result.returncode == 0 and "data_types" in result.stdout.decode()
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["policies"] == 12 and 0 < scores["fields"]["data_types"]["f1"] <= 1
    assert set(scores["accuracy"]) == {"operator.name", "operator.address", "operator.representative", "fee"}


def test_the_report_lists_what_the_policy_states_and_checks_it(run_main, tmp_path):
    policy = tmp_path / "p.txt"
    policy.write_text(POLICY, encoding="utf-8")
    assert run_main("report", policy, "-o", tmp_path / "r.json").returncode == 0
    report = json.loads((tmp_path / "r.json").read_text())["policies"][0]
    assert report["fields"]["countries"] == ["US"] and report["fields"]["fee"] == 1000
    checks = {c["id"]: c for c in report["field_checks"]}
    assert checks["operator_identity"]["status"] == "missing" and "representative" in checks["operator_identity"]["detail"]
    assert checks["foreign_countries"]["status"] == "present"
    assert checks["request_fee_and_channels"]["status"] == "present"
    # a transmission entry without a purpose is flagged by its name
    assert checks["transmission_entries"]["status"] == "missing"
    assert "Google Analytics (the purpose)" in checks["transmission_entries"]["detail"]
    assert run_main("report", policy, "-o", tmp_path / "r.html").returncode == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'class="jp-fields"' in page and 'data-check="transmission_entries"' in page and "Google Analytics" in page


def test_the_diff_lists_the_fields_that_changed(run_main, tmp_path):
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text(POLICY, encoding="utf-8")
    new.write_text(POLICY.replace("氏名、メールアドレス", "氏名、メールアドレス、位置情報").replace("米国", "米国及びシンガポール")
                   .replace("1,000円", "500円").replace("5年間", "3年間"), encoding="utf-8")
    assert run_main("diff", old, new, "-o", tmp_path / "d.json").returncode == 0
    changes = {c["field"]: c for c in json.loads((tmp_path / "d.json").read_text())["fields"]}
    assert changes["data_types"]["added"] == ["location"] and changes["countries"]["added"] == ["SG"]
    assert changes["fee"] == {"field": "fee", "added": [500], "removed": [1000]}
    assert changes["retention"]["added"] == ["P3Y"] and changes["retention"]["removed"] == ["P5Y"]
    text = run_main("diff", old, new).stdout.decode()
    assert "countries: + SG" in text
    assert run_main("diff", old, old, "-o", tmp_path / "same.json").returncode == 0
    assert json.loads((tmp_path / "same.json").read_text())["fields"] == []


def test_fields_show_their_evidence_in_jupyter(tagger):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(tagger.fields(POLICY)._repr_html_(), "html.parser")
    rows = {tr["data-field"]: tr for tr in soup.select("tr[data-field]")}
    assert "countries" in rows and "米国" in rows["countries"].mark.get_text()
    assert all(tr.select("mark") for tr in rows.values())  # every value with the words that state it


def test_documents_named_alike_and_documents_without_clauses_each_get_their_record(tagger):
    from jprivacy import Document

    out = list(tagger.iter_fields([Document("<text>", POLICY), Document("<text>", "当社は位置情報を取得します。"),
                                   Document("front.md", "---\ntitle: x\n---\n", markdown=True)]))
    assert [f.doc for f in out] == ["<text>", "<text>", "front.md"]
    assert "location" not in out[0].to_dict()["data_types"] and out[1].to_dict()["data_types"] == ["location"]
    assert out[2].to_dict()["data_types"] == [] and out[2].to_dict()["operator"]["name"] is None


def test_odd_fields_records_keep_one_parquet_schema_and_reports_work_on_read_back_records(run_main, tmp_path):
    import pyarrow.parquet as pq

    from jprivacy.outputs import read_records
    from jprivacy.report import coverage

    big = tmp_path / "big.txt"
    big.write_text("第1条（開示等の請求）\n開示の手数料は99,999,999,999,999,999,999円です。\n", encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text(POLICY, encoding="utf-8")
    for path in (big, plain):
        assert run_main("fields", path, "-o", tmp_path / f"{path.stem}.parquet").returncode == 0
    both = pq.read_table([tmp_path / "big.parquet", tmp_path / "plain.parquet"])  # one schema for every run
    assert both.num_rows == 2 and both.column("fee").to_pylist() == [None, 1000]
    # a frame read back from a tag output (no document text) still gives the policy's fields
    assert run_main("tag", plain, "-o", tmp_path / "t.parquet").returncode == 0
    report = coverage(pd.read_parquet(tmp_path / "t.parquet"))[0]
    checks = {c["id"]: c["status"] for c in report.field_checks}
    assert report.fields.to_dict()["countries"] == ["US"] and checks["foreign_countries"] == "present"
    report = coverage(pd.DataFrame(read_records(tmp_path / "t.parquet")))[0]
    assert report.fields.to_dict()["fee"] == 1000
    # a fields output is not resumed as a tag output
    one = run_main("tag", plain, "-o", tmp_path / "big.parquet", "--resume")
    assert one.returncode == 2 and "holds fields records, not clause records" in one.stderr.decode()


def test_a_policy_without_tools_has_no_transmission_gap_and_frames_of_nothing_keep_their_columns(tagger):
    from jprivacy.field_frames import TABLE_COLUMNS, fields_table
    from jprivacy.report import coverage

    report = coverage(tagger.tag("当社は、氏名を取得します。\nお問い合わせ窓口：info@example.jp"))[0]
    assert {c["id"]: c["status"] for c in report.field_checks}["transmission_entries"] == "not_stated"
    assert list(fields_table([]).columns) == TABLE_COLUMNS
    frame = tagger.tag(POLICY)
    assert tagger.fields(frame[frame.clause < 5]).to_dict()["operator"]["name"] == "株式会社サンプル商事"
    assert evidence_frame([jprivacy.ReadError("x", "broken"), tagger.fields(POLICY)]).doc.unique().tolist() == ["<text>"]


def test_full_width_latin_and_odd_spaces_are_read_and_quoted_as_written(tagger):
    text = ("第1条（Cookie等の外部送信）\n当社は、Ｇｏｏｇｌｅ\u3000Ａｎａｌｙｔｉｃｓを利用し、閲覧履歴を送信しています。\n"
            "お問い合わせ：ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｊｐ\n")
    record = tagger.fields(text).to_dict()
    assert [t["service"] for t in record["transmissions"]] == ["Google Analytics"]
    assert record["contacts"]["emails"] == ["info@example.jp"]
    assert all(text[e["start"]:e["end"]] == e["text"] for e in record["evidence"])
    assert any(e["text"] == "Ｇｏｏｇｌｅ\u3000Ａｎａｌｙｔｉｃｓ" for e in record["evidence"])
