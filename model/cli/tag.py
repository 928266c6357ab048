"""jprivacy tag: segment and label policies into clause records."""

from __future__ import annotations

import sys

from ._util import (BATCH_SIZE, ERRORS, MODEL, PATHS, RECORDS, RESUME, check_records_run, log, report_errors,
                    write_records)


def add_parser(sub) -> None:
    parser = sub.add_parser("tag", parents=[PATHS, RECORDS, MODEL, ERRORS, BATCH_SIZE, RESUME],
                            help="segment and label policies (files, folders, - for stdin)")
    parser.add_argument("--summary", action="store_true", help="print which categories each policy covers")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.batch import summary_table, tag_files
    from jprivacy.outputs import record_schema
    from jprivacy.records import RECORD_FIELDS
    from jprivacy.tagger import load

    check_records_run(args)
    tagger = load(args.model, batch_size=args.batch_size)
    summary, seconds, _ = write_records(args, tagger, lambda writer, progress: tag_files(tagger, args.paths, writer,
                                                                                      progress),
                                        fieldnames=list(RECORD_FIELDS), parquet_schema=record_schema(tagger.labels))
    if args.summary:
        print(summary_table(summary.counts), file=sys.stderr)
    log(f"tagged {len(summary.counts)} document(s), {summary.clauses} clauses in {seconds:.1f}s"
        + (f"; {summary.skipped} already done" if summary.skipped else "")
        + (f"; {len(summary.errors)} failed" if summary.errors else ""))
    return report_errors(summary.errors, args.errors)
