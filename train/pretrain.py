"""Make a compact Japanese BERT offline: a corpus vocabulary, then masked-LM pretraining
(or ELECTRA's replaced-token detection).

The tokenizer follows the recipe of tohoku-nlp/bert-base-japanese-v3: MeCab (fugashi with
unidic-lite) splits words, WordPiece splits words into sub-words.  The text is the corpus of
:mod:`jprivacy.train.corpus` (project and real policies, terms, Debian's Japanese
documentation, plus any folder of extra text).  Documents are packed into full-length blocks,
whole MeCab words are masked together, and the forward pass runs under bf16 autocast where the
CPU supports it.  The output folder works as ``--base-model`` for fine-tuning and records what
it was trained on in ``pretraining.json``.
"""

from __future__ import annotations

import logging
import json
import tempfile
import time
from pathlib import Path
from typing import Iterable

from jprivacy.data import POLICIES, policy_files
from jprivacy.model_folder import share_like_other_files
from jprivacy.readers import ReadError, iter_documents
from jprivacy.train.config import PretrainConfig

from .corpus import build_corpus
from .transformer import bf16_supported

_LOG = logging.getLogger(__name__)  # training's notices; the CLI passes its own log

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
MECAB = {"mecab_dic": "unidic_lite"}


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


def electra_models(tokenizer, config: PretrainConfig):
    """(generator, discriminator) for replaced-token detection (ELECTRA, Clark et al. 2020): the
    discriminator has the configured shape, the generator a quarter of its width, heads and
    feed-forward size; they share token and position embeddings, as in the paper."""
    from transformers import ElectraConfig, ElectraForMaskedLM, ElectraForPreTraining

    def shape(hidden: int, heads: int, intermediate: int) -> ElectraConfig:
        return ElectraConfig(vocab_size=len(tokenizer), embedding_size=config.hidden_size, hidden_size=hidden,
                             num_hidden_layers=config.layers, num_attention_heads=heads,
                             intermediate_size=intermediate, max_position_embeddings=max(512, config.max_length),
                             pad_token_id=tokenizer.pad_token_id)

    small, heads = max(1, config.hidden_size // 4), max(1, config.heads // 4)
    generator = ElectraForMaskedLM(shape(small, heads if small % heads == 0 else 1, max(1, config.intermediate_size // 4)))
    discriminator = ElectraForPreTraining(shape(config.hidden_size, config.heads, config.intermediate_size))
    generator.electra.embeddings = discriminator.electra.embeddings
    generator.generator_lm_head.weight = discriminator.electra.embeddings.word_embeddings.weight
    return generator, discriminator


def _replaced_token_detection(generator, discriminator, weight: float = 50.0):
    """A module whose forward takes a masked-LM batch and returns the ELECTRA loss: the
    generator's masked-LM loss plus ``weight`` times the discriminator's loss at telling, for
    every token, whether the generator's sample replaced it."""
    import torch

    class ReplacedTokenDetection(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.generator, self.discriminator = generator, discriminator

        def forward(self, input_ids, attention_mask, labels):
            produced = self.generator(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
            masked = labels != -100
            with torch.no_grad():
                probabilities = torch.softmax(produced.logits[masked].float(), dim=-1)
                corrupted = input_ids.clone()
                corrupted[masked] = torch.multinomial(probabilities, 1).squeeze(1)
                replaced = (corrupted != torch.where(masked, labels, input_ids)).float()
            logits = self.discriminator(input_ids=corrupted, attention_mask=attention_mask).logits.float()
            mask = attention_mask.float()
            detection = torch.nn.functional.binary_cross_entropy_with_logits(logits, replaced, weight=mask,
                                                                              reduction="sum") / mask.sum()
            return {"loss": produced.loss + weight * detection}

    return ReplacedTokenDetection()


def pack(documents: Iterable[list[int]], length: int, cls_id: int, sep_id: int) -> list[list[int]]:
    """Token ids of documents, [SEP] after each, cut into ``[CLS] … [SEP]`` blocks of exactly ``length``."""
    body = length - 2
    blocks, stream = [], []
    for ids in documents:
        stream.extend(ids)
        stream.append(sep_id)
        while len(stream) >= body:
            blocks.append([cls_id, *stream[:body], sep_id])
            del stream[:body]
    return blocks


class WholeWordMasking:
    """Masked-LM batches that mask every sub-word of a chosen MeCab word together.

    A token starting with ``##`` continues the word before it (WordPiece); a word is chosen
    with ``probability``, and its tokens become [MASK] (80%), a random token (10%) or stay (10%).
    With ``whole_words=False`` each token is chosen on its own (BERT's original masking).
    """

    def __init__(self, tokenizer, probability: float = 0.15, whole_words: bool = True, seed: int = 13):
        import torch

        vocab = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        self.continues = torch.tensor([t.startswith("##") for t in vocab]) if whole_words \
            else torch.zeros(len(vocab), dtype=torch.bool)
        self.special = torch.tensor(sorted(set(tokenizer.all_special_ids)))
        self.mask_id, self.vocab_size, self.probability = tokenizer.mask_token_id, len(vocab), probability
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, examples: list[dict]) -> dict:
        import torch

        ids = torch.tensor([e["input_ids"] for e in examples])
        special = torch.isin(ids, self.special)
        starts = ~self.continues[ids] & ~special
        word = starts.long().cumsum(1)                       # word number of every token
        chosen = starts & (torch.rand(ids.shape, generator=self.generator) < self.probability)
        picked = torch.zeros(ids.shape[0], ids.shape[1] + 1, dtype=torch.bool)
        picked.scatter_(1, torch.where(chosen, word, 0), chosen)
        picked[:, 0] = False                                  # word 0: tokens before the first word
        masked = picked.gather(1, word) & ~special
        labels = torch.where(masked, ids, -100)
        roll = torch.rand(ids.shape, generator=self.generator)
        inputs = torch.where(masked & (roll < 0.8), self.mask_id, ids)
        random_ids = torch.randint(self.vocab_size, ids.shape, generator=self.generator)
        inputs = torch.where(masked & (roll >= 0.8) & (roll < 0.9), random_ids, inputs)
        return {"input_ids": inputs, "attention_mask": torch.ones_like(ids), "labels": labels}


def check_continuable(folder: Path, config: PretrainConfig) -> None:
    """Refuse (ValueError) to continue pretraining ``folder`` unless it is a masked-LM BERT
    this module wrote (vocabulary and config) and ``config`` asks for masked-LM again."""
    if config.objective != "mlm":
        raise ValueError("--init-from continues masked-LM pretraining only (--objective mlm)")
    try:
        model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError):
        model_type = None
    if not (folder / "vocab.txt").is_file() or model_type != "bert":
        raise ValueError(f"{folder}: not a masked-LM BERT built by jprivacy pretrain "
                         f"({'no vocab.txt' if not (folder / 'vocab.txt').is_file() else f'model type {model_type}'})")


def pretrain(output: str | Path, config: PretrainConfig = PretrainConfig(), extra: Path | None = None,
             wild: Path | None = None, init_from: Path | None = None, sources=None, log=_LOG.info) -> Path:
    """Build the corpus and the vocabulary, pretrain a BERT with masked-LM (or, with
    ``config.objective == "electra"``, an ELECTRA discriminator); save it to ``output``.

    ``init_from``: a masked-LM folder this function wrote before, whose vocabulary and weights
    training continues from (the model shape of ``config`` is then not used).  ``sources``: the
    :class:`~jprivacy.train.corpus.Source` list to read instead of the default ones.
    """
    import torch
    from transformers import BertForMaskedLM, BertJapaneseTokenizer, Trainer, TrainingArguments, set_seed

    output = Path(output)
    if init_from is not None:
        check_continuable(Path(init_from), config)
    set_seed(config.seed)
    started = time.perf_counter()
    documents, stats = build_corpus(sources, extra=extra, wild=wild)
    for name, s in stats.sources.items():
        log(f"  {name}: {s['characters']:,} characters in {s['documents']:,} documents")
    log(f"pretraining text: {stats.characters:,} characters")
    output.mkdir(parents=True, exist_ok=True)
    if init_from is None:
        tokenizer = build_tokenizer((line for doc in documents for line in doc), output, config.vocab_size)
    else:
        tokenizer = BertJapaneseTokenizer.from_pretrained(init_from)
        log(f"continuing {init_from} (its vocabulary of {len(tokenizer):,} and its weights)")
    encoded = ([i for ids in tokenizer(doc, add_special_tokens=False)["input_ids"] for i in ids]
               for doc in documents)
    blocks = pack(encoded, config.max_length, tokenizer.cls_token_id, tokenizer.sep_token_id)
    log(f"{len(blocks):,} blocks of {config.max_length} tokens "
        f"({config.max_steps * config.batch_size / max(1, len(blocks)):.1f} epochs)")

    class Blocks(torch.utils.data.Dataset):
        def __len__(self):
            return len(blocks)

        def __getitem__(self, i):
            return {"input_ids": blocks[i]}

    if config.objective == "electra":
        generator, saved = electra_models(tokenizer, config)
        model = _replaced_token_detection(generator, saved)
    else:
        saved = model = (BertForMaskedLM(bert_config(tokenizer, config)) if init_from is None
                         else BertForMaskedLM.from_pretrained(init_from, use_safetensors=True))
    bf16 = bf16_supported()
    with tempfile.TemporaryDirectory(prefix="jprivacy-pretrain-") as scratch:
        args = TrainingArguments(output_dir=scratch, max_steps=config.max_steps, seed=config.seed,
                                 per_device_train_batch_size=config.batch_size, bf16=bf16,
                                 use_cpu=not torch.cuda.is_available(),
                                 learning_rate=config.learning_rate, warmup_steps=config.max_steps // 20,
                                 weight_decay=0.01, save_strategy="no", report_to="none",
                                 logging_steps=max(1, config.max_steps // 20), dataloader_pin_memory=False)
        collator = WholeWordMasking(tokenizer, config.mlm_probability, config.whole_word_mask, config.seed)
        result = Trainer(model=model, args=args, train_dataset=Blocks(), data_collator=collator).train()
    saved.save_pretrained(output, safe_serialization=True)
    tokenizer.save_pretrained(output)
    record = {"config": config.to_dict(), "corpus": stats.sources, "characters": stats.characters,
              "blocks": len(blocks), "bf16_autocast": bf16, "final_loss": round(result.training_loss, 4),
              "train_seconds": round(result.metrics.get("train_runtime", 0.0), 1),
              "wall_seconds": round(time.perf_counter() - started, 1),
              "hardware": _hardware()}
    if init_from is not None:
        before = Path(init_from) / "pretraining.json"
        earlier = json.loads(before.read_text(encoding="utf-8")) if before.is_file() else {}
        record.update(init_from=str(init_from), earlier=earlier,
                      total_steps=earlier.get("total_steps", earlier.get("config", {}).get("max_steps", 0))
                      + config.max_steps)
    (output / "pretraining.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    share_like_other_files(output)
    log(f"saved pretrained model to {output} (mean {config.objective} loss {record['final_loss']}, "
        f"{record['train_seconds']:.0f}s of training)")
    return output


def _hardware() -> str:
    import platform

    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
