"""The fields of many policies as DataFrames: one row per policy, or every value's evidence in
long form.

>>> fields = [f for f in tagger.iter_fields(["crawl/"]) if not isinstance(f, jprivacy.ReadError)]
>>> fields_table(fields)        # doc, operator_name, ..., data_types (lists), transmissions ...
>>> evidence_frame(fields)      # doc, field, value, clause, start, end, text
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd
import pyarrow as pa

EVIDENCE_COLUMNS = ["doc", "field", "value", "entry", "clause", "start", "end", "text"]


TABLE_COLUMNS = ["doc", "operator_name", "operator_address", "operator_representative", "contacts_emails",
                 "contacts_phones", "data_types", "purposes", "recipients", "recipient_kinds", "countries",
                 "retention", "rights", "fee", "request_channels", "security", "transmissions"]


def _policies(fields: Iterable) -> list:
    """The PolicyFields among ``fields`` (what ``iter_fields`` gives: a ReadError is skipped)."""
    from .readers import ReadError

    return [f for f in fields if not isinstance(f, ReadError)]


def fields_table(fields: Iterable) -> pd.DataFrame:
    """One row per policy (:class:`~jprivacy.extract.PolicyFields`): the operator's and the
    contacts' parts as columns of their own, the set-valued fields as list-valued columns."""
    rows = []
    for policy in _policies(fields):
        record = policy.to_dict()
        record.pop("evidence")
        operator, contacts = record.pop("operator"), record.pop("contacts")
        rows.append({"doc": record.pop("doc"), **{f"operator_{k}": v for k, v in operator.items()},
                     **{f"contacts_{k}": v for k, v in contacts.items()}, **record})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def evidence_frame(fields: Iterable) -> pd.DataFrame:
    """Every value of every policy with the words that state it: doc, field, value, entry (for
    ``transmissions.*``), clause, start, end, text (``text == document[start:end]``)."""
    return pd.DataFrame([{"doc": policy.doc, **e._asdict()} for policy in _policies(fields) for e in policy.evidence],
                        columns=EVIDENCE_COLUMNS)


_LISTS = ("data_types", "purposes", "recipients", "recipient_kinds", "countries", "retention", "rights",
          "request_channels", "security")
# a policy's fields as `jprivacy fields` writes them to Parquet and tag_dataset(fields=True) gives them:
# one fixed schema, whatever values a run meets; nested values as JSON text (outputs.arrow_table)
FIELD_SCHEMA = pa.schema([("doc", pa.string()), ("operator", pa.string()), ("contacts", pa.string()),
                          *[(name, pa.list_(pa.string())) for name in _LISTS], ("fee", pa.int64()),
                          ("transmissions", pa.string()), ("evidence", pa.string())])

