"""Score field extraction (``Tagger.fields``) against a field gold: per field, the sets of values
each policy states.

    jprivacy evaluate-fields [GOLD] [--model M] [--eval-dir ../shared/eval] [--json scores.json]

GOLD is a standoff file like ``data/fields/dev/gold.jsonl`` (the dev field gold: offsets into the
texts of ``EVAL_DIR/dev``).  Set-valued fields get micro precision, recall and F1 over the
policies (names compared as ../shared/FIELDS.md says; ``transmissions`` by service); the
operator's name, address and representative and the fee also get an accuracy: a policy counts
as right when the one value extraction gives is among the gold's values, or both have none.
"""

from __future__ import annotations

from pathlib import Path

from jprivacy.data.fields import (DEV_DIR, policy_values, read_records, set_scores, text_path, with_text)
from jprivacy.errors import UsageError
from jprivacy.fields import POLICY_FIELDS, name_key

SINGLE = ("operator.name", "operator.address", "operator.representative", "fee")
DEFAULT_GOLD = DEV_DIR / "gold.jsonl"


def evaluate_fields(tagger, gold: str | Path = DEFAULT_GOLD, eval_dir: str | Path | None = None) -> dict:
    """Scores of ``tagger.fields`` on every policy of ``gold``: ``{"policies", "fields": {field:
    {precision, recall, f1, support}}, "accuracy": {field: share}, "macro_f1"}``."""
    records = read_records(Path(gold))
    if not records:
        raise UsageError(f"{gold}: no field records")
    problems: list[str] = []
    gold_values = policy_values(with_text(records, eval_dir=eval_dir, log=problems.append))
    if problems:
        raise UsageError(f"{gold}: {problems[0]}")
    docs = sorted({r["doc"] for r in records})
    predicted, singles = {}, {}
    for doc in docs:
        fields = tagger.fields_file(text_path(doc, eval_dir=eval_dir))
        predicted[doc] = fields.value_sets()
        record = fields.to_dict()
        singles[doc] = {**{f"operator.{part}": record["operator"][part] for part in ("name", "address",
                                                                                   "representative")},
                        "fee": record["fee"]}
    scores = set_scores(gold_values, predicted, docs)
    accuracy = {}
    for field in SINGLE:
        right = 0
        for doc in docs:
            value, expected = singles[doc][field], gold_values.get(doc, {}).get(field, set())
            key = name_key(value) if isinstance(value, str) and field != "fee" else value
            right += (value is None and not expected) or (value is not None and key in expected)
        accuracy[field] = round(right / len(docs), 4)
    scored = [scores[f]["f1"] for f in POLICY_FIELDS if scores[f]["support"]]
    return {"policies": len(docs), "fields": scores, "accuracy": accuracy,
            "macro_f1": round(sum(scored) / len(scored), 4) if scored else 0.0}


def format_field_scores(result: dict) -> str:
    """:func:`evaluate_fields` as a table: one row per field, then the accuracies."""
    lines = [f"{'field':<26}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for field, m in result["fields"].items():
        lines.append(f"{field:<26}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>10d}")
    lines.append(f"{'macro (fields with support)':<26}{'':>20}{result['macro_f1']:>10.3f}")
    lines += [f"{'accuracy ' + field:<36}{share:>10.3f}" for field, share in result["accuracy"].items()]
    lines.append(f"{result['policies']} policies")
    return "\n".join(lines)
