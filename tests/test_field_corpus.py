"""The field annotations: standoff records, their checks, agreement and loading."""

import json
from pathlib import Path

import pytest

from jprivacy.data import POLICIES
from jprivacy.data import fields as corpus
from jprivacy.fields import FIELDS, NAME_FIELDS, POLICY_FIELDS, name_key, normalise_value, value_problem
from jprivacy.readers import read_document
from jprivacy.segment import segment

DEV = Path(corpus.DEFAULT_EVAL) / "dev"


def project_doc() -> tuple[str, str, list]:
    path = sorted(POLICIES.glob("h101_*"))[0]
    document = read_document(path)
    return path.name, document.text, segment(document.text, document.headings)


def test_every_record_points_at_words_inside_its_clause_and_names_are_not_stored():
    records = corpus.read_records(corpus.FIELD_DIR / "pass_a.jsonl")
    assert records and all(r["field"] in FIELDS for r in records)
    assert all(r["value"] is None for r in records if r["field"] in NAME_FIELDS)
    assert not any("text" in r or "quote" in r for r in records)  # no words of any policy in the files
    own = [r for r in records if not r["doc"].startswith("w")]
    for r in own[:2000]:
        text, clauses, _ = corpus._document(corpus.text_path(r["doc"]))
        clause = clauses[r["clause"]]
        assert clause.start <= r["start"] < r["end"] <= clause.end


def test_importing_quotes_gives_offsets_whose_words_are_the_quote():
    doc, text, clauses = project_doc()
    i = next(i for i, c in enumerate(clauses) if "氏名" in c.text)
    nth = clauses[i].text.count("氏名")
    quotes = [{"doc": doc.rsplit(".", 1)[0], "clause": i, "field": "data_types", "quote": "氏名", "value": "name",
               "nth": nth},
              {"doc": doc, "clause": i, "field": "retention", "quote": "氏名", "value": "P2W"}]
    records = corpus.import_quotes(quotes)
    assert {r["doc"] for r in records} == {doc}
    for r in records:
        assert text[r["start"]:r["end"]] == "氏名" and r["sha256"] == corpus.sha256(text)
    assert {r["value"] for r in records} == {"name", "P14D"}  # weeks are stored as days
    with pytest.raises(ValueError, match="quote not found"):
        corpus.import_quotes([{**quotes[0], "quote": "存在しない語句"}])


def test_validation_finds_bad_records(tmp_path):
    doc, text, clauses = project_doc()
    good = corpus.import_quotes([{"doc": doc, "clause": 3, "field": "purposes", "quote": clauses[3].text[:2],
                                  "value": "service"}])[0]
    bad = [
        {**good, "value": "shopping"},                       # not an id of the taxonomy
        {**good, "field": "countries", "value": "USA"},      # not ISO alpha-2
        {**good, "field": "fee", "value": "1000"},           # not an integer
        {**good, "field": "recipients", "value": "株式会社サンプル"},  # names are never stored
        {**good, "start": clauses[4].start, "end": clauses[4].start + 2},  # outside its clause
        {**good, "sha256": "0" * 64},                        # another text
        {**good, "field": "transmissions.service", "value": None},  # no entry number
    ]
    problems = corpus.validate_fields([good], "t")
    assert problems == []
    for record in bad:
        assert len(corpus.validate_fields([record], "t")) == 1, record


def test_words_that_also_occur_in_the_evaluation_texts_are_flagged_and_never_loaded(tmp_path):
    if not DEV.is_dir():
        pytest.skip("no ../shared/eval here")
    eval_text = corpus._eval_text(None)
    doc, text, clauses = project_doc()
    shared = next((c for c in clauses if len(c.text) >= 20 and c.text in eval_text), None)
    records = corpus.read_records(corpus.FIELD_DIR / "pass_a.jsonl")
    flagged = [r for r in records if r.get("eval_overlap")]
    assert flagged, "standard phrases shared with the evaluation texts are flagged"
    frame = corpus.load_field_frame(log=lambda m: None)
    assert not set(zip(frame.doc, frame.start, frame.field)) & {(r["doc"], r["start"], r["field"]) for r in flagged}
    if shared is not None:
        quote = {"doc": doc, "clause": clauses.index(shared), "field": "purposes", "quote": shared.text[:25],
                 "value": "service"}
        assert corpus.import_quotes([quote])[0].get("eval_overlap") is True


def test_the_field_frame_has_clause_origin_and_split():
    frame = corpus.load_field_frame(log=lambda m: None)
    assert {"doc", "clause", "field", "entry", "value", "start", "end", "text", "origin", "split"} <= set(frame.columns)
    assert set(frame.origin) >= {"in-house", "seed"} and set(frame.split) <= {"train", "validation", "test"}
    assert frame.split.notna().all()
    names = frame[frame.field == "operator.name"]
    assert len(names) and (names.value == names.text.map(lambda t: t.strip())).mean() > 0.9
    # a name's value is read from the words at its offsets
    for row in frame[frame.origin != "wild"].head(300).itertuples():
        text, _, _ = corpus._document(corpus.text_path(row.doc))
        assert text[row.start:row.end] == row.text


def test_agreement_is_span_and_policy_set_f1_per_field():
    doc, text, clauses = project_doc()
    a = corpus.import_quotes([{"doc": doc, "clause": 3, "field": "purposes", "quote": clauses[3].text[:4],
                               "value": "service"},
                              {"doc": doc, "clause": 4, "field": "purposes", "quote": clauses[4].text[:4],
                               "value": "billing"}])
    b = corpus.import_quotes([{"doc": doc, "clause": 3, "field": "purposes", "quote": clauses[3].text[1:3],
                               "value": "service"}])
    result = corpus.agreement(a, b)
    assert result["policies"] == 1
    assert result["span_f1"]["purposes"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert result["policy_f1"]["purposes"]["recall"] == 0.5 and set(result["policy_f1"]) == set(POLICY_FIELDS)


def test_the_dev_gold_covers_the_twelve_dev_policies_and_passes_its_checks():
    gold = corpus.read_records(corpus.DEV_DIR / "gold.jsonl")
    assert {r["doc"] for r in gold} == {f"p{n:03d}" for n in (1, 4, 8, 13, 14, 16, 18, 19, 25, 26, 36, 39)}
    if DEV.is_dir():
        assert corpus.validate_fields(gold, "gold", eval_dir=DEV.parent, check_eval=False) == []


def test_values_and_names_normalise_as_fields_md_says():
    assert name_key("Google LLC") == name_key("google") == name_key("ＧＯＯＧＬＥ")
    assert name_key("株式会社サンプル") == name_key("サンプル") == name_key("㈱サンプル")
    assert normalise_value("contacts.phones", "０３−１２３４−５６７８") == "0312345678"
    assert normalise_value("contacts.emails", " Info@Example.JP") == "info@example.jp"
    assert value_problem("retention", "P1Y6M") is None and value_problem("retention", "P") is not None
    assert value_problem("fee", True) is not None and value_problem("fee", 0) is None


def test_validate_data_checks_field_records(tmp_path, monkeypatch, capsys):
    from jprivacy.cli import main

    folder = tmp_path / "fields"
    (folder / "dev").mkdir(parents=True)
    doc, text, clauses = project_doc()
    record = corpus.import_quotes([{"doc": doc, "clause": 3, "field": "purposes", "quote": clauses[3].text[:2],
                                    "value": "service"}])[0]
    (folder / "pass_a.jsonl").write_text(json.dumps({**record, "value": "nonsense"}) + "\n")
    monkeypatch.setattr(corpus, "FIELD_DIR", folder)
    monkeypatch.setattr(corpus, "DEV_DIR", folder / "dev")
    assert main(["validate-data"]) == 1
    assert "'nonsense' is not an id of purposes" in capsys.readouterr().err
