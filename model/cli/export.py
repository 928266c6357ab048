"""jprivacy export: a faster copy of a transformer model (ONNX Runtime, int8 or bf16)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from jprivacy.errors import UsageError

from jprivacy.backends.base import RUNTIMES

from ._util import EXIT_INPUT_ERRORS, EXIT_OK, check_output_folder, log, output_error


def add_parser(sub) -> None:
    parser = sub.add_parser("export", help="faster copy of a transformer model: ONNX Runtime, int8 or bf16")
    parser.add_argument("--model", required=True, help="transformer or ensemble model folder to export")
    parser.add_argument("--output", required=True, help="new model folder to write")
    parser.add_argument("--runtime", choices=RUNTIMES, default="onnx",
                        help="onnx: ONNX Runtime (default); torch: PyTorch at the chosen precision")
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument("--int8", action="store_true", help="int8 dynamic quantization of the linear layers "
                                                               "(activation ranges measured per batch)")
    precision.add_argument("--int8-static", action="store_true",
                           help="int8 with activation ranges calibrated once on training clauses: the same "
                                "scores for a clause whatever its batch (--runtime onnx only)")
    precision.add_argument("--bf16", action="store_true", help="bf16 weights (--runtime torch only)")
    parser.add_argument("--compile", action="store_true", help="run through torch.compile: about a minute "
                                                               "of compiling at load, then faster batches "
                                                               "(--runtime torch, fp32 or bf16)")
    parser.add_argument("--check", help="JSON Lines of clauses ('text', optional 'section'): report how often "
                                        "the export's labels agree with the source model's (exit 1 below 99%%)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.export import AGREEMENT_TARGET, export_model, record_agreement
    from jprivacy.outputs import iter_json_lines
    from jprivacy.train.evaluation import sections_from_policies

    precision = "int8" if args.int8 else "int8-static" if args.int8_static else "bf16" if args.bf16 else "fp32"
    missing = [name for name in ("onnx", "onnxscript") if args.runtime == "onnx" and importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"the ONNX exporter needs {' and '.join(missing)}: pip install -e '.[onnx]'")
    if args.check and not Path(args.check).is_file():
        raise UsageError(f"{args.check}: no such file")
    check_output_folder(args.output)
    calibration = None
    if precision == "int8-static":
        from jprivacy.data import calibration_clauses

        calibration = calibration_clauses()
    try:
        output = export_model(args.model, args.output, args.runtime, precision, args.compile, calibration)
    except OSError as err:  # a full disk or a vanished folder while writing the model
        raise output_error(args.output, err) from None
    log(f"wrote {output} ({args.runtime}, {precision}{', compiled' if args.compile else ''})")
    if not args.check:
        return EXIT_OK
    try:
        lines = iter_json_lines(args.check)
    except OSError as err:
        raise UsageError(f"{args.check}: cannot read ({err.strerror or err})") from None
    records = [r for _, r in lines if isinstance(r, dict) and isinstance(r.get("text"), str)]
    if not records:
        raise UsageError(f"{args.check}: no records with a 'text'")
    provenance = sections_from_policies(records, Path(args.check).parent)
    result = record_agreement(args.model, output, records, args.check)
    log(f"{provenance}\nlabels agree with {args.model} on {result['labels_agree']:.2%} of "
        f"{result['clauses']} clauses ({result['clauses_differ']} differ); largest score change "
        f"{result['max_score_change']:.4f}, mean {result['mean_score_change']:.5f}")
    if result["labels_agree"] < AGREEMENT_TARGET:
        log(f"warning: agreement is below {AGREEMENT_TARGET:.0%}; prefer the full-precision model")
        return EXIT_INPUT_ERRORS
    return EXIT_OK
