"""Tagging through the Python API and the `jprivacy` command, and the record formats."""

import json
import subprocess
import sys

import pandas as pd
import pytest

import jprivacy
from jprivacy.labels import LABELS
from jprivacy.outputs import read_records

RECORD = ["doc", "clause", "start", "end", "section", "text", "labels", "scores"]


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "jprivacy.cli", *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_tag_returns_clause_records_that_index_the_text(linear_model, seed_policy):
    frame = jprivacy.load(linear_model).tag_file(seed_policy)
    text = seed_policy.read_text(encoding="utf-8")
    assert list(frame.columns) == RECORD and len(frame) > 50
    assert all(text[r.start:r.end] == r.text for r in frame.itertuples())
    assert all(set(r.labels) <= set(LABELS) and list(r.scores) == list(LABELS) for r in frame.itertuples())


def test_tag_accepts_policy_text_and_classify_accepts_clauses(linear_model):
    tagger = jprivacy.load(linear_model)
    frame = tagger.tag("第5条（第三者提供）\n当社は、法令に基づく場合を除き、個人情報を第三者に提供しません。")
    assert frame["doc"].tolist() == ["<text>", "<text>"]
    result = tagger.classify(["当社は、法令に基づく場合を除き、個人情報を第三者に提供しません。"],
                             sections=["第5条（第三者提供）"])
    assert "third_party" in result[0]["labels"] and set(result[0]["scores"]) == set(LABELS)


def test_bundled_model_loads_by_default_and_tags():
    frame = jprivacy.load().tag("当社は、お客様の氏名、住所、電話番号を取得します。")
    assert "collection" in frame["labels"][0]


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_cli_tag_writes_every_format(tmp_path, linear_model, seed_policy, suffix):
    out = tmp_path / f"out.{suffix}"
    result = run("tag", seed_policy, "-o", out, "--model", linear_model)
    assert result.returncode == 0, result.stderr
    records = read_records(out)
    assert list(records[0]) == RECORD and records[0]["doc"] == str(seed_policy)
    assert [r["clause"] for r in records] == list(range(len(records)))
    assert not (tmp_path / f"out.{suffix}.partial").exists()


def test_cli_tag_streams_jsonl_to_stdout_and_prints_a_summary(linear_model, seed_policy):
    result = run("tag", seed_policy, "--model", linear_model, "--summary")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and lines and set(lines[0]) == set(RECORD)
    assert seed_policy.name in result.stderr and "clauses" in result.stderr


def test_cli_tag_reads_stdin(linear_model):
    result = run("tag", "-", "--model", linear_model, stdin="当社は個人情報を適切に管理します。")
    assert result.returncode == 0 and json.loads(result.stdout.splitlines()[0])["doc"] == "<stdin>"


def test_cli_classify_passes_other_fields_through(tmp_path, linear_model):
    src = tmp_path / "in.jsonl"
    rows = [{"id": 7, "text": "Cookieを使用して閲覧履歴を取得します。", "section": "Cookieについて", "meta": {"a": 1}},
            {"id": 8, "text": "お問い合わせ窓口：privacy@example.co.jp"}]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "{broken\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("classify", "-i", src, "-o", out, "--model", linear_model)
    assert result.returncode == 1 and "in.jsonl:3" in result.stderr  # the malformed line is reported
    written = read_records(out)
    assert [{k: r[k] for k in rows[i]} for i, r in enumerate(written)] == rows
    assert all("labels" in r and set(r["scores"]) == set(LABELS) for r in written)


def test_cli_evaluate_scores_a_labeled_file(tmp_path, linear_model, small_corpus):
    result = run("evaluate", sorted(small_corpus.glob("*.jsonl"))[0], "--model", linear_model,
                 "--json", tmp_path / "s.json")
    scores = json.loads((tmp_path / "s.json").read_text())
    assert result.returncode == 0 and "macro" in result.stdout and "sections: given in the file" in result.stdout
    assert 0 < scores["macro"]["f1"] <= 1 and set(scores["labels"]) == set(LABELS)


def test_cli_reports_bad_model_and_output_in_one_line(tmp_path, seed_policy):
    for args in (("--model", tmp_path), ("-o", tmp_path / "out.xlsx")):
        result = run("tag", seed_policy, *args)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_tag_many_accounts_for_every_input(tmp_path, linear_model, seed_policy):
    frame, errors = jprivacy.load(linear_model).tag_many([seed_policy, tmp_path / "missing.txt"])
    assert isinstance(frame, pd.DataFrame) and frame["doc"].nunique() == 1
    assert [e.doc for e in errors] == [str(tmp_path / "missing.txt")]


def test_cli_tag_shows_progress_on_a_terminal_and_none_in_a_pipe(tmp_path, linear_model, seed_policy):
    import fcntl
    import os
    import pty
    import struct
    import termios

    piped = run("tag", seed_policy, "--model", linear_model, "-o", tmp_path / "piped.jsonl")
    assert piped.returncode == 0 and "\r" not in piped.stderr and "doc/s" not in piped.stderr
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    with subprocess.Popen([sys.executable, "-m", "jprivacy.cli", "tag", str(seed_policy), "--model",
                           str(linear_model), "-o", str(tmp_path / "tty.jsonl")],
                          stdout=subprocess.DEVNULL, stderr=slave) as process:
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closes when the command exits
                break
            if not chunk:
                break
            shown += chunk
    os.close(master)
    assert process.returncode == 0
    text = shown.decode("utf-8", "replace")
    assert "100%" in text and "1/1" in text and "doc/s" in text and "clauses_per_s=" in text


@pytest.mark.parametrize("args, message", [
    (["--output", "m", "--base-model", "x"], "--base-model: only for --backend transformer"),
    (["--kfold", "2"], "at least 3 folds"),
    (["--output", "m", "--threshold-folds", "1"], "2 or more"),
    (["--kfold", "1000"], "1000 folds but only"),
])
def test_cli_train_refuses_settings_it_would_ignore_or_cannot_use(tmp_path, args, message):
    result = run("train", *[str(tmp_path / "m") if a == "m" else a for a in args])
    # where ../shared/wild is absent, training says so in one line of its own before going on
    lines = [line for line in result.stderr.splitlines() if not line.startswith("wild policy texts not found")]
    assert result.returncode == 2 and len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "m").exists()


def test_policy_grouped_kfold_reports_mean_and_sd(small_corpus):
    from jprivacy.train import cross_validate

    result = cross_validate(3, labeled=small_corpus, log=lambda m: None)
    assert len(result["folds"]) == 3
    folds = [fold["macro"]["f1"] for fold in result["folds"]]
    assert result["macro"]["mean"] == pytest.approx(sum(folds) / 3)
    assert result["macro"]["sd"] > 0 and 0.3 < result["macro"]["mean"] <= 1


def test_thresholds_tuned_by_kfold_are_recorded_in_the_card(tmp_path, small_corpus):
    from jprivacy.train import train_model

    card = train_model(tmp_path / "m", labeled=small_corpus, threshold_folds=3, log=lambda m: None)
    assert "3-fold" in card.training_data["thresholds_tuned_on"]
    assert jprivacy.load(tmp_path / "m").thresholds.tolist() == pytest.approx(list(card.thresholds.values()))
