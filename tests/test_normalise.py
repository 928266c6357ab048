"""jprivacy.normalise: a policy's words → FIELDS.md's normalised values (made-up policy wording)."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jprivacy.fields import value_problem
from jprivacy.normalise import (address, country_codes, durations, email, fee_yen, operator_name,
                                phone_digits, representative_name, retention_values)

FUNCTIONS = (country_codes, phone_digits, email, durations, retention_values, fee_yen,
             representative_name, operator_name, address)


# ---------------------------------------------------------------- countries

@pytest.mark.parametrize("text, codes", [
    ("当社は、お客様の個人データを米国及びシンガポールに所在するサーバーに保管します。", ["US", "SG"]),
    ("委託先の所在国：アメリカ合衆国、インドネシア、インド", ["US", "ID", "IN"]),
    ("中華人民共和国、大韓民国、台湾及び香港の子会社と共同利用します。", ["CN", "KR", "TW", "HK"]),
    ("移転先：イギリス（英国）、ドイツ、フランス、アイルランド、オランダ", ["GB", "DE", "FR", "IE", "NL"]),
    ("ベトナム・フィリピン・タイ・マレーシアの開発拠点", ["VN", "PH", "TH", "MY"]),
    ("オーストラリア、カナダ、ブラジル、スイス、スウェーデン、イスラエル", ["AU", "CA", "BR", "CH", "SE", "IL"]),
    ("欧州連合（EU）及び欧州経済領域（EEA）域内の提携先", ["EU"]),
    ("南アフリカ共和国のコールセンター", ["ZA"]),
    ("ドイツ連邦共和国", ["DE"]),
    ("米国の法令に基づき米国政府が…アメリカ", ["US"]),
    ("ＵＳＡ及びＵＫ", ["US", "GB"]),
])
def test_country_codes(text, codes):
    assert country_codes(text) == codes
    assert all(value_problem("countries", code) is None for code in codes)


@pytest.mark.parametrize("text", [
    "日本国内のサーバーで保管します。",              # never Japan
    "中国地方及び四国の店舗で取得した情報",            # a region of Japan
    "リマインドメールやタイプ別のタイムライン表示",     # インド, タイ inside katakana words
    "アメリカン・エキスプレスのカード",
    "北アメリカ及び南アメリカ",                       # continents, not the US
    "中国語・韓国語での問い合わせに対応します。",       # languages
    "EUR建ての決済",
    "",
])
def test_country_codes_not_a_country(text):
    assert country_codes(text) == []


def test_country_codes_prefers_the_longest_name():
    assert country_codes("パプアニューギニア") == ["PG"]
    assert country_codes("インドネシア") == ["ID"]
    assert country_codes("米領サモア") == ["AS"]


# ---------------------------------------------------------------- phone

@pytest.mark.parametrize("text, digits", [
    ("TEL：03-1234-5678（平日10:00〜18:00）", "0312345678"),
    ("お電話：０３－１２３４－５６７８", "0312345678"),
    ("電話番号 (03)1234-5678", "0312345678"),
    ("TEL 03ー1234ー5678", "0312345678"),
    ("電話 06‐1234‐5678", "0612345678"),
    ("+81-3-1234-5678", "0312345678"),
    ("Tel: +81 90 1234 5678", "09012345678"),
    ("フリーダイヤル ０１２０―１２３―４５６", "0120123456"),
    ("0800-123-4567（通話料無料）", "08001234567"),
    ("IP電話：050-1234-5678", "05012345678"),
    ("携帯：090-1234-5678", "09012345678"),
    ("TEL/FAX 06-1234-5678", "0612345678"),
    ("電話：03-1234-5678　FAX：03-1234-5679", "0312345678"),
    ("FAX：03-1234-5679　TEL：03-1234-5678", "0312345678"),
])
def test_phone_digits(text, digits):
    assert phone_digits(text) == digits


@pytest.mark.parametrize("text", [
    "FAX：03-1234-5679",
    "ファックス番号 03-1234-5679",
    "03-1234-5679（FAX）",
    "TEL：03-XXXX-XXXX",
    "電話番号：0X-XXXX-XXXX（準備中）",
    "受付時間 2024年4月1日より 10時〜18時",
    "お問い合わせはメールでお願いします。",
    "Tel: +1 650-253-0000",                      # not a Japanese number
])
def test_phone_digits_none(text):
    assert phone_digits(text) is None


# ---------------------------------------------------------------- e-mail

@pytest.mark.parametrize("text, address_", [
    ("メールアドレス：Privacy@Example.co.jp までご連絡ください。", "privacy@example.co.jp"),
    ("ｐｒｉｖａｃｙ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", "privacy@example.co.jp"),
    ("info＠example.com（＠を半角に変えて送信してください）", "info@example.com"),
    ("privacy[at]example.jp", "privacy@example.jp"),
    ("privacy (at) example.jp", "privacy@example.jp"),
    ("support［at］example（dot）jp", "support@example.jp"),
    ("窓口：first.last+desk@mail.example.org。", "first.last+desk@mail.example.org"),
])
def test_email(text, address_):
    assert email(text) == address_
    assert value_problem("contacts.emails", address_) is None


@pytest.mark.parametrize("text", ["お問い合わせフォームからご連絡ください。", "@example", "info@localhost", ""])
def test_email_none(text):
    assert email(text) is None


# ---------------------------------------------------------------- periods

@pytest.mark.parametrize("text, values", [
    ("取得した情報は5年間保存します。", ["P5Y"]),
    ("6か月", ["P6M"]), ("6ヶ月", ["P6M"]), ("６ケ月", ["P6M"]), ("六ヵ月", ["P6M"]), ("6カ月間", ["P6M"]),
    ("アクセスログは30日経過後に削除します。", ["P30D"]),
    ("24時間以内に消去", ["PT24H"]),
    ("2週間", ["P14D"]),
    ("1年6か月", ["P1Y6M"]),
    ("三年", ["P3Y"]), ("十二か月", ["P12M"]), ("二十四時間", ["PT24H"]), ("百八十日", ["P180D"]),
    ("３年", ["P3Y"]), ("1,000日", ["P1000D"]), ("半年間", ["P6M"]), ("1年半", ["P1Y6M"]),
    ("最長5年", ["P5Y"]), ("5年以内", ["P5Y"]), ("5年を超えない期間", ["P5Y"]),
    ("応募書類は選考終了後6か月間保管し、採用の場合は退職後3年間保管します。", ["P6M", "P3Y"]),
    ("2024年4月1日から1年間", ["P1Y"]),
    ("令和6年4月1日の改定後、90日間", ["P90D"]),
    ("1,000,000,000年", ["P1000000000Y"]),
])
def test_durations(text, values):
    assert durations(text) == values
    assert all(value_problem("retention", value) is None for value in values)


@pytest.mark.parametrize("text", [
    "2024年4月1日制定", "令和6年4月改定", "2023年度の実績",       # dates
    "16歳未満の方は保護者の同意を得てください。",                 # an age
    "年1回以上、監査を実施します。", "1年に1回見直します。", "1日1回更新",  # frequencies
    "数年間", "数十年", "一定期間保存します。", "1.5年",
])
def test_durations_none(text):
    assert durations(text) == []


@pytest.mark.parametrize("text, values", [
    ("利用目的を達成した後は、遅滞なく消去します。", ["until_purpose"]),
    ("不要となった個人情報は速やかに廃棄します。", ["until_purpose"]),
    ("利用目的の達成に必要な期間保管します。", ["until_purpose"]),
    ("退会後、速やかに削除いたします。", ["until_purpose"]),
    ("法令で定める期間保存します。", ["legal"]),
    ("法令に基づき保存が義務付けられている場合を除き", ["legal"]),
    ("退会後1年間保存し、その後削除します。", ["P1Y"]),
    ("5年間保管し、法令で定める期間が経過した後、利用目的を達成した後に消去します。",
     ["P5Y", "until_purpose", "legal"]),
    ("利用目的の達成に必要な範囲を超えて取り扱いません。", []),
])
def test_retention_values(text, values):
    assert retention_values(text) == values


# ---------------------------------------------------------------- fee

@pytest.mark.parametrize("text, yen", [
    ("開示請求1件につき1,000円の手数料を申し受けます。", 1000),
    ("１０００円（税込）", 1000),
    ("手数料：金千円", 1000),
    ("手数料として500円分の収入印紙を同封してください。", 500),
    ("手数料は￥1,100です。", 1100),
    ("手数料は1万円です。", 10000),
    ("手数料は無料です。", 0),
    ("開示等の請求に係る手数料はいただきません。", 0),
    ("郵送料として84円切手、手数料として1,000円をご負担ください。", 1000),
    ("手数料は無料です。ただし、郵送料84円はご本人の負担とします。", 0),
    ("返信用の84円切手を同封してください。", 84),
])
def test_fee_yen(text, yen):
    assert fee_yen(text) == yen


@pytest.mark.parametrize("text", [
    "手数料として実費をいただきます。",
    "所定の手数料をいただく場合があります。",
    "開示の請求は書面で行ってください。",
])
def test_fee_yen_none(text):
    assert fee_yen(text) is None


# ---------------------------------------------------------------- operator

@pytest.mark.parametrize("text, name", [
    ("代表取締役　山田 太郎", "山田 太郎"),
    ("代表者：山田太郎", "山田太郎"),
    ("代表取締役社長 山田太郎", "山田太郎"),
    ("理事長 佐藤花子", "佐藤花子"),
    ("代表取締役社長兼CEO　鈴木一郎", "鈴木一郎"),
    ("代表者氏名：田中 さくら", "田中 さくら"),
    ("代表取締役 兼子太郎", "兼子太郎"),
    ("代表者\n  山田太郎  \n所在地：東京都", "山田太郎"),
    ("代表取締役 山田太郎 所在地：東京都千代田区", "山田太郎"),
    ("代表取締役 John Smith", "John Smith"),
    ("個人情報保護管理者は代表取締役 山田太郎とします。", "山田太郎"),
])
def test_representative_name(text, name):
    assert representative_name(text) == name


@pytest.mark.parametrize("text", ["代表的な利用目的は次のとおりです。", "代表者：", "当社の代表者に届け出ます。"])
def test_representative_name_none(text):
    assert representative_name(text) is None


@pytest.mark.parametrize("text, name", [
    ("株式会社サンプル（以下「当社」といいます。）は、個人情報を適切に取り扱います。", "株式会社サンプル"),
    ("本サービスを運営するサンプル株式会社（以下「当社」）は", "サンプル株式会社"),
    ("㈱サンプル（以下「弊社」）は", "㈱サンプル"),
    ("Example Japan Co., Ltd.（以下「当社」）は", "Example Japan Co., Ltd."),
    ("運営会社：サンプル株式会社", "サンプル株式会社"),
    ("【事業者の名称】一般社団法人サンプル協会\n【所在地】東京都", "一般社団法人サンプル協会"),
    ("会社名　株式会社サンプル　代表取締役 山田太郎", "株式会社サンプル"),
    ("株式会社はてなは、お客様の情報を", "株式会社はてな"),
    ("以上\n\n2024年4月1日制定\nサンプル株式会社\n代表取締役 山田太郎", "サンプル株式会社"),
    ("制定日：2024年4月1日\n\u3000\u3000株式会社サンプル\u3000代表取締役\u3000山田太郎", "株式会社サンプル"),
    ("運営者情報\n事業者名：合同会社テスト\n所在地：〒150-0001 東京都渋谷区神宮前1-2-3", "合同会社テスト"),
    ("  Sample Inc. は、", "Sample Inc."),
])
def test_operator_name(text, name):
    assert operator_name(text) == name


@pytest.mark.parametrize("text", [
    "当社は、お客様の個人情報を適切に管理します。",
    "事業者は、次の措置を講じます。",
    "Google LLCが提供するGoogleアナリティクスを利用しています。",
])
def test_operator_name_none(text):
    assert operator_name(text) is None


@pytest.mark.parametrize("text, found", [
    ("所在地：〒100-0001 東京都千代田区千代田1-1", "〒100-0001 東京都千代田区千代田1-1"),
    ("住所：大阪府大阪市北区梅田1-2-3 サンプルビル5F\nTEL 06-1234-5678", "大阪府大阪市北区梅田1-2-3 サンプルビル5F"),
    ("〒１００－０００１　東京都千代田区千代田１－１　TEL：03-1234-5678", "〒１００－０００１　東京都千代田区千代田１－１"),
    ("100-0001 東京都港区港南一丁目2番3号", "100-0001 東京都港区港南一丁目2番3号"),
    ("〒100-0001 東京都千代田区1-1 株式会社サンプル お客様相談室 宛", "〒100-0001 東京都千代田区1-1"),
    ("北海道札幌市中央区北1条西2丁目", "北海道札幌市中央区北1条西2丁目"),
])
def test_address(text, found):
    assert address(text) == found


@pytest.mark.parametrize("text", ["東京都の条例に従います。", "所在地：後日公開", ""])
def test_address_none(text):
    assert address(text) is None


# ---------------------------------------------------------------- any input

@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("0１2３一十百万年か月ヶ日時間週円金@.-ー（）()：:TELFAX株式会社代表 　\n米国EU〒東京都"),
               max_size=60))
def test_odd_input_never_raises(text):
    for function in FUNCTIONS:
        function(text)


def test_linear_time():
    """A megabyte of digits and 年 (and of other runs a pattern could stall on) in well under a second."""
    texts = ["1" * 999_999 + "年", "1年" * 500_000]
    texts += [run * (200_000 // len(run)) for run in ("１", "十", " ", "株式会社", "アメリ", "東京都", "a")]
    for text in texts:
        for function in FUNCTIONS:
            start = time.perf_counter()
            function(text)
            assert time.perf_counter() - start < 0.5, (function.__name__, text[:5])
