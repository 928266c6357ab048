"""jprivacy classify: label pre-split clause records (JSON Lines)."""

from __future__ import annotations

from pathlib import Path

from jprivacy.errors import UsageError

from ._util import (BATCH_SIZE, ERRORS, MODEL, RECORDS, check_batch_size, check_distinct, check_file, log,
                    output_error, report_errors)


def add_parser(sub) -> None:
    parser = sub.add_parser("classify", parents=[RECORDS, MODEL, ERRORS, BATCH_SIZE],
                            help="label pre-split clause records (JSON Lines)")
    parser.add_argument("-i", "--input", required=True,
                        help="JSON Lines records with 'text' and optional 'section' (- for stdin)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.batch import classify_records
    from jprivacy.outputs import RecordWriter, iter_json_lines, output_format
    from jprivacy.tagger import load

    check_batch_size(args.batch_size)
    check_file(args.output, "-o")
    check_file(args.errors, "--errors")
    check_distinct({"-o": args.output, "--errors": args.errors}, [args.input])
    output_format(args.output)
    tagger = load(args.model, batch_size=args.batch_size)
    if args.input != "-" and not Path(args.input).is_file():
        raise UsageError(f"{args.input}: no such file")
    try:
        lines = iter_json_lines(args.input)
    except OSError as err:
        raise UsageError(f"{args.input}: cannot read ({err.strerror or err})") from None
    try:
        with RecordWriter(args.output) as writer:
            errors = classify_records(tagger, lines, writer)
            count = writer.count
    except OSError as err:
        raise output_error(args.output, err) from None
    log(f"classified {count} record(s)" + (f"; {len(errors)} line(s) skipped" if errors else ""))
    return report_errors(errors, args.errors)
