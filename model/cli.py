"""The jprivacy command: segment Japanese privacy policies into clauses and label what each discloses."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import __version__
from .labels import LABELS
from .model_folder import ModelFolderError
from .outputs import OutputBusyError, RecordWriter, output_format, write_json_atomic
from .readers import ReadError, document_key, expand_paths

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_PIPE_CLOSED = 128 + 13  # what a shell reports for a Unix tool stopped by SIGPIPE (`cmd | head`)


class UsageError(Exception):
    """A problem with the command line or a named file; reported in one line, exit code 2."""


def _progress(total=None, unit="doc"):
    from tqdm import tqdm
    return tqdm(total=total, unit=unit, disable=None, file=sys.stderr, dynamic_ncols=True)


def _report_errors(errors: list[ReadError], errors_file: str | None) -> None:
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    if errors_file:
        try:
            write_json_atomic(errors_file, [{"doc": e.doc, "error": e.reason} for e in errors])
        except OSError as err:
            raise UsageError(f"{errors_file}: cannot write the errors file ({err.strerror or err})") from None


def _output_error(output: str | None, err: OSError, resumable: bool = False) -> Exception:
    """One line for an output that cannot be written (full disk, no permission);
    ``resumable`` outputs (``tag``'s) suggest --resume when a partial output is there.
    A closed stdout (``jprivacy tag … | head``) is not an error: main() exits quietly."""
    where = output if output not in (None, "-") else "stdout"
    if isinstance(err, BrokenPipeError) and where == "stdout":
        return err
    resumable = resumable and where != "stdout" and Path(where + ".partial").is_file()
    return UsageError(f"{where}: cannot write the output ({err.strerror or err})"
                      + ("; rerun with --resume to finish" if resumable else ""))


def summary_table(counts: dict[str, dict[str, int]]) -> str:
    """Per-policy table: clauses, then the number of clauses carrying each label (named in full)."""
    width = max([len(d) for d in counts] + [8])
    lines = [f"{'policy':<{width}} {'clauses':>7} " + " ".join(f"{n:>{len(n)}}" for n in LABELS)]
    for doc, row in counts.items():
        lines.append(f"{doc:<{width}} {row['clauses']:>7} " +
                     " ".join(f"{row[n] or '-':>{len(n)}}" for n in LABELS))
    missing = {doc: [n for n in LABELS if not row[n]] for doc, row in counts.items()}
    lines += [f"{doc}: no {', '.join(names)}" for doc, names in missing.items() if names]
    return "\n".join(lines)


def cmd_tag(args) -> int:
    from .tagger import DocumentCheck, load

    if args.resume and args.output in (None, "-"):
        raise UsageError("--resume needs -o OUT: a file an earlier run wrote")
    tagger = load(args.model, batch_size=args.batch_size)
    counts: dict[str, dict[str, int]] = {}
    errors: list[ReadError] = []
    started, n_clauses = time.perf_counter(), 0
    try:
        with RecordWriter(args.output, resume=args.resume) as writer:
            done = {document_key(doc) for doc in writer.done_docs}  # however their paths were spelled
            inputs = [p for p in expand_paths(args.paths)
                      if isinstance(p, ReadError) or document_key(p) not in done]
            skipped = len(writer.done_docs)
            if skipped:
                print(f"resuming: {skipped} document(s) already in the output", file=sys.stderr)
            bar = _progress(total=len(inputs))

            def show_rate(refresh=True):
                rate = n_clauses / max(time.perf_counter() - started, 1e-9)
                bar.set_postfix(clauses_per_s=f"{rate:.0f}", refresh=refresh)

            def document_done():
                warning = check.warning()
                if warning:
                    bar.write(warning, file=sys.stderr)
                show_rate(refresh=False)  # the update right after redraws the bar
                bar.update(1)

            current, check = None, None
            for item in tagger.iter_records(inputs):
                if isinstance(item, ReadError):
                    errors.append(item)
                    bar.update(1)
                    continue
                if item["doc"] != current:
                    if current is not None:
                        writer.end_document()
                        document_done()
                    current, check = item["doc"], DocumentCheck(item["doc"])
                    counts[current] = {"clauses": 0, **{name: 0 for name in LABELS}}
                writer.write(item)
                check.add(item["text"], item["scores"])
                n_clauses += 1
                counts[current]["clauses"] += 1
                for name in item["labels"]:
                    counts[current][name] += 1
                if n_clauses % 512 == 0:  # within a long document too
                    show_rate()
            if current is not None:
                document_done()
            bar.close()
    except OSError as err:
        raise _output_error(args.output, err, resumable=True) from None
    seconds = time.perf_counter() - started
    if args.summary:
        print(summary_table(counts), file=sys.stderr)
    print(f"tagged {len(counts)} document(s), {n_clauses} clauses in {seconds:.1f}s"
          + (f"; {skipped} already done" if skipped else "")
          + (f"; {len(errors)} failed" if errors else ""), file=sys.stderr)
    _report_errors(errors, args.errors)
    return EXIT_INPUT_ERRORS if errors else EXIT_OK


def _read_jsonl(path: str):
    """Yield (line_number, record) or (line_number, error message) for each non-blank line."""
    try:
        stream = sys.stdin.buffer if path == "-" else open(path, "rb")
    except OSError as err:
        raise UsageError(f"{path}: cannot read ({err.strerror or err})") from None
    with stream:
        for number, raw in enumerate(stream, 1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as err:
                yield number, f"not UTF-8 text ({err.reason} at byte {err.start})"
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                yield number, f"malformed JSON ({err.msg})"
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                yield number, "record has no string field 'text'"
                continue
            yield number, record


def cmd_classify(args) -> int:
    from .tagger import load, record_contexts

    tagger = load(args.model, batch_size=args.batch_size)
    if args.input != "-" and not Path(args.input).is_file():
        raise UsageError(f"{args.input}: no such file")
    errors: list[ReadError] = []
    batch: list[dict] = []

    def flush(writer):
        probs = tagger.predict_proba([r["text"] for r in batch], record_contexts(batch))
        for record, prediction in zip(batch, tagger.predictions(probs)):
            writer.write({**record, **prediction})
        batch.clear()

    try:
        with RecordWriter(args.output) as writer:
            for number, item in _read_jsonl(args.input):
                if isinstance(item, str):
                    errors.append(ReadError(f"{args.input}:{number}", item))
                    continue
                batch.append(item)
                if len(batch) >= tagger.batch_size:
                    flush(writer)
            flush(writer)
            count = writer.count
    except OSError as err:
        raise _output_error(args.output, err) from None
    print(f"classified {count} record(s)" + (f"; {len(errors)} line(s) skipped" if errors else ""),
          file=sys.stderr)
    _report_errors(errors, args.errors)
    return EXIT_INPUT_ERRORS if errors else EXIT_OK


def cmd_evaluate(args) -> int:
    from jprivacy.train import format_report
    from jprivacy.train.evaluation import evaluate_records, sections_from_policies

    from .tagger import load

    records = []
    for number, item in _read_jsonl(args.file):
        if isinstance(item, str) or not isinstance(item.get("labels"), list):
            raise UsageError(f"{args.file}:{number}: {item if isinstance(item, str) else 'no labels list'}")
        if not all(isinstance(name, str) for name in item["labels"]):
            raise UsageError(f"{args.file}:{number}: labels must be label names (strings), "
                             f"not {json.dumps(item['labels'], ensure_ascii=False)[:80]}")
        records.append(item)
    if not records:
        raise UsageError(f"{args.file}: no records")
    unknown = {name for r in records for name in r["labels"]} - set(LABELS)
    if unknown:
        raise UsageError(f"{args.file}: unknown label(s) {sorted(unknown)}")
    provenance = sections_from_policies(records, Path(args.file).parent)
    tagger = load(args.model)
    scores = evaluate_records(tagger, records).scores()
    scores["sections"] = provenance
    scores["model"] = str(tagger.folder)
    print(f"model: {tagger.folder} ({tagger.card.backend})\n{provenance}\n{format_report(scores)}")
    if args.json:
        try:
            write_json_atomic(args.json, scores)
        except OSError as err:
            raise _output_error(args.json, err) from None
    return EXIT_OK


def _own_report_files(output: str):
    """Whether a path is one of the files a report to ``output`` writes (the file, or a page in
    the folder named after it), so that a report written into its input folder is not read
    as a policy the next time."""
    out = Path(os.path.realpath(output))
    pages = out.with_suffix("")

    def own(path: str) -> bool:
        real = Path(os.path.realpath(path))
        return real == out or real.parent == pages
    return own


def cmd_report(args) -> int:
    from .readers import read_document
    from .report import ReportWriter, coverage, report_format
    from .tagger import DocumentCheck, load

    report_format(args.output)
    tagger = load(args.model, batch_size=args.batch_size)
    model = f"{tagger.folder} ({tagger.card.backend})"
    own = _own_report_files(args.output)
    inputs = [p for p in expand_paths(args.paths) if isinstance(p, ReadError) or not own(p)]
    errors: list[ReadError] = []
    try:
        writer = ReportWriter(args.output, many=len(inputs) > 1, model=model)
        bar = _progress(total=len(inputs))
        for item in inputs:
            bar.update(1)
            try:
                if isinstance(item, ReadError):
                    raise item
                frame = tagger.tag(read_document(item))
            except ReadError as err:
                errors.append(err)
                continue
            check = DocumentCheck(str(item))
            for text, scores in zip(frame["text"], frame["scores"]):
                check.add(text, scores)
            if check.warning():
                bar.write(check.warning(), file=sys.stderr)
            report = coverage(frame, model)[0]
            writer.add(report)
            if report.missing:
                bar.write(f"{report.doc}: missing {', '.join(report.missing)}", file=sys.stderr)
        bar.close()
        if writer.rows:
            writer.close(errors)
    except OSError as err:
        raise _output_error(args.output, err) from None
    print((f"reported {len(writer.rows)} policy(ies) to {args.output}" if writer.rows
           else f"no policy reported; nothing written to {args.output}")
          + (f"; {len(errors)} failed" if errors else ""), file=sys.stderr)
    _report_errors(errors, None)
    return EXIT_INPUT_ERRORS if errors else EXIT_OK


def cmd_diff(args) -> int:
    from .diff import diff
    from .outputs import atomic_text
    from .readers import read_document
    from .report import report_format
    from .tagger import load

    kind = report_format(args.output) if args.output else None
    tagger = load(args.model)
    frames, errors = [], []
    for path in (args.old, args.new):
        try:
            frames.append(tagger.tag(read_document(path)))
        except ReadError as err:
            errors.append(err)
    if errors:
        _report_errors(errors, None)
        return EXIT_INPUT_ERRORS
    result = diff(*frames, threshold=args.threshold)
    try:
        if kind is None:
            print(result.to_text())
        elif kind == "json":
            write_json_atomic(args.output, result.to_dict())
        else:
            atomic_text(args.output, result.to_html())
    except OSError as err:
        raise _output_error(args.output, err) from None
    print(result.summary(), file=sys.stderr)
    return EXIT_OK


def cmd_train(args) -> int:
    from dataclasses import fields

    from jprivacy.train import cross_validate, train_model
    from jprivacy.train.fit import check_folds
    from jprivacy.train.transformer import BaseModelError, TrainConfig

    check_folds(args.kfold, args.threshold_folds)
    if args.output and Path(args.output).exists() and not Path(args.output).is_dir():
        raise UsageError(f"{args.output}: is a file; --output names the model folder to write")
    if args.backend == "linear":
        given = ["--" + f.name.replace("_", "-") for f in fields(TrainConfig) if getattr(args, f.name) != f.default]
        if given:
            raise UsageError(f"{', '.join(given)}: only for --backend transformer")
    settings = TrainConfig.from_args(args).to_dict() if args.backend == "transformer" else {}
    log = lambda message: print(message, file=sys.stderr)  # noqa: E731
    try:
        if args.kfold:
            cross_validate(args.kfold, backend=args.backend, settings=settings, log=log)
        if args.output:
            train_model(args.output, backend=args.backend, settings=settings,
                        threshold_folds=args.threshold_folds, log=log)
    except BaseModelError as err:
        raise UsageError(str(err)) from None
    return EXIT_OK


def cmd_pretrain(args) -> int:
    from jprivacy.train.pretrain import PretrainConfig, pretrain

    extra = Path(args.extra_text) if args.extra_text else None
    if extra is not None and not extra.is_dir():
        raise UsageError(f"{extra}: no such folder")
    pretrain(args.output, PretrainConfig.from_args(args), extra, log=lambda m: print(m, file=sys.stderr))
    return EXIT_OK


def cmd_export(args) -> int:
    from jprivacy.train.evaluation import sections_from_policies

    from .export import AGREEMENT_TARGET, agreement, export_model
    from .model_folder import ModelCard
    from .tagger import load

    precision = "int8" if args.int8 else "bf16" if args.bf16 else "fp32"
    if args.check and not Path(args.check).is_file():
        raise UsageError(f"{args.check}: no such file")
    output = export_model(args.model, args.output, args.runtime, precision)
    print(f"wrote {output} ({args.runtime}, {precision})", file=sys.stderr)
    if not args.check:
        return EXIT_OK
    records = [item for _, item in _read_jsonl(args.check) if isinstance(item, dict)]
    if not records:
        raise UsageError(f"{args.check}: no records with a 'text'")
    provenance = sections_from_policies(records, Path(args.check).parent)
    result = agreement(load(args.model), load(output), [r["text"] for r in records],
                       [r.get("section") or "" for r in records])
    card = ModelCard.read(output)
    card.metrics["agreement_with_source"] = {**result, "file": str(args.check)}
    card.write(output)
    print(f"{provenance}\nlabels agree with {args.model} on {result['labels_agree']:.2%} of "
          f"{result['clauses']} clauses ({result['clauses_differ']} differ); largest score change "
          f"{result['max_score_change']:.4f}, mean {result['mean_score_change']:.5f}", file=sys.stderr)
    if result["labels_agree"] < AGREEMENT_TARGET:
        print(f"warning: agreement is below {AGREEMENT_TARGET:.0%}; prefer the full-precision model",
              file=sys.stderr)
    return EXIT_OK


def cmd_validate_data(args) -> int:
    from jprivacy.data import validate

    problems = validate(eval_dir=Path(args.eval) if args.eval else None)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"corpus {'OK' if not problems else f'has {len(problems)} problem(s)'}", file=sys.stderr)
    return EXIT_INPUT_ERRORS if problems else EXIT_OK


MODEL_HELP = "model folder or Hub name (default: the bundled model)"
BATCH_HELP = "clauses classified at a time (default: 256)"
PATHS_HELP = "policy files (.txt, .md, .html, .htm), folders (read recursively) or - for stdin"


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line.  The flags of ``train`` and ``pretrain`` come from their settings in
    jprivacy.train, which imports the training libraries: they are added only when ``command``
    is one of them, so ``jprivacy tag`` and every ``--help`` but theirs start without them."""
    parser = argparse.ArgumentParser(prog="jprivacy", description=__doc__)
    parser.add_argument("--version", action="version", version=f"jprivacy {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    tag = sub.add_parser("tag", help="segment and label policies (files, folders, - for stdin)")
    tag.add_argument("paths", nargs="+", help=PATHS_HELP)
    tag.add_argument("-o", "--output", help="records file: .jsonl (default: stdout), .csv or .parquet")
    tag.add_argument("--model", help=MODEL_HELP)
    tag.add_argument("--resume", action="store_true", help="keep documents already in the output")
    tag.add_argument("--errors", help="write failed inputs as JSON to this file")
    tag.add_argument("--summary", action="store_true", help="print which categories each policy covers")
    tag.add_argument("--batch-size", type=int, default=256, help=BATCH_HELP)
    tag.set_defaults(func=cmd_tag)

    classify = sub.add_parser("classify", help="label pre-split clause records (JSON Lines)")
    classify.add_argument("-i", "--input", required=True, help="records with 'text' and optional 'section'")
    classify.add_argument("-o", "--output", default="-", help="output JSON Lines (default: stdout)")
    classify.add_argument("--model", help=MODEL_HELP)
    classify.add_argument("--errors", help="write skipped lines as JSON to this file")
    classify.add_argument("--batch-size", type=int, default=256, help=BATCH_HELP)
    classify.set_defaults(func=cmd_classify)

    evaluate = sub.add_parser("evaluate", help="per-label precision/recall/F1 on labeled records")
    evaluate.add_argument("file", help="JSON Lines with 'text', 'labels' and optional 'section'")
    evaluate.add_argument("--model", help=MODEL_HELP)
    evaluate.add_argument("--json", help="also write the scores as JSON to this file")
    evaluate.set_defaults(func=cmd_evaluate)

    rep = sub.add_parser("report", help="coverage report: which legally expected disclosures each policy makes")
    rep.add_argument("paths", nargs="+", help=PATHS_HELP)
    rep.add_argument("-o", "--output", required=True,
                     help="OUT.html (one page, or an index plus a page per policy in OUT/) or OUT.json")
    rep.add_argument("--model", help=MODEL_HELP)
    rep.add_argument("--batch-size", type=int, default=256, help=BATCH_HELP)
    rep.set_defaults(func=cmd_report)

    dif = sub.add_parser("diff", help="what changed between two versions of a policy, by category")
    dif.add_argument("old", help="the earlier version of the policy (a file, or - for stdin)")
    dif.add_argument("new", help="the later version of the policy (a file, or - for stdin)")
    dif.add_argument("-o", "--output", help="OUT.html or OUT.json (default: a text listing on stdout)")
    dif.add_argument("--model", help=MODEL_HELP)
    from .diff import DEFAULT_THRESHOLD
    dif.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                     help="character similarity from which a removed and an added clause count as reworded")
    dif.set_defaults(func=cmd_diff)

    train = sub.add_parser("train", help="train a model folder on the corpus in data/")
    train.add_argument("--backend", choices=["linear", "transformer"], default="linear")
    train.add_argument("--output", help="model folder to write")
    train.add_argument("--kfold", type=int, default=0,
                       help="also report policy-grouped K-fold scores (mean ± sd)")
    train.add_argument("--threshold-folds", type=int, default=0,
                       help="linear: tune thresholds by policy-grouped K-fold over train+validation, "
                            "then fit on both")
    if command == "train":
        from jprivacy.train.transformer import TrainConfig
        TrainConfig.add_arguments(train)
    train.set_defaults(func=cmd_train)

    pre = sub.add_parser("pretrain", help="build a compact Japanese BERT offline (vocabulary + masked LM)")
    pre.add_argument("--output", required=True, help="folder for the pretrained model (a --base-model)")
    pre.add_argument("--extra-text", help="folder of additional unlabeled policy texts")
    if command == "pretrain":
        from jprivacy.train.pretrain import PretrainConfig
        PretrainConfig.add_arguments(pre)
    pre.set_defaults(func=cmd_pretrain)

    exp = sub.add_parser("export", help="faster copy of a transformer model: ONNX Runtime, int8 or bf16")
    exp.add_argument("--model", required=True, help="transformer model folder to export")
    exp.add_argument("--output", required=True, help="new model folder to write")
    exp.add_argument("--runtime", choices=["onnx", "torch"], default="onnx",
                     help="onnx: ONNX Runtime (default); torch: PyTorch at the chosen precision")
    precision = exp.add_mutually_exclusive_group()
    precision.add_argument("--int8", action="store_true", help="int8 dynamic quantization of the linear layers")
    precision.add_argument("--bf16", action="store_true", help="bf16 autocast (--runtime torch only)")
    exp.add_argument("--check", help="JSON Lines of clauses ('text', optional 'section'): report how often "
                                     "the export's labels agree with the source model's")
    exp.set_defaults(func=cmd_export)

    check = sub.add_parser("validate-data", help="check the labeled corpus for consistency")
    check.add_argument("--eval", help="evaluation folder whose text must not occur in the corpus")
    check.set_defaults(func=cmd_validate_data)
    return parser


def _check_arguments(args) -> None:
    """Refuse, before any work, a batch size below 1 (it would tag nothing), and an output that
    names a folder or has an unknown extension."""
    if getattr(args, "batch_size", 1) < 1 and args.command in ("tag", "classify", "report"):
        raise UsageError(f"--batch-size must be 1 or more, not {args.batch_size}")
    for flag in ("output", "json", "errors"):
        path = getattr(args, flag, None)
        if args.command in ("train", "pretrain", "export") and flag == "output":
            continue  # these name folders
        if path not in (None, "-") and Path(path).is_dir():
            raise UsageError(f"{path}: is a directory; name a file for {'-o' if flag == 'output' else '--' + flag}")
    if getattr(args, "output", None) not in (None, "-") and args.command in ("tag", "classify"):
        output_format(args.output)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command).parse_args(argv)
    if args.command == "train" and not (args.output or args.kfold):
        build_parser().error("train needs --output DIR and/or --kfold K")
    if args.command == "train" and args.threshold_folds and args.backend != "linear":
        build_parser().error("--threshold-folds is for the linear backend (the transformer early-stops on validation)")
    try:
        _check_arguments(args)
        return args.func(args)
    except (UsageError, ModelFolderError, OutputBusyError, ValueError) as err:
        print(f"jprivacy {args.command}: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader of stdout went away (`| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_PIPE_CLOSED
    except KeyboardInterrupt:
        resumable = args.command == "tag" and getattr(args, "output", None) not in (None, "-")
        print("interrupted" + ("; rerun with --resume to finish" if resumable else ""), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
