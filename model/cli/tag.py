"""jprivacy tag: segment and label policies into clause records."""

from __future__ import annotations

import sys
import time

from ._util import (BATCH_SIZE, ERRORS, MODEL, PATHS, RECORDS, RESUME, ProgressBar, check_records_run, log,
                    output_error, report_errors)


def add_parser(sub) -> None:
    parser = sub.add_parser("tag", parents=[PATHS, RECORDS, MODEL, ERRORS, BATCH_SIZE, RESUME],
                            help="segment and label policies (files, folders, - for stdin)")
    parser.add_argument("--summary", action="store_true", help="print which categories each policy covers")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.batch import summary_table, tag_files
    from jprivacy.outputs import RecordWriter
    from jprivacy.tagger import load

    check_records_run(args)
    tagger = load(args.model, batch_size=args.batch_size)
    started = time.perf_counter()
    progress = ProgressBar()
    try:
        with RecordWriter(args.output, resume=args.resume, producer=tagger.identity()) as writer:
            try:
                summary = tag_files(tagger, args.paths, writer, progress)
            finally:
                progress.close()
    except OSError as err:
        raise output_error(args.output, err, resumable=True) from None
    seconds = time.perf_counter() - started
    if args.summary:
        print(summary_table(summary.counts), file=sys.stderr)
    log(f"tagged {len(summary.counts)} document(s), {summary.clauses} clauses in {seconds:.1f}s"
        + (f"; {summary.skipped} already done" if summary.skipped else "")
        + (f"; {len(summary.errors)} failed" if summary.errors else ""))
    return report_errors(summary.errors, args.errors)
