"""jprivacy.batch: tagging files into a writer (resumably, with counts), labeling clause records and
writing coverage reports, with progress reported through hooks; and the one JSON Lines reader."""

import json

import pytest

import jprivacy
from jprivacy.batch import Progress, classify_records, report_files, summary_table, tag_files
from jprivacy.data import LABELED, WILD_LABELS, read_labeled_file
from jprivacy.errors import UsageError
from jprivacy.labels import LABELS
from jprivacy.outputs import RecordWriter, iter_json_lines, stream_records, read_records
from jprivacy.readers import ReadError

ENGLISH = "Privacy Policy\nWe collect your name and email address.\nWe use cookies.\n"


class Recorder(Progress):
    def __init__(self):
        self.events = []

    def start(self, total, done=0):
        self.events.append(("start", total, done))

    def note(self, message):
        self.events.append(("note", message))

    def clauses(self, count):
        self.events.append(("clauses", count))

    def advance(self):
        self.events.append(("advance",))


@pytest.fixture(scope="module")
def tagger():
    return jprivacy.load()


def test_tag_files_counts_each_document_and_reports_progress(tagger, tmp_path, seed_policy):
    english = tmp_path / "english.txt"
    english.write_text(ENGLISH, encoding="utf-8")
    progress = Recorder()
    with RecordWriter(tmp_path / "out.jsonl") as writer:
        summary = tag_files(tagger, [seed_policy, tmp_path / "missing.txt", english], writer, progress)
    records = read_records(tmp_path / "out.jsonl")
    for doc in (str(seed_policy), str(english)):
        mine = [r for r in records if r["doc"] == doc]
        assert summary.counts[doc] == {"clauses": len(mine),
                                       **{name: sum(name in r["labels"] for r in mine) for name in LABELS}}
    assert summary.clauses == len(records) and summary.skipped == 0
    assert [e.doc for e in summary.errors] == [str(tmp_path / "missing.txt")]
    assert summary.warnings == [f"warning: {english}: not Japanese text (0 of 3 clauses have kana); "
                                "its labels mean little"]
    assert progress.events[0] == ("start", 3, 0)
    assert progress.events.count(("advance",)) == 3  # each input once, tagged or failed
    assert ("note", summary.warnings[0]) in progress.events
    assert ("clauses", summary.clauses) in progress.events


def test_tag_files_skips_what_a_resumed_writer_already_holds(tagger, tmp_path, seed_policy):
    other = tmp_path / "other.txt"
    other.write_text("当社は、氏名及び住所を取得します。\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with RecordWriter(out) as writer:
        tag_files(tagger, [seed_policy], writer)
    progress = Recorder()
    with RecordWriter(out, resume=True) as writer:
        summary = tag_files(tagger, [seed_policy, other], writer, progress)
    assert summary.skipped == 1 and list(summary.counts) == [str(other)] and progress.events[0] == ("start", 1, 1)
    docs = [r["doc"] for r in read_records(out)]
    assert docs.count(str(seed_policy)) == len(tagger.tag_file(seed_policy)) and docs[-1] == str(other)


def test_summary_table_names_every_label_and_what_each_policy_lacks():
    counts = {"a.txt": {"clauses": 3, **{name: 1 for name in LABELS}},
              "b.txt": {"clauses": 2, **{name: 0 for name in LABELS}, "cookies": 2}}
    lines = summary_table(counts).splitlines()
    assert lines[0].split() == ["policy", "clauses", *LABELS]
    assert lines[1].split() == ["a.txt", "3", *["1"] * len(LABELS)]
    assert lines[2].split()[:2] == ["b.txt", "2"] and lines[2].split().count("-") == len(LABELS) - 1
    assert lines[3:] == [f"b.txt: no {', '.join(n for n in LABELS if n != 'cookies')}"]


def test_classify_records_labels_objects_with_text_and_names_the_lines_it_skips(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "Cookieを使用します。", "section": "Cookie"}\n"just a string"\n'
                      '{"id": 3}\n{broken\n{"id": 5, "text": "当社は氏名を取得します。"}\n', encoding="utf-8")
    with RecordWriter(tmp_path / "out.jsonl") as writer:
        errors = classify_records(jprivacy.load(batch_size=1), iter_json_lines(source), writer)
    assert [str(e) for e in errors] == [f"{source}:2: record has no string field 'text'",
                                        f"{source}:3: record has no string field 'text'",
                                        f"{source}:4: malformed JSON (Expecting property name enclosed in "
                                        "double quotes)"]
    written = read_records(tmp_path / "out.jsonl")
    assert [r["id"] for r in written] == [1, 5] and written[0]["section"] == "Cookie"
    assert all(set(r["scores"]) == set(LABELS) and isinstance(r["labels"], list) for r in written)


def test_report_files_returns_each_policys_statuses_and_writes_nothing_without_one(tagger, tmp_path,
                                                                                   seed_policy):
    progress = Recorder()
    rows, errors = report_files(tagger, [seed_policy, tmp_path / "missing.txt"], tmp_path / "r.json", progress)
    assert list(rows) == [str(seed_policy)] and [e.doc for e in errors] == [str(tmp_path / "missing.txt")]
    written = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert written["summary"]["table"] == rows and written["errors"][0]["doc"] == str(tmp_path / "missing.txt")
    assert progress.events[0] == ("start", 2, 0) and progress.events.count(("advance",)) == 2
    assert report_files(tagger, [tmp_path / "missing.txt"], tmp_path / "none.json")[0] == {}
    assert not (tmp_path / "none.json").exists()


def test_json_lines_give_values_and_name_bad_lines_in_place(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n  \n"text"\n[1]\n{bad\n\xff\n{"b": 2}\r\n')
    items = list(iter_json_lines(path))
    assert [(where, value) for where, value in items if not isinstance(value, ReadError)] == [
        (f"{path}:1", {"a": 1}), (f"{path}:4", "text"), (f"{path}:5", [1]), (f"{path}:8", {"b": 2})]
    errors = [value for _, value in items if isinstance(value, ReadError)]
    assert [e.doc for e in errors] == [f"{path}:6", f"{path}:7"]
    assert errors[0].reason.startswith("malformed JSON") and errors[1].reason.startswith("not UTF-8 text")
    with pytest.raises(FileNotFoundError):
        iter_json_lines(tmp_path / "missing.jsonl")  # at the call, before any line is read


def test_records_files_with_a_bad_line_are_refused_naming_it(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text('{"doc": "a"}\n{"doc": \n', encoding="utf-8")
    with pytest.raises(UsageError, match=f"{path}:2: malformed JSON"):
        list(stream_records(path))


def test_the_corpus_reader_agrees_with_the_records_reader():
    for path in [*sorted(LABELED.glob("*.jsonl")), WILD_LABELS]:
        assert read_labeled_file(path) == list(stream_records(path)), path
