"""Settings of the training commands as dataclasses whose fields are also command-line flags:
``max_length`` is ``--max-length`` (as transformers' and setfit's ``TrainingArguments``).

A field's type annotation is its flag's type and ``metadata["help"]`` its help text.  A bool
field reads ``true``/``false`` (also ``yes``/``no``, ``on``/``off``, ``1``/``0``); given alone,
its flag means true.  Checks across fields live in each dataclass's ``__post_init__``, so a
setting built in code is checked like one from the command line.

The flags are added to the parser the caller already has (a ``jprivacy`` subcommand), with the
standard library's argparse: ``transformers.HfArgumentParser`` does the same from the same
fields, but importing it loads transformers into every ``jprivacy`` command, ``--help`` included.
This module lives with training (``jprivacy.train.config``); it imports neither torch nor
transformers, so ``jprivacy train --help`` starts without them.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from dataclasses import dataclass

from jprivacy.backends.base import Settings
from jprivacy.backends.transformer import TransformerInput
from jprivacy.errors import UsageError

_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def flag(default, help: str):
    """A dataclass field that is a flag with ``help`` (its default is added to the help text)."""
    return dataclasses.field(default=default, metadata={"help": help})


def parse_bool(text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


class FlagConfig(Settings):
    """Mixin for a :class:`~jprivacy.backends.base.Settings` dataclass whose fields are flags."""

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        types = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            kind = types[f.name]
            if typing.get_origin(kind) is typing.Literal:  # choices come from the field's type
                options = {"choices": typing.get_args(kind)}
            elif kind is bool:
                options = {"type": parse_bool, "nargs": "?", "const": True, "metavar": "BOOL"}
            else:
                options = {"type": kind, "metavar": kind.__name__.upper()}
            help_text = f.metadata.get("help", "")
            parser.add_argument("--" + f.name.replace("_", "-"), default=f.default,
                                help=f"{help_text} (default: %(default)s)" if help_text else "default: %(default)s",
                                **options)

    @classmethod
    def from_args(cls, args: argparse.Namespace):
        """The settings the parsed command line gives, checked by ``__post_init__``: a value it
        refuses is a :class:`~jprivacy.errors.UsageError`."""
        try:
            return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})
        except ValueError as err:
            raise UsageError(str(err)) from None


@dataclass
class TrainConfig(TransformerInput, FlagConfig):
    """Fine-tuning settings: what the model reads (:class:`~jprivacy.backends.transformer.TransformerInput`)
    and how it learns; each field is the CLI flag of the same name (``--max-length``)."""

    epochs: float = flag(4.0, "passes over the training split")
    learning_rate: float = flag(5e-5, "peak learning rate of AdamW")
    batch_size: int = flag(16, "training batch per process")
    max_steps: int = flag(-1, "optimizer steps; overrides --epochs when positive")
    seed: int = flag(13, "seed of weight initialisation and data order")
    patience: int = flag(2, "early stopping: evaluations of validation macro-F1 without improvement")
    warmup: float = flag(0.1, "share of the steps with a rising learning rate")
    weight_decay: float = flag(0.01, "AdamW weight decay")
    max_pos_weight: float = flag(10.0, "cap on the per-label positive weight against class imbalance")
    bf16: bool = flag(True, "bf16 autocast where the CPU (AVX-512 BF16, AMX) or GPU supports it")

    def __post_init__(self):
        super().__post_init__()
        if self.epochs <= 0 and self.max_steps <= 0:
            raise ValueError("training needs a positive --epochs or --max-steps")
        if self.batch_size < 1 or self.patience < 1:
            raise ValueError(f"batch size and patience must be at least 1, not {self.batch_size} and {self.patience}")
        if not 0 <= self.warmup < 1:
            raise ValueError(f"warmup is a share of the steps, from 0 to below 1, not {self.warmup}")
        if self.learning_rate <= 0 or self.weight_decay < 0:
            raise ValueError(f"learning rate must be positive and weight decay not negative, "
                             f"not {self.learning_rate} and {self.weight_decay}")
        if self.max_pos_weight < 1:
            raise ValueError(f"max pos weight must be at least 1, not {self.max_pos_weight}")

    def training_only(self) -> dict:
        """The fields that only fine-tuning reads (recorded as a card's ``settings.training``)."""
        shared = TransformerInput.field_names()
        return {k: v for k, v in self.to_dict().items() if k not in shared}


@dataclass
class PretrainConfig(FlagConfig):
    """Pretraining settings (``jprivacy pretrain``); each field is the CLI flag of the same name."""

    vocab_size: int = flag(12000, "WordPiece vocabulary size, special tokens included")
    hidden_size: int = flag(256, "width of every layer")
    layers: int = flag(4, "transformer layers")
    heads: int = flag(4, "attention heads per layer")
    intermediate_size: int = flag(1024, "width of the feed-forward layers")
    max_length: int = flag(128, "tokens per packed block (and the model's positions)")
    max_steps: int = flag(3000, "optimizer steps")
    batch_size: int = flag(32, "blocks per step and process")
    learning_rate: float = flag(5e-4, "peak learning rate of AdamW")
    mlm_probability: float = flag(0.15, "share of the tokens to predict")
    whole_word_mask: bool = flag(True, "mask whole MeCab words rather than single sub-words")
    objective: typing.Literal["mlm", "electra"] = flag("mlm", "mlm: masked-LM BERT; electra: replaced-token "
                                                      "detection, an ELECTRA discriminator trained beside a "
                                                      "generator a quarter its width")
    seed: int = flag(13, "seed of weight initialisation, data order and masking")

    def __post_init__(self):
        super().__post_init__()
        if min(self.vocab_size, self.hidden_size, self.layers, self.heads, self.intermediate_size,
               self.max_steps, self.batch_size) < 1:
            raise ValueError("vocab size, sizes, layers, heads, steps and batch size must be at least 1")
        if self.hidden_size % self.heads:
            raise ValueError(f"hidden size {self.hidden_size} is not a multiple of heads {self.heads}")
        if self.max_length < 8:
            raise ValueError(f"max length must be at least 8 tokens, not {self.max_length}")
        if not 0 < self.mlm_probability < 1 or self.learning_rate <= 0:
            raise ValueError(f"mlm probability must lie between 0 and 1 and the learning rate be positive, "
                             f"not {self.mlm_probability} and {self.learning_rate}")
