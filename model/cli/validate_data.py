"""jprivacy validate-data: check the labeled corpus (and the wild labels) for consistency."""

from __future__ import annotations

from pathlib import Path

from ._util import EXIT_INPUT_ERRORS, EXIT_OK, WILD, existing_folder, log


def add_parser(sub) -> None:
    parser = sub.add_parser("validate-data", parents=[WILD], help="check the labeled corpus for consistency")
    parser.add_argument("--eval", help="evaluation folder whose text must not occur in the corpus")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.data import validate

    problems = validate(eval_dir=Path(args.eval) if args.eval else None, wild=existing_folder(args.wild))
    for problem in problems:
        log(f"problem: {problem}")
    log(f"corpus {'OK' if not problems else f'has {len(problems)} problem(s)'}")
    return EXIT_INPUT_ERRORS if problems else EXIT_OK
