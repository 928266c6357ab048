"""Make a compact Japanese BERT offline: a corpus vocabulary, then masked-LM pretraining.

The tokenizer follows the recipe of tohoku-nlp/bert-base-japanese-v3: MeCab (fugashi with
unidic-lite) splits words, WordPiece splits words into sub-words.  The vocabulary is learnt
from the project's policy texts (plus any folder of extra text), and the model is pretrained
with masked-language modelling on the same text.  The output folder works as
``--base-model`` for fine-tuning.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from jprivacy.data import POLICIES, policy_files
from jprivacy.model_folder import share_like_other_files
from jprivacy.readers import ReadError, iter_documents

from .config import FlagConfig

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
MECAB = {"mecab_dic": "unidic_lite"}


@dataclass
class PretrainConfig(FlagConfig):
    """Pretraining settings; each field is the CLI flag of the same name."""

    vocab_size: int = 8000
    hidden_size: int = 256
    layers: int = 4
    heads: int = 4
    intermediate_size: int = 1024
    max_length: int = 128
    max_steps: int = 3000
    batch_size: int = 32
    learning_rate: float = 5e-4
    mlm_probability: float = 0.15
    seed: int = 13



def corpus_lines(extra: Path | None = None) -> list[str]:
    """Non-empty lines of every project policy, and of the policy-like files under ``extra``."""
    sources: list = list(policy_files(POLICIES))
    if extra is not None:
        sources.append(extra)
    lines = []
    for document in iter_documents(sources):
        if not isinstance(document, ReadError):
            lines.extend(line.strip() for line in document.text.split("\n") if line.strip())
    return lines


def _word_splitter():
    from transformers.models.bert_japanese.tokenization_bert_japanese import MecabTokenizer

    return MecabTokenizer(do_lower_case=False, mecab_dic="unidic_lite")


def build_tokenizer(lines: Iterable[str], folder: Path, vocab_size: int = 8000):
    """Learn a WordPiece vocabulary over MeCab words and save a BertJapaneseTokenizer to ``folder``."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import BertJapaneseTokenizer

    words = _word_splitter()
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                                        continuing_subword_prefix="##", show_progress=False)
    wordpiece.train_from_iterator((" ".join(words.tokenize(line)) for line in lines), trainer)
    vocab = sorted(wordpiece.get_vocab().items(), key=lambda kv: kv[1])
    folder.mkdir(parents=True, exist_ok=True)
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("".join(token + "\n" for token, _ in vocab), encoding="utf-8")
    tokenizer = BertJapaneseTokenizer(str(vocab_file), word_tokenizer_type="mecab",
                                      subword_tokenizer_type="wordpiece", mecab_kwargs=MECAB)
    tokenizer.save_pretrained(folder)
    return tokenizer


def bert_config(tokenizer, config: PretrainConfig):
    from transformers import BertConfig

    return BertConfig(vocab_size=len(tokenizer), hidden_size=config.hidden_size,
                      num_hidden_layers=config.layers, num_attention_heads=config.heads,
                      intermediate_size=config.intermediate_size,
                      max_position_embeddings=max(512, config.max_length),
                      pad_token_id=tokenizer.pad_token_id)


def pretrain(output: str | Path, config: PretrainConfig = PretrainConfig(), extra: Path | None = None,
             log=print) -> Path:
    """Build the vocabulary and pretrain a BERT with masked-LM on the corpus; save to ``output``."""
    import torch
    from transformers import (BertForMaskedLM, DataCollatorForLanguageModeling, Trainer,
                              TrainingArguments, set_seed)

    output = Path(output)
    set_seed(config.seed)
    lines = corpus_lines(extra)
    log(f"pretraining text: {len(lines)} lines, {sum(map(len, lines))} characters")
    tokenizer = build_tokenizer(lines, output, config.vocab_size)
    encoded = tokenizer(lines, truncation=True, max_length=config.max_length)["input_ids"]

    class Lines(torch.utils.data.Dataset):
        def __len__(self):
            return len(encoded)

        def __getitem__(self, i):
            return {"input_ids": encoded[i]}

    model = BertForMaskedLM(bert_config(tokenizer, config))
    with tempfile.TemporaryDirectory(prefix="jprivacy-pretrain-") as scratch:
        args = TrainingArguments(output_dir=scratch, max_steps=config.max_steps, seed=config.seed,
                                 per_device_train_batch_size=config.batch_size,
                                 learning_rate=config.learning_rate, warmup_steps=config.max_steps // 20,
                                 weight_decay=0.01, save_strategy="no", report_to="none",
                                 logging_steps=max(1, config.max_steps // 20))
        collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=config.mlm_probability)
        Trainer(model=model, args=args, train_dataset=Lines(), data_collator=collator,
                processing_class=tokenizer).train()
    model.save_pretrained(output, safe_serialization=True)
    share_like_other_files(output)
    tokenizer.save_pretrained(output)
    log(f"saved pretrained model to {output}")
    return output
