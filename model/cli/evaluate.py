"""jprivacy evaluate: per-label precision, recall and F1 of a model on labeled clause records."""

from __future__ import annotations

from pathlib import Path

from ._util import EXIT_OK, MODEL, check_distinct, check_file, write_json


def add_parser(sub) -> None:
    parser = sub.add_parser("evaluate", parents=[MODEL], help="per-label precision/recall/F1 on labeled records")
    parser.add_argument("file", help="JSON Lines with 'text', 'labels' and optional 'section'")
    parser.add_argument("--json", help="also write the scores as JSON to this file")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.tagger import load
    from jprivacy.train import format_scores
    from jprivacy.train.evaluation import evaluate_records, read_gold, sections_from_policies

    check_file(args.json, "--json")
    check_distinct({"--json": args.json}, [args.file])
    records = read_gold(args.file)  # mistakes in the file are reported before the model loads
    provenance = sections_from_policies(records, Path(args.file).parent)
    tagger = load(args.model)
    scores = evaluate_records(tagger, records).scores()
    scores["sections"] = provenance
    scores["model"] = str(tagger.folder)
    print(f"model: {tagger.folder} ({tagger.card.backend})\n{provenance}\n{format_scores(scores)}")
    write_json(args.json, scores)
    return EXIT_OK
