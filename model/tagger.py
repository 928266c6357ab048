"""Tagger: read → segment → classify in batches → clause records."""

from __future__ import annotations

import hashlib
import os
import re
from collections import deque
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from .backends.loading import load_backend
from .frame import ClauseFrame
from .records import RECORD_FIELDS
from .model_folder import CARD, ModelCard, ModelFolderError
from .readers import Document, ReadError, clean_text, iter_documents, printable, read_document
from .segment import Clause, context

BUNDLED = Path(__file__).resolve().parent / "bundled"  # resolved: a strict editable install links each file
# clauses per backend call: a transformer backend sorts each call's clauses by token count
# before batching them, and a larger window pads less (in batches of 32 on the eval policies'
# 3,204 clauses: 19% of the tokens at 256, 6% at 1,024)
DEFAULT_BATCH_SIZE = 1024


class Tagger:
    """A loaded model: classifies clauses and tags whole policies.

    >>> tagger = jprivacy.load()
    >>> frame = tagger.tag_file("policy.txt")     # one row per clause
    >>> tagger.classify(["当社は取得した個人情報を第三者に提供しません。"])
    """

    def __init__(self, backend, card: ModelCard, folder: Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch size must be a whole number of 1 or more, not {batch_size!r}")
        self.backend = backend
        self.card = card
        self.folder = folder
        self.batch_size = batch_size
        self.labels: tuple[str, ...] = tuple(card.labels)  # the model's own labels (its card's)
        self.thresholds = np.array([card.thresholds[name] for name in self.labels], np.float32)

    def identity(self) -> dict:
        """What tells this model from another: its folder and the SHA-256 of its card (which
        holds its thresholds, settings and training record)."""
        card = (Path(self.folder) / CARD).read_bytes() if self.folder else b""
        return {"model": str(self.folder), "card_sha256": hashlib.sha256(card).hexdigest()}

    def __repr__(self) -> str:
        return f"Tagger(backend={self.card.backend!r}, folder={str(self.folder)!r})"

    # -- clauses ---------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str], sections: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities (n_texts x n_labels), computed in batches."""
        if isinstance(texts, str) or isinstance(sections, str):
            raise TypeError("texts and sections are lists of strings, one per clause, not a single string")
        texts = [clean_text(t) for t in texts]
        sections = [clean_text(s or "") for s in sections] if sections is not None else [""] * len(texts)
        if len(sections) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(sections)} sections")
        parts = [self.backend.predict_proba(texts[i:i + self.batch_size], sections[i:i + self.batch_size])
                 for i in range(0, len(texts), self.batch_size)]
        probs = np.vstack(parts) if parts else np.zeros((0, len(self.labels)), np.float32)
        if len(probs) != len(texts):  # records zipped with the scores would drop clauses without a word
            raise RuntimeError(f"the {self.card.backend} backend scored {len(probs)} of {len(texts)} clauses")
        if not np.isfinite(probs).all():
            raise ModelFolderError(f"{self.folder}: the model gives scores that are not numbers (NaN or infinite); "
                                   "its weights are damaged")
        # a clause without a letter or digit ("-", "　", an emoji) states nothing: no score, no label
        probs[[not _WORDY.search(t) for t in texts]] = 0.0
        return probs

    def decide(self, probs: np.ndarray) -> list[list[str]]:
        """Labels whose probability reaches their threshold, in taxonomy order."""
        hits = probs >= self.thresholds
        return [[self.labels[j] for j in np.flatnonzero(row)] for row in hits]

    def predictions(self, probs: np.ndarray) -> list[dict]:
        """Records of labels and rounded scores for a probability matrix."""
        return [{"labels": labels, "scores": {name: round(float(p), 4) for name, p in zip(self.labels, row)}}
                for labels, row in zip(self.decide(probs), probs)]

    def classify(self, texts: Sequence[str], sections: Sequence[str] | None = None) -> list[dict]:
        """Labels and scores for pre-split clauses: ``[{"labels": [...], "scores": {...}}, ...]``."""
        if isinstance(texts, str):
            raise TypeError("classify() takes a list of clause texts; use tag() for a whole policy")
        return self.predictions(self.predict_proba(list(texts), sections))

    def clause_records(self, clauses: Sequence[tuple[str, int, Clause]]) -> list[dict]:
        """Records (see ``RECORD_FIELDS``) for ``(doc, index, clause)`` triples, classified in context."""
        probs = self.predict_proba([c.text for _, _, c in clauses], [context(c.section, c.lead) for _, _, c in clauses])
        return [{"doc": doc, "clause": index, "start": clause.start, "end": clause.end,
                 "section": clause.section, "text": clause.text, **prediction}
                for (doc, index, clause), prediction in zip(clauses, self.predictions(probs))]

    # -- documents -------------------------------------------------------------
    def iter_records(self, inputs: Iterable[Document | ReadError | str | Path]) -> Iterator[dict | ReadError]:
        """Stream clause records for many documents, batching clauses across documents.

        ``inputs`` are paths (files, folders, ``-``) or Documents.  Unreadable inputs are
        yielded as :class:`ReadError` in their place; nothing raises for bad input.
        """
        pending: list[tuple[str, int, Clause]] = []

        def flush():
            yield from self.clause_records(pending)
            pending.clear()

        for item in _documents(inputs):
            if isinstance(item, ReadError):
                yield from flush()
                yield item
                continue
            # clauses are streamed: a huge document never has all of them in memory at once
            for index, clause in enumerate(item.iter_segment()):
                pending.append((item.doc, index, clause))
                if len(pending) >= self.batch_size:
                    yield from flush()
        yield from flush()

    def tag(self, text: str | Document) -> ClauseFrame:
        """Tag one policy given as its text (or a :class:`~jprivacy.Document`) → one row per clause.

        A string is always the policy's text, even one that names a file; read a file with
        :meth:`tag_file`.  An empty text raises :class:`~jprivacy.ReadError`.  The result is a
        DataFrame that also holds the document text (``frame.texts``) and displays in Jupyter as
        the policy with its clauses highlighted.
        """
        if isinstance(text, Document):
            return self._tag_document(text)
        if not isinstance(text, str):
            raise TypeError(f"tag() takes the policy's text, not a {type(text).__name__}; "
                            "for a file use tag_file(path)")
        cleaned = clean_text(text)
        if not cleaned.strip():
            raise ReadError("<text>", "empty document (no visible text)")
        return self._tag_document(Document("<text>", cleaned))

    def tag_file(self, path: str | Path) -> ClauseFrame:
        """Tag one policy file (``.txt``, ``.md``, ``.html``, ``.htm``, or ``-`` for stdin); a
        file that cannot be read raises :class:`~jprivacy.ReadError` saying why."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"tag_file() takes a path, not a {type(path).__name__}")
        return self._tag_document(read_document(path))

    def _tag_document(self, document: Document) -> ClauseFrame:
        records = list(self.iter_records([document]))
        return ClauseFrame([r for r in records if isinstance(r, dict)], columns=list(RECORD_FIELDS),
                           texts={document.doc: document.text})

    # -- fields ------------------------------------------------------------------
    def fields(self, policy: str | Document | pd.DataFrame):
        """What one policy states (the fields of ../shared/FIELDS.md), each value with its
        evidence: a :class:`~jprivacy.extract.PolicyFields`.  ``policy`` is its text, a
        :class:`~jprivacy.Document`, or the frame :meth:`tag` / :meth:`tag_file` gave for it."""
        from .extract import extract

        frame = policy if isinstance(policy, pd.DataFrame) else self.tag(policy)
        if frame["doc"].nunique() > 1:
            raise ValueError("fields() reads one policy; use iter_fields() or fields_frame() for several")
        texts = getattr(frame, "texts", None) or {}
        doc = str(frame["doc"].iloc[0]) if len(frame) else next(iter(texts), "<text>")
        return extract(doc, texts.get(doc, ""), frame)

    def fields_file(self, path: str | Path):
        """:meth:`fields` of one policy file."""
        return self.fields(self.tag_file(path))

    def iter_fields(self, inputs: Iterable[Document | ReadError | str | Path]):
        """The fields of each input (paths, folders, ``-``, Documents), in order, one document at
        a time: a :class:`~jprivacy.extract.PolicyFields` (empty values for a document without
        clauses), or a ReadError in a failed input's place.  Clauses are still classified in
        batches across documents."""
        from .extract import extract

        queued: deque[Document] = deque()  # documents read, in order, whose fields are not out yet

        def remember(documents):
            for document in documents:
                if isinstance(document, Document):
                    queued.append(document)
                yield document

        current: list[dict] = []
        document: Document | None = None

        for item in self.iter_records(remember(_documents(inputs))):
            if isinstance(item, ReadError) or item["clause"] == 0:  # a document's first clause starts it
                if current:
                    yield extract(document.doc, document.text, current)
                    current = []
                if isinstance(item, ReadError):
                    while queued:  # documents before the error that had no clauses
                        empty = queued.popleft()
                        yield extract(empty.doc, empty.text, [])
                    yield item
                    continue
                while queued[0].doc != item["doc"]:  # documents before this one that had no clauses
                    empty = queued.popleft()
                    yield extract(empty.doc, empty.text, [])
                document = queued.popleft()
            current.append(item)
        if current:
            yield extract(document.doc, document.text, current)
        while queued:
            empty = queued.popleft()
            yield extract(empty.doc, empty.text, [])

    def fields_frame(self, paths: Iterable[str | Path]) -> tuple[pd.DataFrame, list[ReadError]]:
        """(one row per policy with list-valued columns, the inputs that failed); the evidence of
        every value in long form: ``jprivacy.field_frames.evidence_frame`` of :meth:`iter_fields`."""
        from .field_frames import fields_table

        found, errors = [], []
        for item in self.iter_fields(paths):
            (errors if isinstance(item, ReadError) else found).append(item)
        return fields_table(found), errors

    def tag_many(self, paths: Iterable[str | Path]) -> tuple[ClauseFrame, list[ReadError]]:
        """Tag many files and folders → (clause records of all readable ones, errors)."""
        rows, errors, texts = [], [], {}

        def remember(documents):
            for document in documents:
                if isinstance(document, Document):
                    texts[document.doc] = document.text
                yield document

        for item in self.iter_records(remember(_documents(paths))):
            (errors if isinstance(item, ReadError) else rows).append(item)
        return ClauseFrame(rows, columns=list(RECORD_FIELDS), texts=texts), errors


_WORDY = re.compile(r"\w")  # a letter or digit of any script (kana and kanji included)


_KANA = re.compile(r"[\u3041-\u30ff\uff66-\uff9f]")  # hiragana, katakana, half-width katakana
JAPANESE_SHARE = 0.2    # fewer clauses than this holding kana: the text is not Japanese
CONFIDENT_SHARE = 0.1   # fewer clauses than this scoring above 0.5 for some label: not a policy


class DocumentCheck:
    """Counts over one document's clause records that tell when its labels mean little.

    Real policies have kana in at least 60% of their clauses and a label scoring above 0.5 on
    at least 35% (the corpus, ``../shared/eval`` and ``../shared/wild/policies``); English text
    has no kana, and some terms of service fall below 10% confident clauses.
    """

    def __init__(self, doc: str):
        self.doc, self.clauses, self.japanese, self.confident = doc, 0, 0, 0

    def add(self, text: str, scores: dict[str, float]) -> None:
        """Count one clause: its text and its score per label."""
        self.clauses += 1
        self.japanese += bool(_KANA.search(text))
        self.confident += max(scores.values(), default=0) > 0.5

    def warning(self) -> str | None:
        """One line when the document is not Japanese or almost no clause gets a label; else None."""
        if not self.clauses:
            return None
        name = printable(self.doc)
        if self.japanese < JAPANESE_SHARE * self.clauses:
            return (f"warning: {name}: not Japanese text ({self.japanese} of {self.clauses} clauses "
                    "have kana); its labels mean little")
        if self.confident < CONFIDENT_SHARE * self.clauses:
            return (f"warning: {name}: only {self.confident} of {self.clauses} clauses score above 0.5 "
                    "for any label; is it a privacy policy?")
        return None


def _documents(inputs) -> Iterator[Document | ReadError]:
    if isinstance(inputs, (str, bytes, os.PathLike, Document)):
        raise TypeError(f"expected a list of paths or documents, not a single {type(inputs).__name__}; "
                        "pass [path] for one")
    paths: list = []
    for item in inputs:
        if isinstance(item, (Document, ReadError)):
            yield from iter_documents(paths)
            paths.clear()
            yield item
        else:
            paths.append(item)
    yield from iter_documents(paths)


_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")


def looks_local(model: str) -> bool:
    """A model name that can only mean a folder on this machine: not ``owner/name``, or a path
    whose first part exists here (``models/typo`` when ``models/`` is a folder)."""
    name = str(model)
    return (not _HUB_ID.fullmatch(name) or name.endswith((".", "-")) or ".." in name
            or os.path.lexists(name.split("/")[0]))


def resolve_folder(model: str | Path | None) -> Path:
    """A local model folder for ``model``: None → the bundled model; a folder; or a Hub name
    (``owner/name``, never a path that exists in part on disk)."""
    if model is None:
        return BUNDLED
    path = Path(model)
    if path.exists():
        if not path.is_dir():
            raise ModelFolderError(f"{model}: a model must be a folder, not a file")
        return path
    if isinstance(model, os.PathLike) or looks_local(str(model)):
        raise ModelFolderError(f"{model}: no such model folder")
    from huggingface_hub import snapshot_download
    try:
        return Path(snapshot_download(str(model)))
    except Exception as err:  # offline, unknown repo, no access: one clear message
        raise ModelFolderError(
            f"{model}: no such model folder or Hub model (not a local folder, and it could not be fetched "
            f"from the Hugging Face Hub: {type(err).__name__}); download it where the Hub is reachable "
            "and pass the folder") from None


def load(model: str | Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> Tagger:
    """Load a model folder (default: the bundled model) as a :class:`Tagger`."""
    folder = resolve_folder(model)
    backend, card = load_backend(folder)
    return Tagger(backend, card, folder, batch_size)
