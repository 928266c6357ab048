"""Turn files, folders, HTML pages and stdin into plain policy text.

A UTF-8 ``.txt``/``.md`` file with ``\\n`` line ends is returned unchanged, so clause
offsets index the file itself.  Other encodings (UTF-8 with BOM, UTF-16 with BOM,
Shift_JIS/CP932, EUC-JP) are detected; HTML is reduced to its visible text with
headings, paragraphs, list items and table rows on lines of their own.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import charset_normalizer
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, XMLParsedAsHTMLWarning

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
POLICY_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
STDIN = "-"

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF", b"PK\x03\x04": "a zip archive", b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x1f\x8b": "a gzip archive",
}
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_JAPANESE_ENCODINGS = ["cp932", "euc_jp", "iso2022_jp", "utf_8"]
_DROP_TAGS = ["script", "style", "noscript", "template", "iframe", "svg", "head", "object", "embed", "canvas"]
_BLOCK_TAGS = ["address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt",
               "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
               "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
               "ul", "details", "summary"]
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # line breaks, controls, undecodable bytes


class ReadError(Exception):
    """An input that cannot be read; ``str()`` is a one-line message naming it."""

    def __init__(self, doc: str, reason: str):
        shown = _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], doc)  # a name with "\n" stays one line
        super().__init__(f"{shown}: {reason}")
        self.doc = doc
        self.reason = reason


@dataclass(frozen=True)
class Document:
    doc: str    # identifier written into every clause record (the path as given, or "<stdin>")
    text: str   # the text that clause offsets index
    headings: dict[int, int] = field(default_factory=dict)  # HTML heading line -> level (1-6)


def clean_text(text: str) -> str:
    """Replace lone surrogates with U+FFFD; one character for one, so offsets are kept."""
    return LONE_SURROGATE.sub("\ufffd", text)


def decode(data: bytes, doc: str = "<bytes>") -> str:
    """Decode policy bytes: BOMs first, then strict UTF-8, then the Japanese legacy encodings."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                raise ReadError(doc, f"undecodable {encoding} text ({err.reason} at byte {err.start})") from None
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise ReadError(doc, f"binary file ({kind}), not a policy text")
    if b"\x00" in data[:4096]:
        raise ReadError(doc, "binary file (contains NUL bytes), not a policy text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data, cp_isolation=_JAPANESE_ENCODINGS).best()
    if best is None:
        raise ReadError(doc, "undecodable bytes: not UTF-8, Shift_JIS/CP932 or EUC-JP")
    return str(best)


_HEADING_MARK = "\ue000"  # a private-use character: not whitespace, never visible
_HEADING_MARKS = re.compile(f"{_HEADING_MARK}([1-6])\\s*")  # a mark, its level, the space after it


def html_to_text(html: str) -> tuple[str, dict[int, int]]:
    """Visible text of an HTML page, one line per heading, paragraph, list item and table row,
    and the heading lines with their levels."""
    with warnings.catch_warnings():  # a page holding just a URL, or XHTML, is parsed without a lecture
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(clean_text(html).replace(_HEADING_MARK, ""), "lxml")  # lxml refuses lone surrogates
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            heading.insert(0, NavigableString(f"{_HEADING_MARK}{level}"))
    for row in soup.find_all("tr"):
        cells = [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        row.replace_with(NavigableString("\n" + " | ".join(c for c in cells if c) + "\n"))
    for br in soup.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for block in soup.find_all(_BLOCK_TAGS):
        block.insert_before(NavigableString("\n"))
        block.insert_after(NavigableString("\n"))
    lines = [" ".join(line.split()) for line in soup.get_text().split("\n")]
    text_lines, headings = [], {}
    for line in filter(None, lines):
        levels = _HEADING_MARKS.findall(line)  # several in a table row with headings in its cells
        if levels:
            line = _HEADING_MARKS.sub("", line).strip()
            if not line:
                continue
            headings[len(text_lines)] = int(levels[0])
        text_lines.append(line)
    return "\n".join(text_lines), headings


def looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


def to_document(data: bytes, doc: str, html: bool | None = None) -> Document:
    """Bytes of one document to its policy text (``html=None`` sniffs the content)."""
    text = decode(data, doc).replace("\r\n", "\n").replace("\r", "\n")
    headings: dict[int, int] = {}
    if html or (html is None and looks_like_html(text)):
        text, headings = html_to_text(text)
    text = clean_text(text)
    if not text.strip():
        raise ReadError(doc, "empty document (no visible text)")
    return Document(doc, text, headings)


def read_document(path: str | Path) -> Document:
    """Read one policy file (or ``-`` for stdin) into a :class:`Document`."""
    if str(path) == STDIN:
        return to_document(sys.stdin.buffer.read(), "<stdin>")
    path = Path(path)
    doc = str(path)
    if not path.exists():
        raise ReadError(doc, "no such file or directory")
    if path.is_dir():
        raise ReadError(doc, "is a directory (use iter_documents to read folders)")
    suffix = path.suffix.lower()
    if suffix not in POLICY_SUFFIXES:
        raise ReadError(doc, f"unknown extension {suffix or '(none)'!r}; expected one of "
                             f"{', '.join(sorted(POLICY_SUFFIXES))}")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ReadError(doc, f"cannot read ({err.strerror})") from None
    return to_document(data, doc, html=suffix in HTML_SUFFIXES)


def expand_paths(paths: Iterable[str | Path]) -> Iterator[str | ReadError]:
    """Yield policy file paths from files and folders (recursively, sorted), or a ReadError
    for a folder that holds no policy files.  A file named twice (say, a folder and a file in
    it) is yielded once, where it first comes."""
    seen: set[str] = set()
    for path in paths:
        if str(path) != STDIN and Path(path).is_dir():
            files = sorted(p for p in Path(path).rglob("*")
                           if p.is_file() and p.suffix.lower() in POLICY_SUFFIXES)
            if not files:
                yield ReadError(str(path), "folder holds no policy files (.txt, .md, .html, .htm)")
            candidates = [str(f) for f in files]
        else:
            candidates = [str(path)]
        for candidate in candidates:
            key = candidate if candidate == STDIN else os.path.realpath(candidate)
            if key not in seen:
                seen.add(key)
                yield candidate


def iter_documents(paths: Iterable[str | Path]) -> Iterator[Document | ReadError]:
    """Read every input in order; unreadable ones come back as ReadError, never raised."""
    for item in expand_paths(paths):
        if isinstance(item, ReadError):
            yield item
            continue
        try:
            yield read_document(item)
        except ReadError as err:
            yield err
