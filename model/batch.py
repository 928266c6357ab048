"""Runs over many inputs: tag files into a records writer (resumably), label clause records, and
write coverage reports, each counting what it did.

What a run shows as it goes (the command line's progress bar) is a :class:`Progress` passed in;
the default shows nothing.  What it did comes back as data, and :func:`summary_table` turns the
per-document counts of :func:`tag_files` into text.

>>> from jprivacy.batch import tag_files
>>> from jprivacy.outputs import RecordWriter
>>> with RecordWriter("out.jsonl", resume=True) as writer:
...     summary = tag_files(jprivacy.load(), ["crawl/"], writer)
>>> summary.counts["crawl/a.html"]      # {"clauses": 41, "collection": 6, ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .outputs import RecordWriter
from .readers import ReadError, document_key, expand_paths, iter_documents
from .records import record_contexts
from .tagger import DocumentCheck, Tagger

RATE_EVERY = 512  # clauses between two progress reports within a document


class Progress:
    """What a run reports as it goes; these hooks do nothing (override them to show progress)."""

    def start(self, total: int, done: int = 0) -> None:
        """``total`` inputs to go; ``done`` documents are already in the output (a resumed run)."""

    def note(self, message: str) -> None:
        """One line about an input, as it happens (a ``warning:`` line, missing disclosures)."""

    def clauses(self, count: int) -> None:
        """``count`` clauses tagged so far in this run."""

    def advance(self) -> None:
        """One more input done, or failed."""


@dataclass
class TagSummary:
    """What :func:`tag_files` did: per document tagged in this run, its number of clauses and
    of clauses carrying each label; the inputs that failed; warnings about the documents
    tagged (see :class:`~jprivacy.tagger.DocumentCheck`)."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[ReadError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0   # documents already in the output, kept from an earlier run
    clauses: int = 0


def tag_files(tagger: Tagger, paths: Iterable[str | Path], writer: RecordWriter,
              progress: Progress = Progress()) -> TagSummary:
    """Tag files, folders and ``-`` (stdin) into ``writer``, one document after another.

    Documents already in the output (``writer.done_docs`` of a resumed writer) are skipped,
    however their paths are spelled.  Each finished document is made durable
    (:meth:`~jprivacy.outputs.RecordWriter.end_document`) so an interrupted run resumes after
    it.  Inputs that cannot be read are counted in ``errors``; nothing raises for bad input.
    """
    done = {document_key(doc) for doc in writer.done_docs}
    inputs = [p for p in expand_paths(paths) if isinstance(p, ReadError) or document_key(p) not in done]
    summary = TagSummary(skipped=len(writer.done_docs))
    progress.start(len(inputs), summary.skipped)
    check: DocumentCheck | None = None

    def document_done():
        warning = check.warning()
        if warning:
            summary.warnings.append(warning)
            progress.note(warning)
        progress.clauses(summary.clauses)
        progress.advance()

    for item in tagger.iter_records(inputs):
        if isinstance(item, ReadError):
            summary.errors.append(item)
            progress.advance()
            continue
        if check is None or item["doc"] != check.doc:
            if check is not None:
                writer.end_document()
                document_done()
            check = DocumentCheck(item["doc"])
            summary.counts[item["doc"]] = {"clauses": 0, **{name: 0 for name in tagger.labels}}
        writer.write(item)
        check.add(item["text"], item["scores"])
        counts = summary.counts[item["doc"]]
        counts["clauses"] += 1
        for name in item["labels"]:
            counts[name] += 1
        summary.clauses += 1
        if summary.clauses % RATE_EVERY == 0:  # within a long document too
            progress.clauses(summary.clauses)
    if check is not None:
        document_done()
    return summary


def field_files(tagger: Tagger, paths: Iterable[str | Path], writer: RecordWriter,
                progress: Progress = Progress()) -> tuple[int, list[ReadError]]:
    """Write the fields of each policy in ``paths`` to ``writer``, one record per policy (see
    :meth:`jprivacy.extract.PolicyFields.to_dict`); documents a resumed writer holds are skipped.
    Returns the number of policies written and the inputs that failed."""
    done = {document_key(doc) for doc in writer.done_docs}
    inputs = [p for p in expand_paths(paths) if isinstance(p, ReadError) or document_key(p) not in done]
    progress.start(len(inputs), len(writer.done_docs))
    written, errors = 0, []
    for item in tagger.iter_fields(inputs):
        progress.advance()
        if isinstance(item, ReadError):
            errors.append(item)
            continue
        writer.write(item.to_dict())
        writer.end_document()
        written += 1
    return written, errors


def summary_table(counts: dict[str, dict[str, int]]) -> str:
    """Per-policy table: clauses, then the number of clauses carrying each of the model's labels
    (named in full); then, per policy, the labels no clause carries."""
    width = max([len(d) for d in counts] + [8])
    labels = [n for n in next(iter(counts.values()), {}) if n != "clauses"]
    lines = [f"{'policy':<{width}} {'clauses':>7} " + " ".join(f"{n:>{len(n)}}" for n in labels)]
    for doc, row in counts.items():
        lines.append(f"{doc:<{width}} {row['clauses']:>7} " +
                     " ".join(f"{row[n] or '-':>{len(n)}}" for n in labels))
    missing = {doc: [n for n in labels if not row[n]] for doc, row in counts.items()}
    lines += [f"{doc}: no {', '.join(names)}" for doc, names in missing.items() if names]
    return "\n".join(lines)


def classify_records(tagger: Tagger, lines: Iterable[tuple[str, object]], writer: RecordWriter) -> list[ReadError]:
    """Label clause records and write them to ``writer`` with every other field passed through.

    ``lines`` are ``(where, record)`` pairs as :func:`jprivacy.outputs.iter_json_lines` gives
    them; a record is an object with a string ``text`` and an optional ``section`` (and
    ``lead``).  Returns the lines skipped: bad JSON, and records without a string ``text``.
    """
    errors: list[ReadError] = []
    batch: list[dict] = []

    def flush():
        probs = tagger.predict_proba([r["text"] for r in batch], record_contexts(batch))
        for record, prediction in zip(batch, tagger.predictions(probs)):
            writer.write({**record, **prediction})
        batch.clear()

    for where, record in lines:
        if isinstance(record, ReadError):
            errors.append(record)
        elif not isinstance(record, dict) or not isinstance(record.get("text"), str):
            errors.append(ReadError(where, "record has no string field 'text'"))
        else:
            batch.append(record)
            if len(batch) >= tagger.batch_size:
                flush()
    flush()
    return errors


def report_files(tagger: Tagger, paths: Iterable[str | Path], output: str | Path,
                 progress: Progress = Progress()) -> tuple[dict[str, dict[str, str]], list[ReadError]]:
    """Write the coverage report of every policy in ``paths`` to ``output`` (see
    :class:`~jprivacy.report.ReportWriter`); nothing is written when no policy can be read.

    Returns each reported policy's status per checklist item, and the inputs that failed.
    """
    from .report import ReportWriter, coverage

    model = f"{tagger.folder} ({tagger.card.backend})"
    inputs = list(expand_paths(paths))  # pages jprivacy wrote (an earlier report) are not read as policies
    errors: list[ReadError] = []
    writer = ReportWriter(output, many=len(inputs) > 1, model=model)
    progress.start(len(inputs))
    try:
        for item in inputs:
            progress.advance()
            document = item if isinstance(item, ReadError) else next(iter_documents([item]))
            if isinstance(document, ReadError):
                errors.append(document)
                continue
            frame = tagger.tag(document)
            check = DocumentCheck(document.doc)
            for text, scores in zip(frame["text"], frame["scores"]):
                check.add(text, scores)
            if check.warning():
                progress.note(check.warning())
            report = coverage(frame, model)[0]
            writer.add(report)
            if report.missing:
                progress.note(f"{report.doc}: missing {', '.join(report.missing)}")
        if writer.rows:
            writer.close(errors)
    finally:
        writer.discard()
    return writer.rows, errors

