"""jprivacy validate-data: check the labeled corpus, the wild labels and the field annotations."""

from __future__ import annotations

from ._util import EXIT_INPUT_ERRORS, EXIT_OK, WILD, existing_folder, log


def add_parser(sub) -> None:
    parser = sub.add_parser("validate-data", parents=[WILD],
                            help="check the labeled corpus and the field annotations for consistency")
    parser.add_argument("--eval", help="evaluation folder whose text must not occur in the corpus")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.data import validate
    from jprivacy.data.fields import validate as validate_fields

    eval_dir, wild = existing_folder(args.eval), existing_folder(args.wild)
    problems = validate(eval_dir=eval_dir, wild=wild) + validate_fields(wild=wild, eval_dir=eval_dir)
    for problem in problems:
        log(f"problem: {problem}")
    log(f"corpus {'OK' if not problems else f'has {len(problems)} problem(s)'}")
    return EXIT_INPUT_ERRORS if problems else EXIT_OK
