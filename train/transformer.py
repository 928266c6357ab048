"""Multi-label fine-tuning of a BERT-family model with the Hugging Face Trainer.

The clause and its section heading path are encoded as a sentence pair.  Loss is
BCE-with-logits with a per-label ``pos_weight`` against class imbalance; evaluation runs
on the validation split and early stopping keeps the checkpoint with the best macro-F1.
Runs on CPU, on one GPU, or on several through ``accelerate launch`` / ``torchrun``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy.special import expit

from jprivacy.backends.base import Trainable
from jprivacy.backends.transformer import (DEFAULT_BASE_MODEL, TransformerBackend, TransformerInput,
                                           TransformerSettings, encode_pairs)
from jprivacy.errors import JprivacyError
from jprivacy.labels import LABELS
from jprivacy.train.config import TrainConfig

__all__ = ["DEFAULT_BASE_MODEL", "TrainConfig", "BaseModelError", "FineTuner", "load_base", "check_max_length",
           "fine_tune", "is_main_process", "bf16_supported"]


class BaseModelError(JprivacyError):
    """The base model cannot be found locally nor fetched."""


def load_base(name: str, labels: Sequence[str] | None = None, max_length: int | None = None):
    """Tokenizer and model for ``name`` (a folder or a Hub name), with a classification head for
    ``labels`` when given, and one clear error if absent; a ``max_length`` the model cannot take
    is refused before its weights are loaded."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        if max_length is not None:
            check_max_length(max_length, name, tokenizer, AutoConfig.from_pretrained(name))
        kwargs = {}
        if labels is not None:
            kwargs = {"num_labels": len(labels), "problem_type": "multi_label_classification",
                      "id2label": dict(enumerate(labels)), "label2id": {n: i for i, n in enumerate(labels)}}
        model = AutoModelForSequenceClassification.from_pretrained(name, use_safetensors=True, **kwargs)
    except (OSError, ValueError) as err:
        raise BaseModelError(
            f"cannot load base model {name!r}: it is not a local model folder and could not be fetched "
            f"from the Hugging Face Hub ({str(err).splitlines()[0][:160]}). Download it where the Hub is "
            f"reachable, or build one offline with `jprivacy pretrain --output DIR`, and pass "
            f"--base-model DIR") from None
    return tokenizer, model


def check_max_length(max_length: int, name: str, tokenizer, model_config) -> None:
    """Refuse (BaseModelError) a ``max_length`` beyond the positions of the base model, or of its
    tokenizer where that says less: such a batch would fail inside the model's first step."""
    limit = min(getattr(model_config, "max_position_embeddings", None) or max_length,
                getattr(tokenizer, "model_max_length", None) or max_length)
    if max_length > limit:
        raise BaseModelError(f"--max-length {max_length} is longer than base model {name!r} accepts "
                             f"({limit} tokens); pass --max-length {limit} or less")


class ClauseDataset:
    """Tokenized (clause, section) pairs with multi-hot labels, for the Trainer's data loader."""

    def __init__(self, tokenizer, texts, sections, y, max_length):
        self.encodings = encode_pairs(list(texts), list(sections), tokenizer, max_length)  # as inference does
        self.y = np.asarray(y, np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        item = {k: v[i] for k, v in self.encodings.items()}
        item["labels"] = self.y[i]
        return item


def is_main_process() -> bool:
    """False on every rank but the first of a ``torchrun`` / ``accelerate launch`` run."""
    return int(os.environ.get("RANK", "0")) == 0


def bf16_supported() -> bool:
    """True on CPUs with native bf16 arithmetic (AVX-512 BF16 or AMX) or a CUDA GPU that has it."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    check = getattr(torch.cpu, "_is_avx512_bf16_supported", None) or getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool(check and check())


def _macro_f1(eval_pred) -> dict:
    from sklearn.metrics import f1_score

    logits, labels = eval_pred.predictions, eval_pred.label_ids
    predicted = expit(logits) >= 0.5
    return {"macro_f1": f1_score(labels, predicted, average="macro", zero_division=0),
            "micro_f1": f1_score(labels, predicted, average="micro", zero_division=0)}


def fine_tune(config: TrainConfig, train, validation, tokenizer=None, model=None, labels: Sequence[str] = LABELS):
    """Fine-tune on ``train`` = (texts, sections, y), ``y`` a column per label of ``labels``;
    early-stop on ``validation``'s macro-F1."""
    import torch
    from transformers import (DataCollatorWithPadding, EarlyStoppingCallback, Trainer,
                              TrainingArguments, set_seed)

    set_seed(config.seed)
    if model is None:
        tokenizer, model = load_base(config.base_model, labels, config.max_length)
    else:
        check_max_length(config.max_length, config.base_model, tokenizer, model.config)
    y = np.asarray(train[2], np.float32)
    positives = y.sum(axis=0)
    pos_weight = torch.tensor(np.clip((len(y) - positives) / np.maximum(positives, 1), 1.0,
                                      config.max_pos_weight), dtype=torch.float32)

    def loss(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs.logits
        return torch.nn.functional.binary_cross_entropy_with_logits(
            logits, labels.to(logits.dtype), pos_weight=pos_weight.to(logits.device))

    train_set = ClauseDataset(tokenizer, *train, config.max_length)
    eval_set = ClauseDataset(tokenizer, *validation, config.max_length) if validation else None
    processes = int(os.environ.get("WORLD_SIZE", "1"))  # --batch-size is per process
    steps_per_epoch = max(1, -(-len(train_set) // (config.batch_size * processes)))
    total = config.max_steps if config.max_steps > 0 else int(steps_per_epoch * config.epochs)
    # in a distributed run only the first rank saves checkpoints and loads the best one back
    # (the others say they cannot find it); only its model is kept, by train_model
    with tempfile.TemporaryDirectory(prefix="jprivacy-train-") as scratch:
        args = TrainingArguments(
            output_dir=scratch, seed=config.seed, data_seed=config.seed,
            learning_rate=config.learning_rate, weight_decay=config.weight_decay,
            num_train_epochs=config.epochs, max_steps=config.max_steps,
            warmup_steps=int(total * config.warmup),
            per_device_train_batch_size=config.batch_size, per_device_eval_batch_size=config.batch_size * 2,
            eval_strategy="steps" if eval_set else "no", save_strategy="steps" if eval_set else "no",
            eval_steps=max(1, min(steps_per_epoch, total // 2 or 1)),
            save_steps=max(1, min(steps_per_epoch, total // 2 or 1)),
            load_best_model_at_end=bool(eval_set), metric_for_best_model="macro_f1", greater_is_better=True,
            save_total_limit=2, save_only_model=True, logging_steps=max(1, total // 20),
            bf16=config.bf16 and bf16_supported(), use_cpu=not torch.cuda.is_available(), report_to="none")
        trainer = Trainer(
            model=model, args=args, train_dataset=train_set, eval_dataset=eval_set,
            processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer),
            compute_loss_func=loss, compute_metrics=_macro_f1 if eval_set else None,
            callbacks=[EarlyStoppingCallback(config.patience)] if eval_set else None)
        trainer.train()
    return tokenizer, trainer.model


class FineTuner(Trainable):
    """A transformer to fine-tune, as a trainable backend: :meth:`fit` fine-tunes ``base_model``
    with the :class:`~jprivacy.train.config.TrainConfig` given (an unknown or bad setting is
    refused here, before any training) and then predicts and saves as the
    :class:`~jprivacy.backends.transformer.TransformerBackend` it made."""

    name = "transformer"
    files = TransformerBackend.files

    def __init__(self, labels: Sequence[str] = LABELS, config: TrainConfig | None = None, **overrides):
        """``config``, or the fields of :class:`TrainConfig` to change from their defaults."""
        self.config = config if config is not None else TrainConfig.from_dict(overrides)
        self.labels = tuple(labels)
        self.backend: TransformerBackend | None = None

    @property
    def base_model(self) -> str:
        return self.config.base_model

    def fit(self, texts, sections, y, validation=None) -> "FineTuner":
        config = self.config
        if validation is not None:
            validation = (validation[0], config.contexts(validation[1]), validation[2])
        tokenizer, model = fine_tune(config, (texts, config.contexts(sections), y), validation, labels=self.labels)
        shared = {k: v for k, v in config.to_dict().items() if k in TransformerInput.field_names()}
        self.backend = TransformerBackend(TransformerSettings(**shared, vocab_size=len(tokenizer),
                                                             training=config.training_only()), tokenizer, model.eval())
        return self

    def predict_proba(self, texts, sections) -> np.ndarray:
        return self.backend.predict_proba(texts, sections)

    def save(self, folder: Path) -> dict:
        return self.backend.save(folder)
