"""jprivacy report: which legally expected disclosures each policy makes."""

from __future__ import annotations

from pathlib import Path

from jprivacy.errors import UsageError

from ._util import (BATCH_SIZE, MODEL, PATHS, ProgressBar, check_batch_size, check_distinct, check_file, log,
                    output_error, report_errors)


def add_parser(sub) -> None:
    parser = sub.add_parser("report", parents=[PATHS, MODEL, BATCH_SIZE],
                            help="coverage report: which legally expected disclosures each policy makes")
    parser.add_argument("-o", "--output", required=True,
                        help="OUT.html (one page, or an index plus a page per policy in OUT/) or OUT.json")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.batch import report_files
    from jprivacy.report import report_format
    from jprivacy.tagger import load

    check_batch_size(args.batch_size)
    check_file(args.output, "-o")
    check_distinct({"-o": args.output}, args.paths)
    pages = Path(args.output).with_suffix("").resolve()
    inside = next((p for p in args.paths if p != "-" and pages in (Path(p).resolve(), *Path(p).resolve().parents)),
                  None)
    if inside is not None:
        raise UsageError(f"{inside}: is in {pages.name}/, the folder the report's pages are written to; "
                         "choose another -o")
    report_format(args.output)
    tagger = load(args.model, batch_size=args.batch_size)
    progress = ProgressBar()
    try:
        try:
            reported, errors = report_files(tagger, args.paths, args.output, progress)
        finally:
            progress.close()
    except OSError as err:
        raise output_error(args.output, err) from None
    log((f"reported {len(reported)} policy(ies) to {args.output}" if reported
         else f"no policy reported; nothing written to {args.output}")
        + (f"; {len(errors)} failed" if errors else ""))
    return report_errors(errors)
