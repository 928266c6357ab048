"""Pretraining text: the project's policies, the real policies and terms of ``../shared/wild``,
Japanese prose from Debian's documentation packages, and any folder the user names.

Each source is read from where its files are installed, cleaned (markup and code removed,
lines with little Japanese dropped, duplicate lines dropped) and kept apart from the
evaluation texts: a line that shares any 20-character run with a text under
``../shared/eval`` is left out.  The Debian packages are installed with::

    apt-get install manpages-ja debian-reference-ja developers-reference-ja maint-guide-ja \\
        libreoffice-help-ja gimp-help-ja

>>> docs, stats = build_corpus()        # documents (lists of lines), characters per source
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from jprivacy.data import DEFAULT_WILD_TEXTS, POLICIES, policy_files
from jprivacy.readers import POLICY_SUFFIXES, ReadError, iter_documents

DEBIAN_PACKAGES = ("manpages-ja", "debian-reference-ja", "developers-reference-ja", "maint-guide-ja",
                   "libreoffice-help-ja", "gimp-help-ja")
DEFAULT_EVAL = DEFAULT_WILD_TEXTS.parent.parent / "eval"
SHINGLE = 20
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_CODE = re.compile(r"[{};<>$=\\]|^\s*[#/*-]{2}|\w+\(\)|\b(?:sudo|apt|dpkg|make)\b")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_ROFF_FONT = re.compile(r"\\f[BIRP]|\\f\(..|\\\(..|\\[&e-]|\\s[-+]?\d")


@dataclass
class Source:
    """One kind of text: a name, and the files (globs under a root) it is read from."""

    name: str
    root: Path
    patterns: tuple[str, ...]
    kind: str = "text"   # text | html | roff | policy

    def files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted({p for pattern in self.patterns for p in self.root.glob(pattern) if p.is_file()})


def default_sources(wild: Path | None = None) -> list[Source]:
    wild = Path(wild) if wild else DEFAULT_WILD_TEXTS.parent
    share = Path("/usr/share")
    return [
        Source("project policies", POLICIES, tuple(f"*{suffix}" for suffix in sorted(POLICY_SUFFIXES)), "policy"),
        Source("wild policies", wild / "policies", ("*.txt",), "text"),
        Source("wild terms", wild / "terms", ("*.txt",), "text"),
        Source("manpages-ja", share / "man" / "ja", ("**/*.gz",), "roff"),
        Source("debian-reference-ja", share / "debian-reference", ("*.ja.html",), "html"),
        Source("developers-reference-ja", share / "developers-reference" / "ja", ("*.html",), "html"),
        Source("maint-guide-ja", share / "doc" / "maint-guide-ja" / "html", ("*.ja.html",), "html"),
        Source("libreoffice-help-ja", share / "libreoffice" / "help" / "ja", ("**/*.html",), "html"),
        Source("gimp-help-ja", share / "gimp" / "2.0" / "help" / "ja", ("**/*.html",), "html"),
    ]


def _html_lines(path: Path) -> list[str]:
    import lxml.html

    data = path.read_bytes()
    try:  # UTF-8 unless it cannot be; then the charset the page declares (lxml reads its meta tag)
        tree = lxml.html.document_fromstring(_XML_DECLARATION.sub("", data.decode("utf-8"), count=1))
    except UnicodeDecodeError:
        tree = lxml.html.document_fromstring(data)
    for bad in tree.xpath("//script|//style|//pre|//code|//nav|//header|//footer"):
        bad.drop_tree()
    blocks = tree.xpath("//p|//li|//dd|//dt|//td|//th|//h1|//h2|//h3|//h4|//caption")
    return [" ".join(block.text_content().split()) for block in blocks]


def _roff_lines(path: Path) -> list[str]:
    """Paragraphs of a gzipped man page: text lines joined until a macro line or a blank line."""
    text = gzip.open(path, "rt", encoding="utf-8", errors="replace").read()
    paragraphs, current, in_example = [], [], False
    for line in text.split("\n"):
        if line.startswith((".nf", ".EX")):
            in_example = True
        elif line.startswith((".fi", ".EE")):
            in_example = False
        if in_example or line.startswith((".", "'")) or not line.strip():
            if current:
                paragraphs.append("".join(current))
                current = []
        else:
            current.append(_ROFF_FONT.sub("", line).strip())
    return paragraphs + (["".join(current)] if current else [])


def _raw_lines(source: Source, path: Path) -> list[str]:
    if source.kind == "html" or path.suffix.lower() in (".html", ".htm"):
        return _html_lines(path)
    if source.kind == "roff":
        return _roff_lines(path)
    return path.read_text(encoding="utf-8", errors="replace").split("\n")


def keep_line(line: str) -> bool:
    """Japanese prose: 10+ characters, at least 30% of them Japanese, no sign of code."""
    return len(line) >= 10 and len(_CJK.findall(line)) >= 0.3 * len(line) and not _CODE.search(line)


def eval_shingles(eval_dir: Path | None = DEFAULT_EVAL) -> set[str]:
    """Every 20-character run of the evaluation texts (whitespace removed)."""
    runs: set[str] = set()
    if eval_dir and Path(eval_dir).is_dir():
        for path in sorted(Path(eval_dir).rglob("*.txt")):
            text = re.sub(r"\s+", "", path.read_text(encoding="utf-8", errors="replace"))
            runs.update(text[i:i + SHINGLE] for i in range(len(text) - SHINGLE + 1))
    return runs


def touches_eval(line: str, runs: set[str]) -> bool:
    text = re.sub(r"\s+", "", line)
    return any(text[i:i + SHINGLE] in runs for i in range(len(text) - SHINGLE + 1))


@dataclass
class CorpusStats:
    """Per source: files read, documents and characters kept, lines dropped and why."""

    sources: dict[str, dict] = field(default_factory=dict)

    def add(self, name: str, key: str, n: int = 1) -> None:
        self.sources.setdefault(name, {"files": 0, "documents": 0, "characters": 0, "lines": 0,
                                       "dropped_not_prose": 0, "dropped_duplicate": 0, "dropped_eval": 0})
        self.sources[name][key] += n

    @property
    def characters(self) -> int:
        return sum(s["characters"] for s in self.sources.values())


def _documents(source: Source) -> Iterator[list[str]]:
    if source.kind == "policy":
        for document in iter_documents(policy_files(source.root)):
            if not isinstance(document, ReadError):
                yield document.text.split("\n")
        return
    for path in source.files():
        try:
            yield _raw_lines(source, path)
        except (OSError, ValueError):
            continue


def build_corpus(sources: Iterable[Source] | None = None, extra: Path | None = None,
                 eval_dir: Path | None = DEFAULT_EVAL, wild: Path | None = None) -> tuple[list[list[str]], CorpusStats]:
    """Clean documents (each a list of lines) from every source, and what each source gave."""
    sources = list(sources if sources is not None else default_sources(wild))
    if extra is not None:
        sources.append(Source(f"extra: {extra}", Path(extra), tuple(f"**/*{s}" for s in sorted(POLICY_SUFFIXES)),
                              "text"))
    runs = eval_shingles(eval_dir)
    seen: set[int] = set()
    stats = CorpusStats()
    documents: list[list[str]] = []
    for source in sources:
        stats.add(source.name, "files", 0)
        for raw in _documents(source):
            stats.add(source.name, "files")
            kept = []
            for line in (" ".join(r.split()) for r in raw):
                if not keep_line(line):
                    stats.add(source.name, "dropped_not_prose")
                elif hash(line) in seen:
                    stats.add(source.name, "dropped_duplicate")
                elif touches_eval(line, runs):
                    stats.add(source.name, "dropped_eval")
                else:
                    seen.add(hash(line))
                    kept.append(line)
            if kept:
                documents.append(kept)
                stats.add(source.name, "documents")
                stats.add(source.name, "lines", len(kept))
                stats.add(source.name, "characters", sum(map(len, kept)))
    return documents, stats
