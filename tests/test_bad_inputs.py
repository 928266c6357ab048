"""The real `jprivacy` command over a folder of bad inputs: messages, exit codes, outputs, error summary.

Every input ends up in the output or in the error summary (and errors file), exactly once; a bad
input costs one line on stderr and nothing else.  The 50 MB policy is measured by
``benchmarks/memory.py``; here a 2 MB one keeps the suite fast.
"""

import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from jprivacy.labels import LABELS
from jprivacy.outputs import read_records
from jprivacy.segment import segment
from jprivacy.tagger import RECORD_FIELDS

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
                                        "utf16be_bom.txt", "utf8_bom.txt")}
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
