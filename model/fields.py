"""The fields a policy states (../shared/FIELDS.md): their names, value sets and how values compare.

A clause label says *where* a policy discloses a practice; a field says *what* it discloses.
This module is the single source of field names and taxonomies, used by the annotated field
corpus (``jprivacy.data.fields``), its checks and the scoring of extracted values.

Values are either an id of a closed set (``data_types``, ``purposes``, ``recipient_kinds``,
``rights``, ``request_channels``, ``security``), an ISO code (``countries``), an ISO 8601
duration or ``until_purpose``/``legal`` (``retention``), an integer (``fee``, yen), a
normalised string (``contacts.emails`` lower-cased, ``contacts.phones`` digits only), or a name
read from the policy's words (``operator.*``, ``recipients``, ``transmissions.service``/
``recipient``), compared after :func:`name_key`.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["FIELDS", "TAXONOMIES", "NAME_FIELDS", "ENTRY_FIELDS", "POLICY_FIELDS", "value_problem",
           "name_key", "normalise_text", "normalise_value"]

DATA_TYPES = ("name", "birth_date", "gender", "address", "phone", "email", "account", "payment",
              "transactions", "usage", "ip_address", "device_id", "device_info", "cookie", "location",
              "content", "profile", "career", "government_id", "health", "sensitive", "biometric",
              "social_account")
PURPOSES = ("service", "support", "billing", "marketing", "advertising", "analytics", "development",
            "personalization", "security", "legal", "hiring")
RECIPIENT_KINDS = ("contractor", "joint_user", "group_company", "advertiser", "analytics", "payment",
                   "platform", "authority", "other_third_party")
RIGHTS = ("disclosure", "correction", "suspension", "third_party_stop", "provision_record",
          "purpose_notice", "consent_withdrawal", "marketing_opt_out", "account_deletion")
REQUEST_CHANNELS = ("mail", "email", "web_form", "phone", "in_person", "app")
SECURITY = ("organizational", "human", "physical", "technical", "external_environment")

TAXONOMIES: dict[str, tuple[str, ...]] = {
    "data_types": DATA_TYPES, "purposes": PURPOSES, "recipient_kinds": RECIPIENT_KINDS, "rights": RIGHTS,
    "request_channels": REQUEST_CHANNELS, "security": SECURITY,
    "transmissions.data_types": DATA_TYPES, "transmissions.purposes": PURPOSES,
}
# Fields whose value is the policy's own words (read from the offsets, never stored as text).
NAME_FIELDS = ("operator.name", "operator.address", "operator.representative", "recipients",
               "transmissions.service", "transmissions.recipient")
# Fields whose spans belong to one entry of ``transmissions``.
ENTRY_FIELDS = ("transmissions.service", "transmissions.recipient", "transmissions.data_types",
                "transmissions.purposes")
FIELDS: tuple[str, ...] = (
    "operator.name", "operator.address", "operator.representative", "contacts.emails", "contacts.phones",
    "data_types", "purposes", "recipients", "recipient_kinds", "countries", "retention", "rights", "fee",
    "request_channels", "security", *ENTRY_FIELDS,
)
# The keys of a policy's fields as scored: span fields, with the transmissions counted by service.
POLICY_FIELDS: tuple[str, ...] = tuple(f for f in FIELDS if not f.startswith("transmissions.")) + ("transmissions",)

_DURATION = re.compile(r"P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_LEGAL_FORMS = re.compile(r"株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|公益社団法人|公益財団法人"
                          r"|\(株\)|\(有\)|inc\.?|llc\.?|ltd\.?|co\.,?|corp\.?|corporation|limited|[\s・,.、]",
                          re.IGNORECASE)
_BRACKETS = "「」『』()[]【】〈〉<>\"'“”‘’"


def normalise_text(text: str) -> str:
    """NFKC, surrounding spaces and brackets removed (FIELDS.md, "Normalising")."""
    return unicodedata.normalize("NFKC", text).strip().strip(_BRACKETS).strip()


def name_key(text: str) -> str:
    """The form two names are compared in: NFKC, legal forms (株式会社, Inc., LLC…) and spaces
    removed, case folded.  ``name_key("Google LLC") == name_key("google")``."""
    key = normalise_text(_LEGAL_FORMS.sub("", unicodedata.normalize("NFKC", text))).casefold()
    return key or normalise_text(text).casefold()


_WEEKS = re.compile(r"P(\d+)W")


def normalise_value(field: str, value):
    """A stored value in its one canonical form: weeks as days (``P2W`` → ``P14D``), e-mail
    addresses lower-cased, phone numbers as digits."""
    if field == "retention" and isinstance(value, str) and _WEEKS.fullmatch(value):
        return f"P{int(_WEEKS.fullmatch(value).group(1)) * 7}D"
    if field == "contacts.emails" and isinstance(value, str):
        return value.strip().lower()
    if field == "contacts.phones" and isinstance(value, str):
        return re.sub(r"\D", "", unicodedata.normalize("NFKC", value))
    return value


def value_problem(field: str, value) -> str | None:
    """Why ``value`` is not a valid stored value of ``field``, or None when it is."""
    if field not in FIELDS:
        return f"unknown field {field!r}"
    if field in TAXONOMIES:
        return None if value in TAXONOMIES[field] else f"{value!r} is not an id of {field}"
    if field in NAME_FIELDS:
        return None if value is None else "a name's value is read from its offsets and stored as null"
    if field == "countries":
        return None if isinstance(value, str) and _COUNTRY.fullmatch(value) else f"{value!r} is not an ISO 3166 alpha-2 code"
    if field == "retention":
        ok = isinstance(value, str) and (value in ("until_purpose", "legal") or _DURATION.fullmatch(value))
        return None if ok else f"{value!r} is not an ISO 8601 duration, until_purpose or legal"
    if field == "fee":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else f"{value!r} is not a fee in yen (a non-negative integer)"
    if field == "contacts.emails":
        ok = isinstance(value, str) and "@" in value and value == value.lower()
        return None if ok else f"{value!r} is not a lower-cased e-mail address"
    if field == "contacts.phones":
        return None if isinstance(value, str) and value.isdigit() else f"{value!r} is not a phone number in digits"
    return None
