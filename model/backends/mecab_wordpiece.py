"""Token ids of a ``BertJapaneseTokenizer`` folder (MeCab words, then WordPiece), without transformers.

An exported (ONNX) model needs nothing from transformers but its tokenizer, and importing
transformers brings in torch: about 2 s and 200 MB for every process that tags with the default
model.  It is also about five times faster than transformers' tokenizer, so PyTorch models
loaded from a folder use it too.  :class:`MecabWordPiece` gives the same ids as ``BertJapaneseTokenizer`` for the
configuration jprivacy trains and exports (``word_tokenizer_type="mecab"``,
``subword_tokenizer_type="wordpiece"``), for single texts and for (clause, context) pairs
truncated ``longest_first``; ``tests/test_mecab_wordpiece.py`` compares the two.  Any other
tokenizer is loaded with transformers (:func:`load_tokenizer`).

MeCab runs in ``-Owakati`` mode, once per stretch of text between special tokens (one C call, no
Python object per word; node by node for the rare text with a NUL), and the WordPiece split of
each distinct word is cached.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

SPECIAL_TOKENS = ("unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
DEFAULT_SPECIALS = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                    "mask_token": "[MASK]"}
TOKENIZER_FILES = ("tokenizer_config.json", "vocab.txt", "special_tokens_map.json")
MAX_WORD_CHARS = 100  # longer words become [UNK], as in transformers' WordpieceTokenizer


def load_tokenizer(folder: Path):
    """The folder's tokenizer: :class:`MecabWordPiece` when it can stand in for the saved one,
    otherwise ``AutoTokenizer`` (which imports transformers)."""
    fast = MecabWordPiece.from_folder(folder)
    if fast is not None:
        return fast
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)


def _dictionary_dir(name: str | None) -> str | None:
    """The folder of the MeCab dictionary ``mecab_dic`` names (None: MeCab's own default)."""
    if name is None:
        return None
    if name == "unidic_lite":
        import unidic_lite
        return unidic_lite.DICDIR
    if name == "ipadic":
        import ipadic
        return ipadic.DICDIR
    if name == "unidic":
        import unidic
        return unidic.DICDIR
    raise ValueError(name)


class MecabWordPiece:
    """``BertJapaneseTokenizer`` (MeCab + WordPiece) ids for texts and (text, pair) lists.

    Called like a transformers tokenizer in the two ways jprivacy's batch path uses one:
    ``tok(texts, pairs, truncation="longest_first", max_length=N)`` → unpadded lists of ids for
    each of ``model_input_names`` (``input_ids``, ``attention_mask`` and, when the saved tokenizer
    names it, ``token_type_ids``), and ``tok.pad(features, return_tensors="np")``.
    """

    def __init__(self, vocab: dict[str, int], mecab_args: str, specials: dict[str, str], files: dict[str, bytes],
                 do_lower_case: bool = False, normalize_text: bool = True,
                 model_input_names: Sequence[str] = ("input_ids", "attention_mask"),
                 model_max_length: int | None = None):
        import fugashi

        self.vocab = vocab
        self.specials = specials
        self.do_lower_case = do_lower_case
        self.normalize_text = normalize_text
        self.files = files  # the saved tokenizer files it was read from, by name: save_pretrained writes them
        self.model_input_names = list(model_input_names)
        self.model_max_length = model_max_length
        self.unk_id = vocab[specials["unk_token"]]
        self.cls_id, self.sep_id = vocab[specials["cls_token"]], vocab[specials["sep_token"]]
        self.pad_token_id = vocab[specials["pad_token"]]
        self._special_ids = {token: vocab[token] for token in specials.values()}
        self._special_split = re.compile("(" + "|".join(map(re.escape, sorted(set(specials.values()),
                                                                              key=len, reverse=True))) + ")")
        self._wakati = fugashi.GenericTagger(mecab_args + " -Owakati")
        self._mecab_args = mecab_args
        self._nodes = None  # a node-by-node tagger, made for the rare text with a NUL in it
        self._word_ids = lru_cache(maxsize=1 << 17)(self._wordpiece)

    def __len__(self) -> int:
        """The size of the id range the vocabulary uses (as ``len()`` of a transformers tokenizer)."""
        return max(self.vocab.values()) + 1

    @classmethod
    def from_folder(cls, folder: Path) -> "MecabWordPiece | None":
        """The tokenizer saved in ``folder``, or None when it is not a MeCab + WordPiece
        ``BertJapaneseTokenizer`` this class reproduces (added tokens, other word splitters...)."""
        folder = Path(folder)
        try:
            files = {name: (folder / name).read_bytes() for name in TOKENIZER_FILES if (folder / name).is_file()}
            config = json.loads(files["tokenizer_config.json"].decode("utf-8"))
            lines = files["vocab.txt"].decode("utf-8").split("\n")
        except (OSError, KeyError, ValueError):
            return None
        mecab = dict(config.get("mecab_kwargs") or {})
        specials = {name: config.get(name, DEFAULT_SPECIALS[name]) for name in SPECIAL_TOKENS}
        added = {entry.get("content"): int(index)
                 for index, entry in (config.get("added_tokens_decoder") or {}).items()}
        if (config.get("tokenizer_class") != "BertJapaneseTokenizer"
                or config.get("word_tokenizer_type") != "mecab"
                or config.get("split_special_tokens") or config.get("truncation_side", "right") != "right"
                or config.get("padding_side", "right") != "right"
                or any((entry or {}).get("single_word")
                       for entry in (config.get("added_tokens_decoder") or {}).values())
                or config.get("subword_tokenizer_type", "wordpiece") != "wordpiece"
                or not config.get("do_word_tokenize", True) or not config.get("do_subword_tokenize", True)
                or config.get("never_split") or config.get("additional_special_tokens")
                or not all(isinstance(token, str) for token in specials.values())
                or not added.keys() <= set(specials.values())
                or set(mecab) - {"mecab_dic", "mecab_option", "normalize_text"}):
            return None
        if lines and lines[-1] == "":
            lines.pop()
        vocab = {line.rstrip("\n"): index for index, line in enumerate(lines)}
        if not set(specials.values()) <= vocab.keys() or any(vocab[t] != i for t, i in added.items()):
            return None
        try:
            dic_dir = _dictionary_dir(mecab.get("mecab_dic", "unidic_lite"))
        except (ImportError, ValueError):
            return None
        args = mecab.get("mecab_option") or ""
        if dic_dir:
            args = f'-d "{dic_dir}" -r "{os.path.join(dic_dir, "mecabrc")}" ' + args
        limit = config.get("model_max_length")
        return cls(vocab, args, specials, files, bool(config.get("do_lower_case", False)),
                   bool(mecab.get("normalize_text", True)),
                   config.get("model_input_names", ("input_ids", "attention_mask")),
                   int(limit) if isinstance(limit, (int, float)) and limit < 1e12 else None)

    def __reduce__(self):
        """Pickled as its settings: MeCab taggers are rebuilt, not copied."""
        return (type(self), (self.vocab, self._mecab_args, self.specials, self.files, self.do_lower_case,
                             self.normalize_text, self.model_input_names, self.model_max_length))

    # -- ids -------------------------------------------------------------------------------
    def _wordpiece(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match-first WordPiece ids of one whitespace-free word."""
        if len(word) > MAX_WORD_CHARS:
            return (self.unk_id,)
        ids, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    start = end
                    break
            else:  # no piece of the vocabulary starts here: the whole word is unknown
                return (self.unk_id,)
        return tuple(ids)

    def encode(self, text: str) -> list[int]:
        """Ids of ``text`` without special tokens around it; [CLS], [SEP]... written in the text
        stay one token each, as transformers keeps them."""
        ids: list[int] = []
        for k, part in enumerate(self._special_split.split(text)):
            if k % 2:
                ids.append(self._special_ids[part])
                continue
            if self.normalize_text:
                part = unicodedata.normalize("NFKC", part)
            if not part:
                continue
            for word in self._words(part):
                ids.extend(self._word_ids(word.lower() if self.do_lower_case else word))
        return ids

    def _words(self, text: str) -> list[str]:
        """MeCab's words of ``text``, each split at whitespace as WordPiece splits them.  One
        ``-Owakati`` call per text; a text with a NUL in it goes node by node, as transformers
        parses it (MeCab's string output splits some words around a NUL differently)."""
        if "\x00" not in text:
            return self._wakati.parse(text).split()
        if self._nodes is None:
            import fugashi

            self._nodes = fugashi.GenericTagger(self._mecab_args)
        return [piece for node in self._nodes(text) for piece in node.surface.split()]

    def __call__(self, texts: Sequence[str], pairs: Sequence[str] | None = None,
                 truncation: bool | str = False, max_length: int | None = None) -> dict[str, list[list[int]]]:
        """Ids of ``texts`` (a list), each with its pair when ``pairs`` is given.  With
        ``truncation`` (``"longest_first"`` or True) they are cut to ``max_length`` tokens (None:
        the saved ``model_max_length``; 0: not cut), as transformers cuts them."""
        if truncation not in (False, None, "do_not_truncate", "longest_first", True):
            raise ValueError(f"only longest_first truncation is supported, not {truncation!r}")
        if isinstance(texts, str) or isinstance(pairs, str):
            raise ValueError("texts and pairs are lists of strings, not one string")
        if pairs is not None and len(pairs) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(pairs)} pairs")
        if truncation in (False, None, "do_not_truncate"):
            max_length = None
        elif max_length is None:
            max_length = self.model_max_length
        out = {key: [] for key in self.model_input_names}
        for k, text in enumerate(texts):
            first = self.encode(text)
            second = self.encode(pairs[k]) if pairs is not None else None
            if max_length:
                first, second = _truncate_longest_first(first, second, max_length - (3 if second is not None else 2))
            ids = [self.cls_id, *first, self.sep_id]
            if second is not None:
                ids += [*second, self.sep_id]
            out["input_ids"].append(ids)
            if "token_type_ids" in out:
                out["token_type_ids"].append([0] * (len(first) + 2) + [1] * (len(ids) - len(first) - 2))
            if "attention_mask" in out:
                out["attention_mask"].append([1] * len(ids))
        return out

    def pad(self, features: dict[str, list[list[int]]], return_tensors: str = "np") -> dict[str, np.ndarray]:
        """Rows padded to the longest one, as int64 arrays (``return_tensors`` must be "np")."""
        if return_tensors != "np":
            raise ValueError(f"MecabWordPiece pads to numpy arrays only, not {return_tensors!r}")
        rows = features["input_ids"]
        width = max((len(r) for r in rows), default=0)
        padded = {}
        for key, values in features.items():
            fill = self.pad_token_id if key == "input_ids" else 0
            array = np.full((len(rows), width), fill, np.int64)
            for i, row in enumerate(values):
                array[i, :len(row)] = row
            padded[key] = array
        return padded

    def save_pretrained(self, folder: Path) -> list[Path]:
        """Write the tokenizer files this one was read from (kept in memory) into ``folder`` → the
        files written."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        return [folder / name for name in self.files]


def _truncate_longest_first(first: list[int], second: list[int] | None, budget: int):
    """Cut ``first`` and ``second`` to ``budget`` tokens together, from the longer one first and
    then evenly (the first keeps the odd token), as transformers' ``longest_first`` does."""
    budget = max(budget, 0)
    if second is None:
        return first[:budget], None
    excess = len(first) + len(second) - budget
    if excess <= 0:
        return first, second
    uneven = min(abs(len(first) - len(second)), excess)
    even = excess - uneven
    if len(first) > len(second):
        cut_first, cut_second = uneven + even // 2, even - even // 2
    else:
        cut_first, cut_second = even // 2, uneven + even - even // 2
    return first[:max(len(first) - cut_first, 0)], second[:max(len(second) - cut_second, 0)]
