"""Field annotations: the values a policy states (../shared/FIELDS.md), as standoff records.

Every record points at the words that state a value: ``{doc, clause, field, start, end, value,
sha256}`` (+ ``entry`` for the spans of one ``transmissions`` entry).  ``start``/``end`` index the
text :func:`jprivacy.readers.read_document` gives for the policy, ``clause`` is the segmenter's
clause that holds the span, and ``sha256`` is the digest of that text.  No text is stored: a
name's value (operator, recipients, services) is read from the offsets when the text is loaded.

- ``fields/pass_a.jsonl``, ``fields/pass_b.jsonl``, ``fields/adjudicated.jsonl``: the training
  corpus (real policies of ``../shared/wild``, seeds and in-house policies); the adjudicated
  records replace pass A's for the double-annotated policies.
- ``fields/dev/pass_1.jsonl``, ``pass_2.jsonl``, ``gold.jsonl``: the policy-level field gold of
  the 12 dev policies of ``../shared/eval/dev`` (two independent passes and their adjudication),
  never trained on.

Annotators wrote each value with the quoted words and the clause number; ``import`` turns such a
file into standoff records (it finds the quote in the clause) and drops the quotes::

    python -m jprivacy.data.fields import QUOTES.jsonl --into pass_a
    python -m jprivacy.data.fields agreement          # pass A vs pass B, and the dev passes
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

import pandas as pd

from jprivacy.errors import UsageError
from jprivacy.fields import (ENTRY_FIELDS, FIELDS, NAME_FIELDS, POLICY_FIELDS, name_key, normalise_text, normalise_value,
                             value_problem)
from jprivacy.outputs import stream_records
from jprivacy.readers import ReadError, read_document

from . import DATA_DIR, POLICIES, _warn, corpus_splits, is_wild, origin_of, sha256, wild_texts

FIELD_DIR = DATA_DIR / "fields"
DEV_DIR = FIELD_DIR / "dev"
DEFAULT_EVAL = DATA_DIR.parent.parent / "shared" / "eval"
COLUMNS = ["doc", "clause", "field", "entry", "value", "start", "end", "text", "origin", "split"]


def _is_dev(doc: str) -> bool:
    return doc[:1] == "p" and doc[1:].isdigit()


def text_path(doc: str, wild: str | Path | None = None, eval_dir: str | Path | None = None) -> Path:
    """Where the text of ``doc`` is: a wild policy (``w001``), a dev policy (``p001``) or a file of
    ``policies/``."""
    if is_wild(doc):
        return wild_texts(wild) / f"{doc}.txt"
    if _is_dev(doc):
        return Path(eval_dir or DEFAULT_EVAL) / "dev" / f"{doc}.txt"
    return POLICIES / doc


class _Text(NamedTuple):
    text: str
    clauses: list
    sha256: str


@lru_cache(maxsize=64)
def _document(path: Path) -> _Text:
    """A policy's text, clauses and digest, read once for all the records that point into it."""
    document = read_document(path)
    return _Text(document.text, document.segment(), sha256(document.text))


def read_records(path: Path) -> list[dict]:
    return list(stream_records(path, "jsonl")) if Path(path).is_file() else []


@lru_cache(maxsize=4)
def _eval_text(eval_dir: str | Path | None) -> str:
    """The evaluation texts, joined (read once per folder)."""
    folder = Path(eval_dir or DEFAULT_EVAL)
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))) if folder.is_dir() else ""


def import_quotes(quotes: Iterable[dict], wild: str | Path | None = None,
                  eval_dir: str | Path | None = None) -> list[dict]:
    """Standoff records from annotator records ``{doc, clause, field, quote, value[, entry][, nth]}``.

    ``doc`` is a wild or dev id, or the stem or name of a file in ``policies/``; the quote must
    occur in the clause (its ``nth`` occurrence, 1 by default).  A training record whose words
    (20+ characters: standard names and phrases such as 「Amazon Web Services, Inc.」) also occur
    in an evaluation text is kept with ``"eval_overlap": true`` and never trained on."""
    names = {p.stem: p.name for p in POLICIES.iterdir()}
    eval_text = _eval_text(eval_dir)
    out = []
    for r in quotes:
        doc = names.get(r["doc"], r["doc"])
        text, clauses, digest = _document(text_path(doc, wild, eval_dir))
        clause = clauses[r["clause"]]
        at = -1
        for _ in range(r.get("nth", 1)):
            at = clause.text.find(r["quote"], at + 1)
            if at < 0:
                raise UsageError(f"{doc} clause {r['clause']}: quote not found")
        record = {"doc": doc, "clause": r["clause"], "field": r["field"], "start": clause.start + at,
                  "end": clause.start + at + len(r["quote"]), "value": normalise_value(r["field"], r.get("value"))}
        if r["field"] in ENTRY_FIELDS:
            record["entry"] = r["entry"]
        if not _is_dev(doc) and len(r["quote"]) >= 20 and r["quote"] in eval_text:
            record["eval_overlap"] = True
        record["sha256"] = digest
        out.append(record)
    return sorted(out, key=lambda x: (x["doc"], x["start"], x["end"], x["field"], str(x["value"])))


def with_text(records: Iterable[dict], wild: str | Path | None = None, eval_dir: str | Path | None = None,
              log: Callable[[str], None] = _warn) -> list[dict]:
    """Records joined with their texts: ``text`` (the words at the offsets) added, and a name's
    ``value`` read from them.  A policy whose text is missing or changed (SHA-256) is skipped
    with one line."""
    out, skipped, missing = [], set(), set()
    for r in records:
        path = text_path(r["doc"], wild, eval_dir)
        if r["doc"] in skipped or r["doc"] in missing:
            continue
        if not path.is_file():
            missing.add(r["doc"])
            continue
        try:
            text, _, digest = _document(path)
        except ReadError as err:
            log(f"{r['doc']}: {err.reason}; its field records are skipped")
            skipped.add(r["doc"])
            continue
        if digest != r["sha256"]:
            log(f"{r['doc']}: {path} differs from the text its fields were annotated on (SHA-256); skipped")
            skipped.add(r["doc"])
            continue
        words = text[r["start"]:r["end"]]
        value = normalise_text(words) if r["field"] in NAME_FIELDS else r["value"]
        out.append({**r, "text": words, "value": value})
    if missing:
        log(f"{len(missing)} annotated policies have no text here (e.g. {sorted(missing)[0]}); their field records are skipped")
    return out


def final_records(folder: Path = FIELD_DIR) -> list[dict]:
    """Adjudicated records for the double-annotated policies, pass A's elsewhere."""
    adjudicated = read_records(folder / "adjudicated.jsonl")
    done = {r["doc"] for r in adjudicated}
    return [r for r in read_records(folder / "pass_a.jsonl") if r["doc"] not in done] + adjudicated


def load_field_frame(wild: str | Path | None = None, log: Callable[[str], None] = _warn) -> pd.DataFrame:
    """The field corpus, one row per annotated span: doc, clause, field, entry, value, start, end,
    text, origin (``seed``, ``in-house``, ``wild``) and split (the clause corpus's split of the policy)."""
    rows = with_text([r for r in final_records() if not r.get("eval_overlap")], wild=wild, log=log)
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("origin", "split")])
    frame["origin"] = frame["doc"].map(origin_of)
    frame["split"] = frame["doc"].map(corpus_splits())
    frame["entry"] = frame["entry"].astype("Int64")
    return frame


def policy_values(records: Iterable[dict]) -> dict[str, dict[str, set]]:
    """``{doc: {field: set of values}}`` as scored: names by :func:`name_key`, ``transmissions``
    by the services' names (or the recipient's, for an entry with no service)."""
    values: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    entries: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
    for r in records:
        field, value = r["field"], r["value"]
        if field in ("transmissions.service", "transmissions.recipient"):
            entries[(r["doc"], r["entry"])].setdefault(field, name_key(value))
        elif not field.startswith("transmissions."):
            values[r["doc"]][field].add(name_key(value) if field in NAME_FIELDS else value)
    for (doc, _), parts in entries.items():
        name = parts.get("transmissions.service") or parts.get("transmissions.recipient")
        values[doc]["transmissions"].add(name)
    return values


def set_scores(gold: dict[str, dict[str, set]], predicted: dict[str, dict[str, set]],
               docs: Iterable[str] | None = None) -> dict[str, dict]:
    """Per field, micro precision/recall/F1 of the predicted sets against the gold over ``docs``."""
    docs = sorted(set(docs) if docs is not None else set(gold) | set(predicted))
    scores = {}
    for field in POLICY_FIELDS:
        tp = fp = fn = 0
        for doc in docs:
            g, p = gold.get(doc, {}).get(field, set()), predicted.get(doc, {}).get(field, set())
            tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
        scores[field] = _prf(tp, fp, fn)
    return scores


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": tp + fn}


def span_scores(a: list[dict], b: list[dict], docs: Iterable[str]) -> dict[str, dict]:
    """Per field, span-level F1 of B against A: a span matches one of the same policy, field and
    value (names by :func:`name_key`) that overlaps it."""
    docs = set(docs)

    def key(r):
        return (r["doc"], r["field"], name_key(r["value"]) if r["field"] in NAME_FIELDS else r["value"])

    index: dict = defaultdict(list)
    for r in a:
        if r["doc"] in docs:
            index[key(r)].append(r)
    counts = {f: [0, 0, 0] for f in FIELDS}
    used: set[int] = set()
    for r in (r for r in b if r["doc"] in docs):
        match = next((x for x in index[key(r)] if id(x) not in used and x["start"] < r["end"] and r["start"] < x["end"]), None)
        if match is not None:
            used.add(id(match))
            counts[r["field"]][0] += 1
        else:
            counts[r["field"]][1] += 1
    for r in (r for r in a if r["doc"] in docs):
        if id(r) not in used:
            counts[r["field"]][2] += 1
    return {f: _prf(*c) for f, c in counts.items()}


def agreement(a: list[dict], b: list[dict], **where) -> dict:
    """Span-level and policy-level set F1 per field, of B against A, on the policies both annotated."""
    a, b = with_text(a, **where), with_text(b, **where)
    docs = {r["doc"] for r in a} & {r["doc"] for r in b}
    return {"policies": len(docs), "span_f1": span_scores(a, b, docs),
            "policy_f1": set_scores(policy_values(a), policy_values(b), docs)}


def validate_fields(records: Iterable[dict], where: str, wild: str | Path | None = None,
                    eval_dir: str | Path | None = None, check_eval: bool = True) -> list[str]:
    """Problems with field records: field names and values, offsets inside their clause and the
    text, hashes, entries of ``transmissions``, and (``check_eval``) annotated words of 20+
    characters that occur in ``eval_dir``."""
    problems: list[str] = []
    eval_text = _eval_text(eval_dir) if check_eval and eval_dir is not None else ""
    absent: set[str] = set()
    for r in records:
        at = f"{where} {r.get('doc')} {r.get('field')} {r.get('start')}-{r.get('end')}"
        why = value_problem(r.get("field", ""), r.get("value"))
        if why:
            problems.append(f"{at}: {why}")
        if (r.get("field") in ENTRY_FIELDS) != isinstance(r.get("entry"), int):
            problems.append(f"{at}: an entry number is required for transmissions.* and only there")
        path = text_path(r["doc"], wild, eval_dir)
        if not path.is_file():
            absent.add(r["doc"])
            continue
        try:
            text, clauses, digest = _document(path)
        except ReadError as err:
            problems.append(f"{at}: {err.reason}")
            continue
        if digest != r.get("sha256"):
            problems.append(f"{at}: SHA-256 of {path} differs from the record's")
            continue
        clause = clauses[r["clause"]] if isinstance(r.get("clause"), int) and 0 <= r["clause"] < len(clauses) else None
        if clause is None or not (clause.start <= r["start"] < r["end"] <= clause.end):
            problems.append(f"{at}: offsets are not inside clause {r.get('clause')}")
        elif (eval_text and not r.get("eval_overlap") and r["end"] - r["start"] >= 20
              and text[r["start"]:r["end"]] in eval_text):
            problems.append(f"{at}: annotated text also appears in {eval_dir} (mark it eval_overlap: never trained on)")
    # wild texts may be absent (a clone without ../shared/wild): validate_wild says so, once
    missing = sorted(d for d in absent if not is_wild(d))
    if missing:
        problems.append(f"{where}: no text for {len(missing)} annotated policies, e.g. {missing[0]}")
    return problems


def validate(wild: str | Path | None = None, eval_dir: str | Path | None = None) -> list[str]:
    """Problems with every field file of the project (``[]`` when all is consistent)."""
    problems = []
    for name in ("pass_a", "pass_b", "adjudicated"):
        problems += validate_fields(read_records(FIELD_DIR / f"{name}.jsonl"), f"fields/{name}", wild, eval_dir)
    if eval_dir is not None and Path(eval_dir).is_dir():
        for name in ("pass_1", "pass_2", "gold"):
            problems += validate_fields(read_records(DEV_DIR / f"{name}.jsonl"), f"fields/dev/{name}", wild, eval_dir,
                                        check_eval=False)
    return problems


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="turn annotator quote files into standoff records")
    imp.add_argument("quotes", nargs="+")
    imp.add_argument("--into", required=True, help="pass_a, pass_b, adjudicated, dev/pass_1, dev/pass_2 or dev/gold")
    sub.add_parser("agreement", help="agreement of the passes, per field")
    args = parser.parse_args(argv)
    if args.command == "import":
        quotes = [r for q in args.quotes for r in stream_records(Path(q), "jsonl")]
        records = import_quotes(quotes)
        target = FIELD_DIR / f"{args.into}.jsonl"
        kept = [r for r in read_records(target) if r["doc"] not in {x["doc"] for x in records}]
        target.parent.mkdir(parents=True, exist_ok=True)
        merged = sorted(kept + records, key=lambda x: (x["doc"], x["start"], x["end"], x["field"], str(x["value"])))
        target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in merged), encoding="utf-8")
        print(f"{target}: {len(records)} records of {len({r['doc'] for r in records})} policies imported, {len(merged)} in all")
        return
    report = {"corpus": agreement(read_records(FIELD_DIR / "pass_a.jsonl"), read_records(FIELD_DIR / "pass_b.jsonl")),
              "dev": agreement(read_records(DEV_DIR / "pass_1.jsonl"), read_records(DEV_DIR / "pass_2.jsonl"))}
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
