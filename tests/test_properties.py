"""Property-based tests: the segmenter and the readers on arbitrary Unicode text and bytes.

Strategies mix any character (lone surrogates and control characters included) with the
alphabet of Japanese policies (。、「」（）①・第条, list markers, table cells, newlines), so the
segmenter's bracket, marker, heading and flattened-page paths are all reached.
"""

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jprivacy.readers import Document, ReadError, clean_text, decode, html_to_text, to_document
from jprivacy.segment import Clause, iter_segment, segment

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

POLICY_TOKENS = [
    *"。、，「」『』（）()【】①②⑳㉟・●■※★第条章節項の0123456789０１２３一二十アイウｱabcivxAB個人情報当社はをにがでとも場合ため等",
    " ", "\u3000", "\t", "\n", "\n", "\n", "|", " | ", "-", "*", "#", "##", ".", "．", ")", "）", ":", "：", "！", "？",
    "第1条", "第十二条の2", "(1)", "（２）", "1.", "1.2.", "2)", "ア.", "a.", "iv.", "- ", "# ", "【重要】",
    "5. 第三者提供 ", "当社は、次の場合を除き第三者に提供しません。", "Yahoo！", "https://example.com/a?b=1.5",
    "株式会社", "〒100-0001", "とは", "\r\n", "\r", "\x00", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\ufeff",
    "\ud800", "\udfff", "\ue000", "\ue0001",
]
# one line of policy-like tokens (long enough, often, to be treated as a page flattened onto one line)
FLAT_TOKENS = [t for t in POLICY_TOKENS if "\n" not in t and "\r" not in t]

any_text = st.text(st.characters(), max_size=300)
policy_text = st.lists(st.sampled_from(POLICY_TOKENS), max_size=250).map("".join)
flat_line = st.lists(st.sampled_from(FLAT_TOKENS), min_size=100, max_size=400).map("".join)
mixed_text = st.lists(st.one_of(st.sampled_from(POLICY_TOKENS), st.characters()), max_size=250).map("".join)
texts = st.one_of(any_text, policy_text, flat_line, mixed_text)
html_headings = st.dictionaries(st.integers(0, 40), st.integers(1, 6), max_size=8)


def check_clauses(text: str, clauses: list[Clause]) -> None:
    covered = [False] * len(text)
    previous_end = 0
    for clause in clauses:
        assert isinstance(clause, Clause)
        assert previous_end <= clause.start < clause.end <= len(text)  # in order, no overlap, in the text
        assert text[clause.start:clause.end] == clause.text            # records index the text
        assert clause.text == clause.text.strip()                       # no surrounding whitespace
        assert isinstance(clause.section, str) and isinstance(clause.is_heading, bool)
        covered[clause.start:clause.end] = [True] * (clause.end - clause.start)
        previous_end = clause.end
    missed = [i for i, ch in enumerate(text) if not covered[i] and not ch.isspace()]
    assert not missed, f"characters not in any clause: {[text[i] for i in missed[:10]]}"


@FAST
@given(texts, html_headings)
def test_segment_clauses_are_ordered_disjoint_exact_and_cover_the_text(text, headings):
    clauses = segment(text, headings)
    check_clauses(text, clauses)
    assert list(iter_segment(text, headings)) == clauses


@FAST
@given(st.lists(st.sampled_from(POLICY_TOKENS), min_size=1, max_size=60).map("".join))
def test_heading_paths_are_made_of_earlier_headings(text):
    clauses = segment(text)
    seen_headings = set()
    for clause in clauses:
        parts = [p for p in clause.section.split(" > ") if p] if clause.section else []
        # every part of a section path is an earlier heading (cut when absurdly long)
        assert all(p in seen_headings or p.endswith("…") for p in parts)
        if clause.is_heading:
            seen_headings.add(clause.text)


@FAST
@given(texts)
def test_clean_text_keeps_length_and_replaces_only_lone_surrogates(text):
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    assert not re.search("[\ud800-\udfff]", cleaned)
    cleaned.encode("utf-8")  # always encodable now
    assert all(c == t or (0xD800 <= ord(t) <= 0xDFFF and c == "\ufffd") for c, t in zip(cleaned, text))


def check_document(document: Document, doc: str) -> None:
    assert isinstance(document, Document) and document.doc == doc
    assert document.text.strip() and not re.search("\r(?!\n)", document.text)  # CRLF is kept, a lone CR is not
    document.text.encode("utf-8")  # no lone surrogates left
    lines = document.text.split("\n")
    assert all(0 <= k < len(lines) and 1 <= v <= 6 for k, v in document.headings.items())
    check_clauses(document.text, segment(document.text, document.headings))


def encodings_of(text: str) -> st.SearchStrategy[bytes]:
    """``text`` as the bytes a policy file might hold: UTF-8 (with BOM), UTF-16, Shift_JIS, EUC-JP."""
    def encode(encoding):
        return text.encode(encoding, errors="replace")
    return st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp932", "euc_jp"]).map(encode)


policy_bytes = st.one_of(
    st.binary(max_size=400),
    st.tuples(st.sampled_from([b"", b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xef\xbb\xbf", b"\xff\xfe",
                               b"\xfe\xff", b"\x1f\x8b", b"<html><body>"]), st.binary(max_size=200))
    .map(b"".join),
    policy_text.flatmap(encodings_of),
    texts.map(lambda t: t.encode("utf-8", "surrogatepass")),  # lone surrogates as (invalid) UTF-8
)


@FAST
@given(policy_bytes, st.sampled_from([None, True, False]))
def test_to_document_returns_a_document_or_raises_read_error(data, html):
    try:
        document = to_document(data, "p.txt", html=html)
    except ReadError as err:
        assert err.doc == "p.txt" and str(err).startswith("p.txt: ") and "\n" not in str(err)
        return
    check_document(document, "p.txt")


@FAST
@given(policy_bytes)
def test_decode_returns_text_or_raises_read_error(data):
    try:
        text = decode(data, "x")
    except ReadError as err:
        assert "\n" not in str(err)
        return
    assert isinstance(text, str)


@FAST
@given(policy_text)
def test_plain_utf8_policy_text_is_used_unchanged(text):
    text = clean_text(text).replace("\r", "").replace("\x00", "").lstrip("\ufeff")
    if not text.strip() or text.lstrip().lower().startswith("<html"):
        return
    assert to_document(text.encode("utf-8"), "p.txt", html=False).text == text


@FAST
@given(policy_text.flatmap(lambda t: st.tuples(st.just(t), encodings_of(t))))
def test_legacy_encodings_and_boms_decode_to_the_text(pair):
    text, data = pair
    # what the encoding can hold of the text: the round trip the file's writer made
    if data.startswith(b"\xff\xfe\x00\x00") and len(data) == 4:
        # a UTF-16 text of one U+0000 is byte for byte an empty UTF-32 file: read as the latter
        assert decode(data) == ""
        return
    if data.startswith(b"\xef\xbb\xbf") or data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        expected = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-16")
    else:
        try:
            expected = data.decode("utf-8")
        except UnicodeDecodeError:
            return  # a legacy encoding: detection is statistical, checked on real text in test_readers
        if "\x00" in expected[:4096]:
            with pytest.raises(ReadError, match="NUL"):
                decode(data)
            return
    assert decode(data) == expected


HTML_PIECES = ["<html>", "<body>", "</body>", "<head>", "</head>", "<title>題</title>", "<h1>", "</h1>", "<h2>",
               "</h2>", "<h6>", "<p>", "</p>", "<br>", "<div>", "</div>", "<li>", "<ul>", "</ul>", "<table>",
               "<tr>", "<td>", "</td>", "<th>", "</tr>", "</table>", "<script>秘密()", "</script>", "<style>.秘密{}",
               "</style>", "<iframe>秘密", "</iframe>", "<noscript>秘密</noscript>", "<!--", "-->", "<", ">",
               "&amp;", "&#xD800;", "&#0;", "&#x1;", "&nbsp;", "<b>", "</i>", "<svg>秘密</svg>", "\ue000", "\ue0001"]
html_text = st.lists(st.one_of(st.sampled_from(HTML_PIECES), st.sampled_from(POLICY_TOKENS), st.characters()),
                     max_size=120).map("".join)


@FAST
@given(html_text)
def test_html_to_text_gives_visible_lines_and_valid_headings(html):
    text, headings = html_to_text(html)
    lines = text.split("\n") if text else []
    assert all(line and line == line.strip() for line in lines)  # no blank or padded lines
    assert all(0 <= k < len(lines) and 1 <= v <= 6 for k, v in headings.items())
    assert "\ue000" not in text  # the internal heading mark never leaks
    assert "秘密" not in text     # scripts, styles, iframes, noscript and svg are dropped
    if text.strip():
        check_clauses(clean_text(text), segment(clean_text(text), headings))


@pytest.mark.parametrize("html, lines, headings", [
    ("<table><tr><td><h2>項目</h2></td><td><h3>内容</h3></td></tr></table>", ["項目 | 内容"], {0: 2}),
    ("<h1>方針<h2>取得</h2></h1><p>本文。</p>", ["方針", "取得", "本文。"], {0: 1, 1: 2}),
])
def test_headings_inside_table_cells_and_headings(html, lines, headings):
    text, found = html_to_text(html)
    assert text.split("\n") == lines and found == headings


def test_a_long_line_of_list_markers_is_segmented_in_linear_time():
    # "8　見出し"-style markers count only at line start; checking that once per marker used to copy
    # the line up to the marker: quadratic, about 13 s for this 500,000-character line instead of 1 s
    seconds = {}
    for n in (50_000, 250_000):
        started = time.perf_counter()
        assert len(segment("一 " * n)) == n
        seconds[n] = time.perf_counter() - started
    assert seconds[250_000] < 12 * seconds[50_000]  # 5x the input: about 5x the time, 25x if quadratic
