"""The fields of many policies as DataFrames: one row per policy, or every value's evidence in
long form.

>>> fields = [f for f in tagger.iter_fields(["crawl/"]) if not isinstance(f, jprivacy.ReadError)]
>>> fields_table(fields)        # doc, operator_name, ..., data_types (lists), transmissions ...
>>> evidence_frame(fields)      # doc, field, value, clause, start, end, text
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

EVIDENCE_COLUMNS = ["doc", "field", "value", "entry", "clause", "start", "end", "text"]


def fields_table(fields: Iterable) -> pd.DataFrame:
    """One row per policy (:class:`~jprivacy.extract.PolicyFields`): the operator's and the
    contacts' parts as columns of their own, the set-valued fields as list-valued columns."""
    rows = []
    for policy in fields:
        record = policy.to_dict()
        record.pop("evidence")
        operator, contacts = record.pop("operator"), record.pop("contacts")
        rows.append({"doc": record.pop("doc"), **{f"operator_{k}": v for k, v in operator.items()},
                     **{f"contacts_{k}": v for k, v in contacts.items()}, **record})
    return pd.DataFrame(rows)


def evidence_frame(fields: Iterable) -> pd.DataFrame:
    """Every value of every policy with the words that state it: doc, field, value, entry (for
    ``transmissions.*``), clause, start, end, text (``text == document[start:end]``)."""
    return pd.DataFrame([{"doc": policy.doc, **e._asdict()} for policy in fields for e in policy.evidence],
                        columns=EVIDENCE_COLUMNS)
