"""Tag policies on a Ray cluster with Ray Data (optional extra: ``pip install "jprivacy[ray]"``).

>>> import ray
>>> from jprivacy.distributed import read_documents, tag_dataset
>>> documents = read_documents(["s3://bucket/crawl/"])      # or ray.data.from_items([{"doc":…, "text":…}])
>>> tag_dataset(documents, model="/shared/models/bert-ft").write_parquet("s3://bucket/tagged/")

Each actor of a fixed-size pool loads the model once and tags batches of whole documents: it
segments them, sorts all of the batch's clauses by length (so padding stays small), classifies
them and returns one clause record per row, with the fields and types of ``jprivacy tag``'s
Parquet output.  The model folder must be readable at the same path on every node.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from typing import Sequence

import numpy as np
import pyarrow as pa

from .field_frames import FIELD_SCHEMA
from .outputs import arrow_table, record_schema
from .readers import HTML_SUFFIXES, POLICY_SUFFIXES, Document, ReadError, clean_text, to_document
from .tagger import DEFAULT_BATCH_SIZE, load

log = logging.getLogger("jprivacy.distributed")

JSON_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz")


class ClauseTagger:
    """Ray Data callable class: a batch of documents in, a table of clause records out.

    A batch holds either ``doc`` and ``text`` columns, or ``path`` and ``bytes`` columns as
    ``ray.data.read_binary_files(..., include_paths=True)`` makes them (decoded like
    ``jprivacy tag`` decodes files).  A document that cannot be read is logged in one line and
    skipped; the rest of the batch goes on.
    """

    def __init__(self, model: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE, fields: bool = False):
        self.tagger = load(model, batch_size=batch_size)
        self.fields = fields

    def __call__(self, batch: dict[str, np.ndarray]) -> pa.Table:
        if self.fields:  # one row per document: what it states, nested values as JSON text
            fields = self._skipping(self.tagger.iter_fields(self._documents(batch)))
            return arrow_table((item.to_dict() for item in fields), FIELD_SCHEMA)
        records = list(self._skipping(self.tagger.iter_records(self._documents(batch))))  # the local path, batching included
        return arrow_table(records, record_schema(self.tagger.labels))

    @staticmethod
    def _skipping(items):
        for item in items:
            if isinstance(item, ReadError):
                log.error("jprivacy: skipped %s", item)
            else:
                yield item

    @staticmethod
    def _documents(batch: dict[str, np.ndarray]) -> list[Document | ReadError]:
        """The batch's documents, or a ReadError in the place of one that cannot be read."""
        documents: list[Document | ReadError] = []
        if "bytes" in batch:
            items = zip(batch["path"], batch["bytes"])
        else:
            items = zip(batch["doc"], batch["text"])
        for doc, content in items:
            doc = str(doc)
            try:
                if isinstance(content, (bytes, bytearray)):
                    documents.append(to_document(bytes(content), doc,
                                                 html=PurePosixPath(doc).suffix.lower() in HTML_SUFFIXES))
                elif isinstance(content, str) and content.strip():
                    documents.append(Document(doc, clean_text(content)))
                else:
                    raise ReadError(doc, "no text (expected a non-empty string in 'text')")
            except ReadError as err:
                documents.append(err)
        return documents


def tag_dataset(documents, model: str | None = None, *, actors: int | None = None, cpus_per_actor: float = 1,
                gpus_per_actor: float = 0, documents_per_batch: int = 32, clauses_per_call: int = DEFAULT_BATCH_SIZE,
                fields: bool = False):
    """Tag a Ray Dataset of documents → a Dataset of clause records (lazy; write or consume it),
    or with ``fields=True`` one row per document of what it states (``jprivacy fields``'s
    records; operator, contacts, transmissions and evidence as JSON text).

    ``documents`` has ``doc`` + ``text`` columns, or ``path`` + ``bytes`` columns (see
    :func:`read_documents`).  ``model`` is a model folder readable on every node (None: the
    bundled model).  ``actors`` model replicas of ``cpus_per_actor`` CPUs (and
    ``gpus_per_actor`` GPUs) each run in a fixed pool; by default as many as fit while one CPU
    stays free for Ray's read and write tasks (a pool holding every CPU would starve them and
    the job would hang).  ``documents_per_batch`` whole documents are tagged together, their
    clauses sorted by length and classified ``clauses_per_call`` at a time.
    """
    import ray

    total_cpus = ray.cluster_resources().get("CPU", 0)
    if actors is None:
        actors = max(1, int((total_cpus - 1) // cpus_per_actor))
    if actors < 1:
        raise ValueError(f"actors must be at least 1, not {actors}")
    if actors * cpus_per_actor >= total_cpus:
        raise ValueError(f"{actors} actor(s) x {cpus_per_actor} CPU(s) would reserve all {total_cpus:g} CPUs of "
                         f"the cluster and leave none for reading and writing; use fewer actors or CPUs per actor")
    return documents.map_batches(
        ClauseTagger, fn_constructor_kwargs={"model": None if model is None else str(model),
                                             "batch_size": clauses_per_call, "fields": fields},
        batch_size=documents_per_batch, batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=cpus_per_actor, num_gpus=gpus_per_actor)


def read_documents(paths: str | Sequence[str]):
    """A Ray Dataset of documents from local paths or object-storage URIs (``s3://``, ``gs://``…).

    JSON Lines files (``.jsonl``, ``.json``, optionally gzipped) give rows with ``doc`` and
    ``text``; anything else is read as policy files (``.txt``, ``.md``, ``.html``, ``.htm``,
    folders recursively) into ``path`` and ``bytes`` rows, decoded later by the taggers.
    """
    import ray

    paths = [paths] if isinstance(paths, str) else list(paths)
    if paths and all(str(p).lower().endswith(JSON_SUFFIXES) for p in paths):
        return ray.data.read_json(paths, lines=True)
    return ray.data.read_binary_files(paths, include_paths=True,
                                      file_extensions=[s.lstrip(".") for s in sorted(POLICY_SUFFIXES)])
