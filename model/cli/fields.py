"""jprivacy fields: what each policy states (../shared/FIELDS.md), one record per policy, with evidence."""

from __future__ import annotations

from ._util import (BATCH_SIZE, ERRORS, MODEL, PATHS, RECORDS, RESUME, check_records_run, log, report_errors,
                    write_records)


def add_parser(sub) -> None:
    parser = sub.add_parser("fields", parents=[PATHS, RECORDS, MODEL, ERRORS, BATCH_SIZE, RESUME],
                            help="read what each policy states: data, purposes, recipients, countries, "
                                 "retention, rights, fee, operator, external transmissions")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.batch import field_files
    from jprivacy.field_frames import FIELD_SCHEMA
    from jprivacy.tagger import load

    check_records_run(args)
    tagger = load(args.model, batch_size=args.batch_size)
    (written, errors), seconds, kept = write_records(
        args, tagger, lambda writer, progress: field_files(tagger, args.paths, writer, progress), records="fields",
        fieldnames=FIELD_SCHEMA.names, parquet_schema=FIELD_SCHEMA)
    log(f"read the fields of {written} policy(ies) in {seconds:.1f}s"
        + (f"; {kept} already done" if kept else "") + (f"; {len(errors)} failed" if errors else ""))
    return report_errors(errors, args.errors)
