"""Readers: encodings, HTML, folders, stdin and bad input."""

from pathlib import Path

import pytest

from jprivacy.readers import ReadError, decode, expand_paths, html_to_text, iter_documents, read_document

TEXT = "第1条（個人情報の取得）\n当社は、氏名及び住所を取得します。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "euc_jp", "utf-16"])
def test_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "p.txt"
    path.write_bytes(TEXT.encode(encoding))
    assert read_document(path).text == TEXT


def test_utf8_text_is_returned_unchanged(tmp_path, seed_policy):
    assert read_document(seed_policy).text == seed_policy.read_text(encoding="utf-8")


@pytest.mark.parametrize("line_end", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_line_ends_are_kept_so_offsets_index_the_file(tmp_path, line_end):
    path = tmp_path / "p.txt"
    path.write_bytes(TEXT.replace("\n", line_end).encode())
    text = read_document(path).text
    # CRLF stays; a lone CR (old Mac) reads as LF, one character for one
    assert text == TEXT.replace("\n", "\r\n" if line_end == "\r\n" else "\n")
    with open(path, encoding="utf-8", newline="") as f:  # the file as it is, line ends untranslated
        assert len(text) == len(f.read())


def test_html_keeps_visible_text_one_block_per_line():
    html = """<html><head><title>t</title><style>p{color:red}</style></head><body>
    <nav><a href="/">ホーム</a></nav><script>var x = "秘密";</script>
    <h2>第三者提供</h2><p>当社は<b>提供</b>しません。</p><ul><li>法令に基づく場合</li><li>同意がある場合</li></ul>
    <table><tr><th>名称</th><th>国</th></tr><tr><td>Google LLC</td><td>米国</td></tr></table>
    <iframe src="x">埋め込み</iframe></body></html>"""
    text, headings = html_to_text(html)
    assert text.split("\n") == ["ホーム", "第三者提供", "当社は提供しません。", "法令に基づく場合",
                                "同意がある場合", "名称 | 国", "Google LLC | 米国"]
    assert headings == {1: 2}


@pytest.mark.parametrize("data, message", [
    (b"%PDF-1.7\n...", "PDF"), (b"PK\x03\x04rest", "zip"), (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"abc\x00\x00def", "NUL"), (bytes(range(128, 256)) * 4, "undecodable"),
])
def test_binary_and_undecodable_bytes_are_refused(data, message):
    with pytest.raises(ReadError, match=message):
        decode(data, "x.txt")


def test_bad_inputs_do_not_stop_the_others(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(TEXT, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"x")
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    items = list(iter_documents([tmp_path / "missing.txt", tmp_path / "empty.txt", good,
                                 tmp_path / "notes.docx", empty_dir]))
    assert [type(i).__name__ for i in items] == ["ReadError", "ReadError", "Document", "ReadError", "ReadError"]
    messages = [str(i) for i in items if isinstance(i, ReadError)]
    assert "no such file" in messages[0] and "empty" in messages[1]
    assert "unknown extension" in messages[2] and "no policy files" in messages[3]
    assert all("\n" not in m for m in messages)


def test_folders_are_read_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.md").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a" / "y.html").write_text("<p>当社は取得します。</p>", encoding="utf-8")
    (tmp_path / "a" / "image.png").write_bytes(b"\x89PNG")
    docs = list(iter_documents([tmp_path]))
    assert sorted(d.doc.split("/")[-1] for d in docs) == ["x.md", "y.html"]


def test_a_file_named_twice_is_read_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a" / "y.txt").write_text(TEXT, encoding="utf-8")
    paths = list(expand_paths([tmp_path / "a" / "y.txt", tmp_path / "a", f"{tmp_path}/a/../a/x.txt"]))
    assert [Path(p).name for p in paths] == ["y.txt", "x.txt"]


def test_a_utf16_text_that_begins_with_nul_is_not_read_as_broken_utf32():
    # FF FE 00 00 opens both; UTF-32 fails on the odd length, so UTF-16 is used
    assert decode("\x00。".encode("utf-16")) == "\x00。"
    assert decode("当社は".encode("utf-32")) == "当社は"
    with pytest.raises(ReadError, match="undecodable utf-32"):
        decode(b"\x00\x00\xfe\xff\x00\x00\xd8\x00")  # a surrogate in big-endian UTF-32: no other BOM fits
