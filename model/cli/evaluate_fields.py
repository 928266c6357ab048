"""jprivacy evaluate-fields: score field extraction against a field gold (default: the dev field gold)."""

from __future__ import annotations

from ._util import EXIT_OK, MODEL, check_distinct, check_file, existing_folder, write_json


def add_parser(sub) -> None:
    parser = sub.add_parser("evaluate-fields", parents=[MODEL],
                            help="per-field precision/recall/F1 of what policies state, against a field gold")
    parser.add_argument("gold", nargs="?", help="standoff field gold (default: data/fields/dev/gold.jsonl)")
    parser.add_argument("--eval-dir", help="the folder whose dev/ holds the gold's texts (default: ../shared/eval)")
    parser.add_argument("--json", help="also write the scores as JSON to this file")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.tagger import load
    from jprivacy.train.field_evaluation import DEFAULT_GOLD, evaluate_fields, format_field_scores

    check_file(args.json, "--json")
    gold = args.gold or DEFAULT_GOLD
    check_distinct({"--json": args.json}, [str(gold)])
    eval_dir = existing_folder(args.eval_dir)
    tagger = load(args.model)
    result = evaluate_fields(tagger, gold, eval_dir)
    result["model"] = str(tagger.folder)
    print(f"model: {tagger.folder} ({tagger.card.backend}); fields read by rules over its clause labels\n"
          f"{format_field_scores(result)}")
    write_json(args.json, result)
    return EXIT_OK
