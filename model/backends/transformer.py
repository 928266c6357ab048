"""A fine-tuned BERT-family model (``save_pretrained`` output, safetensors weights).

Inference runs in batches of similar token counts, each padded to its own longest row, under
``torch.inference_mode()``, on the GPU when CUDA has one and otherwise with no more threads
than the CPUs this process may use.  The ``precision`` setting picks the arithmetic: ``fp32``
(default; on the CPU, uncompiled, its linear layers run oneDNN's matrix products: ``onednn.py``),
``bf16`` (every weight converted to bf16 once at load time: no per-call casts) or
``int8`` (dynamic quantization of the linear layers at load time, CPU only).  The folder keeps
its fp32 safetensors weights.  ``compile`` runs the model through ``torch.compile``: about a
minute of compiling on the first batches, then faster batches (see benchmarks/throughput.py).
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from ..labels import LABELS
from ..segment import innermost
from .base import Backend, Settings, TorchPrecision



def _quietly(load, *args, **kwargs):
    """``load(*args, **kwargs)`` without transformers' progress bar for the weights (a model
    folder's load is a notice-free step of a command); the bar's setting is restored after."""
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return load(*args, **kwargs)
    finally:
        if shown:
            hf_logging.enable_progress_bar()


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask, not the host's core count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@contextmanager
def torch_threads():
    """Within the block, torch's intra-op threads are at most :func:`cpu_count` (a lower count
    the user chose, ``OMP_NUM_THREADS`` or ``torch.set_num_threads``, is kept); the count
    before is restored after."""
    import torch

    before = torch.get_num_threads()
    if before > cpu_count():
        torch.set_num_threads(cpu_count())
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _NoPairTruncationWarning(logging.Filter):
    """Drop transformers' per-pair "overflowing tokens are not returned" warning, which would
    otherwise print once for every truncated clause."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "overflowing tokens are not returned" not in record.getMessage()


@contextmanager
def _quiet_pair_truncation():
    """Within the block only, transformers' tokenizer logs no per-pair truncation warning."""
    logger, quiet = logging.getLogger("transformers.tokenization_python"), _NoPairTruncationWarning()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Row indices cut into batches after sorting the rows by token count, so that a batch
    padded to its longest row holds little padding.

    A batch holds at most ``batch_size`` rows, and a row longer than those before it starts a
    new batch when the batch padded to it would hold more tokens than ``batch_size`` rows of the
    mean length: the long tail goes in smaller batches instead of padding a full one to its
    longest row (the last of 25 batches of 32 of the 800 clauses in benchmarks/throughput.py
    was 25% padding).
    """
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    lengths = np.asarray(lengths, np.int64)
    order = np.argsort(lengths, kind="stable")
    budget = batch_size * lengths.mean() if len(lengths) else 0
    batches, start = [], 0
    for end in range(1, len(order) + 1):
        longer = end < len(order) and lengths[order[end]] > lengths[order[end - 1]]
        over_budget = longer and (end + 1 - start) * lengths[order[end]] > budget
        if end == len(order) or end - start == batch_size or over_budget:
            batches.append(order[start:end])
            start = end
    return batches


def padding_share(lengths: Sequence[int], batches: Sequence[np.ndarray]) -> float:
    """Share of the tokens in ``batches`` that are padding, each batch padded to its longest row."""
    lengths = np.asarray(lengths, np.int64)
    padded = sum(int(lengths[rows].max()) * len(rows) for rows in batches if len(rows))
    return 1 - sum(int(lengths[rows].sum()) for rows in batches) / padded if padded else 0.0


def encode_pairs(texts: Sequence[str], sections: Sequence[str], tokenizer, max_length: int) -> dict:
    """Token ids of (clause, context) pairs, unpadded.  Absurdly long inputs are cut before MeCab
    sees them; the tokenizer truncates the rest to ``max_length``."""
    limit = max_length * 8
    with _quiet_pair_truncation():
        return tokenizer([t[:limit] for t in texts], [s[-limit:] for s in sections], truncation="longest_first",
                         max_length=max_length)


def pad_batch(tokenizer, features: dict) -> dict[str, np.ndarray]:
    """Rows of :func:`encode_pairs` output padded to the longest one: int64 arrays by input name,
    as PyTorch and ONNX Runtime both take them."""
    return {key: np.asarray(values, np.int64) for key, values in tokenizer.pad(features, return_tensors="np").items()}


def batched_probabilities(texts: Sequence[str], sections: Sequence[str], tokenizer, max_length: int,
                          batch_size: int, n_labels: int, run: Callable[[dict], np.ndarray]) -> np.ndarray:
    """Probabilities for (clause, section) pairs, computed in batches of similar token counts.

    All pairs are tokenized first (MeCab + WordPiece is a few percent of a BERT's time, so a
    helper thread measurably gained nothing on two cores); batches are then formed by token
    count and padded to their own longest row.  ``run`` maps one padded batch (int64 numpy
    arrays by input name) to a (batch x n_labels) array; rows come back in input order.
    """
    out = np.zeros((len(texts), n_labels), np.float32)
    encoded = encode_pairs(texts, sections, tokenizer, max_length)
    for rows in length_sorted_batches([len(ids) for ids in encoded["input_ids"]], batch_size):
        out[rows] = run(pad_batch(tokenizer, {key: [values[r] for r in rows] for key, values in encoded.items()}))
    return out


def quantize_int8(model):
    """Dynamic int8 quantization of every ``nn.Linear`` (weights int8, activations quantized per batch).

    ``torch.ao.quantization.quantize_dynamic`` is deprecated in favour of torchao's ``quantize_``
    but still works in torch 2.x and needs no extra package.
    """
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def compile_model(model):
    """``model`` with its forward pass compiled by TorchInductor for any batch shape.

    On CPUs, weights are frozen into the graph (prepacked for oneDNN) and matrix products are
    autotuned between ATen and Inductor's C++ templates (AMX and AVX-512 micro-kernels): on a
    2-core AMX CPU this gave BERT-base 23% more clauses/s in bf16 and 3% in fp32.
    """
    import torch
    import torch._inductor.config as inductor

    compiled = torch.compile(model.forward, dynamic=True)
    if next(model.parameters()).device.type != "cpu":
        model.forward = compiled
        return model
    # Inductor reads these when a batch compiles, and compile-time ``options`` did not reach its
    # autotuner (torch 2.13): they are set around each call only, the process's own kept
    settings = {"freezing": True, "max_autotune": True, "max_autotune_gemm_backends": "CPP,ATEN"}

    @functools.wraps(compiled)
    def forward(*args, **kwargs):
        with inductor.patch(settings):
            return compiled(*args, **kwargs)

    model.forward = forward
    return model


DEFAULT_BASE_MODEL = "tohoku-nlp/bert-base-japanese-v3"
# fine-tuning settings that cards written before ``training`` existed kept beside the others
_FLAT_TRAINING_KEYS = ("epochs", "learning_rate", "batch_size", "max_steps", "seed", "patience", "warmup",
                       "weight_decay", "max_pos_weight")


@dataclass
class TransformerInput(Settings):
    """What a transformer model reads, for fine-tuning and inference alike: the base model it
    starts from and the longest input in tokens."""

    base_model: str = field(default=DEFAULT_BASE_MODEL, metadata={"help": "Hub name or local folder of the "
                            "BERT-family model to fine-tune"})
    max_length: int = field(default=192, metadata={"help": "longest (clause, context) pair in tokens; longer "
                            "pairs are truncated"})
    section_levels: int = field(default=2, metadata={"help": "innermost heading levels of the context the model "
                                "reads, before the lead-in (0: all)"})

    def __post_init__(self):
        super().__post_init__()
        if self.max_length < 8:
            raise ValueError(f"max length must be at least 8 tokens, not {self.max_length}")
        if self.section_levels < 0:
            raise ValueError(f"section levels must be 0 (all) or more, not {self.section_levels}")

    def contexts(self, sections: Sequence[str]) -> list[str]:
        """The contexts the model reads: the innermost ``section_levels`` headings and the lead-in."""
        return [innermost(s, self.section_levels) for s in sections]


@dataclass
class TransformerSettings(TransformerInput):
    """The ``settings`` of a transformer model card.  ``training`` records the fine-tuning
    settings the model was made with; inference does not read them."""

    inference_batch_size: int = 32
    precision: TorchPrecision = "fp32"
    compile: bool = False
    exported_from: str | None = None
    vocab_size: int | None = None  # the tokenizer's words when fine-tuned (a damaged vocab.txt is refused)
    training: dict = field(default_factory=dict)

    def __post_init__(self):
        super().__post_init__()
        if self.compile and self.precision == "int8":
            raise ValueError("compile applies to fp32 and bf16, not to int8 dynamic quantization")
        if self.inference_batch_size < 1:
            raise ValueError(f"inference batch size must be at least 1, not {self.inference_batch_size}")

    @classmethod
    def from_card(cls, data: Mapping) -> "TransformerSettings":
        """Settings recorded in a model card; cards older than ``section_levels`` read the whole
        heading path."""
        return cls.from_dict({"section_levels": 0, **data})

    @classmethod
    def from_dict(cls, data: Mapping) -> "TransformerSettings":
        """Settings from a card; the training keys of older cards move into ``training``."""
        data = dict(data)
        flat = {key: data.pop(key) for key in _FLAT_TRAINING_KEYS if key in data}
        if flat:
            data["training"] = {**flat, **data.get("training", {})}
        return super().from_dict(data)


class TransformerBackend(Backend):
    """A fine-tuned transformer classifier (``jprivacy.train`` fine-tunes one; see
    :class:`jprivacy.train.transformer.FineTuner`)."""

    name = "transformer"
    files = ("config.json", "model.safetensors", "tokenizer_config.json")

    def __init__(self, settings: TransformerSettings, tokenizer, model):
        self.settings = settings
        self.tokenizer = tokenizer
        self.model = model

    @property
    def base_model(self) -> str:
        return self.settings.base_model

    def predict_proba(self, texts: Sequence[str], sections: Sequence[str]) -> np.ndarray:
        """Length-sorted batches, dynamic padding, no autograd; rows come back in input order."""
        import torch

        device = next(self.model.parameters()).device

        def run(batch) -> np.ndarray:
            logits = self.model(**{k: torch.from_numpy(v).to(device) for k, v in batch.items()}).logits
            return torch.sigmoid(logits.float()).cpu().numpy()

        with torch.inference_mode(), torch_threads():
            return batched_probabilities(texts, self.settings.contexts(sections), self.tokenizer, self.settings.max_length,
                                         self.settings.inference_batch_size, self.model.config.num_labels, run)

    def save(self, folder: Path) -> dict:
        self.model.save_pretrained(folder, safe_serialization=True)
        self.tokenizer.save_pretrained(folder)
        return self.settings.to_dict()

    @classmethod
    def load(cls, folder: Path, settings: dict, labels: tuple[str, ...] = LABELS) -> "TransformerBackend":
        import torch
        from transformers import AutoModelForSequenceClassification

        from .mecab_wordpiece import load_tokenizer

        checked = TransformerSettings.from_card(settings)
        tokenizer = load_tokenizer(folder)
        model = _quietly(AutoModelForSequenceClassification.from_pretrained, folder, use_safetensors=True).eval()
        rows = model.get_input_embeddings().num_embeddings
        expected = checked.vocab_size or rows  # older cards: a BERT's embedding has a row per word
        if len(tokenizer) != expected or len(tokenizer) > rows:
            raise ValueError(f"the tokenizer's vocabulary ({len(tokenizer)} words) does not fit the model "
                             f"({expected} words, an embedding of {rows} rows)")
        if model.config.num_labels != len(labels):
            raise ValueError(f"the model scores {model.config.num_labels} labels, the card has {len(labels)}")
        if checked.precision == "int8":
            model = quantize_int8(model)
        else:
            # bf16 keeps 99.8% of a fine-tuned model's dev label sets (README, `jprivacy export --check`)
            model = model.to(device="cuda" if torch.cuda.is_available() else "cpu",
                             dtype=torch.bfloat16 if checked.precision == "bf16" else torch.float32)
        if checked.compile:
            model = compile_model(model)
        elif checked.precision == "fp32" and next(model.parameters()).device.type == "cpu":
            from .onednn import onednn_linears

            model = onednn_linears(model)
        return cls(checked, tokenizer, model)
