"""jprivacy fields: what each policy states (../shared/FIELDS.md), one record per policy, with evidence."""

from __future__ import annotations

import time

from jprivacy.errors import UsageError

from ._util import (BATCH_SIZE, ERRORS, MODEL, PATHS, RECORDS, ProgressBar, check_batch_size, check_distinct,
                    check_file, log, output_error, report_errors)


def add_parser(sub) -> None:
    parser = sub.add_parser("fields", parents=[PATHS, RECORDS, MODEL, ERRORS, BATCH_SIZE],
                            help="read what each policy states: data, purposes, recipients, countries, "
                                 "retention, rights, fee, operator, external transmissions")
    parser.add_argument("--resume", action="store_true", help="keep policies already in the output")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.batch import field_files
    from jprivacy.outputs import RecordWriter, output_format
    from jprivacy.tagger import load

    check_batch_size(args.batch_size)
    check_file(args.output, "-o")
    check_file(args.errors, "--errors")
    check_distinct({"-o": args.output, "--errors": args.errors}, args.paths)
    output_format(args.output)
    if args.resume and args.output in (None, "-"):
        raise UsageError("--resume needs -o OUT: a file an earlier run wrote")
    tagger = load(args.model, batch_size=args.batch_size)
    started = time.perf_counter()
    progress = ProgressBar()
    try:
        with RecordWriter(args.output, resume=args.resume, producer={**tagger.identity(), "records": "fields"}) as writer:
            try:
                written, errors = field_files(tagger, args.paths, writer, progress)
            finally:
                progress.close()
            skipped = len(writer.done_docs)
    except OSError as err:
        raise output_error(args.output, err, resumable=True) from None
    log(f"read the fields of {written} policy(ies) in {time.perf_counter() - started:.1f}s"
        + (f"; {skipped} already done" if skipped else "") + (f"; {len(errors)} failed" if errors else ""))
    return report_errors(errors, args.errors)
