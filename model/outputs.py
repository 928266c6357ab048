"""Write clause records as JSON Lines, CSV or Parquet, atomically and resumably.

While a run is under way its records are appended to ``OUT.partial`` as JSON Lines, whatever
the output format.  Only a finished run turns that into ``OUT``: a rename for JSON Lines, a
streamed conversion to ``OUT.tmp`` and a rename for CSV and Parquet.  An interrupted or failed
run therefore never leaves an ``OUT`` that looks complete.  A run with ``resume=True`` keeps
the documents an earlier run finished (all of ``OUT.partial`` but its last document, which may
be cut short, or all of a finished ``OUT``) and lets the caller skip them.

A run holds an exclusive lock (``fcntl.flock``) on ``OUT.partial`` from the moment it opens it
until ``OUT`` is in place, so two runs writing the same output cannot mix their records: the
second one fails at once with :class:`OutputBusyError` and leaves the file alone.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
import sys
from pathlib import Path
from typing import Callable, Iterable, Iterator

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a second run is not refused there
    fcntl = None

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import JprivacyError, UsageError
from .labels import LABELS
from .readers import LONE_SURROGATE, ReadError, clean_text

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


class OutputBusyError(JprivacyError):
    """Another run holds the lock on the output; the message says which file."""


def output_format(path: str | Path | None) -> str:
    if path is None or str(path) == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{path}: unknown output extension {suffix or '(none)'!r}; "
                         f"use one of {', '.join(sorted(FORMATS))}")
    return FORMATS[suffix]


def iter_json_lines(path: str | Path) -> Iterator[tuple[str, object]]:
    """``(where, value)`` for each non-blank line of a JSON Lines file (``-``: stdin), ``where``
    being ``path:line``.  A line that is not UTF-8 or not JSON gives a
    :class:`~jprivacy.readers.ReadError` in place of its value, and reading goes on (as
    :func:`~jprivacy.readers.expand_paths` gives bad inputs).  A UTF-8 byte order mark before
    the first line is skipped.  The file is opened at the call: OSError there if it cannot be."""
    stream = sys.stdin.buffer if str(path) == "-" else open(path, "rb")
    return _json_lines(stream, str(path))


def _json_lines(stream, name: str) -> Iterator[tuple[str, object]]:
    with stream:
        for number, raw in enumerate(stream, 1):
            where = f"{name}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as err:
                yield where, ReadError(where, f"not UTF-8 text ({err.reason} at byte {err.start})")
                continue
            if not line.strip():
                continue
            try:
                yield where, json.loads(line)
            except json.JSONDecodeError as err:
                yield where, ReadError(where, f"malformed JSON ({err.msg})")


def stream_records(path: str | Path, fmt: str | None = None) -> Iterator[dict]:
    """Stream the records of a JSON Lines, CSV or Parquet file written by :class:`RecordWriter`;
    a JSON Lines line that is not UTF-8 JSON raises :class:`~jprivacy.errors.UsageError` naming it."""
    fmt = fmt or output_format(path)
    if fmt == "jsonl":
        for _, value in iter_json_lines(path):
            if isinstance(value, ReadError):
                raise UsageError(str(value))
            yield value
    elif fmt == "json":
        with open(path, encoding="utf-8") as f:
            yield from json.load(f)
    elif fmt == "csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                row = {k: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:].startswith((*CSV_FORMULA_START, "'"))
                       else v for k, v in row.items()}
                for key in ("clause", "start", "end"):
                    if key in row:
                        row[key] = int(row[key])
                if "labels" in row:
                    row["labels"] = [x for x in row["labels"].split(";") if x]
                if "scores" in row:
                    row["scores"] = json.loads(row["scores"])
                yield row
    else:
        for batch in pq.ParquetFile(path).iter_batches():
            yield from batch.to_pylist()


def read_records(path: str | Path) -> list[dict]:
    """All records of a JSON Lines, CSV or Parquet file written by :class:`RecordWriter`."""
    return list(stream_records(path))


def to_json(data, indent: int | None = None) -> str:
    """JSON text that is valid UTF-8: lone surrogates (say, from a file name that is not UTF-8)
    are kept as \\udXXX escapes, everything else is written as itself."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return json.dumps(data, indent=indent) if LONE_SURROGATE.search(text) else text


def _json_line(record: dict) -> str:
    return to_json(record) + "\n"


def _without_surrogates(value):
    """``value`` with lone surrogates replaced by U+FFFD (CSV and Parquet cannot hold them)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_surrogates(v) for k, v in value.items()}
    return value


def _csv_row(record: dict) -> dict:
    """A record as CSV cells: ``labels`` joined by ``;``, any other list or mapping as JSON."""
    row = _without_surrogates(record)
    for key, value in row.items():
        if key == "labels" and isinstance(value, list):
            row[key] = ";".join(map(str, value))
        elif isinstance(value, (list, dict)):
            row[key] = json.dumps(value, ensure_ascii=False)
    return row


def _parquet_row(record: dict) -> dict:
    """A record as Parquet takes it: nested records (a mapping other than ``scores``, a list of
    mappings: a policy's fields and evidence) as JSON text, lone surrogates replaced."""
    row = _without_surrogates(record)
    for key, value in row.items():
        if (isinstance(value, dict) and key != "scores") or (isinstance(value, list) and any(
                isinstance(v, (dict, list)) for v in value)):
            row[key] = json.dumps(value, ensure_ascii=False)
    return row


# Types of the fields jprivacy writes; a pass-through field takes the type its values have.
# Scores are float64, so a score reads back as the number JSON Lines shows (0.0008, not 0.0007999…).
_KNOWN_TYPES = {"doc": pa.string(), "clause": pa.int64(), "start": pa.int64(), "end": pa.int64(),
                "section": pa.string(), "text": pa.string(), "labels": pa.list_(pa.string())}


def _scores_type(labels) -> pa.DataType:
    return pa.struct([(name, pa.float64()) for name in labels])


def record_schema(labels=LABELS) -> pa.Schema:
    """The Arrow schema of a clause record of ``tag`` for a model with ``labels``."""
    return pa.schema([*_KNOWN_TYPES.items(), ("scores", _scores_type(labels))])
CSV_FORMULA_START = tuple("=+-@\t\r")  # a spreadsheet would run such a cell as a formula


def _field_names(records: Iterable[dict]) -> list[str]:
    """Every field of the records, in the order they first appear."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    return list(names)


def _neutralise(cell):
    """A CSV cell that a spreadsheet would read as a formula, prefixed with ``'`` (shown as text);
    a cell that starts with ``'`` gets one more, so reading strips exactly what writing added."""
    return "'" + cell if isinstance(cell, str) and cell.startswith((*CSV_FORMULA_START, "'")) else cell


def _write_csv(records: Callable[[], Iterable[dict]], path: Path, fieldnames: list[str] | None) -> None:
    """CSV in UTF-8 with a BOM (Excel on Japanese Windows reads it as UTF-8), a column for every
    field of any record, formula-like cells neutralised."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames or _field_names(records()), extrasaction="ignore")
        writer.writeheader()
        for record in records():
            writer.writerow({k: _neutralise(v) for k, v in _csv_row(record).items()})


def _parquet_schema(records: Iterable[dict], batch: int) -> pa.Schema:
    """The schema of every field of the records: jprivacy's own fields typed as above, the others
    with the type their values have, widened over all records (int and float give float; values
    of kinds that do not mix, say numbers and strings, give string)."""
    types: dict[str, list[pa.DataType]] = {}
    rows: list[dict] = []

    def infer():
        for name in dict.fromkeys(k for row in rows for k in row):
            try:
                kind = pa.array([row.get(name) for row in rows]).type
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                kind = pa.string()
            types.setdefault(name, []).append(kind)
        rows.clear()

    for record in records:
        rows.append(record)
        if len(rows) >= batch:
            infer()
    if rows:
        infer()

    def typed(name: str, kinds: list[pa.DataType]) -> pa.DataType:
        if name in _KNOWN_TYPES:
            return _KNOWN_TYPES[name]
        kinds = [k for k in kinds if k != pa.null()] or [pa.string()]
        if name == "scores" and all(pa.types.is_struct(k) for k in kinds):
            return _scores_type([f.name for f in kinds[0]])
        try:
            return pa.unify_schemas([pa.schema([(name, k)]) for k in kinds], promote_options="permissive").field(0).type
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return pa.string()

    return pa.schema([(name, typed(name, kinds)) for name, kinds in types.items()])


def _fit(rows: list[dict], schema: pa.Schema) -> list[dict]:
    """Rows whose values of a string column that are not strings are written as JSON text."""
    strings = {f.name for f in schema if f.type == pa.string()}
    return [{k: json.dumps(v, ensure_ascii=False) if k in strings and v is not None and not isinstance(v, str)
             else v for k, v in row.items()} for row in rows]


def arrow_table(records: Iterable[dict], schema: pa.Schema) -> pa.Table:
    """Records as an Arrow table of ``schema``, as Parquet outputs hold them (nested records and
    non-string values of string columns as JSON text); Ray's tables are made the same way."""
    return pa.Table.from_pylist(_fit([_parquet_row(r) for r in records], schema), schema=schema)


def _write_parquet(records: Callable[[], Iterable[dict]], path: Path, batch: int,
                   schema: pa.Schema | None = None) -> None:
    schema = schema or _parquet_schema((_parquet_row(r) for r in records()), batch)
    with pq.ParquetWriter(path, schema) as writer:
        rows: list[dict] = []
        for record in records():
            rows.append(record)
            if len(rows) >= batch:
                writer.write_table(arrow_table(rows, schema))
                rows.clear()
        if rows:
            writer.write_table(arrow_table(rows, schema))


def _write_json(records: Callable[[], Iterable[dict]], path: Path) -> None:
    """One JSON array of the records, streamed (``json.load`` reads it)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("[")
        for i, record in enumerate(records()):
            f.write(("," if i else "") + "\n" + to_json(record))
        f.write("\n]\n")


def _keep_finished_documents(partial: Path) -> tuple[set[str], int]:
    """Cut ``partial`` back to the documents before its last one; their names and record count.

    The last document of an interrupted run may be cut short (and its last line with it), so
    it is dropped and tagged again.  A bad line anywhere else means the file is not ours.
    """
    docs: list[str] = []
    last_start = kept = count = offset = 0
    with open(partial, "rb") as f:
        for number, line in enumerate(f, 1):
            try:
                doc = json.loads(line)["doc"]
            except (ValueError, KeyError, TypeError):
                if f.read(1):
                    raise UsageError(f"{partial}:{number}: not a clause record; delete the file "
                                     "or run without --resume") from None
                break  # the cut-short last line
            if not docs or doc != docs[-1]:
                docs.append(doc)
                last_start, kept = offset, count
            offset += len(line)
            count += 1
    os.truncate(partial, last_start)
    return set(docs[:-1]), kept


class RecordWriter:
    """Context manager that streams records to ``path`` (stdout as JSON Lines when None or "-").

    ``count`` is the number of records in the output, kept ones included; ``done_docs`` are the
    documents kept from an earlier run when ``resume`` is true.
    """

    def __init__(self, path: str | Path | None, resume: bool = False, fieldnames: list[str] | None = None,
                 parquet_batch: int = 4096, producer: dict | None = None, parquet_schema: pa.Schema | None = None):
        """``producer`` identifies what makes the records (say, the model): it is kept beside
        the output (``.OUT.producer.json``), and resuming an output another producer began is
        refused, so one output never mixes two models' records."""
        self.path = None if path is None or str(path) == "-" else Path(path)
        self.format = output_format(path)
        self.fieldnames = fieldnames
        self.parquet_batch = parquet_batch
        self.parquet_schema = parquet_schema  # a fixed schema (a record kind's), else inferred from the records
        self.done_docs: set[str] = set()
        self.count = 0
        self._own_stdout = False
        if self.path is None:
            self._stream = self._utf8_stdout()
            return
        if self.path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory; name a file", str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and (self.partial.exists() or self.path.exists()):
            self._check_producer(producer)
        self._stream, existed = self._open_locked()
        try:
            if producer is not None:
                atomic_text(self.producer_file, to_json(producer) + "\n")
            if resume and existed:
                self.done_docs, self.count = _keep_finished_documents(self.partial)
            elif resume and self.path.exists():  # a finished run: keep all of it
                self._keep_finished_output()
            elif existed and stat.S_ISREG(os.fstat(self._stream.fileno()).st_mode):
                self._stream.truncate(0)  # an earlier partial output, not resumed
        except BaseException:
            self._stream.close()
            raise

    def _utf8_stdout(self):
        """stdout for JSON Lines: UTF-8 whatever the locale's encoding (cp932, EUC-JP)."""
        encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding == "utf8" or not hasattr(sys.stdout, "buffer"):
            return sys.stdout
        sys.stdout.flush()
        self._own_stdout = True
        return io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")

    def _open_locked(self):
        """``OUT.partial`` opened for appending and locked against other runs, and whether it
        was there before; nothing in it is changed yet."""
        while True:
            try:
                fd, existed = os.open(self.partial, os.O_WRONLY | os.O_APPEND), True
            except FileNotFoundError:
                fd, existed = os.open(self.partial, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666), False
            stream = open(fd, "a", encoding="utf-8", newline="")
            if fcntl is None:
                return stream, existed
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                stream.close()
                raise OutputBusyError(f"{self.path}: another run is writing this output ({self.partial.name} "
                                      "is locked); wait for it to finish or choose another -o") from None
            except OSError:  # a file or file system without locks (such as /dev/full): nothing to guard
                return stream, existed
            try:  # the run that held the lock may have renamed the file to OUT meanwhile
                if os.path.samestat(os.fstat(fd), os.stat(self.partial)):
                    return stream, existed
            except FileNotFoundError:
                pass
            stream.close()

    @property
    def producer_file(self) -> Path:
        return self.path.with_name(f".{self.path.name}.producer.json")

    def _check_producer(self, producer: dict | None) -> None:
        """Refuse to resume an output that another producer began."""
        if producer is not None and self.producer_file.is_file():
            try:
                before = json.loads(self.producer_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                before = None
            if not isinstance(before, dict) or any(before.get(k) != producer.get(k) for k in ("card_sha256", "records")):
                was = before if isinstance(before, dict) else {}
                if was.get("records") != producer.get("records"):
                    raise UsageError(f"{self.path}: holds {was.get('records') or 'clause'} records, not "
                                     f"{producer.get('records') or 'clause'} records; run without --resume to "
                                     "start again, or choose another -o")
                raise UsageError(f"{self.path}: begun with model {was.get('model', 'of another run')}, not "
                                 f"{producer.get('model')}; resume with the same --model, or run without --resume "
                                 "to start again")

    @property
    def partial(self) -> Path:
        return self.path.with_name(self.path.name + ".partial")

    def _keep_finished_output(self) -> None:
        with open(self.partial, "w", encoding="utf-8", newline="") as f:
            for record in stream_records(self.path, self.format):
                f.write(_json_line(record))
                self.done_docs.add(record["doc"])
                self.count += 1

    def write(self, record: dict) -> None:
        self._stream.write(_json_line(record))
        self.count += 1

    def end_document(self) -> None:
        """Make what was written so far durable: a resumed run keeps finished documents."""
        self._stream.flush()

    def close(self, ok: bool = True) -> None:
        """Finish the output (``ok``) or leave ``OUT.partial`` for a resumed run.  The lock is
        held until ``OUT`` is in place."""
        if self.path is None:
            self._stream.flush()
            if self._own_stdout:
                self._stream.detach()  # stdout itself stays open
                self._own_stdout = False
            return
        try:
            self._stream.flush()
            if ok:
                self._finish()
        finally:
            self._stream.close()

    def _finish(self) -> None:
        if self.format == "jsonl":
            os.replace(self.partial, self.path)
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        def records():
            return stream_records(self.partial, "jsonl")

        try:
            if self.format == "csv":
                _write_csv(records, tmp, self.fieldnames)
            elif self.format == "json":
                _write_json(records, tmp)
            else:
                _write_parquet(records, tmp, self.parquet_batch, self.parquet_schema)
        except BaseException as err:
            tmp.unlink(missing_ok=True)
            if isinstance(err, (pa.ArrowException, TypeError, ValueError, OverflowError)):
                raise UsageError(f"{self.path}: cannot write the records as {self.format} ({err}); "
                                 f"they are in {self.partial} as JSON Lines") from None
            raise
        os.replace(tmp, self.path)
        self.partial.unlink()

    def __enter__(self) -> "RecordWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(ok=exc_type is None)


def write_json_atomic(path: str | Path, data) -> None:
    atomic_text(path, to_json(data, indent=2) + "\n")


def atomic_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through ``path.tmp`` and a rename; missing folders are made."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory; name a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with io.open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
