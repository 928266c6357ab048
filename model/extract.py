"""Read the fields of ../shared/FIELDS.md from a policy's clauses, with rules only.

The clause labels of the tagger say *where* a policy discloses a practice; this module reads
*what* it discloses from those clauses: lexicons of Japanese policy wording for the taxonomies
(data types, purposes, rights, request channels, safeguards, kinds of recipient), a lexicon of
common external tools and the companies behind them, patterns for company names, and the
normalisers of :mod:`jprivacy.normalise` for countries, retention periods, the request fee,
phone numbers, e-mail addresses and the operator's name, address and representative.

A clause's labels decide which rules read it (data types in collection, purpose, third-party and
cookie clauses; rights, fee and channels in rights clauses; and so on).  Every value comes with
its evidence: the clause and the offsets of the words that state it in the document's text.

    import jprivacy
    from jprivacy.extract import extract

    frame = jprivacy.load().tag(jprivacy.Document("policy", text))
    fields = extract("policy", text, frame)      # or frame.to_dict("records")
    fields.to_dict()["data_types"]               # ['name', 'email', ...]
    fields.value_sets()                          # scored like jprivacy.data.fields.policy_values

The rules run in time linear in the size of the document (a clause longer than ``_PIECE``
characters is read in pieces, and no pattern scans further than a bounded stretch) and never
raise on odd input.  ``benchmarks/fields_dev.py`` scores them per field.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from .fields import NAME_FIELDS, name_key
from .normalise import (JA_LEGAL_FORMS, address, country_codes, email, fee_yen, operator_name, phone_digits,
                        representative_span, retention_values)
from .records import records_text

__all__ = ["Evidence", "PolicyFields", "extract"]

# ---------------------------------------------------------------- lexicons
# Each lexicon maps a value to the patterns of the words that state it.  Where matches of
# several values overlap, the longest wins (「第三者提供記録の開示」 is provision_record, not
# disclosure), so a specific phrase shadows the general word inside it.

DATA_TYPES: dict[str, tuple[str, ...]] = {
    "name": (r"氏名", r"お名前", r"ご?名前", r"フリガナ", r"ふりがな", r"姓名", r"(?:担当者|代表者|契約者)名", r"名義"),
    "birth_date": (r"生年月日", r"年齢(?:層|区分)?", r"(?<!厚)生年(?!金)", r"誕生日", r"年代"),
    "gender": (r"性別",),
    "address": (r"ご?住所", r"郵便番号", r"お届け先", r"(?:配送|送付|請求)先(?:住所|情報)?", r"居住地(?:域)?",
                r"お住まい(?:の(?:地域|都道府県|市区町村))?"),
    "phone": (r"(?:携帯)?電話番号", r"携帯番号", r"(?:FAX|ファックス)番号", r"お電話番号"),
    "email": (r"(?:電子)?メールアドレス", r"[Ee]-?mail ?アドレス", r"ﾒｰﾙｱﾄﾞﾚｽ"),
    "account": (r"パスワード", r"アカウント(?:情報|ID)", r"(?:会員|プレイヤー|利用者|お客様|顧客|契約者?)(?:番号|ID)", r"会員情報",
                r"ユーザー?(?:ID|名|ネーム)", r"ログイン(?:ID|情報)", r"認証情報", r"アクセストークン"),
    "payment": (r"クレジットカード(?:情報|番号)?", r"カード(?:情報|番号)", r"(?:銀行|金融機関の)?口座(?:情報|番号)?",
                r"決済(?:情報|に関する情報|関連情報|に必要な情報)", r"お?支払い?(?:方法|に関する情報|情報)",
                r"請求(?:先)?情報"),
    "transactions": (r"(?:ご)?(?:購入|購買|注文|取引|予約|契約|申込み?|決済|課金|受講)(?:の)?(?:履歴|内容|情報|記録|番号|状況|日時|期間)",
                     r"(?:宿泊|利用|来店|来院|引越し?|配達|お届け)(?:予定)?(?:日時|日程|日|期間)", r"(?:ご)?希望日時?", r"賃料",
                     r"(?:ご)?契約物件", r"コンバージョン(?:情報)?", r"申込(?:み)?完了の有無", r"ポイント(?:残高|履歴|情報)"),
    "usage": (r"閲覧(?:した)?ページ(?:の)?(?:URL)?", r"閲覧(?:履歴|情報|状況|日時)", r"アクセス(?:ログ|履歴|日時|情報|状況|データ)",
              r"(?:サービス|アプリ)?(?:の)?利用(?:履歴|状況|ログ)", r"行動履歴", r"操作(?:履歴|ログ|情報)", r"検索(?:履歴|キーワード)",
              r"参照元(?:URL)?", r"リファラー?", r"トラフィックデータ", r"(?:エラー|クラッシュ|視聴|通信)ログ", r"ログ情報",
              r"訪問履歴", r"(?:学習|視聴|再生)履歴", r"滞在時間", r"(?:利用|アクセス|入退室|入退館)記録"),
    "ip_address": (r"IP ?アドレス", r"IP address"),
    "device_id": (r"広告(?:識別子|ID)", r"IDFA", r"AAID", r"(?:端末|デバイス)(?:の)?(?:識別子|ID|識別情報|固有ID)", r"個体識別(?:番号|情報)",
                  r"MACアドレス", r"(?:プッシュ)?通知用?(?:の)?トークン", r"(?:アプリ)?インスタンスID", r"インストール識別子",
                  r"Advertising ID"),
    "device_info": (r"(?:端末|デバイス)(?:に関する)?情報", r"ユーザー?エージェント", r"User[- ]?Agent", r"ブラウザー?(?:の)?(?:種類|情報|種別|タイプ)",
                    r"(?<![A-Za-z])OS(?:の種類|のバージョン|情報)?(?![A-Za-z])", r"オペレーティングシステム",
                    r"(?:端末|デバイス)(?:の)?(?:機種|種類|モデル|種別)", r"機種(?:名|情報)?", r"言語設定", r"利用言語",
                    r"画面(?:サイズ|解像度)", r"(?:利用|閲覧)環境", r"アプリ(?:の)?バージョン"),
    "cookie": (r"[Cc]ookie", r"クッキー", r"ローカルストレージ", r"localStorage", r"(?:ウェブ|Web)ビーコン", r"ピクセルタグ",
               r"クライアントID"),
    "location": (r"位置情報", r"GPS", r"緯度", r"経度", r"現在地", r"おおよその(?:位置|地域)"),
    "content": (r"お?問い?合わ?せ(?:の)?(?:内容|履歴|記録)", r"ご?相談(?:の)?内容", r"アンケート(?:へ|の)?(?:の)?(?:ご)?回答",
                r"投稿(?:内容|情報|データ)?", r"写真", r"画像", r"動画", r"映像", r"音声", r"録音", r"メッセージ(?:の内容)?",
                r"チャット(?:の)?(?:履歴|内容)", r"レビュー", r"口コミ", r"コメント", r"通話(?:内容|録音)", r"録画", r"面談記録",
                r"ご?希望(?:内容|条件)"),
    "profile": (r"ニックネーム", r"表示名", r"ハンドルネーム", r"勤務先", r"会社名", r"部署(?:名)?", r"役職", r"職業", r"職種",
                r"学校名", r"学年", r"趣味", r"嗜好", r"家族構成", r"続柄", r"年収", r"緊急連絡先", r"国籍",
                r"興味(?:・)?関心", r"属性(?:情報)?", r"プロフィール(?:情報)?", r"身長", r"サイズ"),
    "career": (r"履歴書", r"職務経歴(?:書)?", r"学歴", r"職歴", r"(?<!運転)(?<!オンライン)(?:保有)?資格(?!確認|の確認)", r"応募(?:書類|内容|情報|履歴)", r"成績"),
    "government_id": (r"マイナンバー", r"個人番号", r"特定個人情報", r"運転免許証?(?:番号)?", r"免許証", r"パスポート", r"旅券(?:番号)?",
                      r"(?:健康)?保険証", r"被保険者証", r"在留カード", r"本人確認書類(?:の(?:画像|写し|記載事項))?", r"身分証(?:明書)?",
                      r"住民票"),
    "health": (r"病歴", r"既往歴", r"健康(?:状態|診断(?:の)?(?:結果)?|情報|に関する情報|データ)", r"診療(?:録|情報|記録)", r"カルテ",
               r"検査(?:結果|情報|データ)", r"服薬", r"アレルギー", r"障がい", r"障害の(?:有無|状況)", r"心拍数", r"血圧",
               r"睡眠(?:データ|時間)", r"病名", r"症状", r"負傷", r"(?:ケア|介護|看護)記録", r"診断書", r"処方", r"お薬",
               r"障がい者手帳", r"障害者手帳"),
    "sensitive": (r"要配慮個人情報", r"信条", r"人種", r"社会的身分", r"犯罪(?:の)?経歴", r"犯罪(?:により害を被った事実|被害)",
                  r"宗教", r"労働組合", r"本籍", r"センシティブ情報", r"機微(?:な)?情報"),
    "biometric": (r"顔(?:認証|画像|写真|の特徴)", r"指紋", r"声紋", r"静脈", r"虹彩", r"生体(?:認証)?情報", r"容貌"),
    "social_account": (r"(?:SNS|Discord|Steam|LINE|Google|Apple|Facebook|Twitter|X|Yahoo! ?JAPAN|Microsoft|GitHub|Instagram|TikTok)"
                       r"(?:の)? ?(?:ID|アカウント(?:情報)?|ユーザー?(?:ID|名|識別子))", r"外部サービス(?:の)?(?:アカウント|ID)",
                       r"ソーシャル(?:ログイン|アカウント)", r"連携アカウント(?:情報)?", r"(?:外部)?ID連携", r"外部アカウント"),
}

PURPOSES: dict[str, tuple[str, ...]] = {
    "service": (r"(?:本|当|各種)?(?:サービス|商品|製品)(?:等)?の(?:ご)?(?:提供|運営|実施)", r"お届け", r"発送", r"配送", r"配達",
                r"会員(?:登録|管理)", r"アカウント(?:の)?(?:管理|開設)", r"ログイン(?:状態)?", r"本人認証", r"予約(?:の)?(?:受付|管理|確認)",
                r"契約(?:の)?(?:締結|履行|管理)", r"(?:診療|治療|医療|介護|看護)(?:サービス)?の提供", r"各種手続", r"(?:重要な)?お知らせ",
                r"利便性(?:の)?向上", r"業務(?:の)?遂行", r"履行"),
    "support": (r"お?問い?合わ?せ", r"お問合せ", r"ご?質問", r"ご?相談", r"カスタマーサポート", r"サポート", r"苦情", r"ご連絡", r"各種連絡",
                r"緊急(?:時の)?(?:ご)?連絡", r"ご?要望", r"ご意見"),
    "billing": (r"(?<!資料)(?<!開示)(?<!等の)請求(?!書類)", r"決済", r"(?<!保険金)支払", r"課金", r"精算", r"料金の計算", r"会計", r"経理",
                r"レセプト", r"入金", r"代金", r"返金", r"振込"),
    "marketing": (r"マーケティング", r"メール(?:マガジン|マガ)", r"メルマガ", r"ダイレクトメール", r"DM", r"キャンペーン", r"懸賞", r"プレゼント",
                  r"(?:新|新しい)?(?:商品|サービス|製品|イベント|セミナー|催し|特典|物件)(?:等|や[^、。]{0,10})?(?:の|に関する)?(?:ご)?"
                  r"(?:案内|紹介|提案|お知らせ|情報(?:の)?(?:提供|配信|送付))",
                  r"販売促進", r"販促", r"宣伝", r"セミナー", r"ご?案内", r"(?:からの|への|に関する)情報(?:の)?(?:提供|発信|配信)", r"(?:広報誌|会報|ニュースレター|カタログ)(?:等)?(?:の)?(?:送付|発送|配布|お届け)"),
    "advertising": (r"広告", r"ターゲティング", r"リターゲティング", r"効果測定", r"コンバージョン"),
    "analytics": (r"分析", r"統計", r"解析", r"改善", r"品質(?:の)?向上", r"サービス(?:の)?向上", r"(?:利用|閲覧|アクセス)状況(?:の)?把握",
                  r"市場調査", r"調査", r"アンケート"),
    "development": (r"開発", r"研究", r"(?:商品|サービス|新規?)(?:の)?企画"),
    "personalization": (r"おすすめ", r"オススメ", r"レコメンド", r"パーソナライズ", r"カスタマイズ", r"推薦",
                        r"(?:より)?適した(?:サービス|コンテンツ|情報|商品|問題)",
                        r"(?:興味|関心|嗜好|好み|傾向|状況|ニーズ|記録)[^、。]{0,6}に(?:応じ|合わせ|合っ)た(?:(?!広告)[^、。]){0,15}?"
                        r"(?:表示|提案|助言|アドバイス|コンテンツ|お知らせ|情報|商品|サービス)"),
    "security": (r"不正", r"セキュリティ", r"防犯", r"なりすまし", r"スパム", r"(?:規約|規程)(?:等)?(?:に)?違反", r"本人確認",
                 r"安全(?:の)?確保"),
    "legal": (r"法令(?:等)?(?:に基づ(?!く場合)|上の|への|の遵守|を遵守|に従|に定め)", r"[^、。]{1,10}法に基づ(?!く場合)", r"紛争", r"訴訟",
              r"行政(?:機関|への|による|手続)", r"監査", r"当局", r"捜査", r"法的(?:義務|手続|請求|措置|要請)", r"法令(?:または|や|等)[^、。]{0,12}(?:に基づく|が求める)対応", r"税務",
              r"(?:市|区|町|村|国|所轄庁|官公庁|行政機関|監督官庁)(?:へ|に)(?:の)?(?:報告|提出|届出)"),
    "hiring": (r"採用(?!者)", r"選考", r"応募者", r"人事", r"労務", r"雇用", r"給与", r"勤怠", r"福利厚生"),
}

RIGHTS: dict[str, tuple[str, ...]] = {
    "disclosure": (r"開示", r"開⽰", r"照会", r"閲覧", r"アクセス権", r"確認(?=[・、や])", r"見たい"),
    "correction": (r"訂正", r"追加", r"修正", r"削除", r"直したい", r"直してほしい"),
    "suspension": (r"利用(?:の|を)?停止", r"消去", r"処理の制限", r"異議", r"利用(?:又は|若しくは|もしくは|および|及び)提供の(?:拒否|停止)",
                   r"消してほしい", r"消したい"),
    "third_party_stop": (r"第三者(?:へ|に)?(?:の)?提供(?:の|を)?停止", r"(?<!利用又は)(?<!利用若しくは)提供(?:の|を)?停止"),
    "provision_record": (r"第三者提供(?:時の)?記録",),
    "purpose_notice": (r"利用目的(?:の)?通知", r"利⽤⽬的の通知"),
    "consent_withdrawal": (r"同意(?:の|を)?撤回", r"撤回", r"(?:(?<!ブラウザの)(?<!ブラウザ)設定|「Cookie設定」)(?:から|で)(?:(?!広告|Cookie|クッキー)[^。]){0,10}(?:変更|オフ|無効)",
                           r"(?:許可|権限)[^。]{0,15}(?:取り?消|変更|オフ|無効)"),
    "marketing_opt_out": (r"配信(?:の|を)?停止", r"(?:送付|配信|送信|案内)(?:を|の)?(?:停止|中止|取り?止め)",
                          r"(?:メール|メールマガジン|DM|ダイレクトメール|広告|ご?案内|ハガキ)[^。]{0,12}(?:停止|中止|無効|不要|希望されない|止めて)",
                          r"パーソナライズ(?:ド)?広告", r"広告(?:の)?パーソナライズ", r"広告トラッキング",
                          r"オプトアウト(?=[^。]*広告)|(?<=広告)[^。]*オプトアウト"),
    "account_deletion": (r"退会", r"アカウント(?:[（(][^）)]{0,20}[）)])?(?:の|を)?削除", r"(?:会員)?登録(?:の|を)?(?:抹消|解除)"),
}
REQUEST_CHANNELS: dict[str, tuple[str, ...]] = {
    "mail": (r"郵送(?!費|料)", r"郵便", r"書面(?!に不備|で(?:お伝え|回答|通知|ご回答))", r"書留", r"封書", r"同封", r"ご?返送", r"送付(?:して|し|先)"),
    "email": (r"電子メール", r"Eメール", r"[Ee]-?mail", r"(?<!ダイレクト)(?<!配信)メール(?!マガジン|マガ|配信|通知|広告|記載|の下部|でのご案内)"),
    "web_form": (r"フォーム", r"お問い?合わ?せ(?:ページ|画面|ボタン)", r"https?://[^\s]{0,100}?(?:contact|form|inquiry|toiawase)[^\s]{0,100}",
                 r"https?://forms\.gle/[^\s]*"),
    "phone": (r"電話(?!番号の)", r"TEL", r"Tel"),
    "in_person": (r"(?:受付|事務室|事務局|管理事務室|店舗|お取引店|教室|各事業所|当院|当園)(?:の)?窓口", r"窓口(?:で|にて)(?:直接)?(?:ご)?(?:持参|提出|提示|請求)",
                  r"窓口(?:へ|に|まで)(?:直接)?(?:ご)?(?:持参|来所|来店|お越し)", r"来店", r"来所", r"来院", r"来訪", r"持参", r"店頭", r"お越しください",
                  r"受付(?:に(?!つ)|で|まで|又は|または|カウンター)", r"店舗(?:で|にて|において|又は|または)"),
    "app": (r"マイページ", r"設定画面", r"アプリ(?:内|の「|または|又は|から|経由)", r"会員ページ", r"「設定」", r"設定 ?[→＞>]", r"LINE ?(?:トーク|公式アカウント)",
            r"lin\.ee/[^\s]*", r"(?:本サービス|ゲーム)(?:内)?の「"),
}

SECURITY: dict[str, tuple[str, ...]] = {
    "organizational": (r"組織的", r"責任者", r"管理者", r"規程", r"規定", r"監査(?!ログ)", r"管理体制", r"責任体制", r"体制(?:の)?整備", r"ISO",
                       r"プライバシーマーク", r"マネジメントシステム", r"マニュアル", r"指針を定め", r"取扱状況(?:の)?(?:確認|点検)",
                       r"(?:必要(?:最小限)?の|最小限の)範囲に限定", r"(?:扱う|閲覧できる|アクセスできる)(?:の|者)は[^。]{0,30}(?:だけ|のみ|に限)"),
    "human": (r"人的", r"教育", r"研修", r"秘密保持", r"守秘義務", r"誓約書", r"周知徹底", r"従業(?:者|員)(?:に対し(?:て|ても)?|への|の)[^。]{0,10}(?:監督|教育)"),
    "physical": (r"物理的", r"入退室", r"入退館", r"施錠", r"鍵(?:の(?:かか|掛か)|付き|のかかる|を掛け)", r"(?:盗難|紛失)(?:[・、](?:盗難|紛失|持ち?出し))*(?:等)?(?:の)?(?:防止|対策)",
                 r"持ち?出し", r"シュレッダー", r"裁断", r"溶解", r"キャビネット", r"書庫", r"のぞき見", r"覗き見"),
    "technical": (r"技術的", r"アクセス(?:制御|制限|権限)", r"暗号化", r"SSL", r"TLS", r"ファイアウォール", r"ウイルス", r"マルウェア",
                  r"不正アクセス(?:対策|の(?:検知|防止策)|を防止するための(?:措置|システム))", r"不正ソフトウェア", r"多要素認証", r"二段階認証",
                  r"パスワード", r"脆弱性", r"セキュリティ(?:対策|ソフト|システム)", r"バックアップ"),
    "external_environment": (r"外的環境", r"GDPR", r"一般データ保護規則", r"PDPA", r"PIPEDA", r"CCPA", r"消費者プライバシー法",
                             r"連邦(?:レベル)?の(?:包括的|統一的)", r"包括的な(?:連邦の)?(?:個人情報保護)?法", r"外国の制度", r"各国の制度",
                             r"制度(?:を|の)(?:把握|確認)", r"日本の個人情報保護法と同等",
                             r"(?:データ|個人情報|プライバシー)(?:保護)?(?:に関する)?(?:法|政令)[^。]{0,20}"
                             r"(?:があり|が定められ|が存在|が適用|はなく|は存在せず|は制定されておらず|がなく)"),
}

# Retention stated without a period, beside the normaliser's own patterns (F6).
RETENTION: dict[str, tuple[str, ...]] = {
    "until_purpose": (r"アカウント(?:が)?(?:有効|存続|が?ある)(?:である)?(?:な|する)?(?:間|あいだ|期間)", r"アカウント有効期間中",
                      r"(?:契約|会員資格|会員登録|在籍|利用|サービス提供)(?:期間中|が継続する(?:期間|間)|の終了(?:日)?まで|終了(?:日)?まで)",
                      r"(?:調査|審査|業務|手続|対応)が?(?:終わる|終了する|完了する)まで", r"(?:削除|アンインストール|退会)(?:する|される)まで",
                      r"(?:終了|完了|回答|作成)後[^。]{0,10}?(?:速やかに|遅滞なく|直ちに)?(?:削除|廃棄|消去|返却)", r"(?:運用|業務|利用)に必要な期間",
                      r"使用した後[^。]{0,5}(?:破棄|削除)"),
    "legal": (r"[^\s、。「」（(]{1,12}法(?:令)?(?:等)?(?:の規定)?(?:に基づ(?:き|いて|く)|に従(?:い|って)|上の)[^。]{0,25}?(?:保存|保管|保持|管理|期間)",
              r"法令(?:上|で|により|の規定により)?[^。]{0,10}?(?:保存|保管)(?:が|の)?義務", r"保存義務",
              r"法(?:令)?(?:が|の)定める[^。]{0,10}?(?:期間|保存)"),
}

RECIPIENT_KINDS: dict[str, tuple[str, ...]] = {
    "contractor": (r"委託(?!を受けた者)", r"預託", r"外注", r"協力会社", r"配送業者", r"運送会社"),
    "joint_user": (r"共同(?:して|で)?利用",),
    "group_company": (r"グループ(?:会社|企業|各社|内|間)", r"子会社", r"親会社", r"関連会社", r"関係会社"),
    "advertiser": (r"広告(?:配信)?(?:事業者|会社|サービス|ネットワーク|主)", r"第三者配信", r"アフィリエイト"),
    "analytics": (r"アクセス解析(?:ツール|サービス|事業者|ソフト)", r"解析(?:ツール|サービス)", r"分析ツール"),
    "payment": (r"決済(?:代行)?(?:会社|事業者|業者|サービス)", r"決済(?:代行|処理|は)", r"収納代行", r"口座振替", r"クレジットカード(?:会社|決済)",
                r"カード発行会社",
                r"カード会社", r"信販会社"),
    "platform": (r"クラウド(?:サービス|サーバー|事業者|ストレージ)?", r"(?:外部|レンタル)サーバー?", r"サーバー(?:の運用|を(?:利用|委託))",
                 r"ホスティング", r"外部サービス", r"生成AI", r"メール配信", r"サーバーに保存", r"システム(?:を利用|として)"),
    "authority": (r"国の機関", r"地方公共団体", r"警察", r"裁判所", r"検察", r"捜査機関", r"行政機関", r"税務署", r"公的機関", r"保健所",
                  r"官公庁", r"自治体", r"市区町村", r"監督官庁", r"労働基準監督署"),
    "other_third_party": (r"保険会社", r"医療機関", r"信用情報機関", r"金融機関", r"提携(?:先|企業|会社)", r"求人企業", r"外部監査",
                          r"審査支払機関", r"人材紹介会社", r"健康保険組合"),
}

# External tools: (the words that name the tool, the kind of recipient, the vendor's key in
# COMPANIES).  Each row is one tool: its spellings (「Google Analytics」「Google アナリティクス」) make
# one transmission entry.  An earlier row wins where two overlap.
TOOLS: tuple[tuple[str, str, str], ...] = (
    (r"Google ?(?:Analytics|アナリティクス)(?:TM|™)?(?: ?4| for Firebase)?|グーグルアナリティクス|GA4", "analytics", "google"),
    (r"Google ?(?:AdSense|アドセンス)|AdSense", "advertiser", "google"),
    (r"Google ?AdMob|AdMob|Google Mobile Ads", "advertiser", "google"),
    (r"Google ?(?:広告|Ads|AdWords|アドワーズ)|Google ?Ad ?Manager", "advertiser", "google"),
    (r"Google ?(?:Tag ?Manager|タグ ?マネージャー?)", "analytics", "google"),
    (r"Google ?Search ?Console|サーチコンソール", "analytics", "google"),
    (r"(?:Google ?)?reCAPTCHA(?: v[23])?", "platform", "google"),
    (r"Google ?(?:マップ|Maps?)", "platform", "google"),
    (r"Google ?Places API", "platform", "google"),
    (r"Google ?(?:Fonts|フォント)", "platform", "google"),
    (r"Google ?(?:フォーム|Forms)", "platform", "google"),
    (r"Firebase ?Analytics", "analytics", "google"),
    (r"(?:Firebase ?)?Crashlytics", "analytics", "google"),
    (r"Firebase ?Cloud ?Messaging", "platform", "google"),
    (r"Firebase(?! ?(?:Analytics|Crashlytics|Cloud))", "platform", "google"),
    (r"YouTube|Youtube", "platform", "google"),
    (r"Meta ?(?:Pixel|ピクセル)|Facebook ?(?:Pixel|ピクセル)", "advertiser", "meta"),
    (r"Meta ?(?:SDK)|Facebook ?SDK", "advertiser", "meta"),
    (r"Meta ?広告|Facebook ?広告|Meta[（(]Facebook・Instagram[）)]広告", "advertiser", "meta"),
    (r"Instagram(?= ?(?:の)?(?:埋め込み|ウィジェット|プラグイン|ボタン|API|SDK))", "platform", "meta"),
    (r"LINE ?(?:Tag|タグ)", "advertiser", "line"),
    (r"LINE ?広告", "advertiser", "line"),
    (r"LINE ?(?:ログイン|Login)", "platform", "line"),
    (r"Yahoo!? ?(?:JAPAN ?)?(?:広告|プロモーション広告)(?: ?(?:サイトリターゲティング|コンバージョン測定)(?:タグ)?)?", "advertiser", "yahoo"),
    (r"X ?[（(]旧 ?[Tt]witter[）)] ?広告|X ?広告|Twitter ?広告", "advertiser", "x"),
    (r"TikTok ?(?:Pixel|ピクセル)", "advertiser", "tiktok"),
    (r"TikTok ?広告", "advertiser", "tiktok"),
    (r"LinkedIn ?(?:Insight Tag|広告)", "advertiser", "linkedin"),
    (r"Microsoft ?Clarity|Clarity", "analytics", "microsoft"),
    (r"Microsoft ?Advertising(?: ?UETタグ)?", "advertiser", "microsoft"),
    (r"Criteo", "advertiser", "criteo"),
    (r"Hotjar", "analytics", "hotjar"),
    (r"AppsFlyer", "advertiser", "appsflyer"),
    (r"Adjust(?= |SDK|の|社)", "advertiser", "adjust"),
    (r"AppLovin(?: ?MAX)?", "advertiser", "applovin"),
    (r"Unity ?(?:Ads|Analytics)", "advertiser", "unity"),
    (r"Adobe ?Analytics", "analytics", "adobe"),
    (r"KARTE", "analytics", "plaid"),
    (r"Repro", "analytics", "repro"),
    (r"Sentry", "analytics", "sentry"),
    (r"Mixpanel", "analytics", "mixpanel"),
    (r"Plausible(?: Analytics)?", "analytics", "plausible"),
    (r"Cloudflare ?Web ?Analytics", "analytics", "cloudflare"),
    (r"Vercel ?(?:Web ?)?Analytics", "analytics", "vercel"),
    (r"A8\.net", "advertiser", "fancomi"),
    (r"もしもアフィリエイト", "advertiser", ""),
    (r"楽天アフィリエイト", "advertiser", ""),
    (r"バリューコマース|ValueCommerce", "advertiser", ""),
    (r"Amazonアソシエイト(?:・プログラム)?", "advertiser", "amazon"),
    (r"HubSpot", "analytics", "hubspot"),
    (r"Pardot|Account Engagement", "analytics", "salesforce"),
    (r"Salesforce", "platform", "salesforce"),
    (r"Zendesk(?: ?チャット)?", "platform", "zendesk"),
    (r"Intercom", "platform", "intercom"),
    (r"Braze", "analytics", "braze"),
    (r"Stripe(?:\.js)?", "payment", "stripe"),
    (r"PayPal", "payment", "paypal"),
    (r"PayPay", "payment", "paypay"),
    (r"Amazon ?Pay", "payment", "amazon"),
    (r"Square", "payment", "square"),
    (r"Amazon Web Services|AWS", "platform", "amazon"),
    (r"Supabase(?: Auth)?", "platform", "supabase"),
    (r"Vercel", "platform", "vercel"),
    (r"Cloudflare", "platform", "cloudflare"),
    (r"SendGrid", "platform", "twilio"),
    (r"Twilio", "platform", "twilio"),
    (r"OneTrust", "platform", "onetrust"),
    (r"Google ?Cloud(?: Platform)?|GCP", "platform", "google"),
    (r"Google ?Workspace", "platform", "google"),
    (r"Microsoft ?Azure|Azure(?: OpenAI)?", "platform", "microsoft"),
    (r"Microsoft ?365", "platform", "microsoft"),
    (r"OpenAI", "platform", "openai"),
    (r"Anthropic", "platform", "anthropic"),
    (r"Slack", "platform", ""),
    (r"Zoom", "platform", ""),
    (r"Dropbox", "platform", ""),
    (r"GitHub", "platform", ""),
    (r"Netlify", "platform", ""),
    (r"Heroku", "platform", ""),
    (r"Resend", "platform", ""),
    (r"Mailchimp", "platform", ""),
    (r"kintone", "platform", ""),
    (r"Shopify", "platform", ""),
)

# Vendors' company names as policies write them; a tool's entry takes the one of its vendor.
COMPANIES: dict[str, str] = {
    "google": (r"Google(?: LLC\.?| Inc\.?| Ireland Limited|社|合同会社|(?=による|が(?:提供|運営|管理)|の提供する))|(?<=[（(])Google(?=[）)])"
               r"|グーグル(?:合同会社|株式会社)"),
    "meta": r"Meta Platforms,? ?Inc\.?|Meta Platforms Ireland Limited|Facebook,? Inc\.|Facebook Japan株式会社",
    "line": r"LINEヤフー株式会社|LINE株式会社|LY Corporation",
    "yahoo": r"LINEヤフー株式会社|ヤフー株式会社|LY Corporation",
    "x": r"X Corp\.?|Twitter,? Inc\.|Twitter Japan株式会社|Twitter社",
    "tiktok": r"TikTok Pte\.? ?Ltd\.?|Bytedance Pte\.? ?Ltd\.?|ByteDance株式会社",
    "linkedin": r"LinkedIn Corporation|リンクトイン・ジャパン株式会社",
    "microsoft": r"Microsoft Corporation|日本マイクロソフト株式会社",
    "criteo": r"Criteo S\.?A\.?|CRITEO株式会社",
    "hotjar": r"Hotjar Ltd\.?",
    "appsflyer": r"AppsFlyer Ltd\.?|AppsFlyer社",
    "adjust": r"[Aa]djust GmbH",
    "applovin": r"AppLovin Corp(?:oration|\.)?",
    "unity": r"Unity Technologies(?: Inc\.)?",
    "adobe": r"Adobe Inc\.|アドビ株式会社",
    "plaid": r"株式会社プレイド",
    "repro": r"Repro株式会社",
    "sentry": r"Functional Software,? Inc\.",
    "mixpanel": r"Mixpanel,? Inc\.",
    "cloudflare": r"Cloudflare,? Inc\.",
    "vercel": r"Vercel,? Inc\.",
    "fancomi": r"株式会社ファンコミュニケーションズ",
    "amazon": r"Amazon Web Services,? Inc\.|Amazon\.com,? Inc\.|アマゾン ?ウェブ ?サービス ?ジャパン合同会社",
    "hubspot": r"HubSpot,? Inc\.",
    "salesforce": r"[Ss]alesforce(?:\.com)?,? [Ii]nc\.|株式会社セールスフォース・ジャパン",
    "zendesk": r"Zendesk,? Inc\.|株式会社Zendesk",
    "intercom": r"Intercom(?:,? Inc\.| R&D Unlimited Company)",
    "braze": r"Braze,? Inc\.",
    "stripe": r"Stripe,? Inc\.|Stripe Japan株式会社|Stripe社",
    "paypal": r"PayPal Pte\.? Ltd\.?|PayPal,? Inc\.",
    "paypay": r"PayPay株式会社",
    "square": r"Square,? Inc\.|Square株式会社",
    "supabase": r"Supabase,? Inc\.",
    "twilio": r"Twilio,? Inc\.|Twilio Ireland Limited",
    "onetrust": r"OneTrust,? LLC",
    "openai": r"OpenAI,? (?:L\.L\.C\.|Inc\.|LLC)",
    "anthropic": r"Anthropic,? (?:PBC|Inc\.)",
}

# Public bodies named by name (F4): recipients of kind `authority`.
AUTHORITIES: tuple[str, ...] = ("金融庁", "国税庁", "警察庁", "消費者庁", "厚生労働省", "外務省", "法務省", "経済産業省", "総務省",
                                "国土交通省", "文部科学省", "年金事務所", "日本年金機構", "国民健康保険団体連合会",
                                "社会保険診療報酬支払基金", "公共職業安定所", "都道府県公安委員会")

# ---------------------------------------------------------------- patterns: companies and tools

# A company named by its legal form (株式会社X, X株式会社, X Inc., X LLC …) or as 「X社」.
_JA_FORM = r"株式会社|有限会社|合同会社|相互会社|一般社団法人|一般財団法人|公益社団法人|公益財団法人|独立行政法人|(?:[(（]株[)）])"
_NAME_CHAR = r"[\u30A0-\u30FF\u3041-\u3096\u3400-\u4DBF\u4E00-\u9FFF々A-Za-z0-9Ａ-Ｚａ-ｚ０-９&＆・\-ー.]"
_LATIN_FORM = (r",? ?(?:Inc\.?|LLC\.?|L\.L\.C\.|Ltd\.?|Limited|Corporation|Corp\.?|GmbH|B\.V\.|N\.V\.|S\.A\.|SAS|SARL|ApS|PBC"
               r"|Pte\.? ?Ltd\.?|Pvt\.? ?Ltd\.?|Co\., ?Ltd\.?|Incorporated|AG|PLC|plc)(?![A-Za-z])")
_COMPANY = re.compile(
    rf"(?P<prefixed>(?:{_JA_FORM})[ \u3000]?(?P<name>{_NAME_CHAR}{{1,30}}(?: (?!http)[A-Za-z0-9][A-Za-z0-9&.\-]*)*))"
    rf"|(?P<suffixed>(?![・\-ー.&＆]){_NAME_CHAR}{{1,30}}?(?<![\u3041-\u3096])(?:{_JA_FORM}))"
    rf"|(?P<latin>(?<![A-Za-z0-9&'.\-])[A-Z][A-Za-z0-9&'.\-]{{0,30}}(?: [A-Z0-9&][A-Za-z0-9&'.\-]{{0,30}}){{0,5}}{_LATIN_FORM})"
    rf"|(?P<sha>(?<![A-Za-z0-9!.\-])[A-Z][A-Za-z0-9!.\-]{{1,30}}社)")
# Where a name before its legal form begins (after 「である」「の」「は」…; not inside a word of
# kana, 「はやぶさ債権回収株式会社」), and where one after its legal form ends.
_NAME_CUT = re.compile(r".*(?:(?<![\u3041-\u3096])[のがはをにとやへでも]+|である|による|として|および|及び|並びに|または|又は|より|から|等)")
_PARTICLE = re.compile(r"が|の|は|を|に|と|や|へ|で|より|から|等|など|および|及び|並びに|または|又は")
_NOT_A_COMPANY = re.compile(rf"(?:{_JA_FORM})|[当弊本同各他貴]社|.{{0,2}}社|(?:その他|関連|子|親|グループ|提携)?(?:の)?(?:{_JA_FORM})")
# Vendors named alone on a line of a 外部送信 list (「■Facebook（Facebook、Instagram）」「・LINE」).
_VENDOR_LINE = re.compile(r"^[ \u3000・●■◆*＊\-]*(?P<name>Google|グーグル|Meta|Facebook|LINE|Yahoo!?(?: JAPAN)?|ヤフー|X|Twitter|TikTok"
                          r"|Microsoft|Amazon|Apple)[ \u3000]*(?:$|[（(])")
# The first cell of a table's header row, not a tool.
_HEADER_CELL = re.compile(r"サービス|名称|ツール|送信先|提供者|事業者|Cookie|クッキー|名前|項目|種類|目的")
# The word after a tool's name that belongs to it (「AppsFlyer SDK」), and the words that make an ad
# product's name its purpose (「LINE広告の配信」).
_TOOL_SUFFIX = re.compile(r" ?(?:SDK|API|CDN|埋め込みプレーヤー|動画|Turnstile|Firestore|Pages|CloudFront)")
_PURPOSE_OF_AD = re.compile(r"の(?:配信|効果|表示|成果)")
# What may come before a company that heads a list item (「・」「(1)」), and after a company named
# only for the link to its policy (「Google社のプライバシーポリシー」).
_LIST_ITEM = re.compile(r"[ \u3000・●■◆*＊\-（(0-9０-９.)）]*$")
_POLICY_LINK = re.compile(r"[ \u3000]*(?:の|による)?(?:プライバシー|ポリシー|サイト|ページ|利用規約|ヘルプ|広告設定|オプトアウト|データ)")
_TRANSMISSION_SECTION = re.compile(r"外部送信|[Cc]ookie|クッキー")
_AUTHORITIES = re.compile("|".join(AUTHORITIES))

# ---------------------------------------------------------------- patterns: what a clause says around a value

# A statement that ends in a refusal (「…は取得しません」「…は含まれません」) covers the items before it
# (F1); 「…できません」 (an inability) does not.
_NEGATION = re.compile(r"(?:(?<!でき)(?<!られ)ません|しない(?:でください)?|ありません|なし)(?=[)）」]*(?:。|$|ので|が、|[(（]))")
# Where the scope of a negation begins: a sentence, a 「が、」 clause, 「ただし」.
_SCOPE_BREAK = re.compile(r"。|が、|ただし|但し|なお、|一方")
# Items given as examples of a kind of information, not as items obtained.
_EXAMPLES = re.compile(r"個人を(?:特定|識別)(?:でき|す)る(?:ような)?(?:情報|もの)[（(][^）)]*[）)]"
                       r"|[^、。（(]{0,60}など(?:の)?個人を(?:特定|識別)(?:でき|す)る(?:情報|もの)")
# A table's header row: three or more short cells (「名前 | 提供者 | 目的 | 有効期間」).
_HEADER_ROW = re.compile(r"[^|、。]{1,10}(?: \| [^|、。]{1,10}){2,}")
# Words after an item that make it the object of a purpose, not an item obtained.
_PURPOSE_AFTER = re.compile(r"(?:の|を)?(?:分析|把握|調査|改善|向上|測定|計測|最適化)|に(?:応じ|合わせ|合っ|基づ)")
# Rights a cookie clause states: stopping ads, withdrawing consent.
_COOKIE_RIGHTS = ("marketing_opt_out", "consent_withdrawal")
# A heading that names a topic, and opt-outs, state no purpose of their own.
_HEADING_ABOUT = re.compile(r"(?:について|に関して|とは)[】」]?$")
_OPT_OUT = re.compile(r"無効|オプトアウト|停止|拒否|削除")
_TRACKING_PURPOSES = ("advertising", "analytics", "personalization", "security", "service")
# A purpose item with no word of the taxonomy that provides, runs or handles something: `service`.
_SERVICE_ITEM = re.compile(r"提供|管理|運営|運用|実施|手配|作成|受付|送付|発送|手続|履行|遂行|処理|受領")
# A definition of a term names examples of it, not what the business obtains (F1).
_DEFINITION = re.compile(r"とは[、,]?[^。]{0,200}?(?:をいい|を言い|を指し|を意味し|のことを?いい|をいう|のことです)")
_RECEIVED = re.compile(r"お送りいただ|提供いただ|入力いただ|登録いただ|提供を受け|提供される|取得(?:した|する)|収集(?:した|する)|お預かり")
_EU_REGIME = re.compile(r"(?:の|は)?(?:一般データ保護規則|加盟国|GDPR|一般|から|を日本|と日本|域内)")
_COOKIE_LIFETIME = re.compile(r"[Cc]ookie|クッキー|有効期(?:限|間)")
_FEE_CONTEXT = re.compile(r"手数料|費用|円|無料|無償")
_YEN = re.compile(r"(?:金)?(?<![0-9０-９,，])[0-9０-９][0-9０-９,，]{0,20}[ \u3000]?円|(?<![一二三四五六七八九十百千万])[一二三四五六七八九十百千万]{1,12}円")
_POSTAGE = re.compile(r"郵送|郵便|送料|切手|返信用|書留")
_FREE = re.compile(r"無料|無償|(?:手数料|費用)(?:は|を|として)?[^。]{0,8}?(?:いただいていません|いただいておりません|いただきません|申し受けません"
                   r"|要しない|要しません|かかりません|徴収しない|徴収しません|不要)")

# ---------------------------------------------------------------- patterns: recipients, channels, contacts

# The APPI exception 「…共同して利用される場合」 does not state a joint use of the business's own.
_JOINT_EXCEPTION = re.compile(r"共同(?:して)?利用(?:される|する)(?:個人データ|場合)")
_JOINT_STATED = re.compile(r"共同(?:して)?利用(?:する|される)?(?:者|個人データの項目|項目|目的)|共同利用(?:者|の(?:範囲|目的|項目))"
                           r"|共同(?:して|で)?利用(?:します|いたします|しています|しております|することがあります)")
# Identity checks and answers are not request channels.
_VERIFICATION = re.compile(r"本人(?:確認|であること)|照合|(?:で|にて)(?:お伝え|回答|ご回答|通知)|回答(?:は|方法)")
# A rights clause that sends the person to the desk (F9): the desk's channels count.
_TO_THE_DESK = re.compile(r"窓口|下記|上記|お?問い?合わ?せ先|問合せ先|連絡先|第[0-9０-９一二三四五六七八九十]+(?:条|項)")
_REQUEST = re.compile(r"請求(?!者)|申請|お?申し?出|ご連絡|お問い?合わ?せ|提出")
_PHONE_RUN = re.compile(r"\+?[(（]?(?<![0-9０-９])[0-9０-９][0-9０-９()（）\-‐‑–—―ー−－ ]{8,38}[0-9０-９]")
_EMAIL_RUN = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64} ?(?:@|＠|\[at\]|\(at\)|［at］|\[@\]|\(@\)|\[アットマーク\]|\(アットマーク\)|（アットマーク）) ?"
                        r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")

# ---------------------------------------------------------------- patterns: operator

# How a policy names its operator (F12): 「X（以下「当社」）は」, 「当社（X）は」, 「当支部（「X」をいいます」;
# labels (「屋号：X」「事業者の名称 | X」); a contact line that starts with a company's name; how it
# names its service (「X（以下「本アプリ」）」); 「Xが運営する」; the subject of the opening sentence.
_WORDS = r"[^\s、。「」『』（()）:：,，|]{1,40}(?:[ \u3000][^\s、。「」『』（()）:：,，|]{1,30}){0,5}?"
_SELF_NAMED = re.compile(
    rf"(?P<name>{_WORDS})[ \u3000]*[（(](?:[^（()）]{{0,30}}[、,])?(?:以下|以降)[、,]?[^（()）]{{0,6}}(?:当|弊|私|運営者|開発者|事務局|委員会|本部|組合|協会"
    r"|本(?!サービス|アプリ|サイト|ウェブ|ポリシー|方針|規程|通知|書|ゲーム|システム))"
    r"|^[ \u3000]*当[^\s（(、。]{0,4}[（(]「?(?P<inner>[^（()）「」]{2,40})」?(?:[）)]|をいい)")
_SERVICE_NAMED = re.compile(rf"(?P<name>{_WORDS})[ \u3000]*[（(](?:[^（()）]{{0,30}}[、,])?(?:以下|以降)")
_RUNNER = re.compile(rf"(?P<name>{_WORDS})(?:が|の)(?:運営|提供|開発|開発・運営|運営・提供)する")
_NAME_LABEL = re.compile(
    r"(?:屋号|事業者名称?|事業者の名称|事業者|運営者名?|運営会社|運営法人|運営元|開設者|開発者名?|配布者名?|提供者名?|店名|会社名|法人名|商号|社名"
    r"|販売業者|運営|個人情報取扱事業者(?:の名称)?|名称)[ \u3000]*(?:[:：]|[ \u3000]?\|[ \u3000]?)[ \u3000]*"
    r"(?P<name>[^|\n（(【「、。/／]{1,60}?)[ \u3000]*(?=$|[（(|【、。/／]"
    r"|[ \u3000](?:代表|理事長|院長|所在|住所|〒|TEL|電話|個人情報|連絡先|メール|E-?mail|運営責任者))")
_COMPANY_LINE = re.compile(rf"^[ \u3000*＊#・]*(?P<name>(?:{JA_LEGAL_FORMS})[ \u3000]?[^\s、。（(「]{{1,30}}(?: [A-Za-z0-9]+)*|[^\s、。（(「]{{1,30}}?(?:{JA_LEGAL_FORMS}))(?=[\s\u3000*]|$)")
_SUBJECT = re.compile(r"^[ \u3000]*(?P<name>[^\s、。「」『』（()）:：|]{2,30}?)(?:では|は)[、,，]")
_ABOUT_DATA = re.compile(r"情報|ポリシー|方針")
_PARTICLES_IN_SUBJECT = re.compile(r"[をがにやてた]")
_NAME_HEAD = re.compile(r".*(?:は|では|が|、)(?=株式会社|有限会社|合同会社|一般|公益|社会|医療法人|学校法人|税理士法人|特定非営利)")
_NAME_TAIL = re.compile(r"(?:が|を|および|及び|並びに|その他|の(?:運営|提供))|[ \u3000]+(?:総務部|法人本部|担当|連絡先|運営責任者|代表"
                        r"|個人情報|お問|相談|窓口|カスタマー|顧客)")
_ENDS_IN_FORM = re.compile(rf"(?:{JA_LEGAL_FORMS})$")
_LEGAL_PERSON = re.compile(rf"{JA_LEGAL_FORMS}|法人|組合|(?<![A-Za-z])(?:Inc|LLC|Ltd|Co\.|Corp|GmbH|ApS|K\.K\.)")
# Words no operator's name holds: the policy's own terms, placeholders, headings.
_NOT_A_NAME = re.compile(r"^(?:[0-9０-９]+[.．)）]?)?(?:当|弊|本|私|ここ|これ|それ|下記|上記|次)|当(?:社|館|院|店|園|サイト|サービス)|個人情報"
                         r"|プライバシー|ポリシー|方針|お客|利用者|ユーザー|規約|以下|この|という|サイト|【|○○|XX|ＸＸ|[Cc]ookie|クッキー|と$"
                         r"|^(?:株式会社|有限会社|合同会社)$|サービス名|送信|目的|^事業者$|^第三者$|自身|自社|自ら")
# Clauses that name someone else: the accredited body for complaints (JIPDEC and the like).
_NOT_OPERATOR = re.compile(r"認定個人情報保護団体|日本情報経済社会推進協会|JIPDEC|苦情解決の申出先")
# A person in charge of personal data is not the representative (F12).
_MANAGER = re.compile(r"管理者|管理責任者|責任者|窓口|担当")
_ABOUT_OPERATOR = re.compile(r"事業者|運営者|会社概要|責任を有する者|お問い?合わ?せ|窓口")
# The accredited body, councils and consumer centres have addresses of their own.
_OTHER_BODY = re.compile(r"認定個人情報保護団体|日本情報経済社会推進協会|JIPDEC|苦情(?:の)?解決の申出先|協議会|紛争解決センター|消費生活センター"
                         r"|国民生活センター|個人情報保護委員会")
_ADDRESS_LABEL = re.compile(r"^[ \u3000・]*(?:所[ \u3000]*在[ \u3000]*地|住[ \u3000]*所|本社|Address)[ \u3000]*(?:[:：]|[ \u3000]*\|)[ \u3000]*"
                            r"(?P<address>[^\s|※（(]+(?:[ \u3000][^\s|※（(:：]+){0,3})")
_PLACE = re.compile(r"[0-9０-９]|[都道府県市区町村]|[A-Za-z]{4}")
_PLACEHOLDER = re.compile(r"○|△|[XxＸ]{2}|記載|開示|請求")
# A line that goes on with the address of the line before: the town, the block, the building.
_ADDRESS_PIECE = re.compile(r"^[^。、:：]{2,40}$")
_ADDRESS_PIECE_WORDS = re.compile(r"[都道府県](?=.{0,6}[市区町村郡])|[市区町村郡].*[0-9０-９]|丁目|番地|ビル|タワー|会館|[0-9０-９](?:階|F|Ｆ)$")
_NOT_ADDRESS = re.compile(r"TEL|Tel|電話|FAX|Fax|ファックス|メール|[Mm]ail|連絡先|代表|受付|窓口|担当|http")
_POSTCODE_LINE = re.compile(r"^[ \u3000]*(?P<address>〒[ \u3000]?[0-9０-９]{3}[-‐－―ー−][0-9０-９]{4})[ \u3000]*$")
# What ends an address: a note, a parenthesis that is not the building's, a mail label, a company.
_ADDRESS_TAIL = re.compile(r"[ \u3000]*(?:※|[（(](?![^）)]*(?:ビル|階|F|Ｆ|内)[)）])|[Mm]ail|MAIL|〕|】|\||に(?:本店|本社|所在)"
                           r"|(?<=\S)[ \u3000]+(?=[^\s]*(?:株式会社|有限会社|合同会社)))")

# ---------------------------------------------------------------- how much the rules read

_OPENING = 6   # clauses at the start where the operator names itself
_CLOSING = 6   # clauses at the end: signature lines
_BLOCK = 6     # clauses after a tool's line that describe its transmission
_PIECE = 2000  # clauses longer than this are read in pieces
_VALUES_PER_CLAUSE = 16  # values of a normaliser whose words are looked for in one clause
_JUNK = " \u3000\t「」『』()（）[]【】<>〈〉\"'“”‘’、,。:：|・"  # around a span: not part of it

# Which clause labels each rule reads (the rights rule also reads the fee and the channels).
_GATES = {
    "data_types": {"collection", "purpose", "third_party", "cookies", "international", "retention"},
    "purposes": {"purpose", "cookies"},
    "recipients": {"third_party", "international", "cookies"},
    "countries": {"international"},
    "retention": {"retention"},
    "rights": {"rights"},
    "security": {"security", "international"},
    "contacts": {"contact"},
}


def _compile(lexicon: dict[str, tuple[str, ...]]) -> list[tuple[str, re.Pattern]]:
    return [(value, re.compile("|".join(f"(?:{p})" for p in patterns))) for value, patterns in lexicon.items()]


_LEXICONS = {name: _compile(lexicon) for name, lexicon in (
    ("data_types", DATA_TYPES), ("purposes", PURPOSES), ("rights", RIGHTS), ("request_channels", REQUEST_CHANNELS),
    ("security", SECURITY), ("recipient_kinds", RECIPIENT_KINDS), ("retention", RETENTION))}
_TOOLS = [(re.compile(pattern), kind, vendor) for pattern, kind, vendor in TOOLS]
_VENDORS = {vendor: re.compile(pattern) for vendor, pattern in COMPANIES.items()}


# ---------------------------------------------------------------- results

class Evidence(NamedTuple):
    """One value and the words that state it: ``text == document_text[start:end]``.  ``entry``
    numbers the ``transmissions`` entry a ``transmissions.*`` value belongs to (None elsewhere)."""
    field: str
    value: Any
    clause: int
    start: int
    end: int
    text: str
    entry: int | None = None


_LIST_FIELDS = ("data_types", "purposes", "recipients", "recipient_kinds", "countries", "retention", "rights")
_LATE_LIST_FIELDS = ("request_channels", "security")


@dataclass
class PolicyFields:
    """The fields of one policy, held as the evidence of each of their values."""
    doc: str
    evidence: list[Evidence] = field(default_factory=list)

    def values(self, name: str) -> list:
        """The values of field ``name``, each once, in order of first evidence."""
        return list(dict.fromkeys(e.value for e in self.evidence if e.field == name))

    def transmissions(self) -> list[dict]:
        """One ``{service, recipient, data_types, purposes}`` per transmission entry."""
        entries: dict[int, dict] = {}
        for e in self.evidence:
            if e.entry is None:
                continue
            entry = entries.setdefault(e.entry, {"service": None, "recipient": None, "data_types": [], "purposes": []})
            part = e.field.removeprefix("transmissions.")
            if part in ("service", "recipient"):
                entry[part] = entry[part] or e.value
            elif e.value not in entry[part]:
                entry[part].append(e.value)
        return [entries[number] for number in sorted(entries)]

    def to_dict(self) -> dict:
        """One JSON-able record of the policy's fields and their evidence."""
        first = {e.field: e.value for e in reversed(self.evidence)}
        return {
            "doc": self.doc,
            "operator": {part: first.get(f"operator.{part}") for part in ("name", "address", "representative")},
            "contacts": {"emails": self.values("contacts.emails"), "phones": self.values("contacts.phones")},
            **{name: self.values(name) for name in _LIST_FIELDS},
            "fee": first.get("fee"),
            **{name: self.values(name) for name in _LATE_LIST_FIELDS},
            "transmissions": self.transmissions(),
            "evidence": [{k: v for k, v in e._asdict().items() if k != "entry" or v is not None} for e in self.evidence],
        }

    def _repr_html_(self) -> str:
        """In Jupyter: each value with the words that state it, highlighted."""
        from .render import fields_html

        return str(fields_html(self))

    def value_sets(self) -> dict[str, set]:
        """``{field: set of values}`` in the form ``jprivacy.data.fields.policy_values`` gives the
        gold: names by :func:`name_key`, transmissions by service (or recipient) name."""
        sets: dict[str, set] = defaultdict(set)
        for e in self.evidence:
            if e.entry is None:
                sets[e.field].add(name_key(e.value) if e.field in NAME_FIELDS else e.value)
        for entry in self.transmissions():
            name = entry["service"] or entry["recipient"]
            if name:
                sets["transmissions"].add(name_key(name))
        return dict(sets)


# ---------------------------------------------------------------- reading clauses

class _Clause(NamedTuple):
    """A clause record, or a piece of a long one: its number, document offsets, words, heading
    path and labels."""
    index: int
    start: int
    end: int
    text: str
    section: str
    labels: frozenset


def _labels(value) -> frozenset:
    if isinstance(value, str):
        return frozenset(re.split(r"[,;\s]+", value.strip())) - {""}
    try:
        return frozenset(str(v) for v in value)
    except TypeError:
        return frozenset()


def _clauses(text: str, records) -> list[_Clause]:
    """The clause records as clauses whose text is the document's words at their offsets, a
    clause longer than ``_PIECE`` characters cut in pieces (after a comma, space or bar where
    there is one), so that no rule reads more than a piece at once.  Records that do not fit the
    text are left out."""
    clauses = []
    for position, r in enumerate(records):
        try:
            start, end = int(r["start"]), int(r["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if not 0 <= start < end <= len(text):
            continue
        try:
            index = int(r.get("clause", position))
        except (TypeError, ValueError):
            index = position
        section = r.get("section")
        section = section if isinstance(section, str) else ""
        labels = _labels(r.get("labels", ()))
        while end - start > _PIECE:
            cut = max(text.rfind(sep, start + _PIECE // 2, start + _PIECE) for sep in ("、", " ", "|", "，", ","))
            cut = cut + 1 if cut > 0 else start + _PIECE
            clauses.append(_Clause(index, start, cut, text[start:cut], section, labels))
            start = cut
        clauses.append(_Clause(index, start, end, text[start:end], section, labels))
    return sorted(clauses, key=lambda c: (c.start, c.index))


def _hits(text: str, lexicon: list[tuple[str, re.Pattern]]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, value) of the lexicon's words in ``text``, the longest first."""
    found = [(m.start(), m.end(), value) for value, pattern in lexicon for m in pattern.finditer(text) if m.end() > m.start()]
    found.sort(key=lambda h: (h[0] - h[1], h[0]))
    taken: list[tuple[int, int, str]] = []
    covered = bytearray(len(text) + 1)
    for start, end, value in found:
        if not any(covered[start:end]):
            covered[start:end] = b"\1" * (end - start)
            taken.append((start, end, value))
    return sorted(taken)


def _span(text: str, holds: Callable[[str], bool]) -> tuple[int, int]:
    """The shortest ``text[s:e]`` for which ``holds`` is true (``holds(text)`` is), found by
    bisection: the first end, then the last start; all of ``text`` if that fails."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if holds(text[:middle]) else (middle + 1, high)
    end, low, high = low, 0, low
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if holds(text[middle:end]) else (low, middle - 1)
    return (low, end) if end > low and holds(text[low:end]) else (0, len(text))


class _Refusals:
    """Where ``text`` refuses (「…は取得しません」): a refusal covers the words from the last
    sentence, 「が、」 or 「ただし」 before it up to it.  ``covers(position)`` is a bisection."""

    def __init__(self, text: str):
        breaks = [m.end() for m in _SCOPE_BREAK.finditer(text)]
        self.ends, self.starts = [], []
        at = 0
        for m in _NEGATION.finditer(text):
            while at < len(breaks) and breaks[at] <= m.start():
                at += 1
            self.ends.append(m.start())
            self.starts.append(breaks[at - 1] if at else 0)

    def covers(self, position: int) -> bool:
        """Whether a refusal after ``position`` reaches back to it."""
        after = bisect.bisect_right(self.ends, position)
        return after < len(self.ends) and self.starts[after] <= position

    def scope(self, position: int) -> tuple[int, int] | None:
        """(start, end) of the words the first refusal after ``position`` covers."""
        after = bisect.bisect_right(self.ends, position)
        return (self.starts[after], self.ends[after]) if after < len(self.ends) else None


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding spaces, brackets and list punctuation."""
    while start < end and text[start] in _JUNK:
        start += 1
    while end > start and text[end - 1] in _JUNK:
        end -= 1
    return start, end


class _Reader:
    """Collects the evidence of one policy, and what the rules remember from clause to clause."""

    def __init__(self, text: str, clauses: list[_Clause]):
        self.text, self.clauses = text, clauses
        self.evidence: list[Evidence] = []
        self.desk: list[Evidence] = []    # request channels of the contact desk (F9: see _desk_channels)
        self.seen: set[tuple] = set()
        self.operator: str | None = None  # name_key of the operator's name
        self.own: set[int] = {id(c) for i, c in enumerate(clauses)  # clauses not about another body (JIPDEC…)
                              if not any(_OTHER_BODY.search(x.text) and x.section == c.section
                                         for x in clauses[max(0, i - 3): i + 1])}
        self.joint_use = any(_JOINT_STATED.search(c.text) and not _JOINT_EXCEPTION.search(c.text)
                             for c in clauses if "third_party" in c.labels)
        self.entries: dict[tuple, int] = {}  # a tool (its row of TOOLS, or its name) -> its entry
        self.owned: set[int] = set()         # entries whose recipient is named
        self.block: list[tuple[int, str]] = []  # entries (and vendors) of the tool lines being read
        self.block_left, self.block_section = 0, ""

    def add(self, field: str, value, index: int, start: int, end: int, entry: int | None = None,
            into: list[Evidence] | None = None) -> None:
        """Record a value stated by ``text[start:end]`` (document offsets) of clause ``index``,
        once per clause; a transmission's recipient is also one of the policy's recipients."""
        start, end = _strip_span(self.text, start, end)
        if value is None or start >= end:
            return
        key = (field, name_key(value) if field in NAME_FIELDS else value, index, entry, into is None)
        if key in self.seen:
            return
        self.seen.add(key)
        (self.evidence if into is None else into).append(
            Evidence(field, value, index, start, end, self.text[start:end], entry))
        if field == "transmissions.recipient":
            self.owned.add(entry)
            self.add("recipients", value, index, start, end)

    def add_name(self, field: str, clause: _Clause, start: int, end: int, entry: int | None = None) -> None:
        """Record the words at ``start:end`` (offsets in the clause) as a name."""
        start, end = _strip_span(self.text, clause.start + start, clause.start + end)
        if start < end:
            self.add(field, self.text[start:end], clause.index, start, end, entry)

    def lexicon(self, field: str, clause: _Clause, lexicon: str | None = None,
                keep: Callable[[int, int, str], bool] | None = None, into: list[Evidence] | None = None) -> None:
        """Record the lexicon's values in the clause; ``keep(start, end, value)`` may leave hits out."""
        for start, end, value in _hits(clause.text, _LEXICONS[lexicon or field]):
            if keep is None or keep(start, end, value):
                self.add(field, value, clause.index, clause.start + start, clause.start + end, into=into)

    def entry(self, clause: _Clause, start: int, end: int, row: int) -> int:
        """The transmission entry of the tool named at ``start:end`` of the clause (``row`` of
        ``TOOLS``, or -1 for a tool the lexicon does not know), its name recorded."""
        key = ("tool", row) if row >= 0 else ("name", name_key(clause.text[start:end]))
        number = self.entries.setdefault(key, len(self.entries))
        self.add_name("transmissions.service", clause, start, end, number)
        return number

    def finish(self) -> None:
        """A tool whose company is never named is itself a recipient (FIELDS.md)."""
        for e in list(self.evidence):
            if e.field == "transmissions.service" and e.entry not in self.owned:
                self.add("recipients", e.value, e.clause, e.start, e.end)
                self.owned.add(e.entry)


def _has(clause: _Clause, rule: str) -> bool:
    return bool(clause.labels & _GATES[rule])


# ---------------------------------------------------------------- the rules, field by field

def _data_types(reader: _Reader, clause: _Clause) -> None:
    """Items the business obtains (F1): not in a definition of 個人情報, a refusal, an example of
    a kind of information or a table's header, nor the words of a purpose (「利用状況の分析」)."""
    text = clause.text
    if (_DEFINITION.search(text) and not _RECEIVED.search(text)) or _HEADER_ROW.fullmatch(text):
        return
    refusals = _Refusals(text)
    examples = [m.span() for m in _EXAMPLES.finditer(text)]
    reader.lexicon("data_types", clause, keep=lambda start, end, value: (
        not refusals.covers(start) and not any(a <= start < b for a, b in examples)
        and not _PURPOSE_AFTER.match(text, end)))


def _purposes(reader: _Reader, clause: _Clause) -> None:
    """Purposes stated in purpose clauses (a list item naming none that provides or handles
    something is `service`), and the tracking purposes of cookie clauses; not in headings
    (「アクセス解析ツールについて」), refusals (「広告には利用しません」) or opt-outs."""
    text = clause.text
    tracking_only = "purpose" not in clause.labels
    if _HEADING_ABOUT.search(text) or (tracking_only and _OPT_OUT.search(text)):
        return
    refusals = _Refusals(text)

    def refused(start: int) -> bool:
        scope = refusals.scope(start)
        return scope is not None and scope[0] <= start and "以外" not in text[scope[0]:scope[1]]

    hits = [h for h in _hits(text, _LEXICONS["purposes"]) if not refused(h[0])]
    for start, end, value in hits:
        if not tracking_only or value in _TRACKING_PURPOSES:
            reader.add("purposes", value, clause.index, clause.start + start, clause.start + end)
    if not hits and not tracking_only and len(text) <= 60 and _SERVICE_ITEM.search(text):
        reader.add("purposes", "service", clause.index, clause.start, clause.end)


def _normalised(reader: _Reader, field: str, clause: _Clause, read: Callable[[str], list],
                keep: Callable[[str, int, int], bool] = lambda value, start, end: True) -> None:
    """Record each value ``read`` finds in the clause (at most ``_VALUES_PER_CLAUSE``), with the
    shortest words that state it."""
    for value in read(clause.text)[:_VALUES_PER_CLAUSE]:
        start, end = _span(clause.text, lambda window: value in read(window))
        if keep(value, clause.start + start, clause.start + end):
            reader.add(field, value, clause.index, clause.start + start, clause.start + end)


def _countries(reader: _Reader, clause: _Clause) -> None:
    """Countries data goes to; the EU named for its regime (「EUの一般データ保護規則」「EU加盟国」) or
    beside a member state (「アイルランド（EU）」) is not a destination of its own."""
    text = reader.text
    _normalised(reader, "countries", clause, country_codes, keep=lambda value, start, end: not (
        value == "EU" and (_EU_REGIME.match(text, end) or (start > 0 and text[start - 1] in "(（"))))


def _retention(reader: _Reader, clause: _Clause) -> None:
    """Stated periods, 「目的達成まで」 and 「法令の定める期間」 (F6); cookie lifetimes are not retention."""
    if "cookies" in clause.labels and _COOKIE_LIFETIME.search(clause.text):
        return
    _normalised(reader, "retention", clause, retention_values)
    reader.lexicon("retention", clause)


def _rights(reader: _Reader, clause: _Clause) -> None:
    """Rights a rights clause states (F7), or the opt-outs and withdrawals of a cookie clause."""
    if _has(clause, "rights"):
        reader.lexicon("rights", clause)
    else:
        reader.lexicon("rights", clause, keep=lambda start, end, value: value in _COOKIE_RIGHTS)


def _fee(reader: _Reader, clause: _Clause) -> None:
    """The request fee (F8): each amount of the clause that is not postage, 「無料」 and the like;
    else the normaliser's reading of the clause as a whole (postage when nothing else is stated)."""
    text = clause.text
    if not _FEE_CONTEXT.search(text):
        return
    found = False
    for m in _YEN.finditer(text):
        start = max(max(text.rfind(sep, max(0, m.start() - 40), m.start()) + 1 for sep in "、。（(・"), m.start() - 40, 0)
        value = None if _POSTAGE.search(text, start, m.end()) else fee_yen(text[start:m.end()])
        if value is not None:
            found = True
            reader.add("fee", value, clause.index, clause.start + m.start(), clause.start + m.end())
    for m in _FREE.finditer(text):
        found = True
        reader.add("fee", 0, clause.index, clause.start + m.start(), clause.start + m.end())
    value = None if found else fee_yen(text)
    if value is not None:
        start, end = _span(text, lambda window: fee_yen(window) == value)
        reader.add("fee", value, clause.index, clause.start + start, clause.start + end)


def _channels(reader: _Reader, clause: _Clause, into: list[Evidence] | None = None) -> None:
    """Ways to make a request (F9): words (郵送, フォーム…), and the e-mail addresses and phone
    numbers given; not the ways the business checks identity or answers (「登録住所への郵送で確認」)."""
    text = clause.text
    if _VERIFICATION.search(text) and not _REQUEST.search(text):
        return
    refusals = _Refusals(text)
    reader.lexicon("request_channels", clause, keep=lambda start, end, value: not refusals.covers(start), into=into)
    for m in _EMAIL_RUN.finditer(text):
        reader.add("request_channels", "email", clause.index, clause.start + m.start(), clause.start + m.end(), into=into)
    for m in _PHONE_RUN.finditer(text):
        if phone_digits(text[max(0, m.start() - 20): m.end()]):
            reader.add("request_channels", "phone", clause.index, clause.start + m.start(), clause.start + m.end(),
                       into=into)


def _desk_channels(reader: _Reader) -> None:
    """The desk's channels are request channels when the rights clauses send the person to the
    desk or name no channel themselves (F9)."""
    named = {(e.value, e.clause) for e in reader.evidence if e.field == "request_channels"}
    if not named or any(_TO_THE_DESK.search(c.text) for c in reader.clauses if _has(c, "rights")):
        reader.evidence += [e for e in reader.desk if (e.value, e.clause) not in named]


def _contacts(reader: _Reader, clause: _Clause) -> None:
    """E-mail addresses and phone numbers (not FAX numbers) of the desk."""
    text = clause.text
    for m in _EMAIL_RUN.finditer(text):
        reader.add("contacts.emails", email(m.group()), clause.index, clause.start + m.start(), clause.start + m.end())
    for m in _PHONE_RUN.finditer(text):
        digits = phone_digits(text[max(0, m.start() - 20): m.end()])
        if digits and digits[1:] in re.sub(r"\D", "", unicodedata.normalize("NFKC", m.group())):
            reader.add("contacts.phones", digits, clause.index, clause.start + m.start(), clause.start + m.end())


def _security(reader: _Reader, clause: _Clause) -> None:
    """Safeguards the business describes (F10); in an international clause only the foreign
    regime, and not the contractor's confidentiality agreement of a 委託 clause."""
    foreign_only = "security" not in clause.labels
    contractor = "委託" in clause.text
    reader.lexicon("security", clause, keep=lambda start, end, value: (
        (not foreign_only or value == "external_environment") and not (contractor and value in ("human", "organizational"))))


# ---------------------------------------------------------------- operator

def _operator(reader: _Reader) -> None:
    """The operator's name, representative and address, from the opening clauses, the contact
    clauses and the signature lines (F12, F13); not those of another body (JIPDEC…)."""
    clauses = reader.clauses
    contact = [c for c in clauses if _has(c, "contacts") or _ABOUT_OPERATOR.search(c.section)]
    found = _operator_name(clauses, contact)
    if found:
        clause, start, end = found
        reader.add_name("operator.name", clause, start, end)
        reader.operator = name_key(clause.text[start:end])
    where = {id(c) for c in contact + clauses[:_OPENING] + clauses[-_CLOSING:]} & reader.own
    for c in (c for c in clauses if id(c) in where):
        if _MANAGER.search(c.text) and "代表" not in c.text:
            continue
        span = representative_span(c.text)
        if span:
            reader.add_name("operator.representative", c, *span)
            break
    operator = found[0].text[found[1]:found[2]] if found else ""
    previous = None
    for c in clauses:
        if id(c) in reader.own and (_has(c, "contacts") or _ABOUT_OPERATOR.search(c.section) or _ADDRESS_LABEL.match(c.text)):
            span = _address_span(c, previous, operator)
            if span:
                reader.add_name("operator.address", c, *span)
            previous = c if span else None


def _operator_name(clauses: list[_Clause], contact: list[_Clause]) -> tuple[_Clause, int, int] | None:
    """(clause, start, end) of the operator's name (F12).  Candidates, in order: how the opening
    names the business (「X（以下「当社」）は」), a label (「屋号：X」), the normaliser's reading of
    the opening, contact and closing clauses, a contact line that starts with a company's name,
    how the opening names a service (「X（以下「本アプリ」）」), 「Xが運営する」 and the subject of
    the opening sentence.  The first that names a legal person (株式会社, 法人, LLC…) wins, else
    the first."""
    opening, closing = clauses[:_OPENING], clauses[-_CLOSING:]
    signed = opening + contact + closing

    def matches(pattern: re.Pattern, where: list[_Clause]):
        for c in where:
            if not _NOT_OPERATOR.search(c.text):
                for m in pattern.finditer(c.text):
                    yield c, m.start(m.lastgroup), m.end(m.lastgroup)

    def names():
        yield from matches(_SELF_NAMED, opening)
        yield from matches(_NAME_LABEL, signed)
        for c in signed:
            name = operator_name(c.text) if not _NOT_OPERATOR.search(c.text) else None
            at = c.text.find(name) if name else -1
            if at >= 0:
                yield c, at, at + len(name)
        yield from matches(_COMPANY_LINE, contact + closing)
        yield from matches(_SERVICE_NAMED, opening)
        yield from matches(_RUNNER, opening)
        for c, start, end in matches(_SUBJECT, [c for c in opening if _ABOUT_DATA.search(c.text)]):
            if not _PARTICLES_IN_SUBJECT.search(c.text, start, end):
                yield c, start, end

    candidates = []
    for c, start, end in names():
        start, end = _trim_name(c.text, start, end)
        if start < end and not _NOT_A_NAME.search(c.text[start:end]):
            if _LEGAL_PERSON.search(c.text[start:end]):
                return c, start, end
            candidates.append((c, start, end))
    return candidates[0] if candidates else None


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """A name without the words before it (「本通知は、株式会社X」) or after it (「…が提供する」)."""
    head = _NAME_HEAD.match(text, start, end)
    if head:
        start = head.end()
    tail = _NAME_TAIL.search(text, start, end)
    if tail and not _ENDS_IN_FORM.search(text, start, end):  # 「…株式会社」 is whole
        end = tail.start()
    return _strip_span(text, start, end)


def _address_span(clause: _Clause, previous: _Clause | None, operator: str) -> tuple[int, int] | None:
    """Where the clause states the operator's postal address, or a piece of it (F13): the
    normaliser's reading without what follows it (a note, the business's name), a labelled
    address, a line with the postcode only, or the town or building on the line after."""
    text = clause.text
    value = address(text)
    if value and not _PLACEHOLDER.search(value) and text.find(value) >= 0:
        start = text.find(value)
        end = start + len(value)
        at = text.find(operator[:6], start + 4) if len(operator) >= 4 else -1
        end = at if 0 < at < end else end
        tail = _ADDRESS_TAIL.search(text, start, end)
        return start, tail.start() if tail else end
    m = _ADDRESS_LABEL.match(text) or _POSTCODE_LINE.match(text)
    if m and _PLACE.search(m.group("address")) and not _PLACEHOLDER.search(m.group("address")):
        return m.span("address")
    if (previous is not None and previous.index == clause.index - 1 and _ADDRESS_PIECE.match(text)
            and _ADDRESS_PIECE_WORDS.search(text) and not _NOT_ADDRESS.search(text)):
        return 0, len(text)
    return None


# ---------------------------------------------------------------- recipients and transmissions

def _companies(text: str) -> list[tuple[int, int]]:
    """(start, end) of the company names in ``text``: legal forms, known vendors' names and
    「X社」, without the words around them (「委託先であるX株式会社が」), none inside another."""
    spans = []
    for m in _COMPANY.finditer(text):
        start, end = m.start(), m.end()
        if m.lastgroup == "prefixed":
            tail = _PARTICLE.search(text, m.start("name") + 1, end)
            end = tail.start() if tail else end
        elif m.lastgroup == "suffixed":
            head = _NAME_CUT.match(text, start, end - 2)
            start = head.end() if head else start
        if end - start >= 2 and not _NOT_A_COMPANY.fullmatch(text, start, end):
            spans.append((start, end))
    for pattern in _VENDORS.values():
        spans += [m.span() for m in pattern.finditer(text)]
    spans.sort(key=lambda s: (s[0], -s[1]))
    outermost, reach = [], -1
    for start, end in spans:
        if end > reach:
            outermost.append((start, end))
            reach = end
    return outermost


def _tools(text: str, companies: list[tuple[int, int]]) -> list[tuple[int, int, str, str, int]]:
    """(start, end, kind, vendor, row) of the tools of ``TOOLS`` named in ``text`` with the word
    after them (「SDK」「API」), the earlier row winning where two overlap; not inside a company's
    name (「Vercel Inc.」), an ad product's purpose (「LINE広告の配信」) or a refusal."""
    found: list[tuple[int, int, str, str, int]] = []
    taken = bytearray(len(text) + 1)
    for start, end in companies:
        taken[start:end] = b"\2" * (end - start)
    refusals = _Refusals(text)
    for row, (pattern, kind, vendor) in enumerate(_TOOLS):
        for m in pattern.finditer(text):
            suffix = _TOOL_SUFFIX.match(text, m.end())
            end = suffix.end() if suffix else m.end()
            if (b"\1" not in taken[m.start():end] and taken[m.start():m.end()].count(2) < m.end() - m.start()
                    and not _PURPOSE_OF_AD.match(text, m.end()) and not refusals.covers(m.start())):
                taken[m.start():end] = b"\1" * (end - m.start())
                found.append((m.start(), end, kind, vendor, row))
    return sorted(found)


def _unlisted_tool(text: str, companies: list[tuple[int, int]]) -> list[tuple[int, int, str, str, int]]:
    """A tool the lexicon does not know: a vendor named alone on a line of a 外部送信 list
    (「・LINE」), or the first cell of a row whose other cells name its company."""
    m = _VENDOR_LINE.match(text)
    if m:
        return [(m.start("name"), m.end("name"), "", "", -1)]
    cells = text.split(" | ")
    start, end = _strip_span(text, 0, len(cells[0]))
    if (len(cells) >= 3 and 1 < end - start <= 40 and not _HEADER_CELL.search(cells[0])
            and companies and companies[0][0] >= len(cells[0])):
        return [(start, end, "", "", -1)]
    return []


def _recipients(reader: _Reader, clause: _Clause, transmission: bool) -> None:
    """Kinds of recipient, named recipients (companies, public bodies, tools; F4) and, in a cookie
    or 外部送信 clause, the transmission entries of the tools or companies it names (F11)."""
    text = clause.text
    if not _HEADING_ABOUT.search(text):
        for start, end, kind in _hits(text, _LEXICONS["recipient_kinds"]):
            if kind != "joint_user" or (reader.joint_use and not _JOINT_EXCEPTION.search(text)):
                reader.add("recipient_kinds", kind, clause.index, clause.start + start, clause.start + end)
    companies = [s for s in _companies(text) if name_key(text[s[0]:s[1]]) != reader.operator]
    tools = _tools(text, companies)
    in_tools = bytearray(len(text) + 1)
    for start, end, *_ in tools:
        in_tools[start:end] = b"\1" * (end - start)
    companies = [(start, end) for start, end in companies if not any(in_tools[start:end])]
    vendors: dict[str, tuple[int, int]] = {}
    for start, end in companies:
        reader.add_name("recipients", clause, start, end)
        for vendor, pattern in _VENDORS.items():
            if pattern.fullmatch(text, start, end):
                vendors.setdefault(vendor, (start, end))
    for m in _AUTHORITIES.finditer(text):
        reader.add_name("recipients", clause, m.start(), m.end())
        reader.add("recipient_kinds", "authority", clause.index, clause.start + m.start(), clause.start + m.end())
    for start, end, kind, *_ in tools:
        reader.add("recipient_kinds", kind, clause.index, clause.start + start, clause.start + end)

    def owner(vendor: str) -> tuple[int, int] | None:
        """The company beside a tool that receives its data: its vendor's, else the one company of
        a clause that names one tool."""
        return vendors.get(vendor) or (companies[0] if len(tools) == 1 and len(companies) == 1 else None)

    if not transmission:
        for start, end, _, vendor, _ in tools:
            if not owner(vendor):
                reader.add_name("recipients", clause, start, end)
        return
    tools = tools or _unlisted_tool(text, companies)
    if tools:
        reader.block = []
        for start, end, _, vendor, row in tools:
            entry = reader.entry(clause, start, end, row)
            company = owner(vendor)
            if company:
                reader.add_name("transmissions.recipient", clause, *company, entry)
            reader.block.append((entry, vendor))
        reader.block_left, reader.block_section = _BLOCK, clause.section
    elif companies and len(reader.block) == 1 and reader.block_left > 0:
        if reader.block[0][0] not in reader.owned:
            reader.add_name("transmissions.recipient", clause, *companies[0], reader.block[0][0])
    elif companies and (" | " in text or _LIST_ITEM.fullmatch(text, 0, companies[0][0])):
        for start, end in companies:
            if not _POLICY_LINK.match(text, end):
                entry = reader.entries.setdefault(("name", name_key(text[start:end])), len(reader.entries))
                reader.add_name("transmissions.recipient", clause, start, end, entry)


def _entry_items(reader: _Reader, clause: _Clause) -> None:
    """Data types and purposes of the transmission entries whose block the clause is in: the
    tool's own clause and the few after it in its section (F11)."""
    if not reader.block or reader.block_left <= 0 or clause.section != reader.block_section:
        reader.block = []
        return
    reader.block_left -= 1
    for name, lexicon in (("transmissions.data_types", "data_types"), ("transmissions.purposes", "purposes")):
        for start, end, value in _hits(clause.text, _LEXICONS[lexicon]):
            for entry, _ in reader.block:
                reader.add(name, value, clause.index, clause.start + start, clause.start + end, entry)


# ---------------------------------------------------------------- extract

# Folds that keep every offset (one character for one): full-width ASCII (Ｇｏｏｇｌｅ) and the
# no-break and ideographic spaces.  NFKC would change lengths (㈱ → (株)), so it is not used here.
_WIDTH = {**{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}, 0x00A0: 0x20, 0x3000: 0x20}


def extract(doc: str, text: str, records) -> PolicyFields:
    """The fields of the policy ``doc`` whose text is ``text`` (empty: rebuilt from the records), read from its clause records
    (dicts, DataFrame rows or a DataFrame, with ``clause``, ``start``, ``end``, ``section`` and
    ``labels``): each value with its evidence, offsets into ``text``."""
    if hasattr(records, "to_dict") and hasattr(records, "columns"):
        records = records.to_dict("records")
    records = list(records) if records is not None else []
    # records read back from a file come without their document: rebuild it from their words
    original = text if isinstance(text, str) and text else records_text(records)
    text = original.translate(_WIDTH)  # the rules read full-width Latin and odd spaces as usual ones
    clauses = _clauses(text, records)
    reader = _Reader(text, clauses)
    _operator(reader)
    has_rights = any(_has(c, "rights") for c in clauses)
    for clause in clauses:
        transmission = "cookies" in clause.labels or bool(_TRANSMISSION_SECTION.search(clause.section))
        if _has(clause, "data_types"):
            _data_types(reader, clause)
        if _has(clause, "purposes"):
            _purposes(reader, clause)
        if _has(clause, "recipients"):
            _recipients(reader, clause, transmission)
        if transmission:
            _entry_items(reader, clause)
        if _has(clause, "countries"):
            _countries(reader, clause)
        if _has(clause, "retention"):
            _retention(reader, clause)
        if _has(clause, "rights") or "cookies" in clause.labels:
            _rights(reader, clause)
        if _has(clause, "rights"):
            _fee(reader, clause)
            _channels(reader, clause)
        if _has(clause, "security"):
            _security(reader, clause)
        if _has(clause, "contacts") and id(clause) in reader.own:
            _contacts(reader, clause)
            if has_rights:
                _channels(reader, clause, into=reader.desk)
    reader.finish()
    _desk_channels(reader)
    reader.evidence.sort(key=lambda e: (e.start, e.end))
    if original != text:  # the words as the policy writes them
        reader.evidence = [e._replace(text=original[e.start:e.end]) for e in reader.evidence]
    return PolicyFields(doc, reader.evidence)
