"""A fine-tuned BERT-family model (``save_pretrained`` output, safetensors weights)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .base import Backend


class TransformerBackend(Backend):
    name = "transformer"
    files = ("config.json", "model.safetensors", "tokenizer_config.json")

    def __init__(self, batch_size: int = 32, **config):
        from jprivacy.train.transformer import TrainConfig

        self.config = TrainConfig(**{k: v for k, v in config.items() if k in TrainConfig.__dataclass_fields__})
        self.inference_batch_size = batch_size
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

        n_labels = self.model.config.num_labels
        out = np.zeros((len(texts), n_labels), np.float32)
        # cut absurdly long inputs before MeCab sees them; the tokenizer truncates the rest
        limit = self.config.max_length * 8
        order = np.argsort([len(t) + len(s) for t, s in zip(texts, sections)], kind="stable")
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for i in range(0, len(order), self.inference_batch_size):
                rows = order[i:i + self.inference_batch_size]
                batch = self.tokenizer([texts[r][:limit] for r in rows], [sections[r][-limit:] for r in rows],
                                       truncation="longest_first", max_length=self.config.max_length,
                                       padding=True, return_tensors="pt").to(device)
                out[rows] = torch.sigmoid(self.model(**batch).logits.float()).cpu().numpy()
        return out

    def save(self, folder: Path) -> dict:
        self.model.save_pretrained(folder, safe_serialization=True)
        self.tokenizer.save_pretrained(folder)
        return {**self.config.to_dict(), "batch_size": self.inference_batch_size}

    @classmethod
    def load(cls, folder: Path, settings: dict) -> "TransformerBackend":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        backend = cls(**settings)
        backend.tokenizer = AutoTokenizer.from_pretrained(folder)
        backend.model = AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True)
        backend.model.eval()
        return backend
