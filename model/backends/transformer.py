"""A fine-tuned BERT-family model (``save_pretrained`` output, safetensors weights).

Inference runs in length-sorted, dynamically padded batches under ``torch.inference_mode()``,
with no more threads than the CPUs this process may use.  The ``precision`` setting picks the
arithmetic: ``fp32`` (default), ``bf16`` (autocast) or ``int8`` (dynamic quantization of the
linear layers at load time; the folder keeps its fp32 safetensors weights).
"""

from __future__ import annotations

import logging
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .base import Backend

PRECISIONS = ("fp32", "bf16", "int8")


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask, not the host's core count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def limit_torch_threads() -> None:
    """Cap torch's intra-op threads at :func:`cpu_count`; a lower count the user chose
    (``OMP_NUM_THREADS`` or ``torch.set_num_threads``) is kept."""
    import torch

    if torch.get_num_threads() > cpu_count():
        torch.set_num_threads(cpu_count())


class _NoPairTruncationWarning(logging.Filter):
    """Drop transformers' per-pair "overflowing tokens are not returned" warning, which would
    otherwise print once for every truncated clause."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "overflowing tokens are not returned" not in record.getMessage()


logging.getLogger("transformers.tokenization_python").addFilter(_NoPairTruncationWarning())


def batched_probabilities(texts: Sequence[str], sections: Sequence[str], tokenizer, max_length: int,
                          batch_size: int, n_labels: int, run: Callable[[dict], np.ndarray],
                          return_tensors: str = "pt") -> np.ndarray:
    """Probabilities for (clause, section) pairs, computed in length-sorted, per-batch padded batches.

    ``run`` maps one tokenizer output to a (batch x n_labels) array; rows come back in input order.
    A helper thread tokenizes (MeCab + WordPiece) the next batch while ``run`` works on this one,
    so at most two batches are held at a time.
    """
    out = np.zeros((len(texts), n_labels), np.float32)
    # cut absurdly long inputs before MeCab sees them; the tokenizer truncates the rest
    limit = max_length * 8
    order = np.argsort([len(t) + len(s) for t, s in zip(texts, sections)], kind="stable")
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]

    def encode(rows):
        return tokenizer([texts[r][:limit] for r in rows], [sections[r][-limit:] for r in rows],
                         truncation="longest_first", max_length=max_length, padding=True,
                         return_tensors=return_tensors)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jprivacy-tokenize") as pool:
        upcoming = pool.submit(encode, batches[0]) if batches else None
        for k, rows in enumerate(batches):
            batch = upcoming.result()
            if k + 1 < len(batches):
                upcoming = pool.submit(encode, batches[k + 1])
            out[rows] = run(batch)
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


class TransformerBackend(Backend):
    name = "transformer"
    files = ("config.json", "model.safetensors", "tokenizer_config.json")

    def __init__(self, inference_batch_size: int = 32, precision: str = "fp32", **config):
        """``config`` holds the fields of :class:`~jprivacy.train.transformer.TrainConfig`
        (``batch_size`` among them is the training batch)."""
        from jprivacy.train.transformer import TrainConfig

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        self.config = TrainConfig(**{k: v for k, v in config.items() if k in TrainConfig.__dataclass_fields__})
        self.inference_batch_size = inference_batch_size
        self.precision = precision
        self.tokenizer = None
        self.model = None

    @property
    def base_model(self) -> str:
        return self.config.base_model

    def fit(self, texts, sections, y, validation=None):
        from jprivacy.train.transformer import fine_tune

        self.tokenizer, self.model = fine_tune(self.config, (texts, sections, y), validation)
        self.model.eval()

    def predict_proba(self, texts: Sequence[str], sections: Sequence[str]) -> np.ndarray:
        """Length-sorted batches, dynamic padding, no autograd; rows come back in input order."""
        import torch

        device = next(self.model.parameters()).device
        autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16")

        def run(batch) -> np.ndarray:
            with autocast:
                logits = self.model(**batch.to(device)).logits
            return torch.sigmoid(logits.float()).cpu().numpy()

        with torch.inference_mode():
            return batched_probabilities(texts, sections, self.tokenizer, self.config.max_length,
                                         self.inference_batch_size, self.model.config.num_labels, run)

    def save(self, folder: Path) -> dict:
        self.model.save_pretrained(folder, safe_serialization=True)
        self.tokenizer.save_pretrained(folder)
        return {**self.config.to_dict(), "inference_batch_size": self.inference_batch_size,
                "precision": self.precision}

    @classmethod
    def load(cls, folder: Path, settings: dict) -> "TransformerBackend":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        limit_torch_threads()
        backend = cls(**settings)
        backend.tokenizer = AutoTokenizer.from_pretrained(folder)
        backend.model = AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True)
        backend.model.eval()
        if backend.precision == "int8":
            backend.model = quantize_int8(backend.model)
        return backend
