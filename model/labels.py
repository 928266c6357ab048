"""The clause taxonomy: the single source of label names in jprivacy.

Ten categories follow what the Act on the Protection of Personal Information
(個人情報保護法) and the external-transmission rules of the Telecommunications
Business Act (電気通信事業法) expect a policy to disclose.  A clause may carry
several labels; a clause with none is "other".  The annotation rules live in
``data/GUIDELINE.md``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str
    ja: str
    description: str
    opp115: str
    color: str  # used to highlight clauses in reports and notebooks


CATEGORIES: tuple[Category, ...] = (
    Category("collection", "取得・収集",
             "Which personal or user data is obtained, how, and from which source "
             "(forms, logs, devices, partners, social login), including automatic collection.",
             "First Party Collection/Use", "#4e79a7"),
    Category("purpose", "利用目的",
             "Why data is used: each stated purpose, limits on use, changes of purpose, "
             "statistical or anonymised processing as a purpose.",
             "First Party Collection/Use", "#f28e2b"),
    Category("third_party", "第三者提供・委託・共同利用",
             "Data given to anyone outside the business: provision and its legal exceptions, "
             "outsourcing and supervision of contractors, joint use, business succession.",
             "Third Party Sharing/Collection", "#e15759"),
    Category("international", "外国にある第三者・越境移転",
             "Transfer to or storage with parties outside Japan, the foreign country's "
             "data-protection regime, consent to overseas transfer.",
             "International and Specific Audiences", "#76b7b2"),
    Category("retention", "保存期間・削除・正確性",
             "How long data is kept, where it is stored, deletion and disposal, "
             "keeping data accurate and up to date.",
             "Data Retention", "#59a14f"),
    Category("security", "安全管理措置",
             "Organisational, human, physical and technical safeguards, access control, "
             "training, incident response, encryption, supervision of staff.",
             "Data Security", "#edc948"),
    Category("rights", "開示等の請求・本人の選択",
             "The person's requests and choices: disclosure, correction, deletion, suspension, "
             "stopping provision, the procedure, fees and identity check, opting out, "
             "withdrawing consent, deleting an account.",
             "User Access, Edit and Deletion; User Choice/Control", "#b07aa1"),
    Category("cookies", "Cookie・トラッキング・外部送信",
             "Cookies, beacons, SDKs, analytics and advertising tools, advertising IDs, "
             "behavioural targeting, external transmission (外部送信) and how to refuse it.",
             "(Third Party) Collection, User Choice/Control, Do Not Track", "#ff9da7"),
    Category("policy_change", "改定",
             "The policy may change, how changes are announced and take effect, "
             "enactment and revision dates.",
             "Policy Change", "#9c755f"),
    Category("contact", "窓口・事業者情報",
             "Where to send inquiries or complaints, the operator's name, address and "
             "representative, the person responsible for personal data, contact details.",
             "Other: Privacy contact information", "#bab0ac"),
)

LABELS: tuple[str, ...] = tuple(c.name for c in CATEGORIES)
BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}
OTHER = "other"

