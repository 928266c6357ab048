"""The real `jprivacy` command over a folder of bad inputs: messages, exit codes, outputs, error summary.

Every input ends up in the output or in the error summary (and errors file), exactly once; a bad
input costs one line on stderr and nothing else.  The 50 MB policy is measured by
``benchmarks/memory.py``; here a 2 MB one keeps the suite fast.

What the first new user broke, item by item, and the test that holds each fix:

 1. --batch-size 0/-1 wrote an empty output      test_non_positive_batch_size_is_refused,
                                                  test_a_backend_that_drops_clauses_fails_the_run
 2. two runs on one -o mixed their records       test_a_second_run_on_the_same_output_fails_and_leaves_it_whole
 3. file in an unreadable folder: "cannot write" test_a_file_in_an_unreadable_folder_is_a_read_error
 4. unreadable subfolder skipped silently        test_an_unreadable_subfolder_is_reported
 5. --resume with another spelling duplicated    test_resume_knows_documents_whatever_the_spelling_of_their_path
 6. null/missing/out-of-range threshold          test_a_bad_threshold_refuses_the_model_folder
 7. ISO-2022-JP read as mojibake                 test_iso_2022_jp_is_decoded_or_refused (+ the folder run)
 8. tracebacks: missing output folders, bad      test_output_folders_are_made_for_o_json_and_errors,
    labels, train --output FILE, truncated        test_mistakes_get_one_line_and_no_traceback
    safetensors
 9. quadratic HTML reading                       test_html_reading_is_linear
10. memory of a policy on one line               test_memory_is_what_the_readme_says
11. tag("missing.html") tagged the string        test_text_and_files_are_apart_and_a_missing_file_is_a_read_error
12. CRLF offsets did not index the file          test_offsets_index_the_file_with_its_line_ends
13. --version, help, --summary names, | head,    test_version_and_help, test_summary_names_labels_in_full,
    "reported 0", -o DIR, report into its input   test_a_closed_pipe_ends_the_run_quietly,
                                                  test_a_report_with_nothing_to_report_writes_nothing,
                                                  test_an_output_that_is_a_folder_gets_no_resume_hint,
                                                  test_a_report_in_its_input_folder_is_not_read_back
14. report fonts and the chart's "not needed"    test_report_names_a_japanese_font_stack,
                                                  test_japanese_renders_in_headless_chromium,
                                                  test_the_index_chart_shows_not_needed_apart
15. English or non-policy text, confident labels test_documents_that_are_not_japanese_policies_get_a_warning
16. heavy imports for the linear default         test_help_and_linear_tagging_import_no_training_libraries
"""

import errno
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from jprivacy.labels import LABELS
from jprivacy.outputs import read_records
from jprivacy.segment import segment
from jprivacy.records import RECORD_FIELDS
from jprivacy.tagger import BUNDLED

JPRIVACY = shutil.which("jprivacy")
TEXT = "第1条（個人情報の取得）\n当社は、氏名及び住所を取得します。\n第2条（利用目的）\n当社は、サービスの提供のために利用します。\n"
CP932_TEXT = TEXT + "①髙﨑様の㈱情報を管理します。\n"  # characters that only CP932 (not Shift_JIS) holds
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
SECRET = "秘密"  # only ever inside scripts, styles, iframes and other invisible parts


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("policy.txt", TEXT)
    return buffer.getvalue()


HTML = f"""<!DOCTYPE html><html><head><title>t</title><style>.{SECRET} {{color: red}}</style>
<script>var {SECRET} = "<p>{SECRET}</p>";</script></head><body>
<!-- {SECRET} --><h1>プライバシーポリシー</h1><noscript>{SECRET}</noscript>
<p>当社は、<b>氏名<i>及び住所</b>を取得します。</p></i><iframe src="x.html">{SECRET}</iframe>
<div><p>当社は安全管理措置を講じます。<span>&#xD800;&#x1;壊れた</div></p><svg><text>{SECRET}</text></svg>
<p>お問い合わせ窓口<script>document.write("{SECRET}")"""
CONTROL = "当社は\x01\x02\x1b[31m氏名\x7fを取得します。\x0c次\x0bの文です。\u2028\x85改行\ufeffです。\n\x1f最後の行。\n"
LONG_LINE = ("当社は個人情報を適切に管理し安全に保管しお客様の同意なく第三者に提供しません" * 10_000)[:350_000]
NOT_UTF8_NAME = os.fsdecode("ポリシー_empty.txt".encode("cp932"))  # a name written on Windows: not UTF-8
SHOWN = {"new\nline.txt": "new\\nline.txt", NOT_UTF8_NAME: ascii(NOT_UTF8_NAME)[1:-1]}  # as messages show them
FAILS = {  # file name -> what its one-line error says
    "empty.txt": "empty document", "blank.txt": "empty document", "scripts_only.html": "empty document",
    "image.txt": "binary file (a PNG image)", "document.txt": "binary file (a PDF)",
    "archive.txt": "binary file (a zip archive)", "nul.md": "NUL bytes",
    "latin1_noise.txt": "undecodable bytes", "stray_byte.txt": "undecodable bytes",
    "surrogate_bytes.txt": "undecodable bytes", "utf16_lone_surrogate.txt": "undecodable utf-16 text",
    "new\nline.txt": "empty document", NOT_UTF8_NAME: "empty document",
    "iso2022jp_broken.txt": "undecodable ISO-2022-JP text",
}


def build_folder(root: Path, seed_policy: Path) -> dict[str, str]:
    """Write every bad input (and good policies) under ``root``; name -> the text it must decode to."""
    nested = root / "nested" / "deeper"
    nested.mkdir(parents=True)
    (root / "empty_subfolder").mkdir()
    seed = seed_policy.read_text(encoding="utf-8")
    files: dict[str, bytes] = {
        "good_seed.txt": seed.encode(), "nested/deeper/good.md": TEXT.encode(),
        "sjis.txt": TEXT.encode("shift_jis"), "cp932.txt": CP932_TEXT.encode("cp932"),
        "eucjp.txt": TEXT.encode("euc_jp"), "utf16le_bom.txt": TEXT.encode("utf-16"),
        "utf16be_bom.txt": b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf8_bom.txt": TEXT.encode("utf-8-sig"),
        "crlf.txt": TEXT.replace("\n", "\r\n").encode(), "page.html": HTML.encode(),
        "iso2022jp.txt": TEXT.encode("iso2022_jp"), "iso2022jp_broken.txt": b"\x1b$B\x7f\x7f\x1b(B",
        "control_chars.txt": CONTROL.encode(), "long_line.txt": LONG_LINE.encode(),
        "url_only.html": b"https://example.com/privacy",  # parsed without bs4's multi-line warning
        "two_megabytes.txt": (seed * (2_000_000 // len(seed.encode()) + 1)).encode(),
        # the bad ones
        "empty.txt": b"", "blank.txt": " \n\t\u3000\n\r\n".encode(),
        "scripts_only.html": b"<html><script>alert(1)</script><style>p{}</style><iframe>x</iframe></html>",
        "image.txt": PNG, "document.txt": b"%PDF-1.7\n1 0 obj\n<<>>\n", "archive.txt": zip_bytes(),
        "nul.md": b"abc\x00\x00\x00def" * 10, "latin1_noise.txt": bytes(range(128, 256)) * 8,
        "stray_byte.txt": seed.encode()[:3000] + b"\xff" + seed.encode()[3000:],
        "surrogate_bytes.txt": "当社は".encode() + b"\xed\xa0\x80" + "取得します。".encode(),
        "utf16_lone_surrogate.txt": b"\xff\xfe" + "当社\ud800は".encode("utf-16-le", "surrogatepass"),
        "notes.pdf": b"%PDF-1.7 not a policy file: ignored inside a folder",
        "new\nline.txt": b"", NOT_UTF8_NAME: b"",
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    expected = {name: TEXT for name in ("nested/deeper/good.md", "sjis.txt", "eucjp.txt", "utf16le_bom.txt",
                                        "utf16be_bom.txt", "utf8_bom.txt", "iso2022jp.txt")}
    expected["crlf.txt"] = TEXT.replace("\n", "\r\n")  # line ends kept: offsets index the file
    expected.update({"good_seed.txt": seed, "cp932.txt": CP932_TEXT, "control_chars.txt": CONTROL,
                     "long_line.txt": LONG_LINE, "two_megabytes.txt": files["two_megabytes.txt"].decode(),
                     "url_only.html": "https://example.com/privacy"})
    return expected


def jprivacy(*args, stdin: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    assert JPRIVACY, "the jprivacy console script is not installed (pip install -e .)"
    return subprocess.run([JPRIVACY, *map(str, args)], input=stdin, capture_output=True, timeout=timeout)


def stderr_lines(result) -> list[str]:
    return result.stderr.decode("utf-8").splitlines()


def strict_json_lines(path: Path) -> list[dict]:
    """Records of a JSON Lines file that is strict UTF-8 and strict JSON (no NaN, no lone surrogates)."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")
    lines = path.read_bytes().decode("utf-8").splitlines()
    records = [json.loads(line, parse_constant=refuse) for line in lines]
    for record in records:
        json.dumps(record, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    return records


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory, seed_policy):
    root = tmp_path_factory.mktemp("bad")
    folder = root / "inputs"
    folder.mkdir()
    expected = build_folder(folder, seed_policy)
    out, errors = root / "out.jsonl", root / "errors.json"
    result = jprivacy("tag", folder, "-o", out, "--errors", errors)
    return folder, expected, result, out, errors


def test_folder_run_fails_with_exit_1_and_one_line_per_bad_input(folder_run):
    folder, _, result, _, errors = folder_run
    assert result.returncode == 1, result.stderr
    lines = stderr_lines(result)
    assert not any("Traceback" in line or "Warning" in line for line in lines), result.stderr
    failed = {e["doc"]: e["error"] for e in json.loads(errors.read_text(encoding="utf-8"))}
    for name, message in FAILS.items():  # each names its input and says what is wrong
        assert message in failed[str(folder / name)]
    shown = {str(folder / name): f"{folder}/{SHOWN.get(name, name)}" for name in FAILS}
    error_lines = [f"error: {shown[doc]}: {error}" for doc, error in failed.items()]
    assert lines[-len(FAILS):] == error_lines  # one line each, in a summary at the end
    assert f"; {len(FAILS)} failed" in lines[-len(FAILS) - 1]


def test_every_input_is_in_the_output_or_the_errors_file_exactly_once(folder_run):
    folder, expected, _, out, errors = folder_run
    assert out.exists() and not Path(f"{out}.partial").exists()
    records = strict_json_lines(out)
    failed = json.loads(errors.read_text(encoding="utf-8"))
    assert all(set(e) == {"doc", "error"} and "\n" not in e["error"] for e in failed)
    failed_docs = [e["doc"] for e in failed]
    tagged_docs = {r["doc"] for r in records}
    assert len(failed_docs) == len(set(failed_docs))
    assert set(failed_docs) == {str(folder / name) for name in FAILS}
    assert tagged_docs == {str(folder / name) for name in [*expected, "page.html"]}
    policy_files = {str(p) for p in folder.rglob("*") if p.suffix in (".txt", ".md", ".html")}
    assert tagged_docs | set(failed_docs) == policy_files and not tagged_docs & set(failed_docs)


def test_good_documents_have_complete_records_and_encodings_decode_to_the_text(folder_run):
    folder, expected, _, out, _ = folder_run
    by_doc: dict[str, list[dict]] = {}
    for record in strict_json_lines(out):
        assert tuple(record) == RECORD_FIELDS
        assert set(record["labels"]) <= set(LABELS) and list(record["scores"]) == list(LABELS)
        by_doc.setdefault(record["doc"], []).append(record)
    for name, text in expected.items():
        records = by_doc[str(folder / name)]
        clauses = segment(text)
        assert [r["clause"] for r in records] == list(range(len(clauses))), name
        assert [(r["start"], r["end"], r["text"], r["section"]) for r in records] == \
               [(c.start, c.end, c.text, c.section) for c in clauses], name
        assert all(text[r["start"]:r["end"]] == r["text"] for r in records)


def test_html_keeps_visible_text_only_and_lone_surrogates_become_replacement_characters(folder_run):
    folder, _, _, out, _ = folder_run
    records = [r for r in strict_json_lines(out) if r["doc"] == str(folder / "page.html")]
    texts = [r["text"] for r in records]
    assert not any(SECRET in t or "<" in t for t in texts)
    assert texts[0] == "プライバシーポリシー" and "当社は、氏名及び住所を取得します。" in texts
    assert any("\ufffd\x01壊れた" in t for t in texts) and texts[-1] == "お問い合わせ窓口"
    assert all(r["section"] == "プライバシーポリシー" for r in records[1:])


def test_control_characters_and_a_one_megabyte_line_are_tagged(folder_run):
    folder, _, _, out, _ = folder_run
    records = strict_json_lines(out)
    control = [r for r in records if r["doc"] == str(folder / "control_chars.txt")]
    assert control[0]["text"] == "当社は\x01\x02\x1b[31m氏名\x7fを取得します。"
    long_line = [r for r in records if r["doc"] == str(folder / "long_line.txt")]
    # one clause of 350,000 characters (1 MB): kept whole in the record, cut for the model, labeled
    assert [(r["start"], r["end"]) for r in long_line] == [(0, len(LONG_LINE))]
    assert "third_party" in long_line[0]["labels"]


def test_paths_given_directly_missing_empty_folder_unknown_extension_and_stdin(tmp_path, seed_policy):
    empty_dir, images_only = tmp_path / "empty_dir", tmp_path / "images_only"
    empty_dir.mkdir()
    images_only.mkdir()
    (images_only / "logo.png").write_bytes(PNG)
    (tmp_path / "scan.png").write_bytes(PNG)
    out, errors = tmp_path / "out.csv", tmp_path / "errors.json"
    result = jprivacy("tag", tmp_path / "missing.txt", empty_dir, seed_policy, images_only, tmp_path / "scan.png",
                      "-", "-o", out, "--errors", errors, stdin=PNG)
    assert result.returncode == 1
    failed = {e["doc"]: e["error"] for e in json.loads(errors.read_text(encoding="utf-8"))}
    assert failed == {
        str(tmp_path / "missing.txt"): "no such file or directory",
        str(empty_dir): "folder holds no policy files (.txt, .md, .html, .htm)",
        str(images_only): "folder holds no policy files (.txt, .md, .html, .htm)",
        str(tmp_path / "scan.png"): "unknown extension '.png'; expected one of .htm, .html, .md, .txt",
        "<stdin>": "binary file (a PNG image), not a policy text",
    }
    assert [line for line in stderr_lines(result) if line.startswith("error: ")] == \
           [f"error: {doc}: {error}" for doc, error in failed.items()]  # in input order
    records = read_records(out)
    assert {r["doc"] for r in records} == {str(seed_policy)}
    assert len(records) == len(segment(seed_policy.read_text(encoding="utf-8")))


def test_nothing_failed_means_exit_0_and_an_empty_errors_file(tmp_path, seed_policy):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(TEXT.encode("euc_jp"))
    shutil.copy(seed_policy, tmp_path / "in" / "b.txt")
    result = jprivacy("tag", tmp_path / "in", "-o", tmp_path / "out.jsonl", "--errors", tmp_path / "errors.json")
    assert result.returncode == 0 and "error" not in result.stderr.decode()
    assert json.loads((tmp_path / "errors.json").read_text()) == []
    assert {r["doc"] for r in read_records(tmp_path / "out.jsonl")} == {str(tmp_path / "in" / "a.txt"),
                                                                         str(tmp_path / "in" / "b.txt")}


@pytest.mark.parametrize("args, message", [
    (["tag", "x.txt", "--resume"], "--resume needs -o OUT"),
    (["classify", "-i", "missing.jsonl"], "missing.jsonl: no such file"),
])
def test_usage_errors_exit_2_with_one_line(args, message):
    result = jprivacy(*args)
    lines = stderr_lines(result)
    assert result.returncode == 2 and len(lines) == 1 and message in lines[0], result.stderr


def test_classify_skips_bad_lines_with_one_line_each_and_keeps_the_rest(tmp_path):
    lines = [
        json.dumps({"id": 1, "text": "Cookieを使用して閲覧履歴を取得します。"}, ensure_ascii=False).encode(),
        b"{broken",                                     # 2: malformed JSON
        json.dumps({"id": 3, "section": "見出し"}, ensure_ascii=False).encode(),  # 3: no text
        b'{"id": 4, "text": null}',                     # 4: text is not a string
        b"[1, 2, 3]",                                   # 5: not an object
        b"",                                            # 6: blank: skipped, not an error
        b'{"id": 7, "text": "' + "当社は".encode() + b'\xff"}',  # 7: not UTF-8
        b'{"id": 8, "text": "\\ud800\\u0001\\u001b\\u2028\xe5\xbd\x93\xe7\xa4\xbe", "section": "\\udfff"}',
        json.dumps({"id": 9, "text": "x" * 1_000_000}).encode(),  # a 1 MB clause
    ]
    src, out, errors = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "errors.json"
    src.write_bytes(b"\n".join(lines) + b"\n")
    result = jprivacy("classify", "-i", src, "-o", out, "--errors", errors)
    assert result.returncode == 1
    failed = {e["doc"]: e["error"] for e in json.loads(errors.read_text(encoding="utf-8"))}
    assert sorted(failed) == [f"{src}:{n}" for n in (2, 3, 4, 5, 7)]
    assert "malformed JSON" in failed[f"{src}:2"] and "not UTF-8" in failed[f"{src}:7"]
    assert all(failed[f"{src}:{n}"] == "record has no string field 'text'" for n in (3, 4, 5))
    assert [line for line in stderr_lines(result) if line.startswith("error: ")] == \
           [f"error: {doc}: {error}" for doc, error in failed.items()]
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in written] == [1, 8, 9]
    assert written[1]["text"] == "\ud800\x01\x1b\u2028当社" and written[1]["section"] == "\udfff"  # passed through
    assert written[2]["text"] == "x" * 1_000_000
    assert all(set(r["scores"]) == set(LABELS) for r in written)


# -- issue 14: what a new user broke ------------------------------------------------------------
def one_line_error(result, *parts: str, code: int = 2) -> str:
    """The run failed with ``code`` and said so in one line holding every part, with no traceback."""
    lines = stderr_lines(result)
    assert result.returncode == code and len(lines) == 1, result.stderr.decode()
    assert all(part in lines[0] for part in parts), lines[0]
    return lines[0]


@pytest.mark.parametrize("size", ["0", "-1"])
def test_non_positive_batch_size_is_refused(run_main, tmp_path, seed_policy, size):
    out = tmp_path / "out.jsonl"
    one_line_error(run_main("tag", seed_policy, "-o", out, "--batch-size", size), "--batch-size", "1 or more")
    assert not out.exists() and not Path(f"{out}.partial").exists()
    import jprivacy as api
    with pytest.raises(ValueError, match="batch size"):
        api.load(batch_size=int(size))


def test_a_backend_that_drops_clauses_fails_the_run(seed_policy):
    import jprivacy as api

    tagger = api.load()
    scores = tagger.backend.predict_proba
    tagger.backend.predict_proba = lambda texts, sections: scores(texts, sections)[:-1]
    with pytest.raises(RuntimeError, match="scored"):  # never fewer records than clauses, silently
        tagger.tag_file(seed_policy)


def wait_until_read(fifo: Path, child: subprocess.Popen) -> int:
    """Open ``fifo`` for writing once ``child`` opens it for reading; the writing end."""
    deadline = time.monotonic() + 120
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:
            assert err.errno == errno.ENXIO
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the run never reached the FIFO"
            time.sleep(0.05)


def test_a_second_run_on_the_same_output_fails_and_leaves_it_whole(tmp_path, seed_policy):
    out, fifo, other = tmp_path / "out.jsonl", tmp_path / "slow.txt", tmp_path / "other.txt"
    other.write_text(TEXT, encoding="utf-8")
    os.mkfifo(fifo)  # the first run waits on it, holding the output, until the test writes the policy
    first = subprocess.Popen([JPRIVACY, "tag", seed_policy, fifo, "-o", out, "--batch-size", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    writer = wait_until_read(fifo, first)
    try:
        second = jprivacy("tag", other, "-o", out)
        one_line_error(second, str(out), "another run is writing this output")
        assert "--resume" not in second.stderr.decode()
        os.set_blocking(writer, True)
        os.write(writer, TEXT.encode())
    finally:
        os.close(writer)
    assert first.wait(timeout=120) == 0, first.stderr.read().decode()
    records = strict_json_lines(out)  # every line whole
    assert [r["doc"] for r in records] == [str(seed_policy)] * len(segment(seed_policy.read_text(encoding="utf-8"))) \
        + [str(fifo)] * len(segment(TEXT))
    assert not Path(f"{out}.partial").exists()


SETPRIV = shutil.which("setpriv")
NO_OVERRIDE = ["--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


def as_user(*args) -> subprocess.CompletedProcess:
    """The jprivacy command bound by file permissions as an ordinary user is: root runs it
    without the capabilities that let root read anything (util-linux setpriv)."""
    prefix = []
    if os.geteuid() == 0:
        if not SETPRIV:
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        prefix = [SETPRIV, *NO_OVERRIDE]
    return subprocess.run([*prefix, JPRIVACY, *map(str, args)], capture_output=True, timeout=120)


@pytest.fixture
def shared_dir(tmp_path):
    """A folder whose locked subfolders are unlocked again afterwards, so it can be removed."""
    yield tmp_path
    for path in tmp_path.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)


def test_a_file_in_an_unreadable_folder_is_a_read_error(shared_dir, seed_policy):
    (shared_dir / "locked").mkdir()
    shutil.copy(seed_policy, shared_dir / "ok.txt")
    (shared_dir / "locked" / "policy.txt").write_text(TEXT, encoding="utf-8")
    (shared_dir / "locked").chmod(0)
    out, errors = shared_dir / "out.jsonl", shared_dir / "errors.json"
    result = as_user("tag", shared_dir / "ok.txt", shared_dir / "locked" / "policy.txt", "-o", out, "--errors", errors)
    assert result.returncode == 1, result.stderr.decode()
    assert stderr_lines(result)[-1] == f"error: {shared_dir}/locked/policy.txt: cannot read (Permission denied)"
    assert json.loads(errors.read_text()) == [{"doc": f"{shared_dir}/locked/policy.txt",
                                                "error": "cannot read (Permission denied)"}]
    assert {r["doc"] for r in read_records(out)} == {str(shared_dir / "ok.txt")}


def test_an_unreadable_subfolder_is_reported(shared_dir, seed_policy):
    corpus = shared_dir / "corpus"
    (corpus / "locked").mkdir(parents=True)
    (corpus / "no_list").mkdir()
    shutil.copy(seed_policy, corpus / "a.txt")
    (corpus / "locked" / "b.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "no_list" / "c.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "locked").chmod(0)
    (corpus / "no_list").chmod(0o644)  # names can be listed (r), the files not reached (no x)
    out, errors = shared_dir / "out.jsonl", shared_dir / "errors.json"
    result = as_user("tag", corpus, "-o", out, "--errors", errors)
    assert result.returncode == 1, result.stderr.decode()
    assert json.loads(errors.read_text()) == [
        {"doc": f"{corpus}/locked", "error": "cannot read folder (Permission denied)"},
        {"doc": f"{corpus}/no_list/c.txt", "error": "cannot read (Permission denied)"}]
    assert {r["doc"] for r in read_records(out)} == {str(corpus / "a.txt")}


def test_resume_knows_documents_whatever_the_spelling_of_their_path(tmp_path, seed_policy):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        shutil.copy(seed_policy, corpus / name)
    (corpus / "c.txt").write_text(TEXT, encoding="utf-8")
    os.symlink(corpus, tmp_path / "link")
    first = subprocess.run([JPRIVACY, "tag", "corpus/a.txt", "./corpus/../corpus/b.txt", "-o", "out.jsonl"],
                           cwd=tmp_path, capture_output=True)
    assert first.returncode == 0, first.stderr.decode()
    for spelling in (corpus, "link"):  # absolute, then through a link: nothing is tagged twice
        result = subprocess.run([JPRIVACY, "tag", spelling, "-o", "out.jsonl", "--resume"], cwd=tmp_path,
                                capture_output=True)  # relative paths are read from the same directory
        assert result.returncode == 0, result.stderr.decode()
    assert "resuming: 3 document(s) already in the output" in result.stderr.decode()
    assert "tagged 0 document(s)" in result.stderr.decode()
    records = read_records(tmp_path / "out.jsonl")
    by_file = {}
    for r in records:
        by_file.setdefault(os.path.realpath(tmp_path / r["doc"]), []).append(r["clause"])
    clauses = len(segment(seed_policy.read_text(encoding="utf-8")))
    assert by_file == {str(corpus / "a.txt"): list(range(clauses)), str(corpus / "b.txt"): list(range(clauses)),
                       str(corpus / "c.txt"): list(range(len(segment(TEXT))))}


@pytest.mark.parametrize("value, shown", [(None, "null"), ("missing", "missing"), (1.5, "1.5"), (-0.1, "-0.1"),
                                          ("0.5", '"0.5"'), (True, "true")])
def test_a_bad_threshold_refuses_the_model_folder(run_main, tmp_path, seed_policy, value, shown):
    from jprivacy.tagger import BUNDLED

    model = tmp_path / "model"
    shutil.copytree(BUNDLED, model)
    card = json.loads((model / "jprivacy.json").read_text(encoding="utf-8"))
    if value == "missing":
        del card["thresholds"]["cookies"]
    else:
        card["thresholds"]["cookies"] = value
    (model / "jprivacy.json").write_text(json.dumps(card), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    one_line_error(run_main("tag", seed_policy, "--model", model, "-o", out), "thresholds.cookies", shown)
    assert not out.exists()


def test_iso_2022_jp_is_decoded_or_refused(folder_run):
    folder, expected, _, out, errors = folder_run
    records = [r for r in strict_json_lines(out) if r["doc"] == str(folder / "iso2022jp.txt")]
    assert [r["text"] for r in records] == [c.text for c in segment(TEXT)] == TEXT.strip().split("\n")
    failed = {e["doc"]: e["error"] for e in json.loads(errors.read_text(encoding="utf-8"))}
    assert failed[str(folder / "iso2022jp_broken.txt")] == "undecodable ISO-2022-JP text"


def labeled_file(tmp_path, labels) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"text": "当社はCookieを使用します。", "section": "", "labels": labels}) + "\n")
    return path


def test_output_folders_are_made_for_o_json_and_errors(run_main, tmp_path, seed_policy):
    new = tmp_path / "new" / "deeper"
    gold = labeled_file(tmp_path, ["cookies"])
    runs = [("diff", seed_policy, seed_policy, "-o", new / "d.html"),
            ("diff", seed_policy, seed_policy, "-o", new / "d.json"),
            ("evaluate", gold, "--json", new / "s.json"),
            ("tag", seed_policy, "-o", new / "t.csv", "--errors", new / "more" / "errors.json")]
    for args in runs:
        result = run_main(*args)
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr.decode()
    written = {p.name for p in new.rglob("*") if p.is_file() and not p.name.endswith(".producer.json")}
    assert written == {"d.html", "d.json", "s.json", "t.csv", "errors.json"}


def test_mistakes_get_one_line_and_no_traceback(run_main, tmp_path, seed_policy, linear_model):
    (tmp_path / "file").write_text("x")
    blocked = tmp_path / "file" / "out"  # its parent is a file: nothing can be made there
    one_line_error(run_main("diff", seed_policy, seed_policy, "-o", f"{blocked}.html"), "cannot write the output")
    one_line_error(run_main("evaluate", labeled_file(tmp_path, ["cookies"]), "--json", f"{blocked}.json"),
                   "cannot write the output")
    for labels in ([1, "cookies"], [["x"]], [None]):
        one_line_error(run_main("evaluate", labeled_file(tmp_path, labels)), "gold.jsonl:1", "labels must be label names")
    one_line_error(run_main("train", "--output", tmp_path / "file"), "is a file")
    model = tmp_path / "model"
    shutil.copytree(linear_model, model)
    weights = model / "linear.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    one_line_error(run_main("tag", seed_policy, "--model", model), "cannot load linear backend")
    one_line_error(run_main("report", seed_policy, "--model", model, "-o", tmp_path / "r.html"),
                   "cannot load linear backend")


def test_html_reading_is_linear(tmp_path):
    from jprivacy.readers import html_to_text, read_document

    pages = {"siblings": "<html><body>" + "".join(f"<div>項目{i}</div>" for i in range(20_000)),
             "nested": "<html><body>" + "<div>項目" * 20_000 + "</div>" * 20_000,
             "paragraphs": "<html><body>" + "".join(f"<p>当社は第{i}項を定めます。</p>" for i in range(20_000))}
    for name, page in pages.items():
        started = time.perf_counter()
        text, _ = html_to_text(page)
        seconds = time.perf_counter() - started
        assert len(text.split("\n")) == 20_000 and seconds < 5, (name, seconds)  # was 29 s for the siblings
    (tmp_path / "page.html").write_text(pages["nested"], encoding="utf-8")
    assert read_document(tmp_path / "page.html").text.split("\n")[-1] == "項目"


def peak_mb(command: list) -> float:
    """The peak resident memory of a child process running ``command``."""
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, stderr.decode()
    return usage.ru_maxrss / 1024


def test_memory_is_what_the_readme_says(tmp_path):
    """README: tagging a policy of ordinary lines peaks about 10 MB above merely reading it; one on
    a single line (a flattened page) peaks up to 10 MB plus 8 times the file's size above that."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from memory import read_command, tag_command, write_policy

    above_reading, megabytes, linear = {}, 1, str(BUNDLED / "linear")  # the figures: benchmarks/memory.py
    for layout in ("lines", "one line"):
        policy = tmp_path / f"{layout}.txt"
        write_policy(policy, megabytes, one_line=layout == "one line")
        tag = peak_mb(tag_command(policy, tmp_path / "out.jsonl", linear))
        above_reading[layout] = tag - peak_mb(read_command(policy, linear))
    assert above_reading["lines"] < 20, above_reading
    assert above_reading["one line"] < 10 + 8 * megabytes, above_reading
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").split())
    assert "about 10 MB above merely reading it" in readme and "up to 10 MB plus 8 times its size" in readme


def test_text_and_files_are_apart_and_a_missing_file_is_a_read_error(tmp_path):
    import jprivacy as api

    tagger = api.load()
    for source in ("missing.html", str(tmp_path / "missing.txt"), tmp_path / "missing.md", "policy.HTM"):
        with pytest.raises(api.ReadError, match="no such file"):
            tagger.tag_file(source)
    # a string is the policy's text, even one that names a file or a sentence with a file name in it
    assert tagger.tag("missing.html")["text"].tolist() == ["missing.html"]
    sentence = "詳しくは privacy.html をご覧ください。"
    assert tagger.tag(sentence)["text"].tolist() == [sentence]
    with pytest.raises(TypeError, match="tag_file"):
        tagger.tag(tmp_path / "policy.txt")
    with pytest.raises(api.ReadError, match="empty document"):
        tagger.tag(" \n")


@pytest.mark.parametrize("line_end", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_offsets_index_the_file_with_its_line_ends(run_main, tmp_path, seed_policy, line_end):
    import jprivacy as api

    path = tmp_path / "windows.txt"
    path.write_bytes(seed_policy.read_bytes().replace(b"\n", line_end.encode()))
    with open(path, encoding="utf-8", newline="") as f:
        raw = f.read()  # the file as it is, line ends not translated
    result = run_main("tag", path, "-o", tmp_path / "out.jsonl")
    records = read_records(tmp_path / "out.jsonl")
    assert result.returncode == 0 and len(records) == len(segment(seed_policy.read_text(encoding="utf-8")))
    assert all(raw[r["start"]:r["end"]] == r["text"] for r in records)
    frame = api.load().tag_file(path)
    text = frame.texts[str(path)]  # what a notebook highlights: the file's text, CR read as LF
    assert text == raw.replace("\r", "\n") if line_end == "\r" else text == raw
    assert [(r.start, r.end) for r in frame.itertuples()] == [(r["start"], r["end"]) for r in records]


def test_version_and_help():
    from jprivacy import __version__
    from jprivacy.cli import build_parser

    result = jprivacy("--version")
    assert result.returncode == 0 and result.stdout.decode().strip() == f"jprivacy {__version__}"
    top = jprivacy("--help").stdout.decode()
    assert "``" not in top and "segment" in top
    for command in ("tag", "classify", "evaluate", "report", "diff"):
        sub = build_parser(command)._subparsers._group_actions[0].choices[command]
        assert all(action.help for action in sub._actions), command  # paths, old, new, --model, --batch-size


def test_summary_names_labels_in_full(run_main, seed_policy):
    result = run_main("tag", seed_policy, "--summary")
    header = next(line for line in stderr_lines(result) if line.startswith("policy"))
    assert header.split()[2:] == list(LABELS)


def test_a_closed_pipe_ends_the_run_quietly(seed_policy):
    child = subprocess.Popen([JPRIVACY, "tag", seed_policy.parent],  # far more than a pipe holds
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.readline()
    child.stdout.close()  # as `| head -1` does
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=120) == 128 + signal.SIGPIPE  # as a shell reports `cat big | head`
    assert "Broken pipe" not in stderr and "Traceback" not in stderr and "error" not in stderr, stderr


def test_a_report_with_nothing_to_report_writes_nothing(run_main, tmp_path):
    for out in (tmp_path / "r.html", tmp_path / "r.json"):
        result = run_main("report", tmp_path / "missing.txt", tmp_path / "missing2.txt", "-o", out)
        lines = stderr_lines(result)
        assert result.returncode == 1 and f"no policy reported; nothing written to {out}; 2 failed" in lines
        assert not any("reported 0" in line for line in lines) and not out.exists()
        assert not (tmp_path / "r").exists()


def test_an_output_that_is_a_folder_gets_no_resume_hint(run_main, tmp_path, seed_policy):
    folder = tmp_path / "out.jsonl"
    folder.mkdir()
    Path(f"{folder}.partial").write_text("")  # even with a partial output beside it
    for args in (("tag", seed_policy, "-o", folder), ("tag", seed_policy, "--errors", folder),
                 ("report", seed_policy, "-o", tmp_path), ("evaluate", labeled_file(tmp_path, []), "--json", tmp_path)):
        line = one_line_error(run_main(*args), "is a directory")
        assert "--resume" not in line


def test_a_report_in_its_input_folder_is_not_read_back(run_main, tmp_path, seed_policy):
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    shutil.copy(seed_policy, crawl / "a.txt")
    (crawl / "b.html").write_text(f"<html><body><p>{TEXT}</p></body></html>", encoding="utf-8")
    for _ in range(2):
        result = run_main("report", crawl, "-o", crawl / "report.html")
        assert result.returncode == 0 and "reported 2 policy(ies)" in result.stderr.decode(), result.stderr.decode()
    assert len(list((crawl / "report").iterdir())) == 2


JAPANESE_FONTS = ("Noto Sans JP", "Hiragino", "Yu Gothic", "Meiryo")  # Linux, macOS, Windows


def report_fonts(page: str) -> list[str]:
    """The font stacks a report page names: the page's, the text's and the chart's."""
    return [stack.strip() for stack in re.findall(r"font(?:-family)?:(?:\d+px )?([^;\"}]+)", page)
            if "sans-serif" in stack]


def test_report_names_a_japanese_font_stack(run_main, tmp_path, seed_policy):
    result = run_main("report", seed_policy, "-o", tmp_path / "r.html")
    assert result.returncode == 0, result.stderr.decode()
    stacks = report_fonts((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert len(stacks) == 3 and len(set(stacks)) == 1, stacks  # body, highlighted text and chart alike
    assert all(font in stacks[0] for font in JAPANESE_FONTS) and stacks[0].endswith("sans-serif")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium fonts-noto-cjk)")
def test_japanese_renders_in_headless_chromium(run_main, tmp_path, seed_policy):
    """In the browser the report's font stack draws kana, not boxes: two different characters
    give different pixels (boxes would be the same), and on Linux the stack picks Noto Sans CJK JP."""
    assert run_main("report", seed_policy, "-o", tmp_path / "r.html").returncode == 0
    stack = report_fonts((tmp_path / "r.html").read_text(encoding="utf-8"))[0]
    probe = tmp_path / "probe.html"
    probe.write_text("""<!DOCTYPE html><html><body><script>
function ink(font, ch) { const c = document.createElement("canvas"); c.width = 64; c.height = 64;
  const x = c.getContext("2d"); x.font = "40px " + font; x.fillText(ch, 8, 48);
  return Array.from(x.getImageData(0, 0, 64, 64).data).join(","); }
const stack = "%s";
document.body.dataset.kana = String(ink(stack, "あ") !== ink(stack, "い"));
document.body.dataset.boxes = String(ink(stack, "\\uE123") === ink(stack, "\\uE124"));
document.body.dataset.noto = String(ink(stack, "あ") === ink("'Noto Sans CJK JP'", "あ"));
</script></body></html>""" % stack, encoding="utf-8")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'data-boxes="true"' in result.stdout  # the probe tells boxes apart from letters
    assert 'data-kana="true"' in result.stdout, "Japanese renders as boxes: install fonts-noto-cjk"
    families = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if "Noto Sans CJK JP" in families:
        assert 'data-noto="true"' in result.stdout


def test_the_index_chart_shows_not_needed_apart(run_main, tmp_path, seed_policy):
    from bs4 import BeautifulSoup

    (tmp_path / "short.txt").write_text(TEXT, encoding="utf-8")
    assert run_main("report", seed_policy, tmp_path / "short.txt", "-o", tmp_path / "index.html").returncode == 0
    index = BeautifulSoup((tmp_path / "index.html").read_text(encoding="utf-8"), "html.parser")
    bars = index.select("svg.jp-chart g")
    assert bars and any(g.select_one("rect.jp-extra") for g in bars)
    for g in bars:  # each bar: present (colour), not needed (grey), the rest missing; all three counted
        numbers = [int(n) for n in re.findall(r"(?:present in|not needed in|missing in) (\d+)",
                                                              g.title.get_text())]
        assert len(numbers) == 3 and sum(numbers) == 2, g.title.get_text()
        extra = g.select_one("rect.jp-extra")
        assert (extra is not None) == (numbers[1] > 0)
        assert ("% not needed" in g.select("text")[-1].get_text()) == (numbers[1] > 0)


def test_documents_that_are_not_japanese_policies_get_a_warning(run_main, tmp_path, seed_policy):
    english = tmp_path / "english.txt"
    english.write_text("Privacy Policy\nWe collect your name and email address.\nWe use cookies.\n"
                       "We may share your data with partners.\nContact us at privacy@example.com.\n")
    recipe = tmp_path / "recipe.txt"
    recipe.write_text("カレーのレシピ\n玉ねぎを薄く切ります。\n鍋に油をひいて玉ねぎを炒めます。\n"
                      "肉と野菜を加えてさらに炒めます。\n水を入れて二十分煮込みます。\nルーを溶かして完成です。\n",
                      encoding="utf-8")
    result = run_main("tag", english, recipe, seed_policy, "-o", tmp_path / "out.jsonl")
    warnings = [line for line in stderr_lines(result) if line.startswith("warning: ")]
    assert result.returncode == 0 and warnings == [
        f"warning: {english}: not Japanese text (0 of 5 clauses have kana); its labels mean little",
        f"warning: {recipe}: only 0 of 6 clauses score above 0.5 for any label; is it a privacy policy?"]
    assert {r["doc"] for r in read_records(tmp_path / "out.jsonl")} == {str(english), str(recipe), str(seed_policy)}
    report = run_main("report", english, seed_policy, "-o", tmp_path / "r.json")
    assert [line for line in stderr_lines(report) if line.startswith("warning: ")] == warnings[:1]


def test_help_and_linear_tagging_import_no_training_libraries(tmp_path, seed_policy, linear_model):
    heavy = {"torch", "transformers", "datasets", "accelerate", "sklearn"}
    probe = ("import sys\nfrom jprivacy.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)")

    def imported(*args):
        result = subprocess.run([sys.executable, "-c", probe, *map(str, args)], capture_output=True, timeout=120)
        return set(result.stderr.decode().split("\n")[-2].split())

    for args in (["--help"], ["tag", "--help"], ["report", "--help"]):
        assert not imported(*args) & heavy, args
    # the linear model's features are scikit-learn's TfidfVectorizer: the one heavy import tagging needs
    assert not imported("tag", seed_policy, "--model", linear_model, "-o", tmp_path / "out.jsonl") & (heavy - {"sklearn"})
