"""The transformer backend on a tiny BertJapanese model built by the fixtures (offline, seconds)."""

import json
import subprocess
import sys

import numpy as np
import pytest

import jprivacy
from jprivacy.model_folder import CARD

TEXTS = ["当社は、お客様の氏名と住所を取得します。", "Cookieの利用を拒否することができます。"]


def test_tokenizer_is_a_real_bert_japanese_tokenizer(tiny_base_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_base_model)
    assert type(tokenizer).__name__ == "BertJapaneseTokenizer"
    assert tokenizer.word_tokenizer.tokenize("個人情報を取得します") == ["個人", "情報", "を", "取得", "し", "ます"]
    assert tokenizer.unk_token not in tokenizer.tokenize("個人情報を取得します")


def test_fine_tuned_folder_describes_itself_and_holds_no_pickles(tiny_transformer):
    card = json.loads((tiny_transformer / CARD).read_text())
    assert card["backend"] == "transformer" and card["base_model"]
    assert card["settings"]["max_length"] == 48 and card["settings"]["training"]["max_steps"] == 6
    assert card["settings"]["training"]["batch_size"] == 8 and card["settings"]["inference_batch_size"] == 32
    assert "test" in card["metrics"]
    assert (tiny_transformer / "model.safetensors").exists()
    assert not list(tiny_transformer.glob("*.bin")) and not list(tiny_transformer.glob("*.pkl"))


def test_predictions_survive_a_save_and_load_round_trip(tiny_transformer, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_transformer, copy)
    first = jprivacy.load(tiny_transformer).predict_proba(TEXTS, ["取得する情報", "Cookie"])
    second = jprivacy.load(copy).predict_proba(TEXTS, ["取得する情報", "Cookie"])
    assert first.shape == (2, len(jprivacy.LABELS))
    np.testing.assert_allclose(first, second, atol=1e-6)


def test_loaded_model_tokenizes_with_mecab_wordpiece_and_scores_as_with_transformers(tiny_transformer):
    from transformers import AutoTokenizer

    from jprivacy.backends.mecab_wordpiece import MecabWordPiece

    tagger = jprivacy.load(tiny_transformer)
    assert isinstance(tagger.backend.tokenizer, MecabWordPiece)
    texts = [*TEXTS, "個人情報" * 100, "", "[SEP]Cookie[MASK]を使います。"]
    sections = ["取得する情報", "Cookie", "利用目的 > " * 50, "", "外部送信"]
    fast = tagger.predict_proba(texts, sections)
    tagger.backend.tokenizer = AutoTokenizer.from_pretrained(tiny_transformer)
    np.testing.assert_array_equal(fast, tagger.predict_proba(texts, sections))


def test_batched_predictions_do_not_depend_on_batch_order(tiny_transformer):
    tagger = jprivacy.load(tiny_transformer)
    texts = [t * k for k in (1, 3, 2) for t in TEXTS]
    together = tagger.predict_proba(texts, [""] * len(texts))
    alone = np.vstack([tagger.predict_proba([t], [""]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_batches_group_rows_of_similar_token_counts():
    from jprivacy.backends.transformer import length_sorted_batches, padding_share

    lengths = [30, 5, 31, 6, 29, 4]
    batches = length_sorted_batches(lengths, 3)
    # three short rows fill a batch; two long ones padded would exceed 3 rows of the mean (52.5)
    assert [sorted(b.tolist()) for b in batches] == [[1, 3, 5], [4], [0], [2]]
    assert padding_share(lengths, batches) == pytest.approx(1 - 105 / 108)
    # in input order the same rows would pad to 31 and 29: 1 - 105 / 180
    assert padding_share(lengths, [np.arange(3), np.arange(3, 6)]) == pytest.approx(1 - 105 / 180)


def test_the_long_tail_goes_in_smaller_batches():
    """At most ``batch_size`` rows; a longer row joins a batch only while the batch padded to it
    holds at most ``batch_size`` rows of the mean length (rows of that same length may follow)."""
    from jprivacy.backends.transformer import length_sorted_batches, padding_share

    lengths = np.random.default_rng(0).lognormal(3.3, 0.6, 1000).astype(int).clip(3, 128)
    batches = length_sorted_batches(lengths, 32)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    budget = 32 * lengths.mean()
    for rows in batches:
        sorted_lengths = np.sort(lengths[rows])
        first_longest = int(np.argmax(sorted_lengths == sorted_lengths[-1]))
        assert len(rows) <= 32 and (first_longest == 0 or (first_longest + 1) * sorted_lengths[-1] <= budget)
    fixed = np.array_split(np.argsort(lengths, kind="stable"), range(32, 1000, 32))
    assert padding_share(lengths, batches) < padding_share(lengths, fixed) / 1.5
    assert length_sorted_batches([], 32) == []
    # rows of one length add no padding, so only the row limit cuts them (truncated rows, say)
    assert [len(b) for b in length_sorted_batches([192] * 64 + [10] * 960, 32)] == [32] * 32
    small = np.array([3] * 10 + [100] * 40, np.uint8)  # no overflow in small integer types
    assert [len(b) for b in length_sorted_batches(small, 32)] == [len(b) for b in length_sorted_batches(
        small.astype(int), 32)]
    with pytest.raises(ValueError, match="at least 1"):
        length_sorted_batches([5, 6], 0)


def test_batches_are_cut_by_token_count(tiny_transformer, monkeypatch):
    """The rows are sorted by the tokens the model will read, not by characters."""
    from jprivacy.backends import transformer

    tagger = jprivacy.load(tiny_transformer)
    seen = []
    original = transformer.length_sorted_batches
    monkeypatch.setattr(transformer, "length_sorted_batches",
                        lambda lengths, size: seen.append(list(lengths)) or original(lengths, size))
    texts, sections = ["あ", "個人情報の" * 5, TEXTS[0]], ["", "取得する情報", ""]
    tagger.predict_proba(texts, sections)
    tokens = tagger.backend.tokenizer(texts, sections)["input_ids"]
    assert seen == [[len(ids) for ids in tokens]] and seen[0] != [len(t) for t in texts]


def test_very_long_clause_is_truncated_not_fatal(tiny_transformer):
    probs = jprivacy.load(tiny_transformer).predict_proba(["個人情報" * 20000], [""])
    assert probs.shape == (1, len(jprivacy.LABELS))


def run(*args):
    return subprocess.run([sys.executable, "-m", "jprivacy.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_cli_trains_and_tags_with_the_transformer_backend(tmp_path, tiny_base_model, seed_policy):
    out = tmp_path / "model"
    result = run("train", "--backend", "transformer", "--base-model", tiny_base_model, "--max-steps", 2,
                 "--batch-size", 8, "--max-length", 32, "--output", out)
    assert result.returncode == 0, result.stderr[-2000:]
    tagged = run("tag", seed_policy, "--model", out, "-o", tmp_path / "t.jsonl")
    assert tagged.returncode == 0, tagged.stderr[-2000:]
    assert (tmp_path / "t.jsonl").read_text(encoding="utf-8").count("\n") > 50


def test_missing_base_model_gives_one_clear_error(tmp_path):
    result = run("train", "--backend", "transformer", "--base-model", "nobody/not-a-model",
                 "--output", tmp_path / "m")
    assert result.returncode == 2
    assert "nobody/not-a-model" in result.stderr and "--base-model" in result.stderr
    assert "Traceback" not in result.stderr


def test_torchrun_with_two_processes_trains_once_and_writes_one_folder(tmp_path, tiny_base_model):
    """The multi-GPU path (torchrun → DistributedDataParallel), here with two CPU processes."""
    out = tmp_path / "model"
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
         "-m", "jprivacy.cli", "train", "--backend", "transformer", "--base-model", str(tiny_base_model),
         "--max-steps", "2", "--batch-size", "8", "--max-length", "32", "--output", str(out)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count(f"saved {out}") == 1  # only the first rank scores and writes
    card = json.loads((out / CARD).read_text())
    assert card["backend"] == "transformer" and "test" in card["metrics"]
    assert jprivacy.load(out).classify(TEXTS)[0]["scores"].keys() == set(jprivacy.LABELS)


def test_policy_grouped_kfold_runs_with_the_transformer_backend(small_corpus, tiny_base_model):
    from jprivacy.train import cross_validate

    settings = {"base_model": str(tiny_base_model), "max_steps": 2, "batch_size": 8, "max_length": 32}
    lines = []
    result = cross_validate(3, backend="transformer", labeled=small_corpus, settings=settings, log=lines.append)
    assert len(result["folds"]) == 3 and 0 <= result["macro"]["mean"] <= 1
    assert lines[-1].startswith("3-fold by policy: macro-F1") and "±" in lines[-1]
    with pytest.raises(ValueError, match="at least 3 folds"):
        cross_validate(2, backend="transformer", labeled=small_corpus, settings=settings)


@pytest.fixture(scope="module")
def short_base_model(tmp_path_factory, tiny_base_model):
    """The tiny BERT with 128 positions (the fixture's has 512)."""
    import shutil

    from transformers import BertConfig, BertForMaskedLM

    folder = tmp_path_factory.mktemp("short-bert")
    for path in tiny_base_model.iterdir():
        if path.suffix in (".txt", ".json") and path.name != "config.json":
            shutil.copy(path, folder / path.name)
    config = BertConfig.from_pretrained(tiny_base_model)
    config.max_position_embeddings = 128
    BertForMaskedLM(config).save_pretrained(folder)
    return folder


def test_max_length_beyond_the_base_models_positions_is_refused_before_training(short_base_model, tmp_path):
    from jprivacy.train.transformer import BaseModelError, TrainConfig, fine_tune

    y = np.zeros((2, len(jprivacy.LABELS)), np.float32)
    with pytest.raises(BaseModelError, match="--max-length 192 is longer than .* accepts \\(128 tokens\\)"):
        fine_tune(TrainConfig(base_model=str(short_base_model), max_length=192, max_steps=1), (TEXTS, ["", ""], y),
                  None)
    result = run("train", "--backend", "transformer", "--base-model", short_base_model, "--max-length", 192,
                 "--max-steps", 1, "--output", tmp_path / "m")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stderr.splitlines()[-1] == (f"jprivacy train: --max-length 192 is longer than base model "
                                              f"'{short_base_model}' accepts (128 tokens); pass --max-length 128 or less")
    assert "Loading weights" not in result.stderr and not (tmp_path / "m").exists()


def test_cpu_fp32_inference_runs_onednn_and_changes_neither_scores_nor_weights(tiny_transformer, tmp_path):
    import pickle

    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from jprivacy.backends.onednn import OneDnnLinear, onednn_linears

    if torch.cuda.is_available() or not torch.backends.mkldnn.is_available():
        pytest.skip("oneDNN linear layers are for CPU inference with a oneDNN build of torch")
    tagger = jprivacy.load(tiny_transformer)
    linears = [m for m in tagger.backend.model.modules() if isinstance(m, torch.nn.Linear)]
    assert linears and all(type(m) is OneDnnLinear for m in linears)
    reference = AutoModelForSequenceClassification.from_pretrained(tiny_transformer).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_transformer)
    batch = tokenizer(TEXTS, ["取得する情報", "Cookie"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        np.testing.assert_allclose(tagger.backend.model(**batch).logits, reference(**batch).logits, atol=1e-5)
        with torch.autocast("cpu", dtype=torch.bfloat16):  # autocast is left to nn.Linear
            assert linears[0](torch.ones(2, linears[0].in_features)).dtype == torch.bfloat16
    assert type(pickle.loads(pickle.dumps(tagger.backend.model)).classifier) is OneDnnLinear
    x = torch.ones(3, linears[0].in_features)
    traced = torch.jit.trace(linears[0], (x,))  # tracing sees nn.Linear
    assert torch.allclose(traced(x), linears[0](x))
    # the same layers keep autograd (training) and their state dict
    model = onednn_linears(AutoModelForSequenceClassification.from_pretrained(tiny_transformer))
    model(**batch).logits.sum().backward()
    assert all(m.weight.grad is not None for m in model.modules() if isinstance(m, torch.nn.Linear))
    model.save_pretrained(tmp_path, safe_serialization=True)
    saved, original = load_file(tmp_path / "model.safetensors"), load_file(tiny_transformer / "model.safetensors")
    assert saved.keys() == original.keys() and all(torch.equal(saved[k], original[k]) for k in saved)


def test_other_precisions_keep_plain_linear_layers(tiny_transformer, tmp_path):
    import torch

    from jprivacy.export import export_model

    for precision in ("bf16", "int8"):
        model = jprivacy.load(export_model(tiny_transformer, tmp_path / precision, "torch", precision)).backend.model
        assert not any(type(m).__name__ == "OneDnnLinear" for m in model.modules())
        assert precision == "int8" or any(type(m) is torch.nn.Linear for m in model.modules())
