"""More bad input, through the real command or API: what a second new user broke.

Beside ``test_bad_inputs.py`` (the first round's cases); each numbered case and its test:

 1. a bare string given where a list of paths is expected   test_a_single_path_string_is_refused_where_a_list_is_expected
 2. CSV/Parquet outputs dropped pass-through fields          test_every_output_format_keeps_every_pass_through_field
 3. an output naming an input or another output              test_an_output_that_names_an_input_or_another_output_is_refused
 4. full-width and half-width text lost its labels           test_character_width_does_not_change_the_scores
 5. no sentence break at ．｡︒                               test_sentences_end_at_every_form_of_the_full_stop
 6. damaged model folders ran silently                       test_a_vocabulary_that_is_not_the_models_is_refused,
                                                             test_an_onnx_graph_that_does_not_fit_is_refused,
                                                             test_swapped_ensemble_members_are_refused
 7. UTF-32 read as UTF-16; CP932/EUC-JP half-width kana     test_utf32_and_legacy_encodings_with_half_width_kana_decode
 8. NaN scores written as bare NaN                           test_a_model_that_scores_nan_is_refused_and_no_invalid_json_is_written
 9. hidden HTML and ruby readings read as text               test_hidden_html_and_ruby_readings_are_not_policy_text
10. the report's operator check missed （株） and ㈱          test_the_operator_check_knows_abbreviated_legal_forms
11. --resume with another --model mixed two models           test_resume_with_another_model_is_refused
12. earlier reports read back as policies                    test_pages_jprivacy_wrote_are_never_read_as_policies
13. non-UTF-8 stdout crashed tag and diff                    test_a_non_utf8_terminal_gets_utf8_json_lines_and_no_traceback
14. evaluate > /dev/full                                     test_a_full_stdout_is_one_line
15. read-only --output found only after training             test_an_output_folder_that_cannot_be_written_is_refused_first
16. an empty or binary wild text crashed loading             test_an_unreadable_wild_text_is_skipped_with_one_line
17. cards and weights that crashed on first use              test_model_folders_that_would_crash_later_are_refused_at_load
18. local-looking names sent to the Hub                      test_a_local_looking_model_name_is_never_sent_to_the_hub
19. export of an exported ensemble said "fp32"               test_export_of_an_already_exported_ensemble_says_so
20. misleading messages                                      test_misleading_messages_are_now_right,
                                                             test_evaluate_says_which_labels_it_could_not_score
21. a clone named jprivacy shadowed the package              test_a_folder_named_jprivacy_does_not_shadow_the_package
22. -o out.json wrote JSON Lines                             test_json_output_is_one_json_array
23. CSV for Excel: BOM and formula injection                 test_csv_has_a_bom_and_neutralises_formulas
24. Parquet scores as float32                                test_parquet_scores_read_back_as_written
25. SIGTERM left staging folders; train kept stale files     test_sigterm_during_export_leaves_no_staging_folder,
                                                             test_train_into_a_model_folder_replaces_it_whole
26. Markdown front matter and code fences as headings        test_markdown_front_matter_and_code_fences_are_not_headings
27. degenerate clauses got labels                            test_clauses_without_a_word_get_no_label
28. rough edges                                              test_rough_edges
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from safetensors.numpy import load_file, save_file

import jprivacy
from jprivacy.labels import LABELS
from jprivacy.model_folder import ModelFolderError
from jprivacy.segment import segment
from jprivacy.tagger import BUNDLED
from test_bad_inputs import JPRIVACY, one_line_error, stderr_lines, strict_json_lines

POLICY = ("第1条（取得する情報）\n当社は、氏名、メールアドレス及びCookieを取得します。\n"
          "第2条（第三者提供）\n当社は、法令に基づく場合を除き、個人情報を第三者に提供しません。\n")


def jprivacy_cmd(*args, env=None, stdin=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([JPRIVACY, *map(str, args)], capture_output=True, timeout=timeout, input=stdin,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def linear():
    return jprivacy.load(BUNDLED / "linear")


@pytest.fixture
def policy(tmp_path) -> Path:
    path = tmp_path / "policy.txt"
    path.write_text(POLICY, encoding="utf-8")
    return path


def test_a_single_path_string_is_refused_where_a_list_is_expected(linear, tmp_path, policy):
    for call in (linear.tag_many, lambda p: list(linear.iter_records(p))):
        for single in (str(tmp_path), tmp_path, str(policy)):
            with pytest.raises(TypeError, match="list of paths"):
                call(single)
    frame, errors = linear.tag_many([str(tmp_path)])
    assert set(frame["doc"]) == {str(policy)} and not errors


def test_every_output_format_keeps_every_pass_through_field(run_main, tmp_path):
    lines = [{"text": "当社はCookieを使用します。", "id": 1},
             {"text": "当社は氏名を取得します。", "id": 2, "source": "later field", "page": 7}]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    for suffix in (".jsonl", ".json", ".csv", ".parquet"):
        out = tmp_path / f"out{suffix}"
        assert run_main("classify", "-i", source, "-o", out, "--model", BUNDLED / "linear").returncode == 0
        records = jprivacy.outputs.read_records(out)
        assert [r["text"] for r in records] == [r["text"] for r in lines], suffix
        assert records[1]["source"] == "later field" and int(records[1]["page"]) == 7, suffix
        assert "clause" not in records[0] and set(records[0]["scores"]) == set(LABELS), suffix


def test_an_output_that_names_an_input_or_another_output_is_refused(run_main, tmp_path, policy):
    gold = tmp_path / "g.jsonl"
    gold.write_text(json.dumps({"text": "当社はCookieを使用します。", "labels": ["cookies"]}) + "\n")
    new = tmp_path / "new.txt"
    new.write_text(POLICY + "第3条（改定）\n本ポリシーは改定することがあります。\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in (policy, gold, new)}
    one_line_error(run_main("tag", policy, "-o", tmp_path / "o.jsonl", "--errors", tmp_path / "o.jsonl"),
                   "named by both -o and --errors")
    one_line_error(run_main("tag", policy, "-o", policy), "is an input")
    one_line_error(run_main("evaluate", gold, "--json", gold), "is an input")
    one_line_error(run_main("diff", policy, new, "-o", new), "is an input")
    one_line_error(run_main("report", policy, "-o", policy), "is an input")
    assert {p: p.read_bytes() for p in before} == before and not (tmp_path / "o.jsonl").exists()
    # a report of several policies writes its pages to the folder named after it: never an input
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    for name in ("a.txt", "b.txt"):
        shutil.copy(policy, crawl / name)
    one_line_error(run_main("report", crawl, "-o", tmp_path / "crawl.html"), "the folder the report's pages")
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    one_line_error(run_main("report", crawl, "-o", tmp_path / "notes.html"), "holds other files")
    assert sorted(p.name for p in crawl.iterdir()) == ["a.txt", "b.txt"] and (other / "mine.txt").is_file()


WIDTHS = [("Ｃｏｏｋｉｅを使用します。", "Cookieを使用します。"),
          ("ＩＰアドレスを取得します。", "IPアドレスを取得します。"),
          ("ｸｯｷｰを使用します。", "クッキーを使用します。"),
          ("ﾒｰﾙｱﾄﾞﾚｽを取得します。", "メールアドレスを取得します。"),
          ("ＧＰＳによる位置情報を取得します。", "GPSによる位置情報を取得します。"),
          ("ﾌﾟﾗｲﾊﾞｼｰﾎﾟﾘｼｰを改定することがあります。", "プライバシーポリシーを改定することがあります。")]


@pytest.mark.parametrize("model", ["bundled", "linear"])
def test_character_width_does_not_change_the_scores(model, linear, tmp_path):
    tagger = jprivacy.load() if model == "bundled" else linear
    odd, usual = zip(*WIDTHS)
    assert [r["scores"] for r in tagger.classify(odd)] == [r["scores"] for r in tagger.classify(usual)]
    # offsets still index the file as written
    path = tmp_path / "wide.txt"
    path.write_text("\n".join(odd) + "\n", encoding="utf-8")
    frame = tagger.tag_file(path)
    assert [path.read_text(encoding="utf-8")[s:e] for s, e in zip(frame.start, frame.end)] == list(odd)


def test_sentences_end_at_every_form_of_the_full_stop(run_main, tmp_path):
    text = ("当社は位置情報を取得します．取得した位置情報は地図表示に使います｡"
            "保存期間は一年です︒1．概要\n一．はじめに\n円周率は3．14です．当社は．グループで共同利用します。")
    assert [c.text for c in segment(text)] == [
        "当社は位置情報を取得します．", "取得した位置情報は地図表示に使います｡", "保存期間は一年です︒", "1．概要",
        "一．はじめに", "円周率は3．14です．", "当社は．グループで共同利用します。"]
    path = tmp_path / "p.txt"
    path.write_text("当社はメールアドレスを取得します．取得した情報は第三者に提供しません．\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert run_main("tag", path, "-o", out, "--model", BUNDLED / "linear").returncode == 0
    records = strict_json_lines(out)
    assert len(records) == 2 and "collection" in records[0]["labels"] and "third_party" in records[1]["labels"]


@pytest.fixture(scope="module")
def onnx_member(tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx") / "onnx"
    shutil.copytree(BUNDLED / "onnx", folder)
    return folder


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("damage", ["halved", "emptied", "longer"])
def test_a_vocabulary_that_is_not_the_models_is_refused(run_main, tmp_path, onnx_member, tiny_transformer, policy,
                                                       damage):
    for source in (onnx_member, tiny_transformer):
        folder = _copy(source, tmp_path / f"{source.name}-{damage}")
        vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        changed = {"halved": vocab[:len(vocab) // 2], "emptied": [],
                   "longer": vocab + [f"追加{i}" for i in range(50)]}[damage]
        (folder / "vocab.txt").write_text("".join(w + "\n" for w in changed), encoding="utf-8")
        with pytest.raises(ModelFolderError):
            jprivacy.load(folder)
        one_line_error(run_main("tag", policy, "--model", folder), str(folder))


def _head_graph(path: Path, vocab_size: int, outputs: int) -> None:
    """A graph with the bundled graph's inputs and an embedding of ``vocab_size`` rows that gives
    ``outputs`` scores per clause."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Gather", ["embedding", "input_ids"], ["embedded"]),
             helper.make_node("ReduceMean", ["embedded", "axes"], ["pooled"], keepdims=0),
             helper.make_node("MatMul", ["pooled", "head"], ["logits"])]
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
              for name in ("input_ids", "attention_mask")]  # the bundled tokenizer's inputs
    graph = helper.make_graph(
        nodes, "head", inputs, [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", outputs])],
        [numpy_helper.from_array(rng.normal(size=(vocab_size, 4)).astype(np.float32), "embedding"),
         numpy_helper.from_array(np.array([1], np.int64), "axes"),
         numpy_helper.from_array(rng.normal(size=(4, outputs)).astype(np.float32), "head")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9), path)


def test_an_onnx_graph_that_does_not_fit_is_refused(run_main, tmp_path, onnx_member, policy):
    size = len((onnx_member / "vocab.txt").read_text(encoding="utf-8").splitlines())
    fits = _copy(onnx_member, tmp_path / "fits")
    _head_graph(fits / "model.onnx", size, len(LABELS))
    assert len(jprivacy.load(fits).classify(["当社は氏名を取得します。"])) == 1  # a graph of the right shape loads
    spare = _copy(onnx_member, tmp_path / "spare_rows")  # an embedding padded beyond the words is fine
    _head_graph(spare / "model.onnx", size + 100, len(LABELS))
    assert len(jprivacy.load(spare).classify(["当社は氏名を取得します。"])) == 1
    for name, rows, outputs, message in (("one_column", size, 1, "1 scores per clause"),
                                         ("larger_vocabulary", size - 100, len(LABELS), "larger than the graph")):
        folder = _copy(onnx_member, tmp_path / name)
        _head_graph(folder / "model.onnx", rows, outputs)
        one_line_error(run_main("tag", policy, "--model", folder), message)
    unrecorded = _copy(onnx_member, tmp_path / "unrecorded")  # a card without the record: rows must be the words
    card = json.loads((unrecorded / "jprivacy.json").read_text())
    del card["settings"]["vocab_size"]
    (unrecorded / "jprivacy.json").write_text(json.dumps(card))
    _head_graph(unrecorded / "model.onnx", size + 100, len(LABELS))
    one_line_error(run_main("tag", policy, "--model", unrecorded), "smaller than the graph")


def test_swapped_ensemble_members_are_refused(run_main, tmp_path, policy):
    folder = _copy(BUNDLED, tmp_path / "bundled")
    os.rename(folder / "linear", folder / "tmp")
    os.rename(folder / "onnx", folder / "linear")
    os.rename(folder / "tmp", folder / "onnx")
    one_line_error(run_main("tag", policy, "--model", folder), "member 'linear' holds a onnx model")


def test_utf32_and_legacy_encodings_with_half_width_kana_decode(run_main, tmp_path):
    text = "ｸｯｷｰﾎﾟﾘｼｰ\n当社は①ﾒｰﾙｱﾄﾞﾚｽ及び②氏名を㈱サンプルに提供します。\n"
    files = {"utf32le.txt": text.encode("utf-32"), "utf32be.txt": b"\x00\x00\xfe\xff" + text.encode("utf-32-be"),
             "cp932.txt": text.encode("cp932"), "eucjp.txt": text.encode("euc_jis_2004"),
             "eucjp_plain.txt": "ﾃﾞｰﾀの取り扱いについて、当社は氏名を取得します。\n".encode("euc_jp")}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = tmp_path / "o.jsonl"
    result = run_main("tag", *(tmp_path / n for n in files), "-o", out, "--model", BUNDLED / "linear")
    assert result.returncode == 0, result.stderr.decode()
    by_doc: dict[str, str] = {}
    for record in strict_json_lines(out):
        by_doc[Path(record["doc"]).name] = by_doc.get(Path(record["doc"]).name, "") + record["text"]
    for name in ("utf32le.txt", "utf32be.txt", "cp932.txt", "eucjp.txt"):
        assert by_doc[name] == text.replace("\n", ""), name
    assert by_doc["eucjp_plain.txt"].startswith("ﾃﾞｰﾀの取り扱い")


def test_a_model_that_scores_nan_is_refused_and_no_invalid_json_is_written(run_main, tmp_path, policy):
    folder = _copy(BUNDLED / "linear", tmp_path / "nan")
    arrays = load_file(str(folder / "linear.safetensors"))
    arrays["intercept"] = np.full_like(arrays["intercept"], np.nan)
    save_file(arrays, str(folder / "linear.safetensors"))
    out = tmp_path / "o.jsonl"
    one_line_error(run_main("tag", policy, "-o", out, "--model", folder), "not numbers")
    assert not out.exists()
    with pytest.raises(ModelFolderError, match="NaN"):
        jprivacy.load(folder).classify(["当社は氏名を取得します。"])


def test_hidden_html_and_ruby_readings_are_not_policy_text(linear, tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body><h1>プライバシーポリシー</h1>"
                    "<p><ruby>個人情報<rp>（</rp><rt>こじんじょうほう</rt><rp>）</rp></ruby>を取得します。</p>"
                    "<div style='margin:0; DISPLAY : none'>隠しメニュー</div><p hidden>非表示の段落</p>"
                    "<nav aria-hidden='true'>読み上げない</nav><span style='visibility:hidden'>見えない</span>"
                    "<table><td>氏名</td><td>住所</td></table></body></html>", encoding="utf-8")
    frame = linear.tag_file(page)
    text = frame.texts[str(page)]
    assert "個人情報を取得します。" in text and "こじんじょうほう" not in text
    assert not any(hidden in text for hidden in ("隠し", "非表示", "読み上げ", "見えない"))
    assert "氏名\n住所" in text  # cells of a table without <tr> are not run together


def test_the_operator_check_knows_abbreviated_legal_forms():
    from jprivacy.report import coverage

    tagger = jprivacy.load()

    def status(name: str) -> str:
        text = f"個人情報保護方針\n当社は氏名を取得します。\nお問い合わせ先\n{name}　個人情報相談窓口\n"
        return coverage(tagger.tag(jprivacy.Document("<text>", text)))[0].statuses()["business_identity"]

    assert status("サンプル商事") == "missing"  # the legal form is what tells a business name here
    for name in ("㈱サンプル商事", "（株）サンプル商事", "(株)サンプル商事", "サンプル商事（有）", "㈲ミナト"):
        assert status(name) == "present", name


def test_resume_with_another_model_is_refused(run_main, tmp_path, policy):
    out = tmp_path / "o.jsonl"
    assert run_main("tag", policy, "-o", out, "--model", BUNDLED / "linear").returncode == 0
    kept = out.read_bytes()
    second = tmp_path / "second.txt"
    second.write_text(POLICY, encoding="utf-8")
    one_line_error(run_main("tag", policy, second, "-o", out, "--resume"), "begun with model")
    assert out.read_bytes() == kept and not Path(f"{out}.partial").exists()
    result = run_main("tag", policy, second, "-o", out, "--resume", "--model", BUNDLED / "linear")
    assert result.returncode == 0 and {r["doc"] for r in strict_json_lines(out)} == {str(policy), str(second)}


def test_pages_jprivacy_wrote_are_never_read_as_policies(run_main, tmp_path, policy):
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    shutil.copy(policy, crawl / "a.txt")
    (crawl / "b.html").write_text(f"<html><body><p>{POLICY}</p></body></html>", encoding="utf-8")
    model = ("--model", BUNDLED / "linear")
    assert run_main("report", crawl, "-o", crawl / "r1.html", *model).returncode == 0
    assert run_main("report", crawl, "-o", crawl / "r2.html", *model).returncode == 0
    index = (crawl / "r2.html").read_text(encoding="utf-8")
    assert "r1" not in index and "a.txt" in index and "b.html" in index
    out = tmp_path / "t.jsonl"
    assert run_main("tag", crawl, "-o", out, *model).returncode == 0
    assert {Path(r["doc"]).name for r in strict_json_lines(out)} == {"a.txt", "b.html"}
    named = run_main("tag", crawl / "r1.html", *model)  # named on its own: an error, not a policy
    assert named.returncode == 1 and stderr_lines(named)[-1].endswith("a page written by jprivacy (report or diff), "
                                                                       "not a policy")


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp"])
def test_a_non_utf8_terminal_gets_utf8_json_lines_and_no_traceback(tmp_path, policy, encoding):
    env = {"PYTHONIOENCODING": encoding}
    result = jprivacy_cmd("tag", policy, "--model", BUNDLED / "linear", env=env)
    assert result.returncode == 0, result.stderr.decode(encoding)
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert "".join(r["text"] for r in records) == POLICY.replace("\n", "")
    new = tmp_path / "new.txt"
    new.write_text(POLICY + "第3条（改定）\n当社は本ポリシーを改定します→お知らせします。\n", encoding="utf-8")
    result = jprivacy_cmd("diff", policy, new, "--model", BUNDLED / "linear", env=env)
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert "改定".encode(encoding) in result.stdout


def test_a_full_stdout_is_one_line(tmp_path):
    gold = tmp_path / "g.jsonl"
    gold.write_text(json.dumps({"text": "当社はCookieを使用します。", "labels": ["cookies"]}) + "\n")
    with open("/dev/full", "w") as full:
        result = subprocess.run([JPRIVACY, "evaluate", str(gold), "--model", str(BUNDLED / "linear")],
                                stdout=full, stderr=subprocess.PIPE, timeout=120)
    one_line_error(result, "cannot write to stdout", "No space left")


@pytest.mark.parametrize("command", [("train",), ("export", "--model", "MODEL"), ("pretrain", "--max-steps", "1")])
def test_an_output_folder_that_cannot_be_written_is_refused_first(run_main, tmp_path, tiny_transformer, command):
    args = [tiny_transformer if a == "MODEL" else a for a in command]
    started = time.perf_counter()
    for output in ("/proc/jprivacy-model", "/sys/jprivacy/model"):  # file systems nobody can write to
        one_line_error(run_main(*args, "--output", output), "cannot write --output there")
    assert time.perf_counter() - started < 10  # refused before any training or export


def test_an_unreadable_wild_text_is_skipped_with_one_line(run_main, tmp_path):
    from jprivacy.data import WILD_LABELS, load_frame, wild_texts

    docs = sorted({json.loads(line)["doc"] for line in WILD_LABELS.read_text().splitlines()})[:3]
    if not wild_texts().is_dir():
        pytest.skip("no ../shared/wild here")
    folder = tmp_path / "wild"
    folder.mkdir()
    for doc in docs:
        shutil.copy(wild_texts() / f"{doc}.txt", folder / f"{doc}.txt")
    (folder / f"{docs[0]}.txt").write_bytes(b"")
    (folder / f"{docs[1]}.txt").write_bytes(b"%PDF-1.7\n")
    said = []
    frame = load_frame(wild=folder, log=said.append)
    assert set(frame[frame.origin == "wild"].doc) == {docs[2]}
    assert sum(docs[0] in line for line in said) == 1 and sum(docs[1] in line for line in said) == 1
    assert sum("no text" in line for line in said) == 1  # the policies not copied: one line for all of them
    result = run_main("validate-data", "--wild", folder)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert any("empty document" in line for line in stderr_lines(result))


def test_model_folders_that_would_crash_later_are_refused_at_load(run_main, tmp_path, policy):
    cases = {}
    for content in ("[1, 2]", '"linear"', "null"):
        folder = cases[f"card {content}"] = _copy(BUNDLED / "linear", tmp_path / f"card{len(cases)}")
        (folder / "jprivacy.json").write_text(content)
    folder = cases["nine label rows"] = _copy(BUNDLED / "linear", tmp_path / "nine")
    arrays = load_file(str(folder / "linear.safetensors"))
    arrays["coef"], arrays["intercept"] = arrays["coef"][:9], arrays["intercept"][:9]
    save_file(arrays, str(folder / "linear.safetensors"))
    folder = cases["a member twice"] = _copy(BUNDLED, tmp_path / "twice")
    card = json.loads((folder / "jprivacy.json").read_text())
    card["settings"].update(members=["linear", "linear"])
    (folder / "jprivacy.json").write_text(json.dumps(card))
    for name, folder in cases.items():
        with pytest.raises(ModelFolderError):
            jprivacy.load(folder)
        one_line_error(run_main("tag", policy, "--model", folder), str(folder))


def test_a_local_looking_model_name_is_never_sent_to_the_hub(run_main, tmp_path, policy, monkeypatch):
    import huggingface_hub

    def no_hub(*args, **kwargs):
        raise AssertionError("the Hub was asked")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", no_hub)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    for name in ("models/nonexist", "./x/y", "../x", "x/y/z", "models/nonexist/"):
        one_line_error(run_main("tag", policy, "--model", name), "no such model folder")
    folder = _copy(BUNDLED, tmp_path / "ensemble")
    shutil.rmtree(folder / "onnx")
    one_line_error(run_main("tag", policy, "--model", folder), "not a jprivacy model folder")


def test_export_of_an_already_exported_ensemble_says_so(run_main, tmp_path):
    for flags in ((), ("--int8",)):
        one_line_error(run_main("export", "--model", BUNDLED, "--output", tmp_path / "o", *flags),
                       "exported already", "onnx int8-static")
    assert not (tmp_path / "o").exists()


def test_misleading_messages_are_now_right(run_main, tmp_path, policy):
    one_line_error(run_main("validate-data", "--eval", tmp_path / "nonexistent"), "no such folder")
    one_line_error(run_main("diff", "-", "-"), "cannot both be -")
    (tmp_path / "file").write_text("x")
    one_line_error(run_main("tag", policy, "-o", tmp_path / "file" / "o.jsonl"), "file is a file, not a folder")
    for card_change, message in (({"format_version": 1.0}, "format_version must be a whole number"),
                                 ({"settings": "x"}, "settings must be a JSON object")):
        folder = _copy(BUNDLED / "linear", tmp_path / f"card{len(message)}")
        card = json.loads((folder / "jprivacy.json").read_text())
        (folder / "jprivacy.json").write_text(json.dumps({**card, **card_change}))
        one_line_error(run_main("tag", policy, "--model", folder), message)
    bom = _copy(BUNDLED / "linear", tmp_path / "bom")
    (bom / "jprivacy.json").write_bytes(b"\xef\xbb\xbf" + (bom / "jprivacy.json").read_bytes())
    assert jprivacy.load(bom).card.backend == "linear"  # a BOM an editor left is no error
    onnx = _copy(BUNDLED / "onnx", tmp_path / "onnx")
    card = json.loads((onnx / "jprivacy.json").read_text())
    card["settings"]["max_length"] = "128"
    (onnx / "jprivacy.json").write_text(json.dumps(card))
    one_line_error(run_main("tag", policy, "--model", onnx), "setting max_length must be a whole number")
    with pytest.raises(TypeError, match="single string"):
        jprivacy.load(BUNDLED / "linear").classify(["当社は氏名を取得します。"], sections="第1条")


def test_evaluate_says_which_labels_it_could_not_score(run_main, tmp_path):
    gold = tmp_path / "g.jsonl"
    gold.write_text("".join(json.dumps({"text": t, "labels": ls}, ensure_ascii=False) + "\n" for t, ls in (
        ("当社はCookieを使用します。", ["cookies"]), ("当社は氏名を取得します。", ["collection"]))))
    result = run_main("evaluate", gold, "--model", BUNDLED / "linear", "--json", tmp_path / "s.json")
    out = result.stdout.decode()
    assert "not scored, no gold clause has them" in out and "retention" in out.splitlines()[-1]
    scores = json.loads((tmp_path / "s.json").read_text())
    assert "retention" in scores["unsupported"] and scores["macro"]["f1"] == pytest.approx(
        np.mean([scores["labels"][n]["f1"] for n in ("cookies", "collection")]))


def test_a_folder_named_jprivacy_does_not_shadow_the_package(tmp_path):
    (tmp_path / "jprivacy").symlink_to(Path(__file__).resolve().parent.parent)  # a clone named jprivacy
    result = subprocess.run([sys.executable, "-c", "import jprivacy; print(callable(jprivacy.load))"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True", result.stderr


def test_json_output_is_one_json_array(run_main, tmp_path, policy):
    out = tmp_path / "o.json"
    assert run_main("tag", policy, "-o", out, "--model", BUNDLED / "linear").returncode == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(records, list) and len(records) == len(segment(POLICY))


def test_csv_has_a_bom_and_neutralises_formulas(run_main, tmp_path):
    source = tmp_path / "in.jsonl"
    texts = ["=HYPERLINK(\"http://x\")", "+81 3 1234", "-1", "@SUM(A1)", "普通の文です。"]
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    out = tmp_path / "o.csv"
    assert run_main("classify", "-i", source, "-o", out, "--model", BUNDLED / "linear").returncode == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    cells = [row["text"] for row in pd.read_csv(out, encoding="utf-8-sig").to_dict("records")]
    assert cells == ["'" + t for t in texts[:4]] + [texts[4]]
    assert [r["text"] for r in jprivacy.outputs.read_records(out)] == texts  # read back as written


def test_parquet_scores_read_back_as_written(run_main, tmp_path, policy):
    jsonl, parquet = tmp_path / "o.jsonl", tmp_path / "o.parquet"
    for out in (jsonl, parquet):
        assert run_main("tag", policy, "-o", out, "--model", BUNDLED / "linear").returncode == 0
    assert [r["scores"] for r in jprivacy.outputs.read_records(parquet)] == \
        [r["scores"] for r in strict_json_lines(jsonl)]


def test_sigterm_during_export_leaves_no_staging_folder(tmp_path, tiny_transformer):
    process = subprocess.Popen([JPRIVACY, "export", "--model", str(tiny_transformer), "--output",
                                str(tmp_path / "out")], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".out.") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert any(p.name.startswith(".out.") for p in tmp_path.iterdir()), "the export never began"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 130, process.stderr.read().decode()
    assert list(tmp_path.iterdir()) == []  # neither the staging folder nor a half-made output


def test_train_into_a_model_folder_replaces_it_whole(run_main, tmp_path, small_corpus):
    from jprivacy.train import train_model

    folder = tmp_path / "model"
    train_model(folder, backend="linear", labeled=small_corpus, log=lambda m: None)
    (folder / "stale.safetensors").write_bytes(b"left from an earlier model")
    train_model(folder, backend="linear", labeled=small_corpus, log=lambda m: None)
    assert not (folder / "stale.safetensors").exists() and jprivacy.load(folder).card.backend == "linear"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no staging folder left
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(ModelFolderError, match="not a jprivacy model folder"):
        train_model(other, backend="linear", labeled=small_corpus, log=lambda m: None)
    assert (other / "mine.txt").read_text() == "keep me"


def test_markdown_front_matter_and_code_fences_are_not_headings(linear, tmp_path):
    text = ("---\ntitle: プライバシーポリシー\ntags:\n  - legal\n---\n# 個人情報の取得\n当社は氏名を取得します。\n"
            "```\n# 設定例\nopt_out = true\n```\n~~~ html\n<p>見出しではない</p>\n~~~\n当社は安全に管理します。\n")
    clauses = segment(text, markdown=True)
    assert [c.text for c in clauses if c.is_heading] == ["# 個人情報の取得"]
    assert "title: プライバシーポリシー" not in [c.text for c in clauses]
    assert all(c.section == "# 個人情報の取得" for c in clauses[1:])
    assert {"# 設定例", "opt_out = true", "<p>見出しではない</p>"} <= {c.text for c in clauses}
    page = tmp_path / "p.md"
    page.write_text(text, encoding="utf-8")
    frame = linear.tag_file(page)
    assert list(frame.text) == [c.text for c in clauses]
    assert segment("---\n当社は区切り線の後に氏名を取得します。\n---\n", markdown=True)[0].text == "---"  # a rule
    # in a text that is not Markdown, a line of tildes or backticks is a rule like any other
    plain = "プライバシーポリシー\n~~~~~~~~~~~~\n第1条（取得する情報）\n当社は氏名を取得します。\n"
    assert segment(plain)[-1].section.endswith("第1条（取得する情報）")
    note = tmp_path / "p.txt"
    note.write_text(plain, encoding="utf-8")
    assert linear.tag_file(note).section.iloc[-1].endswith("第1条（取得する情報）")


def test_clauses_without_a_word_get_no_label(run_main, tmp_path):
    tagger = jprivacy.load()
    for record in tagger.classify(["-", " ", "\u3000", "😀", "→", "・・・", "※"]):
        assert record["labels"] == [] and set(record["scores"].values()) == {0.0}
    path = tmp_path / "p.txt"
    path.write_text("お問い合わせ窓口\n-\n当社はCookieを使用します。😀\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert run_main("tag", path, "-o", out).returncode == 0
    for record in strict_json_lines(out):
        if not any(ch.isalnum() for ch in record["text"]):
            assert record["labels"] == [], record


def test_rough_edges(run_main, tmp_path, policy, monkeypatch):
    from jprivacy.backends.linear import LinearSettings
    from jprivacy.backends.onnx import OnnxSettings

    # a negative section_levels is refused
    for settings in (LinearSettings, OnnxSettings):
        with pytest.raises(ValueError, match="section levels"):
            settings.from_dict({"section_levels": -1})
    # a multi-policy report that fails leaves no folder behind
    missing = tmp_path / "missing"
    failed = run_main("report", missing / "a.txt", missing / "b.txt", "-o", tmp_path / "out" / "r.html")
    assert failed.returncode == 1 and "nothing written" in stderr_lines(failed)[0]
    assert not (tmp_path / "out").exists()
    # quick-start output is ignored by git
    gitignore = (Path(__file__).resolve().parent.parent / ".gitignore").read_text().splitlines()
    assert "seeds.jsonl" in gitignore
    # a notebook of the project runs from the command line (the [notebooks] extra brings nbconvert)
    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "01_corpus.ipynb"
    ran = subprocess.run([shutil.which("jupyter") or "jupyter", "nbconvert", "--to", "notebook", "--execute",
                          str(notebook), "--output-dir", str(tmp_path)], capture_output=True, timeout=300,
                         cwd=notebook.parent)
    assert ran.returncode == 0 and (tmp_path / "01_corpus.ipynb").is_file(), ran.stderr.decode()[-500:]
