"""Turn files, folders, HTML pages and stdin into plain policy text.

A ``.txt``/``.md`` file is decoded and otherwise kept as it is, line ends included, so clause
offsets index the file's text: for UTF-8, ``open(path, encoding="utf-8-sig", newline="").read()``.
The one change is that a lone ``\\r`` (an old Mac line end) reads as ``\\n``, which keeps every
offset.  Encodings (UTF-8, UTF-8 with BOM, UTF-16 with BOM, Shift_JIS/CP932, EUC-JP,
ISO-2022-JP) are detected; HTML is reduced to its visible text with headings, paragraphs,
list items and table rows on lines of their own.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

import charset_normalizer
from lxml import etree

from .errors import JprivacyError
from .segment import iter_segment

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
POLICY_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
STDIN = "-"

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF", b"PK\x03\x04": "a zip archive", b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x1f\x8b": "a gzip archive",
}
# UTF-32's BOMs first: UTF-32-LE's begins with UTF-16-LE's.
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_JAPANESE_ENCODINGS = ["cp932", "euc_jp", "iso2022_jp", "utf_8"]
# Legacy encodings tried strictly, in order of preference on a tie: CP932 (Shift_JIS with the NEC
# and IBM extensions: ①, ㈱, Ⅲ), EUC-JP, and EUC-JIS-2004 (EUC-JP with ① and ㈱ as JIS X 0213 has them).
_LEGACY_ENCODINGS = ("cp932", "euc_jp", "euc_jis_2004")
_HIRAGANA = re.compile("[\u3041-\u309f]")
_HALF_KANA = re.compile("[\uff61-\uff9f]")
_ISO_2022_JP = re.compile(rb"\x1b\$[@B]|\x1b\$\(D|\x1b\(I")  # switches to JIS X 0208/0212, half-width kana
_LONE_CR = re.compile(r"\r(?!\n)")
_DROP_TAGS = ["script", "style", "noscript", "template", "iframe", "svg", "head", "object", "embed", "canvas",
              "rt", "rp"]  # ruby readings (個人情報<rt>こじんじょうほう</rt>) are not the text
_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)", re.I)
_BLOCK_TAGS = ["address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt",
               "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
               "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
               "ul", "details", "summary", "td", "th"]  # cells outside a <tr> end their line too
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # line breaks, controls, undecodable bytes


def printable(name: str) -> str:
    """``name`` on one printable line: line breaks, controls and undecodable bytes escaped."""
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], name)


class ReadError(JprivacyError):
    """An input that cannot be read; ``str()`` is a one-line message naming it.  A call that
    reads one document raises it; a call that reads many gives it in the failed input's place
    (:meth:`~jprivacy.Tagger.tag_many`, :meth:`~jprivacy.Tagger.iter_records`) and goes on."""

    def __init__(self, doc: str, reason: str):
        super().__init__(f"{printable(doc)}: {reason}")
        self.doc = doc
        self.reason = reason


@dataclass(frozen=True)
class Document:
    doc: str    # identifier written into every clause record (the path as given, or "<stdin>")
    text: str   # the text that clause offsets index
    headings: dict[int, int] = field(default_factory=dict)  # HTML heading line -> level (1-6)
    markdown: bool = False  # a .md file: front matter and code blocks are Markdown's

    def iter_segment(self):
        """The document's clauses one at a time (:func:`jprivacy.segment.iter_segment`)."""
        return iter_segment(self.text, self.headings, markdown=self.markdown)

    def segment(self) -> list:
        """The document's clauses (:func:`jprivacy.segment.segment`)."""
        return list(self.iter_segment())


def clean_text(text: str) -> str:
    """Replace lone surrogates with U+FFFD; one character for one, so offsets are kept."""
    return LONE_SURROGATE.sub("\ufffd", text)


def decode(data: bytes, doc: str = "<bytes>") -> str:
    """Decode policy bytes: BOMs first, then strict UTF-8, then the Japanese legacy encodings."""
    # FF FE 00 00 is the UTF-32 BOM and also the UTF-16 BOM before U+0000: the first BOM whose
    # decoding succeeds wins, and only when none does is the file undecodable.
    failure = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                failure = failure or f"undecodable {encoding} text ({err.reason} at byte {err.start})"
    if failure:
        raise ReadError(doc, failure)
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise ReadError(doc, f"binary file ({kind}), not a policy text")
    if b"\x00" in data[:4096]:
        raise ReadError(doc, "binary file (contains NUL bytes), not a policy text")
    if _ISO_2022_JP.search(data) and data.isascii():  # 7-bit: it would pass for UTF-8 below
        best = charset_normalizer.from_bytes(data, cp_isolation=_JAPANESE_ENCODINGS).best()
        if best is None or not best.encoding.startswith("iso2022_jp"):
            raise ReadError(doc, "undecodable ISO-2022-JP text")
        return str(best)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data, doc)


def _decode_legacy(data: bytes, doc: str) -> str:
    """Bytes in CP932 or EUC-JP: the strict decodings, and of several the one that reads as
    Japanese — the most hiragana, then the fewest half-width katakana.  (Hiragana in one of the
    two encodings is half-width katakana or an error in the other; half-width katakana in CP932
    is a pair of rare kanji in EUC-JP.)"""
    decoded = []
    for encoding in _LEGACY_ENCODINGS:
        try:
            decoded.append(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    if not decoded:
        raise ReadError(doc, "undecodable bytes: not UTF-8, Shift_JIS/CP932 or EUC-JP")
    return max(decoded, key=lambda text: (len(_HIRAGANA.findall(text)), -len(_HALF_KANA.findall(text))))


_HEADING_MARK = "\ue000"  # a private-use character: not whitespace, never visible
_HEADING_MARKS = re.compile(f"{_HEADING_MARK}([1-6])\\s*")  # a mark, its level, the space after it


class _VisibleText:
    """lxml parser target: the visible text of a page in one pass over its parse events.

    Invisible elements (``_DROP_TAGS``) are skipped whole.  Headings start with a mark of their
    level, block elements and ``<br>`` break lines, and a table row becomes one line of its
    non-empty cells (each cell's strings stripped and joined by a space) joined by `` | ``.
    Text is buffered until the next tag, so a run of text is one string as in the page.
    Everything is linear in the size of the page, however flat or deep its elements are.
    """

    def __init__(self):
        self.out: list[str] = []
        self.buffer: list[str] = []
        self.dropped = 0       # open elements inside an invisible one (0: visible)
        self.row = 0           # open elements inside the current table row (0: not in a row)
        self.cell = 0          # open elements inside the current cell of that row
        self.cells: list[list[str]] = []

    def _flush(self) -> None:
        if not self.buffer:
            return
        text = "".join(self.buffer)
        self.buffer.clear()
        if self.dropped:
            return
        if not self.row:
            self.out.append(text)
        elif self.cell and text.strip():
            self.cells[-1].append(text.strip())

    def data(self, text: str) -> None:
        self.buffer.append(text)

    def comment(self, text: str) -> None:
        self._flush()

    def start(self, tag: str, attrib) -> None:
        self._flush()
        tag = tag.lower() if isinstance(tag, str) else ""
        if self.dropped or tag in _DROP_TAG_SET or _hidden(attrib):
            self.dropped += 1
            return
        level = _HEADING_LEVELS.get(tag)
        if self.row:
            self.row += 1
            if self.cell:
                self.cell += 1
            elif tag in ("td", "th"):
                self.cell = 1
                self.cells.append([])
            if level and self.cell:
                self.cells[-1].append(f"{_HEADING_MARK}{level}")
        elif tag == "tr":
            self.row, self.cells = 1, []
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK_TAG_SET:
            self.out.append(f"\n{_HEADING_MARK}{level}" if level else "\n")

    def end(self, tag) -> None:
        self._flush()
        if self.dropped:
            self.dropped -= 1
            return
        if self.row:
            self.row -= 1
            self.cell = max(self.cell - 1, 0)
            if not self.row:
                self.out.append("\n" + " | ".join(" ".join(c) for c in self.cells if c) + "\n")
                self.cells = []
        elif isinstance(tag, str) and tag.lower() in _BLOCK_TAG_SET:
            self.out.append("\n")

    def close(self) -> str:
        self._flush()
        return "".join(self.out)


def _hidden(attrib) -> bool:
    """An element the page does not show: the ``hidden`` attribute, ``aria-hidden="true"``, or an
    inline style with ``display: none`` or ``visibility: hidden``."""
    return bool(attrib) and ("hidden" in attrib or attrib.get("aria-hidden", "").lower() == "true"
                             or bool(_HIDDEN_STYLE.search(attrib.get("style", ""))))


_DROP_TAG_SET = frozenset(_DROP_TAGS)
_BLOCK_TAG_SET = frozenset(_BLOCK_TAGS)
_HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}


def html_to_text(html: str) -> tuple[str, dict[int, int]]:
    """Visible text of an HTML page, one line per heading, paragraph, list item and table row,
    and the heading lines with their levels.  One streaming pass of lxml's HTML parser, so the
    time grows linearly with the page (``benchmarks/html_reading.py``)."""
    target = _VisibleText()
    parser = etree.HTMLParser(target=target, huge_tree=True)  # huge_tree: no depth or size limits
    try:
        parser.feed(clean_text(html).replace(_HEADING_MARK, ""))  # lxml refuses lone surrogates
        parser.close()
    except etree.LxmlError:  # an empty page; libxml2 recovers from everything else
        pass
    lines = [" ".join(line.split()) for line in target.close().split("\n")]
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


_GENERATOR = re.compile(r"""<meta\s+name=["']generator["']\s+content=["']jprivacy""", re.I)


def is_jprivacy_page(text: str) -> bool:
    """Whether an HTML page is one jprivacy wrote (its ``<meta name="generator">`` says so)."""
    return bool(_GENERATOR.search(text[:4096]))


def written_by_jprivacy(path: str | Path) -> bool:
    """Whether the HTML file at ``path`` is a page jprivacy wrote (a report in its input folder)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return bool(_GENERATOR.search(head.decode("utf-8", "ignore")))


def looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


def to_document(data: bytes, doc: str, html: bool | None = None) -> Document:
    """Bytes of one document to its policy text (``html=None`` sniffs the content).

    Text keeps its line ends (``\\r\\n`` too), so offsets index it as decoded; a lone ``\\r``
    becomes ``\\n`` (same length).  HTML becomes its visible text, one block per line.
    """
    text = decode(data, doc)
    headings: dict[int, int] = {}
    if html or (html is None and looks_like_html(text)):
        if is_jprivacy_page(text):
            raise ReadError(doc, "a page written by jprivacy (report or diff), not a policy")
        text, headings = html_to_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    elif "\r" in text:
        text = _LONE_CR.sub("\n", text)
    text = clean_text(text)
    if not text.strip():
        raise ReadError(doc, "empty document (no visible text)")
    return Document(doc, text, headings)


_MISSING = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)  # said as "no such file or directory"


def _mode(path: str | Path, doc: str) -> int:
    """The file type bits of ``path`` (following links); ReadError when it cannot be looked at."""
    try:
        return os.stat(path).st_mode
    except OSError as err:
        if err.errno in _MISSING:
            raise ReadError(doc, "no such file or directory") from None
        raise ReadError(doc, f"cannot read ({err.strerror or err})") from None
    except ValueError:  # a NUL in the name
        raise ReadError(doc, "no such file or directory") from None


def read_document(path: str | Path) -> Document:
    """Read one policy file (or ``-`` for stdin) into a :class:`Document`."""
    if str(path) == STDIN:
        try:
            data = sys.stdin.buffer.read()
        except OSError as err:
            raise ReadError("<stdin>", f"cannot read ({err.strerror or err})") from None
        return to_document(data, "<stdin>")
    path = Path(path)
    doc = str(path)
    if stat.S_ISDIR(_mode(path, doc)):
        raise ReadError(doc, "is a directory (use iter_documents to read folders)")
    suffix = path.suffix.lower()
    if suffix not in POLICY_SUFFIXES:
        raise ReadError(doc, f"unknown extension {suffix or '(none)'!r}; expected one of "
                             f"{', '.join(sorted(POLICY_SUFFIXES))}")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ReadError(doc, f"cannot read ({err.strerror or err})") from None
    document = to_document(data, doc, html=suffix in HTML_SUFFIXES)
    return replace(document, markdown=True) if suffix == ".md" else document


def _folder_files(folder: str) -> list[str | ReadError]:
    """The policy files under ``folder`` (recursively, sorted; links to folders are not
    followed), with a ReadError in place of each subfolder or file that cannot be read."""
    found: list[tuple[str, str | ReadError]] = []

    def unreadable(err: OSError) -> None:
        where = err.filename if err.filename is not None else folder
        found.append((str(where), ReadError(str(where), f"cannot read folder ({err.strerror or err})")))

    for top, _, names in os.walk(folder, onerror=unreadable):
        for name in names:
            if os.path.splitext(name)[1].lower() not in POLICY_SUFFIXES:
                continue
            path = os.path.join(top, name)
            try:
                if stat.S_ISREG(_mode(path, path)) and not (
                        os.path.splitext(name)[1].lower() in HTML_SUFFIXES and written_by_jprivacy(path)):
                    found.append((path, path))  # jprivacy's own reports in a folder are not inputs
            except ReadError as err:
                if not os.path.islink(path):  # a broken or looping link is not a policy file
                    found.append((path, err))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def expand_paths(paths: Iterable[str | Path]) -> Iterator[str | ReadError]:
    """Yield policy file paths from files and folders (recursively, sorted), or a ReadError
    for a folder that holds no policy files and for a subfolder or file in it that cannot be
    read.  A file named twice (say, a folder and a file in it) is yielded once, where it first
    comes: files are told apart by their real path (see :func:`document_key`)."""
    seen: set[str] = set()
    for path in paths:
        try:
            is_folder = str(path) != STDIN and stat.S_ISDIR(_mode(path, str(path)))
        except ReadError:
            is_folder = False  # read_document says what is wrong with it
        if is_folder:
            candidates = _folder_files(str(path))
            if not candidates:
                yield ReadError(str(path), "folder holds no policy files (.txt, .md, .html, .htm)")
        else:
            candidates = [str(path)]
        for candidate in candidates:
            if isinstance(candidate, ReadError):
                yield candidate
                continue
            key = document_key(candidate)
            if key not in seen:
                seen.add(key)
                yield candidate


def document_key(doc: str) -> str:
    """What identifies a document across spellings of its path: its real path (links and
    ``..`` resolved, relative paths taken from the current directory); ``<stdin>`` and ``-``
    are themselves."""
    return doc if doc in (STDIN, "<stdin>", "<text>") else os.path.realpath(doc)


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
