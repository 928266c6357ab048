"""Write clause records as JSON Lines, CSV or Parquet, atomically and resumably.

Records go to ``OUT.partial`` while a run is under way; only a finished run renames it to
``OUT``, so an interrupted run never leaves a truncated file that looks complete.  A run
with ``resume=True`` keeps the documents already written (all but the last one of a
``.partial``, which may be cut short) and lets the caller skip them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .labels import LABELS

FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def output_format(path: str | Path | None) -> str:
    if path is None or str(path) == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unknown output extension {suffix or '(none)'!r}; "
                         f"use one of {', '.join(sorted(FORMATS))}")
    return FORMATS[suffix]


def read_records(path: str | Path) -> list[dict]:
    """Records from a JSON Lines, CSV or Parquet file written by :class:`RecordWriter`."""
    fmt = output_format(path)
    if fmt == "jsonl":
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            for key in ("clause", "start", "end"):
                if key in row:
                    row[key] = int(row[key])
            if "labels" in row:
                row["labels"] = [x for x in row["labels"].split(";") if x]
            if "scores" in row:
                row["scores"] = json.loads(row["scores"])
        return rows
    return pq.read_table(path).to_pylist()


def _csv_row(record: dict) -> dict:
    row = dict(record)
    if isinstance(row.get("labels"), list):
        row["labels"] = ";".join(row["labels"])
    if isinstance(row.get("scores"), dict):
        row["scores"] = json.dumps(row["scores"], ensure_ascii=False)
    return row


_PARQUET_SCHEMA = pa.schema([
    ("doc", pa.string()), ("clause", pa.int64()), ("start", pa.int64()), ("end", pa.int64()),
    ("section", pa.string()), ("text", pa.string()), ("labels", pa.list_(pa.string())),
    ("scores", pa.struct([(name, pa.float32()) for name in LABELS])),
])


class RecordWriter:
    """Context manager that streams records to ``path`` (stdout when None or "-")."""

    def __init__(self, path: str | Path | None, resume: bool = False, fieldnames: list[str] | None = None,
                 parquet_batch: int = 4096):
        self.path = None if path is None or str(path) == "-" else Path(path)
        self.format = output_format(path)
        self.fieldnames = fieldnames
        self.parquet_batch = parquet_batch
        self.done_docs: set[str] = set()
        self.count = 0
        self._buffer: list[dict] = []
        kept = self._resumable() if resume and self.path else []
        self.done_docs = {r["doc"] for r in kept}
        self._open()
        for record in kept:
            self.write(record)

    @property
    def partial(self) -> Path:
        return self.path.with_name(self.path.name + ".partial")

    def _resumable(self) -> list[dict]:
        if self.partial.exists():
            records = read_records(self.partial) if self.partial.stat().st_size else []
            last = records[-1]["doc"] if records else None
            return [r for r in records if r["doc"] != last]  # the last document may be cut short
        if self.path.exists():
            return read_records(self.path)
        return []

    def _open(self) -> None:
        if self.path is None:
            self._stream = sys.stdout
            self._csv = None
        elif self.format == "parquet":
            self._parquet_tmp = self.path.with_name(self.path.name + ".partial.tmp")
            self._parquet = pq.ParquetWriter(self._parquet_tmp, _PARQUET_SCHEMA)
            return
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._stream = open(self.partial, "w", encoding="utf-8", newline="")
        self._csv = None

    def write(self, record: dict) -> None:
        self.count += 1
        if self.format == "jsonl":
            self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif self.format == "csv":
            if self._csv is None:
                self._csv = csv.DictWriter(self._stream, fieldnames=self.fieldnames or list(record),
                                           extrasaction="ignore")
                self._csv.writeheader()
            self._csv.writerow(_csv_row(record))
        else:
            self._buffer.append(record)
            if len(self._buffer) >= self.parquet_batch:
                self._flush_parquet()

    def _flush_parquet(self) -> None:
        if self._buffer:
            self._parquet.write_table(pa.Table.from_pylist(self._buffer, schema=_PARQUET_SCHEMA))
            self._buffer.clear()

    def end_document(self) -> None:
        """Make what was written so far durable: a resumed run keeps finished documents."""
        if self.format == "parquet":
            return  # row groups are only readable once the file is closed
        self._stream.flush()

    def close(self, ok: bool = True) -> None:
        if self.format == "parquet":
            self._flush_parquet()
            self._parquet.close()
            if ok:
                os.replace(self._parquet_tmp, self.path)
            else:
                os.unlink(self._parquet_tmp)
            return
        if self.path is None:
            self._stream.flush()
            return
        self._stream.close()
        if ok:
            os.replace(self.partial, self.path)

    def __enter__(self) -> "RecordWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(ok=exc_type is None)


def write_json_atomic(path: str | Path, data) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def atomic_text(path: str | Path, text: str) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with io.open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
