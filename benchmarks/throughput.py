"""Throughput of clause tagging on one machine: the naive way, jprivacy's batch path, its speed-ups.

    python benchmarks/throughput.py [--eval ../shared/eval] [--clauses N] [--naive 200] [--shape compact]

Inputs are the policy texts under ``EVAL/dev`` and ``EVAL/test`` segmented with jprivacy (their
labels are never read).  Each configuration runs in a fresh process on the same clauses, so its
peak memory (max RSS) is its own.  Printed as a markdown table:

1. naive: transformers ``pipeline("text-classification")`` called once per clause, on a sample;
2. jprivacy's batch path (length-sorted batches, dynamic padding) on the same model with random
   weights (``--shape``: BERT-base, or the compact BERT of the bundled model), at fp32 and with
   bf16 weights (each eager and compiled), int8 dynamic quantization, ONNX Runtime fp32 and
   ONNX Runtime int8;
3. ``jprivacy tag`` with the bundled default model, end to end from the files;

plus MeCab/WordPiece tokenization alone, and the rate of a BERT-sized matrix product with each
library that can run it (fp32: PyTorch's BLAS, oneDNN, ONNX Runtime; bf16; int8), 2,048 tokens by
the model's width by its feed-forward width: the fastest of
each arithmetic sets the floor that the "share of its floor" column divides by.  Not run in CI;
needs the onnx extra.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LENGTH = 128
SHAPES = {  # BERT shapes with random weights: the shape of tohoku-nlp/bert-base-japanese-v3, and the
    # bundled model's BERT member (jprivacy pretrain's defaults)
    "base": dict(vocab_size=32768, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512),
    "compact": dict(vocab_size=12000, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                    intermediate_size=1024, max_position_embeddings=512),
}
VARIANTS = [  # (row label, model folder name, how it is run)
    ("naive: transformers pipeline, one clause per call (fp32)", "base", "naive"),
    ("jprivacy batch path, PyTorch fp32", "base", "batch"),
    ("jprivacy batch path, PyTorch fp32 + torch.compile", "torch-fp32-compiled", "batch"),
    ("jprivacy batch path, PyTorch bf16 weights", "torch-bf16", "batch"),
    ("jprivacy batch path, PyTorch bf16 weights + torch.compile", "torch-bf16-compiled", "batch"),
    ("jprivacy batch path, PyTorch int8 dynamic quantization", "torch-int8", "batch"),
    ("jprivacy batch path, ONNX Runtime fp32", "onnx-fp32", "batch"),
    ("jprivacy batch path, ONNX Runtime int8", "onnx-int8", "batch"),
]


def load_clauses(eval_dir: Path) -> list[tuple[str, str]]:
    """(clause, section) pairs of every policy text in eval/dev and eval/test, in file order."""
    from jprivacy.readers import ReadError, iter_documents

    files = sorted(p for split in ("dev", "test") for p in (eval_dir / split).glob("*.txt"))
    return [(c.text, c.section) for d in iter_documents(files) if not isinstance(d, ReadError)
            for c in d.segment()]


def build_base_model(folder: Path, shape: dict) -> None:
    """A jprivacy transformer folder: random weights of ``shape``, a corpus MeCab+WordPiece tokenizer."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from jprivacy.labels import LABELS
    from jprivacy.model_folder import ModelCard
    from jprivacy.train.pretrain import build_tokenizer, corpus_lines

    tokenizer = build_tokenizer(corpus_lines(), folder, vocab_size=shape["vocab_size"])
    torch.manual_seed(0)
    config = BertConfig(**shape, num_labels=len(LABELS), problem_type="multi_label_classification",
                        pad_token_id=tokenizer.pad_token_id)
    BertForSequenceClassification(config).eval().save_pretrained(folder, safe_serialization=True)
    ModelCard(backend="transformer", labels=list(LABELS), thresholds={n: 0.5 for n in LABELS},
              settings={"base_model": f"random weights, {shape['num_hidden_layers']} layers of "
                                                      f"{shape['hidden_size']}", "max_length": MAX_LENGTH,
                        "inference_batch_size": 32}).write(folder)


def flops_per_clause(tokens: int, shape: dict) -> float:
    """Multiply-adds x 2 of one forward pass of a BERT of ``shape`` over ``tokens`` tokens (no padding)."""
    h, ffn, layers = shape["hidden_size"], shape["intermediate_size"], shape["num_hidden_layers"]
    dense = 2 * tokens * (4 * h * h + 2 * h * ffn)        # Q, K, V, output projections and the FFN
    attention = 2 * 2 * tokens * tokens * h               # scores and the weighted sum
    return layers * (dense + attention) + 2 * h * h + 2 * h * 10   # + pooler and classifier


def _sustained(step, seconds: float) -> float:
    """Runs of ``step`` per second, after one untimed run."""
    step()
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        step()
        runs += 1
    return runs / (time.perf_counter() - started)


def _onnx_product(op: str, a, b):
    """An ONNX Runtime session computing ``op(A, B)`` with ``B`` a constant, and its feed."""
    import onnxruntime

    from jprivacy.backends.transformer import cpu_count
    from onnx import TensorProto, helper, numpy_helper

    types = {"float32": TensorProto.FLOAT, "uint8": TensorProto.UINT8}
    out = TensorProto.INT32 if op == "MatMulInteger" else TensorProto.FLOAT
    graph = helper.make_graph([helper.make_node(op, ["A", "B"], ["C"])], "product",
                              [helper.make_tensor_value_info("A", types[str(a.dtype)], list(a.shape))],
                              [helper.make_tensor_value_info("C", out, [a.shape[0], b.shape[1]])],
                              [numpy_helper.from_array(b, "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = cpu_count()
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return lambda: session.run(None, {"A": a})


def matmul_rates(product: tuple[int, int, int], seconds: float = 3.0) -> list[tuple[str, str, float]]:
    """Sustained rate, in G(FL)OP/s, of a (rows × inner) by (inner × columns) ``product`` with each
    library jprivacy can run it on: (arithmetic, library, rate).  The fastest of an arithmetic sets its floor: PyTorch's
    fp32 ``matmul`` calls the BLAS it was built with (MKL), which on some CPUs is far from what
    oneDNN or ONNX Runtime get out of the same cores."""
    import numpy as np
    import torch

    rows, inner, columns = product
    work = 2 * rows * inner * columns / 1e9
    a, b = torch.randn(rows, inner), torch.randn(inner, columns)
    weight = b.t().contiguous()
    a8 = torch.randint(-128, 128, (rows, inner), dtype=torch.int8)
    b8 = torch.randint(-128, 128, (inner, columns), dtype=torch.int8)
    steps = [("fp32", "torch.matmul (BLAS)", lambda: torch.matmul(a, b)),
             ("fp32", "oneDNN (torch.ops.mkldnn)",
              lambda: torch.ops.mkldnn._linear_pointwise(a, weight, None, "none", [None], "")),
             ("fp32", "ONNX Runtime MatMul", _onnx_product("MatMul", a.numpy(), b.numpy())),
             ("bf16", "torch.matmul (oneDNN)", (lambda x, y: lambda: torch.matmul(x, y))(a.bfloat16(), b.bfloat16())),
             ("int8", "torch._int_mm (oneDNN)", lambda: torch._int_mm(a8, b8)),
             ("int8", "ONNX Runtime MatMulInteger (u8 × s8)",
              _onnx_product("MatMulInteger", np.random.default_rng(0).integers(0, 256, (rows, inner), np.uint8),
                            b8.numpy()))]
    with torch.inference_mode():
        return [(kind, library, work * _sustained(step, seconds)) for kind, library, step in steps]


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        import platform
        return platform.processor() or "unknown CPU"


def peak_memory_mb() -> float:
    """This process's peak resident memory.  ``VmHWM`` belongs to the process's own address space;
    ``ru_maxrss`` would also count the parent's memory at fork time."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- one configuration, in its own process ------------------------------------------------------
def worker(kind: str, model: Path, inputs: Path, paths: list[str]) -> dict:
    if kind == "tag":  # the command line, end to end from the files ``paths``; ``inputs`` is the output
        from jprivacy.cli import main

        code = main(["tag", *paths, "-o", str(inputs)])
        return {"exit": code, "peak_mb": peak_memory_mb()}
    pairs = json.loads(inputs.read_text(encoding="utf-8"))
    texts, sections = [p[0] for p in pairs], [p[1] for p in pairs]
    if kind == "naive":
        from transformers import pipeline

        classify = pipeline("text-classification", model=str(model), tokenizer=str(model), top_k=None,
                            function_to_apply="sigmoid", device=-1)

        def run(ts, ss):
            return [classify({"text": t, "text_pair": s} if s else t, truncation=True, max_length=MAX_LENGTH)
                    for t, s in zip(ts, ss)]
    elif kind in ("batch", "profile"):
        import jprivacy

        tagger = jprivacy.load(model)
        if kind == "profile":
            tagger.predict_proba(texts, sections)
            return profile_breakdown(tagger, texts, sections)

        def run(ts, ss):
            return tagger.predict_proba(ts, ss)
    else:  # tokenization alone, as the batch path does it: transformers' tokenizer or MecabWordPiece
        from jprivacy.backends.transformer import encode_pairs

        if kind == "tokenize-fast":
            from jprivacy.backends.mecab_wordpiece import MecabWordPiece

            tokenizer = MecabWordPiece.from_folder(model)
            assert tokenizer is not None, f"{model} holds no tokenizer that MecabWordPiece reproduces"
        else:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(model)

        def run(ts, ss):
            return encode_pairs(ts, ss, tokenizer, MAX_LENGTH)
    # warm-up: lazy imports, compiling, and the kernels oneDNN builds for each new shape; a batch
    # job over many policies runs in that steady state, so the batch paths see every shape once
    run(texts[:4], sections[:4]) if kind == "naive" else run(texts, sections)
    started = time.perf_counter()
    run(texts, sections)
    seconds = time.perf_counter() - started
    return {"clauses": len(texts), "seconds": seconds, "peak_mb": peak_memory_mb()}


# operator name prefixes (aten::) → the part of the model they belong to
OPERATOR_GROUPS = [
    ("matmuls (linear layers)", ("aten::addmm", "aten::mm", "aten::linear", "aten::matmul", "aten::_weight_int8pack_mm",
                                 "quantized::linear_dynamic", "mkldnn::", "onednn::")),
    ("attention", ("aten::scaled_dot_product_attention", "aten::_scaled_dot_product", "aten::bmm", "aten::softmax",
                   "aten::_softmax", "aten::baddbmm")),
    ("casts and copies", ("aten::to", "aten::_to_copy", "aten::copy_", "aten::contiguous", "aten::clone")),
    ("embeddings", ("aten::embedding", "aten::index_select")),
    ("layer norm", ("aten::layer_norm", "aten::native_layer_norm")),
    ("activations (GELU, tanh, sigmoid)", ("aten::gelu", "aten::tanh", "aten::sigmoid")),
]


def profile_breakdown(tagger, texts, sections) -> dict:
    """Where the batch path's time goes: tokenization (timed alone), then each operator group's
    self CPU time under ``torch.profiler``; what is left of the wall time is Python and glue."""
    from torch.profiler import ProfilerActivity, profile

    from jprivacy.backends.transformer import encode_pairs

    started = time.perf_counter()
    encode_pairs(texts, sections, tagger.backend.tokenizer, MAX_LENGTH)
    tokenize = time.perf_counter() - started
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        started = time.perf_counter()
        tagger.predict_proba(texts, sections)
        wall = time.perf_counter() - started
    parts = {name: 0.0 for name, _ in OPERATOR_GROUPS}
    other = 0.0
    for event in prof.key_averages():
        seconds = event.self_cpu_time_total / 1e6
        group = next((name for name, prefixes in OPERATOR_GROUPS if event.key.startswith(prefixes)), None)
        if group:
            parts[group] += seconds
        elif event.key.startswith(("aten::", "quantized::")):
            other += seconds
    model_ops = sum(parts.values()) + other
    return {"batch_seconds": wall, "tokenization (MeCab + WordPiece)": tokenize, **parts,
            "other operators": other, "Python, padding and glue": max(0.0, wall - model_ops - tokenize)}


def in_subprocess(*args: str) -> dict:
    """Run this script with ``args`` in a fresh process → its JSON result, plus ``wall`` seconds."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{' '.join(args)} failed: {result.stderr[-2000:]}")
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "wall": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--clauses", type=int, default=0, help="random sample of clauses for the batch path "
                                                                "(default: all)")
    parser.add_argument("--naive", type=int, default=200, help="random sample for the naive pipeline")
    parser.add_argument("--shape", choices=SHAPES, default="base", help="the model's shape: BERT-base, or the "
                        "compact BERT of the bundled model")
    parser.add_argument("--worker", choices=["naive", "batch", "tokenize", "tokenize-fast", "tag", "profile"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.worker:
        print(json.dumps(worker(args.worker, args.model, args.inputs, args.paths)))
        return

    import torch

    from jprivacy.backends.transformer import encode_pairs, length_sorted_batches, padding_share
    from jprivacy.export import export_model

    started = time.perf_counter()
    pairs = load_clauses(args.eval)
    rng = random.Random(13)
    sample = rng.sample(pairs, args.clauses) if 0 < args.clauses < len(pairs) else pairs
    naive_sample = rng.sample(sample, min(args.naive, len(sample)))
    log = lambda message: print(f"[{time.perf_counter() - started:6.0f}s] {message}", file=sys.stderr)  # noqa: E731
    log(f"{len(pairs)} clauses from {args.eval}/dev and /test; timing {len(sample)} "
        f"(naive: {len(naive_sample)}); torch threads {torch.get_num_threads()}")
    with tempfile.TemporaryDirectory(prefix="jprivacy-bench-") as tmp:
        work = Path(tmp)
        (work / "inputs.json").write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")
        (work / "naive.json").write_text(json.dumps(naive_sample, ensure_ascii=False), encoding="utf-8")
        shape = SHAPES[args.shape]
        build_base_model(work / "base", shape)
        for name, runtime, precision, compiled in (
                ("torch-fp32-compiled", "torch", "fp32", True), ("torch-bf16", "torch", "bf16", False),
                ("torch-bf16-compiled", "torch", "bf16", True),
                ("torch-int8", "torch", "int8", False), ("onnx-fp32", "onnx", "fp32", False),
                ("onnx-int8", "onnx", "int8", False)):
            export_model(work / "base", work / name, runtime, precision, compiled)
        log(f"built the random {args.shape} model and its exports")

        from jprivacy.backends.mecab_wordpiece import load_tokenizer
        tokenizer = load_tokenizer(work / "base")
        lengths = [len(ids) for ids in encode_pairs([t for t, _ in sample], [s for _, s in sample], tokenizer,
                                                    MAX_LENGTH)["input_ids"]]
        flops = sum(flops_per_clause(n, shape) for n in lengths) / len(lengths)
        padding = padding_share(lengths, length_sorted_batches(lengths, 32))  # as the batch path cuts them
        log(f"padding: {padding:.1%} of the tokens in batches of at most 32 rows sorted by token count")
        product = (2048, shape["hidden_size"], shape["intermediate_size"])
        products = matmul_rates(product)
        rates = {kind: max(rate for k, _, rate in products if k == kind) for kind, _, _ in products}
        log(f"mean {sum(lengths) / len(lengths):.1f} tokens/clause, {flops / 1e9:.2f} GFLOP/clause; "
            f"fastest products: {rates['fp32']:.0f} GFLOP/s fp32, {rates['bf16']:.0f} bf16, {rates['int8']:.0f} "
            f"GOP/s int8")

        rows = []
        for kind, label in (("tokenize", "transformers' BertJapaneseTokenizer"),
                            ("tokenize-fast", "jprivacy's MecabWordPiece (what the batch path uses)")):
            result = in_subprocess("--worker", kind, "--model", str(work / "base"),
                                   "--inputs", str(work / "inputs.json"))
            rows.append((f"tokenization alone, {label}, 1 process", result["clauses"],
                         result["clauses"] / result["seconds"], result["peak_mb"]))
            log(f"{rows[-1][0]}: {rows[-1][2]:.0f} clauses/s")
        for label, folder, kind in VARIANTS:
            inputs = work / ("naive.json" if kind == "naive" else "inputs.json")
            result = in_subprocess("--worker", kind, "--model", str(work / folder), "--inputs", str(inputs))
            rows.append((label, result["clauses"], result["clauses"] / result["seconds"], result["peak_mb"]))
            log(f"{label}: {rows[-1][2]:.1f} clauses/s, peak {rows[-1][3]:.0f} MB")

        breakdowns = {}
        for label, folder in (("fp32", "base"), ("bf16", "torch-bf16")):
            breakdowns[label] = in_subprocess("--worker", "profile", "--model", str(work / folder),
                                              "--inputs", str(work / "inputs.json"))
            log(f"profiled the {label} batch path")

        docs = [str(args.eval / "dev"), str(args.eval / "test")]
        out = work / "tagged.jsonl"
        result = in_subprocess("--worker", "tag", "--inputs", str(out), "--", *docs)
        n = sum(1 for _ in out.open(encoding="utf-8")) if result["exit"] == 0 else 0
        rows.append(("`jprivacy tag` with the bundled default model, end to end from files (process start "
                     "included)", n, n / result["wall"], result["peak_mb"]))
        log(f"bundled: {n} clauses in {result['wall']:.1f}s")

    naive_rate = next(rate for label, _, rate, _ in rows if label.startswith("naive"))
    import onnxruntime

    print(f"\n{args.shape} shape ({shape['num_hidden_layers']} layers of {shape['hidden_size']}, random weights); "
          f"{len(pairs)} clauses from {len(docs)} folders; mean {sum(lengths) / len(lengths):.1f} tokens per "
          f"clause (max {MAX_LENGTH}); {cpu_name()}, {os.cpu_count()} CPUs; torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), ONNX Runtime {onnxruntime.__version__}\n")
    floor = {kind: rate / (flops / 1e9) for kind, rate in rates.items()}
    print("| configuration | clauses | clauses/s | × naive | share of its floor | peak memory (MB) |\n"
          "|---|---:|---:|---:|---:|---:|")
    for label, n, rate, peak in rows:
        relative = f"{rate / naive_rate:.1f}" if label.startswith(("naive", "jprivacy batch")) else ""
        precision = next((p for p in ("bf16", "fp32", "int8") if p in label), None)
        share = f"{rate / floor[precision]:.1%}" if precision else ""
        print(f"| {label} | {n} | {rate:,.1f} | {relative} | {share} | {peak:,.0f} |")
    rows_, inner, columns = product
    print(f"\n| {rows_} × {inner} by {inner} × {columns} product | arithmetic | G(FL)OP/s | clauses/s of the model "
          f"at that rate ({flops / 1e9:.2f} GFLOP per clause) |\n|---|---|---:|---:|")
    for kind, library, rate in products:
        best = " (floor)" if rate == rates[kind] else ""
        print(f"| {library} | {kind} | {rate:,.0f} | {rate / (flops / 1e9):,.1f}{best} |")
    print(f"\npadding: {padding:.1%} of the tokens in batches of at most 32 rows sorted by token count")
    parts = [k for k in breakdowns["fp32"] if k not in ("batch_seconds", "wall")]
    print("\n| where the batch path's time goes (share of its wall time) | "
          + " | ".join(breakdowns) + " |\n|---|" + "---:|" * len(breakdowns))
    for part in parts:
        print(f"| {part} | " + " | ".join(f"{b[part] / b['batch_seconds']:.1%}" for b in breakdowns.values()) + " |")
    log("done")


if __name__ == "__main__":
    main()
