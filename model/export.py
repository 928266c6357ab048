"""Faster copies of a fine-tuned transformer model folder: ONNX Runtime (fp32, int8 with
activation ranges measured per batch, or int8-static with ranges calibrated once) or PyTorch
with bf16 weights or int8 dynamic quantization, optionally run through ``torch.compile``.

Every output is a complete jprivacy model folder (``jprivacy.json`` with the backend, the
source's thresholds and where it came from; no pickles) that :func:`jprivacy.load` reads.
:func:`agreement` measures how far an exported model's answers drift from its source.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from .backends.base import RUNTIMES, precisions
from .backends.ensemble import EnsembleSettings
from .backends.onnx import MODEL_FILE, OnnxSettings
from .backends.transformer import TransformerBackend, TransformerSettings, encode_pairs, pad_batch
from .errors import UsageError
from .model_folder import CARD, ModelCard, ModelFolderError, check_files, share_like_other_files, staged_folder
from .tagger import load

AGREEMENT_TARGET = 0.99  # share of clauses whose labels must not change


@dataclass(frozen=True)
class Calibration:
    """The clauses static int8 calibrates its activation ranges on (``jprivacy.data.
    calibration_clauses()`` draws them from the corpus), and what they are, for the card."""

    texts: list[str]
    contexts: list[str]
    record: dict


def export_model(source: str | Path, output: str | Path, runtime: str = "onnx", precision: str = "fp32",
                 compile: bool = False, calibration: Calibration | None = None) -> Path:
    """Write ``output``, a copy of the transformer model folder ``source`` for ``runtime``
    ("onnx" or "torch") at ``precision`` ("fp32", "int8"; "bf16" only for torch, "int8-static"
    only for onnx, calibrated on ``calibration``: see :func:`quantize_onnx_int8_static`).
    ``compile`` (torch, fp32 or bf16 only) makes the copy run through ``torch.compile``.  For an
    ensemble, its transformer members are exported and the others copied.

    The folder appears complete or not at all; an existing non-empty ``output`` is refused.
    """
    source, output = Path(source), Path(output)
    card = ModelCard.read(source)
    if card.backend not in ("transformer", "ensemble"):
        raise ModelFolderError(f"{source}: only transformer and ensemble model folders can be exported "
                               f"(this one is {card.backend!r})")
    check_files(source, TransformerBackend.files if card.backend == "transformer" else ())
    if runtime not in RUNTIMES:
        raise UsageError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
    allowed = precisions(runtime)
    if precision not in allowed:
        raise UsageError(f"{runtime} export supports precision {' or '.join(allowed)}, not {precision!r}")
    if compile and (runtime != "torch" or precision not in ("fp32", "bf16")):
        raise UsageError("compile applies to the torch runtime at fp32 or bf16 only")
    if precision == "int8-static" and (calibration is None or not calibration.texts):
        raise UsageError("int8-static needs clauses to calibrate on (jprivacy.data.calibration_clauses())")
    if card.backend == "ensemble":
        members = {name: ModelCard.read(source / name) for name in EnsembleSettings.from_dict(card.settings).members}
        if not any(m.backend == "transformer" for m in members.values()):
            described = ", ".join(f"{name} ({m.backend}" + (f" {m.settings.get('precision')})" if m.settings.get("precision")
                                                             else ")") for name, m in members.items())
            raise UsageError(f"{source}: no member to export, it is exported already: {described}")
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise UsageError(f"{output}: already exists and is not empty")

    with staged_folder(output) as staging:
        origin = str(source.resolve())
        if card.backend == "ensemble":
            settings = _export_members(source, card, staging, runtime, precision, compile, calibration)
        elif runtime == "torch":
            _copy_backend_files(source, staging)
            settings = replace(TransformerSettings.from_card(card.settings), precision=precision,
                               compile=compile, exported_from=origin).to_dict()
        else:
            settings = _export_onnx(source, card, staging, precision, origin, calibration)
        backend = card.backend if card.backend == "ensemble" else runtime if runtime == "onnx" else "transformer"
        exported = replace(card, backend=backend, settings=settings, metrics={"source_model": card.metrics},
                           versions={})
        exported.write(staging)
        share_like_other_files(staging)
    return output


def _export_members(source: Path, card: ModelCard, target: Path, runtime: str, precision: str,
                    compile: bool, calibration: Calibration | None) -> dict:
    """Export an ensemble's transformer members (an onnx member is named ``onnx``); copy the others."""
    settings = EnsembleSettings.from_dict(card.settings)
    names = []
    for name in settings.members:
        if ModelCard.read(source / name).backend == "transformer":
            names.append("onnx" if runtime == "onnx" else name)
            export_model(source / name, target / names[-1], runtime, precision, compile, calibration)
        else:
            names.append(name)
            shutil.copytree(source / name, target / name)
    return replace(settings, members=names).to_dict()


def _copy_backend_files(source: Path, target: Path) -> None:
    for path in source.iterdir():
        if path.is_file() and path.name != CARD:
            shutil.copy2(path, target / path.name)


def _export_onnx(source: Path, card: ModelCard, target: Path, precision: str, origin: str,
                 calibration: Calibration | None) -> dict:
    backend = TransformerBackend.load(source, {**card.settings, "precision": "fp32"}, tuple(card.labels))
    fp32_file = target / MODEL_FILE
    onnx_export(backend.model, backend.tokenizer, fp32_file)
    calibrated = None
    if precision.startswith("int8"):
        int8_file = target / "model.int8.onnx"
        if precision == "int8-static":
            calibrated = quantize_onnx_int8_static(fp32_file, int8_file, backend, calibration)
        else:
            quantize_onnx_int8(fp32_file, int8_file)
        os.replace(int8_file, fp32_file)
    backend.tokenizer.save_pretrained(target)
    return OnnxSettings(backend.settings.inference_batch_size, backend.settings.max_length, precision,
                        origin, backend.settings.section_levels, calibrated, len(backend.tokenizer)).to_dict()


class _Logits(torch.nn.Module):
    """The classifier with tensors in and logits out, as the ONNX exporter wants it."""

    def __init__(self, model, input_names: Sequence[str]):
        super().__init__()
        self.model = model
        self.input_names = tuple(input_names)

    def forward(self, *inputs):
        return self.model(**dict(zip(self.input_names, inputs))).logits


def onnx_export(model, tokenizer, path: Path) -> None:
    """Export ``model`` to ``path`` with ``torch.onnx.export(dynamo=True)``; batch and length are dynamic."""
    encoded = encode_pairs(["当社は、お客様の氏名、住所及びメールアドレスを取得します。", "Cookieを使用します。"],
                           ["取得する情報", "Cookie"], tokenizer, 64)
    device = next(model.parameters()).device
    sample = {k: torch.from_numpy(v).to(device) for k, v in pad_batch(tokenizer, encoded).items()}
    names = list(sample.keys())
    batch, length = torch.export.Dim("batch"), torch.export.Dim("length", max=4096)
    wrapper = _Logits(model.eval(), names).eval()
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "onnxscript")]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on axis names and deprecated pytree APIs
            program = torch.onnx.export(wrapper, tuple(sample[n] for n in names), dynamo=True, verbose=False,
                                        input_names=names, output_names=["logits"],
                                        dynamic_shapes={"inputs": tuple({0: batch, 1: length} for _ in names)})
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
    program.save(str(path))


def quantize_onnx_int8(source: Path, target: Path) -> None:
    """ONNX Runtime dynamic int8 quantization (int8 weights, activations quantized per batch:
    a clause's scores move slightly with the other clauses of its batch)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quantizable(source, target) as (cleaned, _):
        quantize_dynamic(str(cleaned), str(target), weight_type=QuantType.QInt8)


def quantize_onnx_int8_static(source: Path, target: Path, backend: TransformerBackend,
                              calibration: Calibration) -> dict:
    """ONNX Runtime static int8 quantization of the products with a weight matrix: int8 weights
    with a scale per output channel, and activation ranges calibrated once on the clauses of
    ``calibration`` (``backend`` tokenizes them as inference does).  Every clause then gets the
    same scores whatever batch it is in.  The attention products (activations by activations)
    stay in float: quantizing them and using one scale per weight matrix moved 9 of the 951 dev
    clauses' label sets of the compact BERT of ``model/bundled`` (99.05% agreement), against 1
    (99.89%) this way, at the same speed.  Returns ``calibration.record`` (what the calibration
    read), for the card."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    encoded = encode_pairs(calibration.texts, backend.settings.contexts(calibration.contexts),
                           backend.tokenizer, backend.settings.max_length)
    batch = backend.settings.inference_batch_size
    feeds = [pad_batch(backend.tokenizer, {k: v[i:i + batch] for k, v in encoded.items()})
             for i in range(0, len(calibration.texts), batch)]

    class Batches(CalibrationDataReader):
        def __init__(self):
            self.rest = iter(feeds)

        def get_next(self):
            return next(self.rest, None)

    with _quantizable(source, target) as (cleaned, graph):
        weights = {tensor.name for tensor in graph.initializer}
        attention = [node.name for node in graph.node if node.op_type == "MatMul" and node.input[1] not in weights]
        quantize_static(str(cleaned), str(target), Batches(), quant_format=QuantFormat.QOperator,
                        op_types_to_quantize=["MatMul"], activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=attention)
    return calibration.record


@contextlib.contextmanager
def _quantizable(source: Path, target: Path):
    """(path, graph) of a copy of ``source`` the quantizers accept, beside ``target``, removed
    afterwards; the graph is the copy's, already parsed.

    The exporter's ``value_info`` shape annotations go stale once a quantizer rewrites the graph
    and make it fail, so they are removed; ONNX Runtime infers shapes itself.  The quantizers'
    advice on the root logger ("consider pre-processing") is silenced meanwhile.
    """
    import onnx

    graph_model = onnx.load(str(source))
    del graph_model.graph.value_info[:]
    cleaned = target.with_name(target.stem + ".clean.onnx")
    onnx.save(graph_model, str(cleaned))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield cleaned, graph_model.graph
    finally:
        root.setLevel(level)
        cleaned.unlink(missing_ok=True)


def agreement(reference, candidate, texts: Sequence[str], sections: Sequence[str] | None = None) -> dict:
    """How closely ``candidate``'s answers follow ``reference``'s (both :class:`jprivacy.Tagger`).

    Returns the share of clauses whose label sets are identical, the number that differ,
    and the largest and mean absolute change of any score.
    """
    ref = reference.predict_proba(texts, sections)
    new = candidate.predict_proba(texts, sections)
    same = ((ref >= reference.thresholds) == (new >= candidate.thresholds)).all(axis=1)
    drift = np.abs(ref - new)
    return {"clauses": len(texts), "labels_agree": float(same.mean()) if len(texts) else 1.0,
            "clauses_differ": int((~same).sum()), "max_score_change": float(drift.max(initial=0.0)),
            "mean_score_change": float(drift.mean()) if drift.size else 0.0}


def record_agreement(source: str | Path, output: str | Path, records: Sequence[dict], file: str | Path) -> dict:
    """:func:`agreement` of the exported model folder ``output`` with its ``source`` on clause
    ``records`` (``text``, optional ``section``), recorded in ``output``'s card as
    ``metrics.agreement_with_source`` with ``file``, where the records came from."""
    result = agreement(load(source), load(output), [r["text"] for r in records],
                       [r.get("section") or "" for r in records])
    card = ModelCard.read(output)
    card.metrics["agreement_with_source"] = {**result, "file": str(file)}
    card.write(output)
    return result
