"""The transformers-free MeCab + WordPiece tokenizer gives BertJapaneseTokenizer's ids."""

import json
import subprocess
import sys

import pytest
from transformers import AutoTokenizer

from jprivacy.backends.mecab_wordpiece import MecabWordPiece, load_tokenizer
from jprivacy.data import POLICIES
from jprivacy.readers import read_document
from jprivacy.segment import segment
from jprivacy.tagger import BUNDLED

ODD_TEXTS = [
    "", " ", "\u3000\u3000", "個人情報",
    "ＡＢＣ株式会社（以下「当社」）はCookieを使用します。",
    "[CLS] と [SEP] と［ＳＥＰ］と[MASK]を書いた文", "[UNK]", "a" * 150, "あ" * 150 + "です",
    "改行を\n含み\tタブと\u2028行区切りと\u200bゼロ幅も含む", "😀 絵文字とｶﾀｶﾅと①②",
    "Email: privacy@example.co.jp", "メニ\x00ュー", "イメ\x00", "\x00",
]


def seed_pairs():
    """(clause, context) pairs of two real policies, plus the odd texts both ways round."""
    pairs = []
    for path in sorted(POLICIES.glob("*.txt"))[:2]:
        document = read_document(path)
        pairs += [(c.text, c.section) for c in segment(document.text, document.headings)]
    return pairs + [(t, "") for t in ODD_TEXTS] + [("", t) for t in ODD_TEXTS] + list(zip(ODD_TEXTS, ODD_TEXTS[::-1]))


@pytest.fixture(params=["bundled", "tiny"])
def tokenizer_folder(request, tiny_base_model):
    return BUNDLED / "onnx" if request.param == "bundled" else tiny_base_model


@pytest.mark.parametrize("max_length", [0, 1, 2, 3, 16, 48, 128])
def test_pairs_give_the_same_ids_as_transformers(tokenizer_folder, max_length):
    fast, reference = MecabWordPiece.from_folder(tokenizer_folder), AutoTokenizer.from_pretrained(tokenizer_folder)
    assert fast is not None
    pairs = seed_pairs()
    texts, contexts = [t for t, _ in pairs], [c for _, c in pairs]
    ours = fast(texts, contexts, truncation="longest_first", max_length=max_length)
    theirs = reference(texts, contexts, truncation="longest_first", max_length=max_length)
    assert ours.keys() == theirs.keys() and "input_ids" in ours
    for key in ours:
        assert ours[key] == theirs[key], key
    assert max_length < 3 or max(len(ids) for ids in ours["input_ids"]) == max_length  # truncation exercised
    padded, reference_padded = fast.pad(ours), reference.pad(theirs, return_tensors="np")
    for key in padded:
        assert (padded[key] == reference_padded[key]).all(), key


def test_single_texts_give_the_same_ids_as_transformers(tokenizer_folder):
    fast, reference = MecabWordPiece.from_folder(tokenizer_folder), AutoTokenizer.from_pretrained(tokenizer_folder)
    texts = [t for t, _ in seed_pairs()]
    assert fast(texts, truncation=True, max_length=32)["input_ids"] == reference(texts, truncation=True,
                                                                                   max_length=32)["input_ids"]
    assert fast(texts)["input_ids"] == reference(texts)["input_ids"]


def test_other_tokenizers_are_left_to_transformers(tiny_base_model, tmp_path):
    for name in ("vocab.txt", "tokenizer_config.json"):
        (tmp_path / name).write_bytes((tiny_base_model / name).read_bytes())
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({**config, "subword_tokenizer_type": "character"}))
    assert MecabWordPiece.from_folder(tmp_path) is None
    fallback = load_tokenizer(tmp_path)
    assert type(fallback).__name__ == "BertJapaneseTokenizer"
    assert fallback.subword_tokenizer_type == "character"
    assert MecabWordPiece.from_folder(tmp_path / "missing") is None


def test_a_saved_model_max_length_applies_when_no_max_length_is_given(tiny_base_model, tmp_path):
    for name in ("vocab.txt", "tokenizer_config.json"):
        (tmp_path / name).write_bytes((tiny_base_model / name).read_bytes())
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({**config, "model_max_length": 8}))
    fast, reference = MecabWordPiece.from_folder(tmp_path), AutoTokenizer.from_pretrained(tmp_path)
    pairs = seed_pairs()[:40]
    texts, contexts = [t for t, _ in pairs], [c for _, c in pairs]
    for truncation in ("longest_first", False):
        ours = fast(texts, contexts, truncation=truncation)["input_ids"]
        assert ours == reference(texts, contexts, truncation=truncation)["input_ids"]
        assert (max(map(len, ours)) == 8) == bool(truncation)


def test_it_pickles_as_its_settings(tiny_base_model):
    import pickle

    fast = MecabWordPiece.from_folder(tiny_base_model)
    copy = pickle.loads(pickle.dumps(fast))
    assert copy(["個人情報を取得します"], ["目的"], truncation=True, max_length=8) == \
        fast(["個人情報を取得します"], ["目的"], truncation=True, max_length=8)


@pytest.mark.parametrize("setting", [{"split_special_tokens": True}, {"truncation_side": "left"},
                                     {"padding_side": "left"},
                                     {"word_tokenizer_type": "basic"}, {"never_split": ["個人情報"]}])
def test_settings_it_does_not_reproduce_are_left_to_transformers(tiny_base_model, tmp_path, setting):
    for name in ("vocab.txt", "tokenizer_config.json"):
        (tmp_path / name).write_bytes((tiny_base_model / name).read_bytes())
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert MecabWordPiece.from_folder(tmp_path) is not None
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({**config, **setting}))
    assert MecabWordPiece.from_folder(tmp_path) is None


def test_an_added_single_word_token_is_left_to_transformers(tiny_base_model, tmp_path):
    for name in ("vocab.txt", "tokenizer_config.json"):
        (tmp_path / name).write_bytes((tiny_base_model / name).read_bytes())
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    entry = next(iter(config["added_tokens_decoder"].values()))
    entry["single_word"] = True
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    assert MecabWordPiece.from_folder(tmp_path) is None


def test_saving_writes_the_tokenizer_files_it_was_read_from(tiny_base_model, tmp_path):
    import shutil

    source = tmp_path / "source"
    shutil.copytree(tiny_base_model, source)
    fast = MecabWordPiece.from_folder(source)
    shutil.rmtree(source)  # kept in memory: saving needs neither the folder nor a copy of it
    written = fast.save_pretrained(tmp_path / "new")
    assert {p.name for p in written} >= {"vocab.txt", "tokenizer_config.json"}
    assert all(p.read_bytes() == (tiny_base_model / p.name).read_bytes() for p in written)
    again = MecabWordPiece.from_folder(tmp_path / "new")
    assert again.save_pretrained(tmp_path / "new") == written  # into the folder it was read from
    assert all(p.read_bytes() == (tiny_base_model / p.name).read_bytes() for p in written)
    assert again(["個人情報"])["input_ids"] == fast(["個人情報"])["input_ids"]


def test_only_numpy_padding_and_longest_first_truncation(tiny_base_model):
    fast = MecabWordPiece.from_folder(tiny_base_model)
    with pytest.raises(ValueError, match="numpy"):
        fast.pad(fast(["個人情報"]), return_tensors="pt")
    with pytest.raises(ValueError, match="longest_first"):
        fast(["個人情報"], ["目的"], truncation="only_second", max_length=8)
    with pytest.raises(ValueError, match="not one string"):
        fast("個人情報")
    with pytest.raises(ValueError, match="2 texts but 1 pairs"):
        fast(["個人情報", "目的"], ["取得"])


@pytest.mark.slow
def test_tagging_with_the_bundled_model_imports_neither_torch_nor_transformers(seed_policy):
    code = ("import sys, jprivacy; frame = jprivacy.load().tag_file(sys.argv[1]); "
            "print(len(frame), 'torch' in sys.modules, 'transformers' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(seed_policy)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    count, torch_loaded, transformers_loaded = result.stdout.split()
    assert int(count) > 50 and (torch_loaded, transformers_loaded) == ("False", "False")


def test_the_whole_labeled_corpus_gives_the_same_ids_as_transformers():
    """Every in-house and seed clause of the corpus with its context, as the bundled model reads them."""
    from jprivacy.data import read_labeled
    from jprivacy.segment import innermost

    records = read_labeled()
    texts, contexts = [r["text"] for r in records], [innermost(r["section"], 2) for r in records]
    folder = BUNDLED / "onnx"
    ours = MecabWordPiece.from_folder(folder)(texts, contexts, truncation=True, max_length=128)["input_ids"]
    theirs = AutoTokenizer.from_pretrained(folder)(texts, contexts, truncation="longest_first", max_length=128)
    assert len(ours) > 5000 and ours == theirs["input_ids"]
