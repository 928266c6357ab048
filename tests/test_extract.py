"""The rules-only field extractor (jprivacy.extract): each field on policy-like wording, exact
evidence offsets, nothing from a policy that states nothing, odd inputs, and the record it gives.

Clause labels come from the heading each clause sits under (``LABELS_BY_HEADING``), so these
tests do not depend on the clause model; one test runs the bundled model end to end."""

import json
import time

import pandas as pd
import pytest

from jprivacy import segment
from jprivacy.data.fields import policy_values, set_scores
from jprivacy.extract import Evidence, PolicyFields, extract
from jprivacy.fields import POLICY_FIELDS

POLICY = """プライバシーポリシー
株式会社ミライテスト（以下「当社」といいます。）は、お客様の個人情報を次のとおり取り扱います。
1. 取得する情報
当社は、以下の情報を取得します。
・氏名、フリガナ
・メールアドレス、電話番号
・IPアドレス、Cookie
なお、「個人情報」とは、生存する個人に関する情報であって、生年月日その他の記述により特定の個人を識別できるものをいいます。
当社は、位置情報及びクレジットカード番号を取得しません。
2. 利用目的
・ご注文いただいた商品の発送のため
・お問い合わせへの対応のため
・新商品やキャンペーンのご案内のため
・サービスの改善のための分析
3. 第三者提供・委託
当社は、配送業務をヤマト運輸株式会社に委託しています。
法令に基づく場合、警察や裁判所から照会を受けた場合を除き、第三者に提供しません。
4. 外国にある第三者
当社は、顧客データを米国にあるAmazon Web Services, Inc.のサーバーに保存しています。
5. 保存期間
お問い合わせの記録は3年間保存し、利用目的の達成後は遅滞なく削除します。
6. 安全管理措置
従業者に対して個人情報の取扱いに関する研修を年1回実施しています。
通信はSSLにより暗号化しています。
7. 開示等の請求
ご本人からの開示、訂正、利用停止、第三者提供の停止の請求に応じます。
開示の手数料は1件につき1,000円です。
請求書を下記窓口まで郵送してください。
8. 外部送信
Google Analytics | Google LLC | Cookie ID、閲覧ページ | アクセス解析
Meta Pixel | Meta Platforms, Inc. | Cookie ID、閲覧ページ | 広告の効果測定
9. お問い合わせ窓口
株式会社ミライテスト　個人情報お問い合わせ窓口
〒100-0005 東京都千代田区丸の内9-9-9 テストビル5階
代表取締役　山本 太郎
電話：03-1234-5678
FAX：03-1234-5679
メール：privacy@mirai-test.example.jp
"""

LABELS_BY_HEADING = {
    "取得する情報": ["collection"], "利用目的": ["purpose"], "第三者提供": ["third_party"],
    "外国": ["third_party", "international"], "保存期間": ["retention"], "安全管理": ["security"],
    "開示等": ["rights"], "外部送信": ["cookies"], "窓口": ["contact"],
}


def records(text: str, labels_by_heading: dict = LABELS_BY_HEADING) -> list[dict]:
    """Clause records of ``text`` whose labels are those of the heading each clause sits under."""
    out = []
    for index, clause in enumerate(segment(text)):
        heading = clause.section.split(" > ")[-1] if clause.section else ""
        labels = next((labels for word, labels in labels_by_heading.items() if word in heading), [])
        out.append({"doc": "t", "clause": index, "start": clause.start, "end": clause.end,
                    "section": clause.section, "text": clause.text, "labels": [] if clause.is_heading else labels})
    return out


@pytest.fixture(scope="module")
def fields() -> PolicyFields:
    return extract("t", POLICY, records(POLICY))


def test_operator_and_contacts(fields):
    record = fields.to_dict()
    assert record["operator"] == {"name": "株式会社ミライテスト", "address": "〒100-0005 東京都千代田区丸の内9-9-9 テストビル5階",
                                  "representative": "山本 太郎"}
    assert record["contacts"] == {"emails": ["privacy@mirai-test.example.jp"], "phones": ["0312345678"]}  # not the FAX


def test_data_types_skip_definitions_and_refusals(fields):
    data_types = fields.to_dict()["data_types"]
    assert {"name", "email", "phone", "ip_address", "cookie"} <= set(data_types)
    assert "birth_date" not in data_types  # only in the definition of 個人情報
    assert "location" not in data_types and "payment" not in data_types  # 「取得しません」


def test_purposes(fields):
    assert set(fields.to_dict()["purposes"]) >= {"service", "support", "marketing", "analytics"}


def test_recipients_kinds_and_countries(fields):
    record = fields.to_dict()
    assert {"ヤマト運輸株式会社", "Amazon Web Services, Inc.", "Google LLC", "Meta Platforms, Inc."} <= set(record["recipients"])
    assert {"contractor", "authority", "analytics", "advertiser"} <= set(record["recipient_kinds"])
    assert record["countries"] == ["US"]


def test_retention_security_rights_fee_channels(fields):
    record = fields.to_dict()
    assert set(record["retention"]) == {"P3Y", "until_purpose"}
    assert set(record["security"]) == {"human", "technical"}
    assert set(record["rights"]) == {"disclosure", "correction", "suspension", "third_party_stop"}
    assert record["fee"] == 1000
    # the rights clause sends the person to the desk: its channels count (F9)
    assert set(record["request_channels"]) == {"mail", "phone", "email"}


def test_transmissions(fields):
    transmissions = fields.to_dict()["transmissions"]
    assert [(t["service"], t["recipient"]) for t in transmissions] == [
        ("Google Analytics", "Google LLC"), ("Meta Pixel", "Meta Platforms, Inc.")]
    assert transmissions[0]["data_types"] == ["cookie", "usage"]
    assert transmissions[1]["purposes"] == ["advertising"]


def test_evidence_offsets_are_exact(fields):
    assert fields.evidence
    bounds = {r["clause"]: (r["start"], r["end"]) for r in records(POLICY)}
    for e in fields.evidence:
        assert POLICY[e.start:e.end] == e.text and e.text.strip() == e.text and e.text
        assert bounds[e.clause][0] <= e.start < e.end <= bounds[e.clause][1]


def test_to_dict_keys_and_json(fields):
    record = fields.to_dict()
    assert list(record) == ["doc", "operator", "contacts", "data_types", "purposes", "recipients", "recipient_kinds",
                            "countries", "retention", "rights", "fee", "request_channels", "security", "transmissions",
                            "evidence"]
    assert json.loads(json.dumps(record, ensure_ascii=False)) == record
    for name in ("data_types", "purposes", "recipients", "rights", "security"):
        assert len(record[name]) == len(set(record[name]))  # each value once
    assert set(record["evidence"][0]) >= {"field", "value", "clause", "start", "end", "text"}


def test_value_sets_score_against_gold_records(fields):
    """value_sets() is in policy_values' form: the extractor's own evidence, as gold, scores 1.0."""
    gold_records = [{"doc": "t", **e._asdict()} for e in fields.evidence]
    gold = policy_values(gold_records)
    predicted = {"t": fields.value_sets()}
    assert set(predicted["t"]) <= set(POLICY_FIELDS)
    assert "googleanalytics" in predicted["t"]["transmissions"]  # by the service's name_key
    for name, score in set_scores(gold, predicted, ["t"]).items():
        assert score["f1"] == 1.0, name


def test_a_policy_stating_nothing_gives_nothing():
    text = "お知らせ\n当ページは現在準備中です。\n公開まで今しばらくお待ちください。"
    record = extract("empty", text, records(text)).to_dict()
    assert record["operator"] == {"name": None, "address": None, "representative": None}
    assert record["fee"] is None and record["evidence"] == [] and record["transmissions"] == []
    assert all(record[name] == [] for name in ("data_types", "purposes", "recipients", "countries", "rights"))


@pytest.mark.parametrize("text, recs", [("", []), ("", None), ("本文", [{"start": 5, "end": 9}]),
                                         ("本文", [{"clause": "x", "start": "a"}]), (None, [])])
def test_empty_or_broken_input(text, recs):
    fields = extract("e", text, recs)
    assert fields.evidence == [] and fields.to_dict()["transmissions"] == []


def test_dataframe_and_rows_are_accepted():
    frame = pd.DataFrame(records(POLICY))
    from_frame = extract("t", POLICY, frame).to_dict()
    from_rows = extract("t", POLICY, [row for _, row in frame.iterrows()]).to_dict()
    assert from_frame == from_rows == extract("t", POLICY, records(POLICY)).to_dict()


def test_odd_values():
    text = "保存期間\n記録は1,000,000,000年保存します。\n開示等の請求\n手数料は実費をいただきます。\n" + "あ" * 30000
    record = extract("odd", text, records(text, {"保存期間": ["retention"], "開示等": ["rights"]})).to_dict()
    assert record["fee"] is None  # 「実費」 states no amount
    assert all(isinstance(v, str) for v in record["retention"])


def test_large_inputs_run_in_linear_time():
    rows = "\n".join(f"tool{i:04d} | 株式会社サンプル{i:04d} | Cookie ID | 広告配信" for i in range(5000))
    table = "外部送信\n" + rows
    named = "第三者提供\n" + "当社は、" + "、".join(f"株式会社テスト{i:03d}" for i in range(300)) + "に委託します。"
    started = time.perf_counter()
    transmissions = extract("table", table, records(table, {"外部送信": ["cookies"]}))
    recipients = extract("named", named, records(named, {"第三者提供": ["third_party"]}))
    assert time.perf_counter() - started < 8
    assert len(transmissions.to_dict()["transmissions"]) == 5000
    assert len(recipients.to_dict()["recipients"]) == 300
    assert all(named[e.start:e.end] == e.text for e in recipients.evidence)


def test_companies_in_a_bulleted_list():
    text = "委託先一覧\n・株式会社アオゾラ物流（配送業務）\n・ミドリ会計株式会社（経理業務）\n・Sample Data Inc.（データ分析）"
    record = extract("list", text, records(text, {"委託先": ["third_party"]})).to_dict()
    assert record["recipients"] == ["株式会社アオゾラ物流", "ミドリ会計株式会社", "Sample Data Inc."]  # not 「・株式会社」


def test_with_the_bundled_clause_model():
    import jprivacy

    frame = jprivacy.load().tag(jprivacy.Document("p", POLICY))
    fields = extract("p", POLICY, frame)
    assert all(POLICY[e.start:e.end] == e.text for e in fields.evidence)
    record = fields.to_dict()
    assert record["operator"]["name"] == "株式会社ミライテスト"
    assert {"name", "email"} <= set(record["data_types"])
    assert isinstance(fields.evidence[0], Evidence)
