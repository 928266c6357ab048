"""What the commands share: exit codes, the flags several of them take (each declared once, as
argparse parent parsers), one-line errors, and the progress bar.

Nothing here imports the libraries a command needs to run; a command imports them when it runs,
so that ``jprivacy COMMAND --help`` starts quickly.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable

from jprivacy.batch import Progress
from jprivacy.errors import UsageError
from jprivacy.outputs import write_json_atomic
from jprivacy.readers import POLICY_SUFFIXES, ReadError
from jprivacy.tagger import DEFAULT_BATCH_SIZE

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_PIPE_CLOSED = 128 + 13  # what a shell reports for a Unix tool stopped by SIGPIPE (`cmd | head`)


class FlagsError(UsageError):
    """Flags that do not go together: reported as argparse reports a bad flag, after the usage line."""


def _flags(*declarations: tuple[tuple[str, ...], dict]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    for names, options in declarations:
        parser.add_argument(*names, **options)
    return parser


# flags that more than one command takes: pass them as ``parents=[...]`` to ``add_parser``
PATHS = _flags((("paths",), {"nargs": "+", "help": f"policy files ({', '.join(sorted(POLICY_SUFFIXES))}), folders (read "
                                                   "recursively) or - for stdin"}))
MODEL = _flags((("--model",), {"help": "model folder or Hub name (default: the bundled model)"}))
BATCH_SIZE = _flags((("--batch-size",), {"type": int, "default": DEFAULT_BATCH_SIZE,
                                         "help": "clauses classified at a time; a transformer model sorts "
                                                 f"them by length to pad less (default: {DEFAULT_BATCH_SIZE})"}))
RESUME = _flags((("--resume",), {"action": "store_true", "help": "keep the documents an earlier run already "
                                                                "wrote to -o"}))
RECORDS = _flags((("-o", "--output"), {"help": "records file: .jsonl (default: stdout), .csv or .parquet"}))
ERRORS = _flags((("--errors",), {"help": "also write the inputs that failed (files, or lines of -i) as "
                                         "JSON to this file"}))
WILD = _flags((("--wild",), {"metavar": "FOLDER", "help": "folder of the wild policy texts that data/wild's "
                                                          "labels point into (default: $JPRIVACY_WILD, else "
                                                          "../shared/wild/policies)"}))


def log(message: str) -> None:
    print(message, file=sys.stderr)


def check_batch_size(size: int) -> None:
    """Refuse, before any work, a batch size below 1 (it would tag nothing)."""
    if size < 1:
        raise UsageError(f"--batch-size must be 1 or more, not {size}")


def check_file(path: str | None, flag: str) -> None:
    """Refuse, before any work, an output file (``flag`` names it) that is a folder or whose
    path goes through a file."""
    if path in (None, "-"):
        return
    if Path(path).is_dir():
        raise UsageError(f"{path}: is a directory; name a file for {flag}")
    blocker = next((p for p in Path(path).parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise UsageError(f"{path}: cannot write the output ({blocker} is a file, not a folder)")


def check_distinct(outputs: dict[str, str | None], inputs: Iterable[str] = ()) -> None:
    """Refuse, before any work, an output that names an input or another output (writing it
    would overwrite that file): ``outputs`` maps each output flag to its path."""
    seen: dict[str, str] = {}
    for flag, path in outputs.items():
        if path in (None, "-"):
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise UsageError(f"{path}: named by both {seen[key]} and {flag}; give each output its own file")
        seen[key] = flag
    for path in inputs:
        if path not in (None, "-") and os.path.realpath(path) in seen:
            raise UsageError(f"{path}: is an input and the {seen[os.path.realpath(path)]} output; writing it "
                             "would overwrite the input")


def check_records_run(args) -> None:
    """Refuse, before any work, what a run writing records (``tag``, ``fields``) cannot do: a bad
    batch size, an output or errors file that is a folder, names an input or the other, has an
    unknown extension, or ``--resume`` without ``-o``."""
    from jprivacy.outputs import output_format

    check_batch_size(args.batch_size)
    check_file(args.output, "-o")
    check_file(args.errors, "--errors")
    check_distinct({"-o": args.output, "--errors": args.errors}, args.paths)
    output_format(args.output)
    if args.resume and args.output in (None, "-"):
        raise UsageError("--resume needs -o OUT: a file an earlier run wrote")


def write_records(args, tagger, work, records: str | None = None, fieldnames: list[str] | None = None,
                  parquet_schema=None):
    """Run ``work(writer, progress)`` for a command that writes records to ``-o`` (``tag``,
    ``fields``): the writer resumes with ``--resume`` and refuses an output another model or
    another kind of ``records`` began; a fixed ``fieldnames``/``parquet_schema`` spares the
    writer a pass over the output to infer them.  Returns (what ``work`` returned, seconds,
    documents kept from an earlier run)."""
    from jprivacy.outputs import RecordWriter

    started = time.perf_counter()
    producer = {**tagger.identity(), **({"records": records} if records else {})}
    progress = ProgressBar()
    try:
        with RecordWriter(args.output, resume=args.resume, producer=producer, fieldnames=fieldnames,
                          parquet_schema=parquet_schema) as writer:
            try:
                result = work(writer, progress)
            finally:
                progress.close()
            kept = len(writer.done_docs)
    except OSError as err:
        raise output_error(args.output, err, resumable=True) from None
    return result, time.perf_counter() - started, kept


def check_output_folder(path: str | Path, flag: str = "--output") -> None:
    """Refuse, before any work, an output folder that could not be written at the end (a
    read-only file system, no permission, a file in the way): probe its nearest existing folder."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path}: is a file; name a folder for {flag}")
    nearest = next(p for p in (path, *path.absolute().parents) if p.exists())
    if not nearest.is_dir():
        raise UsageError(f"{path}: cannot write {flag} there: {nearest} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=nearest):
            pass
    except OSError as err:
        raise UsageError(f"{path}: cannot write {flag} there ({err.strerror or err})") from None


def existing_folder(path: str | None) -> Path | None:
    """``path`` as a Path (None stays None), refused when it is not a folder."""
    if path is None:
        return None
    if not Path(path).is_dir():
        raise UsageError(f"{Path(path)}: no such folder")
    return Path(path)


def output_error(output: str | None, err: OSError, resumable: bool = False) -> Exception:
    """One line for an output that cannot be written (full disk, no permission);
    ``resumable`` outputs (``tag``'s) suggest --resume when a partial output is there.
    A closed stdout (``jprivacy tag … | head``) is not an error: main() exits quietly."""
    where = output if output not in (None, "-") else "stdout"
    if isinstance(err, BrokenPipeError) and where == "stdout":
        return err
    resumable = resumable and where != "stdout" and Path(where + ".partial").is_file()
    return UsageError(f"{where}: cannot write the output ({err.strerror or err})"
                      + ("; rerun with --resume to finish" if resumable else ""))


def write_json(path: str | None, data) -> None:
    """Write ``data`` as JSON to ``path`` (``--json``, ``--errors``) when one is given, atomically;
    a file that cannot be written is one line."""
    if path:
        try:
            write_json_atomic(path, data)
        except OSError as err:
            raise output_error(path, err) from None


def report_errors(errors: list[ReadError], errors_file: str | None = None) -> int:
    """Print one ``error:`` line per failed input (and write them to ``errors_file``); the exit code."""
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    write_json(errors_file, [{"doc": e.doc, "error": e.reason} for e in errors])
    return EXIT_INPUT_ERRORS if errors else EXIT_OK


class ProgressBar(Progress):
    """A tqdm bar on stderr, shown only on a terminal, with the clause rate beside it."""

    def __init__(self, unit: str = "doc"):
        self.unit, self.bar, self.started = unit, None, time.perf_counter()

    def start(self, total: int, done: int = 0) -> None:
        from tqdm import tqdm

        if done:
            log(f"resuming: {done} document(s) already in the output")
        self.bar = tqdm(total=total, unit=self.unit, disable=None, file=sys.stderr, dynamic_ncols=True)

    def note(self, message: str) -> None:
        self.bar.write(message, file=sys.stderr)

    def clauses(self, count: int) -> None:
        rate = count / max(time.perf_counter() - self.started, 1e-9)
        self.bar.set_postfix(clauses_per_s=f"{rate:.0f}")

    def advance(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
