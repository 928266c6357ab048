"""jprivacy diff: what changed between two versions of a policy, by category."""

from __future__ import annotations

from jprivacy.errors import UsageError

from ._util import EXIT_OK, MODEL, check_distinct, check_file, log, output_error, report_errors


def add_parser(sub) -> None:
    parser = sub.add_parser("diff", parents=[MODEL], help="what changed between two versions of a policy, by category")
    parser.add_argument("old", help="the earlier version of the policy (a file, or - for stdin)")
    parser.add_argument("new", help="the later version of the policy (a file, or - for stdin)")
    parser.add_argument("-o", "--output", help="OUT.html or OUT.json (default: a text listing on stdout)")
    parser.add_argument("--threshold", type=float,
                        help="character similarity from which a removed and an added clause count as reworded "
                             "(default: jprivacy.diff.DEFAULT_THRESHOLD)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.diff import diff_files
    from jprivacy.report import report_format
    from jprivacy.tagger import load

    check_file(args.output, "-o")
    if args.old == args.new == "-":
        raise UsageError("old and new cannot both be - (stdin holds one document)")
    check_distinct({"-o": args.output}, [args.old, args.new])
    kind = report_format(args.output) if args.output else None
    result, errors = diff_files(load(args.model), args.old, args.new,
                                **({} if args.threshold is None else {"threshold": args.threshold}))
    if errors:
        return report_errors(errors)
    try:
        if kind is None:
            print(result.to_text())
        else:
            result.save(args.output)
    except OSError as err:
        raise output_error(args.output, err) from None
    log(result.summary())
    return EXIT_OK
