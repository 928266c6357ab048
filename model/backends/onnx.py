"""A transformer classifier exported to ONNX and run with ONNX Runtime (``jprivacy export``).

The folder holds ``model.onnx`` (fp32, or int8 after dynamic quantization) and the tokenizer
files; ``jprivacy.json`` records the tokenizer's ``max_length`` and the inference batch size.
Batching and tokenization are those of the transformer backend, so scores match it closely.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

import numpy as np

from jprivacy.labels import LABELS

from .base import Backend
from .transformer import batched_probabilities, cpu_count

MODEL_FILE = "model.onnx"


class OnnxBackend(Backend):
    name = "onnx"
    files = (MODEL_FILE, "tokenizer_config.json")

    def __init__(self, inference_batch_size: int = 32, max_length: int = 192, precision: str = "fp32",
                 exported_from: str | None = None):
        self.inference_batch_size = inference_batch_size
        self.max_length = max_length
        self.precision = precision
        self.exported_from = exported_from
        self.folder: Path | None = None
        self.session = None
        self.tokenizer = None

    def fit(self, texts, sections, y, validation=None):
        raise NotImplementedError("an onnx model is exported from a trained transformer model folder: "
                                  "jprivacy export --model DIR --output DIR")

    def predict_proba(self, texts: Sequence[str], sections: Sequence[str]) -> np.ndarray:
        names = {i.name for i in self.session.get_inputs()}

        def run(batch) -> np.ndarray:
            feed = {k: v.astype(np.int64) for k, v in batch.items() if k in names}
            logits = self.session.run(None, feed)[0]
            return 1.0 / (1.0 + np.exp(-logits))

        return batched_probabilities(texts, sections, self.tokenizer, self.max_length,
                                     self.inference_batch_size, len(LABELS), run, return_tensors="np")

    def save(self, folder: Path) -> dict:
        shutil.copyfile(self.folder / MODEL_FILE, folder / MODEL_FILE)
        self.tokenizer.save_pretrained(folder)
        return {"inference_batch_size": self.inference_batch_size, "max_length": self.max_length,
                "precision": self.precision, "exported_from": self.exported_from}

    @classmethod
    def load(cls, folder: Path, settings: dict) -> "OnnxBackend":
        import onnxruntime
        from transformers import AutoTokenizer

        settings = dict(settings)
        if "batch_size" in settings:  # the name older cards used
            settings.setdefault("inference_batch_size", settings.pop("batch_size"))
        backend = cls(**settings)
        backend.folder = folder
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = cpu_count()
        options.log_severity_level = 3  # errors only
        backend.session = onnxruntime.InferenceSession(str(folder / MODEL_FILE), options,
                                                       providers=["CPUExecutionProvider"])
        backend.tokenizer = AutoTokenizer.from_pretrained(folder)
        return backend
