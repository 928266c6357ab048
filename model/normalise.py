"""Turn a policy's words into the normalised values of ../shared/FIELDS.md.

Each function reads one kind of value from a clause or a span: country codes, a phone number,
an e-mail address, retention periods, the request fee and the operator's name, representative
and address.  They return None (or an empty list) when the words state nothing they can
normalise, never raise on odd input, and run in time linear in the length of the text.

Codes, phone numbers, e-mail addresses, periods and fees are read from the NFKC form of the
text; names and addresses are returned as written (not NFKC: 「㈱」 stays 「㈱」), stripped.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache, lru_cache

import phonenumbers
import pycountry

__all__ = ["country_codes", "phone_digits", "email", "durations", "retention_values", "fee_yen",
           "representative_name", "representative_span", "operator_name", "address"]


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# ---------------------------------------------------------------- countries

# Names policies use beside pycountry's Japanese ones; None marks words that contain a country's
# name but do not mean it (the longest match wins, so they shadow the shorter name).
_COUNTRY_VARIANTS = {
    "米国": "US", "アメリカ": "US", "アメリカ合衆国": "US", "USA": "US", "U.S.A.": "US", "U.S.": "US",
    "英国": "GB", "イギリス": "GB", "UK": "GB", "韓国": "KR", "大韓民国": "KR", "中国": "CN",
    "中華人民共和国": "CN", "台湾": "TW", "香港": "HK", "マカオ": "MO", "シンガポール": "SG",
    "ドイツ": "DE", "フランス": "FR", "アイルランド": "IE", "オランダ": "NL", "インド": "IN",
    "ベトナム": "VN", "フィリピン": "PH", "タイ": "TH", "インドネシア": "ID", "マレーシア": "MY",
    "オーストラリア": "AU", "豪州": "AU", "カナダ": "CA", "ブラジル": "BR", "スイス": "CH",
    "スウェーデン": "SE", "イスラエル": "IL", "ロシア": "RU", "ブルネイ": "BN", "モンゴル": "MN",
    "ニュージーランド": "NZ", "ギリシア": "GR", "チェコ共和国": "CZ", "バチカン": "VA",
    "UAE": "AE", "EU": "EU", "欧州連合": "EU", "EEA": "EU", "欧州経済領域": "EU", "欧州経済地域": "EU",
    "南アメリカ": None, "北アメリカ": None, "中南米": None, "中国地方": None, "中国・四国": None,
    "中国四国": None, "四国・中国": None, "中国地域": None, "中国エリア": None, "中国電力": None,
}
_KATAKANA = re.compile(r"[\u30A1-\u30FA\u30FC-\u30FF]")  # katakana letters and ー, not ・
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


@cache
def _country_table() -> tuple[re.Pattern, dict[str, str | None]]:
    """The Japanese names of the countries (pycountry's translations and the variants above,
    Japan left out) and one pattern matching any of them, longest first."""
    ja = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ja"])
    codes: dict[str, set[str]] = {}
    for country in pycountry.countries:
        if country.alpha_2 == "JP":
            continue
        for attr in ("name", "common_name", "official_name"):
            english = getattr(country, attr, None)
            name = _nfkc(ja.gettext(english)) if english else ""
            if name and name != english:
                for form in {name, re.sub(r" \(.*\)$", "", name)}:
                    codes.setdefault(form, set()).add(country.alpha_2)
    table = {name: found.pop() for name, found in codes.items() if len(found) == 1}
    table.update(_COUNTRY_VARIANTS)
    return re.compile(_trie_pattern(table)), table


def _trie_pattern(words) -> str:
    """A pattern matching any of ``words``, the longest where several start at one place; built
    as a trie so that a match costs the length of the word, not the number of words."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branch(node: dict) -> str:
        choices = [re.escape(ch) + branch(child) for ch, child in node.items() if ch]
        if not choices:
            return ""
        return "(?:" + "|".join(choices) + (")?" if "" in node else ")")
    return branch(trie)


def _inside_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] runs on into a katakana or Latin word (マインド, タイプ, EUR)."""
    for edge, beside in ((text[start], text[start - 1: start]), (text[end - 1], text[end: end + 1])):
        for script in (_KATAKANA, _ASCII_ALNUM):
            if script.match(edge) and script.match(beside):
                return True
    return False


def country_codes(text: str) -> list[str]:
    """ISO 3166-1 alpha-2 codes of the countries named in ``text`` (``EU`` for the EU/EEA), in
    order of first mention; never ``JP``.  「米国およびシンガポール」 → ``["US", "SG"]``."""
    text = _nfkc(text)
    pattern, table = _country_table()
    found: list[str] = []
    for match in pattern.finditer(text):
        code = table[match.group()]
        if (code and code not in found and not _inside_word(text, match.start(), match.end())
                and not text.startswith("語", match.end())):
            found.append(code)
    return found


# ---------------------------------------------------------------- phone and e-mail

_PHONE_LABEL = re.compile(
    r"(?:TEL|電話)[ /・,、&]*(?:FAX|ファッ?クス)|(?:FAX|ファッ?クス)[ /・,、&]*(?:TEL|電話)"
    r"|(?P<fax>FAX|ファッ?クス|ファクシミリ)|TEL|電話|携帯|フリーダイ[ヤア]ル|ナビダイヤル", re.IGNORECASE)
_FAX_AFTER = re.compile(r" ?\( ?(?:FAX|ファッ?クス)", re.IGNORECASE)
# Where numbers may be: runs of digits and the signs written between them (a run that starts
# always matches, so each is read once), of a phone number's length.
_PHONE_RUN = re.compile(r"\+?\(?\d(?:[\d()\-‐‑–—―ー− ]*\d)?")
_PHONE_RUN_LENGTH = range(10, 41)


def phone_digits(text: str) -> str | None:
    """The first Japanese phone number in ``text`` as national digits (「+81-3-1234-5678」 →
    ``"0312345678"``), skipping numbers labelled FAX only and placeholders (03-XXXX-XXXX)."""
    text = _nfkc(text)
    previous_end = 0
    for run in _PHONE_RUN.finditer(text):
        if len(run.group()) not in _PHONE_RUN_LENGTH:
            continue
        for match in phonenumbers.PhoneNumberMatcher(run.group(), "JP"):
            start, end = run.start() + match.start, run.start() + match.end
            labels = list(_PHONE_LABEL.finditer(text[max(previous_end, start - 20): start]))
            previous_end = end
            if (labels and labels[-1].group("fax")) or _FAX_AFTER.match(text, end):
                continue
            if match.number.country_code == 81:
                national = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.NATIONAL)
                return re.sub(r"\D", "", national)
    return None


_AT = re.compile(r" ?(?:\[at\]|\(at\)|\{at\}|<at>|\[@\]|\(@\)|\[アットマーク\]|\(アットマーク\)) ?", re.IGNORECASE)
_DOT = re.compile(r" ?(?:\[dot\]|\(dot\)|\{dot\}) ?", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII)


def email(text: str) -> str | None:
    """The first e-mail address in ``text``, lower-cased; 「info＠example.jp」 and
    「info[at]example.jp」 count."""
    match = _EMAIL.search(_DOT.sub(".", _AT.sub("@", _nfkc(text))))
    return match.group().strip(".").lower() if match else None


# ---------------------------------------------------------------- numbers, periods

_DIGITS = {ch: i for i, chars in enumerate(("0〇零", "1一壱", "2二弐", "3三参", "4四", "5五", "6六", "7七", "8八", "9九"))
           for ch in chars}
_SMALL = {"十": 10, "拾": 10, "百": 100, "千": 1000}
_LARGE = {"万": 10**4, "億": 10**8}
_NUM_CHARS = "".join(_DIGITS) + "".join(_SMALL) + "".join(_LARGE)
# A number: Arabic or kanji numerals, with thousands separators; never started inside another.
_NUM = rf"(?<![{_NUM_CHARS}.,])[{_NUM_CHARS}](?:[{_NUM_CHARS}]|,(?=[0-9]{{3}}))*+"
_MAX_NUMBER_CHARS = 40  # longer numerals are not read: no policy states such a number


def _number(numeral: str) -> int | None:
    """The value of a numeral (「1,000」, 「百八十」, 「二十四」, 「1万」), None when it is
    longer than any number a policy states."""
    numeral = numeral.replace(",", "")
    if len(numeral) > _MAX_NUMBER_CHARS:
        return None
    total = section = digit = 0
    for ch in numeral:
        if ch in _DIGITS:
            digit = digit * 10 + _DIGITS[ch]
        elif ch in _SMALL:
            section, digit = section + (digit or 1) * _SMALL[ch], 0
        else:
            total, section, digit = total + ((section + digit) or 1) * _LARGE[ch], 0, 0
    return total + section + digit


# One duration: its parts in decreasing size (「1年6か月」); 「24時間365日」 is two.
_DURATION = re.compile(
    rf"(?<![月数何{_NUM_CHARS}.,])(?=[{_NUM_CHARS}]|半年)(?:(?P<年>{_NUM})年(?!度)(?P<半>半)?間?|(?P<半年>半年)間?)?"
    rf"(?:(?P<月>{_NUM})[かヶケカヵ箇]月間?)?(?:(?P<週>{_NUM})週間?)?(?:(?P<日>{_NUM})日間?)?"
    rf"(?:(?P<時>{_NUM})時間)?")
_UNITS = ("年", "月", "週", "日", "時")
_ERAS = ("令和", "平成", "昭和", "大正", "明治", "西暦")
_CALENDAR_YEAR = re.compile(r"(?:1[89]|2[01])[0-9]{2}")
_MONTH_OF_DATE = re.compile(rf"(?:{_NUM})月")
_FREQUENCY = re.compile(rf"(?:に|あたり|当たり|につき|ごとに|毎に)?(?:{_NUM})[回度]")


def _is_date(text: str, match: re.Match) -> bool:
    """Whether a bare 「N年」 is a year of the calendar (「2024年」, 「令和6年」, 「2024年4月1日」)."""
    year = match.group("年")
    return (year is not None and match.group() == year + "年"
            and (_CALENDAR_YEAR.fullmatch(year) is not None
                 or text[max(0, match.start() - 2): match.start()] in _ERAS
                 or _MONTH_OF_DATE.match(text, match.end()) is not None))


@lru_cache(maxsize=4096)
def _iso(period: str) -> str | None:
    """The ISO 8601 form of one duration's words: 「1年6か月」 → ``P1Y6M`` (weeks as days)."""
    match = _DURATION.fullmatch(period)
    parts = {unit: _number(match.group(unit)) for unit in _UNITS if match.group(unit)}
    if None in parts.values():
        return None
    if match.group("半") or match.group("半年"):
        parts["月"] = 6
    if "週" in parts:
        parts["日"] = parts.get("日", 0) + 7 * parts.pop("週")
    date = "".join(f"{parts[unit]}{code}" for unit, code in (("年", "Y"), ("月", "M"), ("日", "D")) if unit in parts)
    return "P" + date + (f"T{parts['時']}H" if "時" in parts else "")


def durations(text: str) -> list[str]:
    """ISO 8601 durations of the periods stated in ``text``: 「5年間」→ ``P5Y``, 「六ヵ月」→
    ``P6M``, 「2週間」→ ``P14D``, 「1年6か月」→ ``P1Y6M``, 「24時間」→ ``PT24H``; dates
    (「2024年4月1日」), ages and frequencies (「1日1回」) give nothing."""
    text = _nfkc(text)
    found: list[str] = []
    for match in _DURATION.finditer(text):
        iso = _iso(match.group()) if match.group() else None
        if iso and iso not in found and not _is_date(text, match) and not _FREQUENCY.match(text, match.end()):
            found.append(iso)
    return found


_UNTIL_PURPOSE = re.compile(
    r"目的[をのが]?(?:達成|終了|完了)(?:した|された|する|後|の後|まで|時)|目的[^。]{0,15}必要な期間|業務上必要な期間"
    r"|(?:不要|必要がなく|必要なく)(?:と|に)?な(?:った|りました|る)"
    r"|退会(?:後|した後|された後|時|の際)[^。0-9〇一二三四五六七八九十百千]{0,30}(?:削除|消去|廃棄)")
_LEGAL = re.compile(
    r"(?:法令|法律)(?:等|上)?(?:で|に|により|によって)?(?:定め|規定|義務付け|求め)[^。]{0,12}(?:期間|保存|保管)"
    r"|(?:法令|法律)(?:等)?に(?:基づき|基づいて|従い|従って|より)[^。、]{0,10}(?:保存|保管|保持)"
    r"|法定(?:の)?(?:保存|保管)期間|法令上の(?:保存|保管)義務")


def retention_values(text: str) -> list[str]:
    """The ``retention`` values of ``text``: its durations, then ``until_purpose`` (kept until
    the purpose is achieved or the data is no longer needed) and ``legal`` (kept as a law
    requires) when the words say so."""
    values = durations(text)
    text = _nfkc(text)
    values += [value for value, pattern in (("until_purpose", _UNTIL_PURPOSE), ("legal", _LEGAL))
               if pattern.search(text)]
    return values


# ---------------------------------------------------------------- fee

_YEN = re.compile(rf"¥ ?({_NUM})|金?({_NUM}) ?円")
_POSTAGE_BEFORE = re.compile(r"郵送|郵便|送料|切手|返信用")
_POSTAGE_AFTER = re.compile(r" ?(?:分の|の)?(?:郵便)?切手")
_FREE = re.compile(r"無料|無償|手数料[^。]{0,15}(?:いただき|頂き|いただいており|頂いており|かかり|徴収(?:いた)?し"
                   r"|請求(?:いた)?し|発生し|必要あり)ません|手数料[^。]{0,6}不要")


_MAX_YEN = 2 ** 63  # what a 64-bit integer column (Parquet, Arrow) holds


def fee_yen(text: str) -> int | None:
    """The request fee in yen: 「1,000円（税込）」→ 1000, 「金千円」→ 1000, 「無料」→ 0; None
    for 「実費」 or a fee without an amount.  Postage (郵送料, 切手) counts only when no other
    fee is stated."""
    text = _nfkc(text)
    postage = None
    for match in _YEN.finditer(text):
        amount = _number(match.group(1) or match.group(2))
        if amount is None or amount >= _MAX_YEN:  # no fee is that large: a typo or not a fee
            continue
        before = re.split(r"[、。\n]", text[max(0, match.start() - 12): match.start()])[-1]
        if _POSTAGE_BEFORE.search(before) or _POSTAGE_AFTER.match(text, match.end()):
            if postage is None:
                postage = amount
            continue
        return amount
    if _FREE.search(text):
        return 0
    return postage


# ---------------------------------------------------------------- operator

_SPACE = r"[ \t\u3000]"
_KANJI = r"\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF々〆"
_NAME_START = rf"[{_KANJI}\u30A1-\u30FFA-Za-zＡ-Ｚａ-ｚ]"
_NAME_PART = rf"{_NAME_START}[{_KANJI}\u30A1-\u30FFA-Za-zＡ-Ｚａ-ｚ.]{{0,20}}"
_GIVEN_PART = rf"[{_KANJI}\u3041-\u3096\u30A1-\u30FFA-Za-zＡ-Ｚａ-ｚ.]{{1,20}}"
_REPRESENTS = (r"(?:代表取締役|代表執行役|代表社員|代表理事|代表者|代表(?=[ \u3000:：|])|理事長|(?<!病)院長|店主|実行委員長|社長"
               r"|CEO|Director)")
_TITLE = (r"(?:代表取締役|代表執行役|取締役|執行役員|代表社員|代表理事|代表者|理事長|院長|学長|園長|校長|所長|店主|社長|会長|頭取"
          r"|実行委員長|CEO|弁護士|税理士|司法書士|行政書士|社会保険労務士|医師|教授)")
_PERSON = r"[\u4E00-\u9FFF々\u30A1-\u30FAA-Za-z][\u4E00-\u9FFF々\u30A1-\u30FFA-Za-z]{0,9}"  # kana given names after a space
_GIVEN = r"[\u4E00-\u9FFF々\u30A1-\u30FF\u3041-\u3096A-Za-z]{1,10}"
_REPRESENTATIVE = re.compile(
    rf"{_REPRESENTS}(?:氏名|名)?[)）]?\s*(?:[:：|]\s*)?(?:(?:兼)?{_TITLE}[ \u3000]*)*"
    rf"(?P<name>{_PERSON}(?:[ \u3000]{{1,2}}{_GIVEN}(?![:：\u4E00-\u9FFF々\u30A1-\u30FF\u3041-\u3096A-Za-z])){{0,2}})"
    rf"(?![\u4E00-\u9FFF々\u30A1-\u30FFA-Za-z])")  # a particle may follow (「山田太郎とします」)
_NOT_A_PERSON = re.compile(rf"^{_TITLE}|氏名|○|〇|X{{2}}|^第|について|[はがをもの]$|[ \u3000]{_TITLE}$")


def representative_span(text: str) -> tuple[int, int] | None:
    """Where the representative's personal name is in ``text``: after 代表取締役, 代表者：, 理事長,
    院長… and any further titles (「代表者：代表取締役　山田 太郎」 → the span of 「山田 太郎」)."""
    match = _REPRESENTATIVE.search(text)
    if match is None or _NOT_A_PERSON.search(match.group("name")):
        return None
    return match.span("name")


def representative_name(text: str) -> str | None:
    """The representative's personal name as written: 「代表取締役社長　山田 太郎」 → 「山田 太郎」."""
    span = representative_span(text)
    return text[span[0]:span[1]] if span else None


# Japanese legal forms, written before or after a name (株式会社X, X株式会社, ㈱X); extract uses them too.
JA_LEGAL_FORMS = (r"株式会社|有限会社|合同会社|合資会社|合名会社|(?:一般|公益)(?:社団|財団)法人|(?:認定)?特定非営利活動法人|NPO法人"
                  r"|社会医療法人|医療法人(?:社団|財団)?|社会福祉法人|学校法人|宗教法人|税理士法人|弁護士法人|司法書士法人|行政書士法人"
                  r"|社会保険労務士法人|監査法人|(?:地方)?独立行政法人|国立大学法人|有限責任事業組合|㈱|㈲|[(（][株有][)）]")
_SUFFIX_FORMS = (JA_LEGAL_FORMS + r"|協同組合|信用金庫|信用組合|Inc\.?|Co\., ?Ltd\.?|Ltd\.?|LLC|Corporation"
                 r"|Corp\.?|K\.K\.|GmbH|Limited")
_NAME_CHARS = rf"[{_KANJI}\u30A0-\u30FFA-Za-z0-9Ａ-Ｚａ-ｚ０-９&＆.,' ]"
# A company name: a legal form and the words after it, or a run of name characters (from its
# start, so that a search tries each run once) up to a legal form.
_COMPANY = (rf"(?:(?:{JA_LEGAL_FORMS}){_SPACE}?[^\s、。「」『』（()）:：]{{1,40}}?"
            rf"|(?<!{_NAME_CHARS}){_NAME_CHARS}{{0,40}}?(?:{_SUFFIX_FORMS}))")
_SELF_REFERENCE = re.compile(rf"(?P<name>{_COMPANY}){_SPACE}*[（(]以下[^)）\n]{{0,20}}[当弊本]")
_LEADING = re.compile(rf"^{_SPACE}*(?P<name>{_COMPANY}){_SPACE}*(?:は|では)[、,\s]", re.MULTILINE)
_OPERATOR_LABEL = re.compile(
    rf"^{_SPACE}*[【\[]?(?:(?:運営会社|運営者|運営元|運営|事業者|会社|法人|団体|販売業者|提供者)(?:の?名称|名)?|商号|社名)"
    rf"(?:[】\]]{_SPACE}*|{_SPACE}*[:：]\s*|\s+)"
    rf"(?P<name>[^\n\r。、（(「\t]{{1,80}}?)(?={_SPACE}*(?:$|[\r。、（(「\t]|代表|所在|住所|〒|TEL|電話|FAX|E-?mail|メール))",
    re.MULTILINE)
_SIGNATURE = re.compile(rf"^{_SPACE}*(?P<name>{_COMPANY}){_SPACE}*(?:$|代表|理事長)", re.MULTILINE)


def operator_name(text: str) -> str | None:
    """The business's name as written, from a label (「運営会社：サンプル株式会社」), the opening
    (「株式会社サンプル（以下「当社」といいます。）は」) or a signature line."""
    for pattern in (_OPERATOR_LABEL, _SELF_REFERENCE, _LEADING, _SIGNATURE):
        match = pattern.search(text)
        if match and match.group("name").strip():
            return match.group("name").strip()
    return None


_PREFECTURES = ("北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県"
                "|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県"
                "|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|長崎県"
                "|熊本県|大分県|宮崎県|鹿児島県|沖縄県")
_POSTCODE = r"[0-9０-９]{3}[-‐－―ー−][0-9０-９]{4}"
_ADDRESS = re.compile(
    rf"(?:(?:〒[ \u3000]*{_POSTCODE}|(?<![0-9０-９]){_POSTCODE}(?=\s*(?:{_PREFECTURES})))\s*(?:{_PREFECTURES})?"
    rf"|(?:{_PREFECTURES}))[^\n\r。、\t「]{{1,80}}")
_ADDRESS_END = re.compile(r"TEL|Tel|電話|FAX|Fax|E-?mail|メール|URL|http|代表|株式会社|有限会社|宛|まで"
                          r"|[へに](?:郵送|送付|お送り)")


def address(text: str) -> str | None:
    """The postal address as written, from the postcode or prefecture on: 「所在地：〒100-0001
    東京都千代田区千代田1-1」 → 「〒100-0001 東京都千代田区千代田1-1」."""
    for match in _ADDRESS.finditer(text):
        end = _ADDRESS_END.search(match.group())
        found = match.group()[: end.start() if end else None].strip()
        if re.search(r"[0-9０-９一二三四五六七八九十]", found):
            return found
    return None
