"""jprivacy fields: what each policy states (../shared/FIELDS.md), one record per policy, with evidence."""

from __future__ import annotations

import time

from ._util import (BATCH_SIZE, ERRORS, MODEL, PATHS, RECORDS, RESUME, ProgressBar, check_records_run, log,
                    output_error, report_errors)


def add_parser(sub) -> None:
    parser = sub.add_parser("fields", parents=[PATHS, RECORDS, MODEL, ERRORS, BATCH_SIZE, RESUME],
                            help="read what each policy states: data, purposes, recipients, countries, "
                                 "retention, rights, fee, operator, external transmissions")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.batch import field_files
    from jprivacy.field_frames import FIELD_SCHEMA
    from jprivacy.outputs import RecordWriter
    from jprivacy.tagger import load

    check_records_run(args)
    tagger = load(args.model, batch_size=args.batch_size)
    started = time.perf_counter()
    progress = ProgressBar()
    try:
        with RecordWriter(args.output, resume=args.resume, producer={**tagger.identity(), "records": "fields"},
                          parquet_schema=FIELD_SCHEMA) as writer:
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
