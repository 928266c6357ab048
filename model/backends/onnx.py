"""A transformer classifier exported to ONNX and run with ONNX Runtime (``jprivacy export``).

The folder holds ``model.onnx`` (fp32, or int8 after dynamic or static quantization) and the tokenizer
files; ``jprivacy.json`` records the tokenizer's ``max_length`` and the inference batch size.
Batching and tokenization are those of the transformer backend, so scores match it closely.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from scipy.special import expit

from jprivacy.labels import LABELS

from .base import Backend, OnnxPrecision, Settings
from ..segment import innermost
from .mecab_wordpiece import load_tokenizer
from .transformer import batched_probabilities, cpu_count

MODEL_FILE = "model.onnx"


@dataclass
class OnnxSettings(Settings):
    """The ``settings`` of an ONNX model card."""

    inference_batch_size: int = 32
    max_length: int = 192
    precision: OnnxPrecision = "fp32"
    exported_from: str | None = None
    section_levels: int = 0
    calibration: dict | None = None  # int8-static: the clauses its activation ranges were calibrated on
    vocab_size: int | None = None  # the tokenizer's words when exported (a damaged vocab.txt is refused)

    def __post_init__(self):
        super().__post_init__()
        if self.section_levels < 0:
            raise ValueError(f"section levels must be 0 (all) or more, not {self.section_levels}")
        if self.inference_batch_size < 1 or self.max_length < 1:
            raise ValueError(f"inference batch size and max length must be at least 1, "
                             f"not {self.inference_batch_size} and {self.max_length}")

    @classmethod
    def from_dict(cls, data: Mapping) -> "OnnxSettings":
        data = dict(data)
        if "batch_size" in data:  # the name older cards used
            data.setdefault("inference_batch_size", data.pop("batch_size"))
        return super().from_dict(data)


class OnnxBackend(Backend):
    """Predicts only: an onnx model is exported from a trained transformer model folder
    (``jprivacy export --model DIR --output DIR``)."""

    name = "onnx"
    files = (MODEL_FILE, "tokenizer_config.json")

    def __init__(self, settings: OnnxSettings, folder: Path, session, tokenizer, labels: tuple[str, ...] = LABELS):
        self.settings = settings
        self.labels = labels
        self.folder = folder
        self.session = session
        self.input_names = {i.name for i in session.get_inputs()}
        self.tokenizer = tokenizer

    def predict_proba(self, texts: Sequence[str], sections: Sequence[str]) -> np.ndarray:
        def run(batch) -> np.ndarray:
            return expit(self.session.run(None, {k: v for k, v in batch.items() if k in self.input_names})[0])

        contexts = [innermost(s, self.settings.section_levels) for s in sections]
        return batched_probabilities(texts, contexts, self.tokenizer, self.settings.max_length,
                                     self.settings.inference_batch_size, len(self.labels), run)

    def save(self, folder: Path) -> dict:
        shutil.copyfile(self.folder / MODEL_FILE, folder / MODEL_FILE)
        self.tokenizer.save_pretrained(folder)
        return self.settings.to_dict()

    @classmethod
    def load(cls, folder: Path, settings: dict, labels: tuple[str, ...] = LABELS) -> "OnnxBackend":
        import onnxruntime

        checked = OnnxSettings.from_dict(settings)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = cpu_count()
        options.log_severity_level = 3  # errors only
        try:
            session = onnxruntime.InferenceSession(str(folder / MODEL_FILE), options,
                                                   providers=["CPUExecutionProvider"])
        except Exception as err:  # ONNX Runtime's load errors (InvalidProtobuf, Fail) derive from Exception only
            raise ValueError(f"{MODEL_FILE}: {str(err).splitlines()[0]}") from None
        backend = cls(checked, folder, session, load_tokenizer(folder), labels)
        backend.check_graph()
        return backend

    def check_graph(self) -> None:
        """Refuse a graph that does not fit its tokenizer and labels: the tokenizer must have the
        words the card recorded at export, its last word id must be looked up (and, for a card
        without that record, the next one refused: the embedding has exactly the vocabulary's
        rows), and the output must give one score per label.  One or two one-token runs."""
        import onnxruntime

        size = len(self.tokenizer)
        quiet = onnxruntime.RunOptions()
        quiet.log_severity_level = 4  # the refused id is expected: no error line on stderr

        def probe(token_id: int) -> np.ndarray:
            ids = np.array([[token_id]], np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            return self.session.run(None, {k: v for k, v in feed.items() if k in self.input_names}, quiet)[0]

        if self.settings.vocab_size is not None and size != self.settings.vocab_size:
            raise ValueError(f"the tokenizer has {size} words, the model was exported with {self.settings.vocab_size}")
        try:
            scores = probe(size - 1)
        except Exception:  # ONNX Runtime's errors derive from Exception only
            raise ValueError(f"the tokenizer's vocabulary ({size} words) is larger than the graph's embedding") from None
        if scores.shape != (1, len(self.labels)):
            raise ValueError(f"the graph gives {scores.shape[-1]} scores per clause, the card has {len(self.labels)} labels")
        if self.settings.vocab_size is not None:
            return  # an embedding may have spare rows beyond the words (some checkpoints pad it)
        try:
            probe(size)
        except Exception:
            return
        raise ValueError(f"the tokenizer's vocabulary ({size} words) is smaller than the graph's embedding")
