"""Pretraining: the cleaned corpus, packed blocks, whole-word masking, and a tiny run continued."""

import gzip
import json

import pytest

from jprivacy.labels import LABELS
from jprivacy.train.config import PretrainConfig
from jprivacy.train.corpus import Source, build_corpus

PROSE = ["当社は、お客様からお預かりした個人情報を適切に管理いたします。",
         "この設定を変更すると、画面の表示方法が切り替わります。",
         "利用者は、いつでも登録した情報の訂正を求めることができます。"]


@pytest.fixture
def sources(tmp_path):
    """Three small sources: plain text (with a duplicate line), HTML with code, a gzipped man page."""
    text = tmp_path / "text"
    text.mkdir()
    (text / "a.txt").write_text("\n".join([PROSE[0], PROSE[0], "short", "x = foo(); y = {bar};"]), encoding="utf-8")
    html = tmp_path / "html"
    html.mkdir()
    (html / "b.html").write_text(f"<html><body><p>{PROSE[1]}</p><pre>{PROSE[2]}</pre>"
                                 "<script>var 日本語の変数名です = 1;</script></body></html>", encoding="utf-8")
    man = tmp_path / "man"
    man.mkdir()
    with gzip.open(man / "c.1.gz", "wt", encoding="utf-8") as handle:
        handle.write(f'.TH C 1\n.SH 説明\n{PROSE[2][:15]}\n{PROSE[2][15:]}\n.nf\n{PROSE[1]}\n.fi\n')
    return [Source("text", text, ("*.txt",)), Source("html", html, ("*.html",), "html"),
            Source("man", man, ("*.gz",), "roff")]


def test_corpus_keeps_prose_and_drops_code_markup_duplicates_and_eval_text(sources, tmp_path):
    evaluation = tmp_path / "eval"
    evaluation.mkdir()
    documents, stats = build_corpus(sources, eval_dir=None)
    lines = [line for doc in documents for line in doc]
    assert lines == [PROSE[0], PROSE[1], PROSE[2]]  # pre, script and the example block of the man page are gone
    assert stats.sources["text"]["dropped_duplicate"] == 1 and stats.sources["text"]["dropped_not_prose"] == 2
    assert stats.characters == sum(map(len, PROSE))
    (evaluation / "p.txt").write_text("前置き" + PROSE[1][2:24] + "後書き", encoding="utf-8")
    documents, stats = build_corpus(sources, eval_dir=evaluation)
    assert PROSE[1] not in [line for doc in documents for line in doc]
    assert stats.sources["html"]["dropped_eval"] == 1


def test_pack_cuts_the_token_stream_into_full_blocks_in_order():
    from jprivacy.train.pretrain import pack

    blocks = pack([[5, 6, 7], [8, 9], [10, 11, 12, 13]], length=5, cls_id=2, sep_id=3)
    # 3 = [SEP]: after each document, and closing each block
    assert blocks == [[2, 5, 6, 7, 3], [2, 3, 8, 9, 3], [2, 3, 10, 11, 3], [2, 12, 13, 3, 3]]
    assert all(len(b) == 5 for b in blocks)


def test_whole_word_masking_masks_every_piece_of_a_chosen_word(tiny_base_model):
    from transformers import AutoTokenizer

    from jprivacy.train.pretrain import WholeWordMasking

    tokenizer = AutoTokenizer.from_pretrained(tiny_base_model)
    ids = tokenizer("当社はメールアドレスとクッキー識別子を取得します。" * 4, truncation=True, max_length=64)["input_ids"]
    batch = WholeWordMasking(tokenizer, probability=0.5, seed=1)([{"input_ids": ids}] * 8)
    tokens = tokenizer.convert_ids_to_tokens(ids)
    for row in batch["labels"].tolist():
        masked = [label != -100 for label in row]
        assert any(masked)
        for k, token in enumerate(tokens):
            if token.startswith("##"):  # a piece continues its word: masked exactly when the word's start is
                start = max(j for j in range(k) if not tokens[j].startswith("##"))
                assert masked[k] == masked[start]
        assert not masked[0] and not masked[-1]  # [CLS] and [SEP] never


def test_tiny_pretraining_writes_a_base_model_and_continues_from_it(sources, tmp_path):
    from transformers import AutoModelForMaskedLM

    from jprivacy.train.pretrain import pretrain

    config = PretrainConfig(vocab_size=200, hidden_size=16, layers=1, heads=2, intermediate_size=32,
                            max_length=16, max_steps=2, batch_size=2)
    first = pretrain(tmp_path / "first", config, sources=sources * 4, log=lambda m: None)
    record = json.loads((first / "pretraining.json").read_text(encoding="utf-8"))
    assert record["config"]["max_steps"] == 2 and record["blocks"] > 0 and set(record["corpus"]) == {"text", "html", "man"}
    second = pretrain(tmp_path / "second", config, sources=sources * 4, init_from=first, log=lambda m: None)
    record = json.loads((second / "pretraining.json").read_text(encoding="utf-8"))
    assert record["total_steps"] == 4 and record["init_from"] == str(first)
    assert (second / "vocab.txt").read_text(encoding="utf-8") == (first / "vocab.txt").read_text(encoding="utf-8")
    assert AutoModelForMaskedLM.from_pretrained(second).config.hidden_size == 16


def test_electra_generator_is_a_quarter_width_sharing_the_discriminators_embeddings(tiny_base_model):
    import torch
    from transformers import AutoTokenizer

    from jprivacy.train.pretrain import _replaced_token_detection, electra_models

    tokenizer = AutoTokenizer.from_pretrained(tiny_base_model)
    config = PretrainConfig(hidden_size=16, layers=1, heads=4, intermediate_size=32, max_length=16)
    generator, discriminator = electra_models(tokenizer, config)
    assert (generator.config.hidden_size, generator.config.num_attention_heads) == (4, 1)
    shared = discriminator.electra.embeddings.word_embeddings.weight
    assert generator.electra.embeddings.word_embeddings.weight is shared and generator.generator_lm_head.weight is shared
    ids = torch.randint(5, len(tokenizer), (2, 16))
    labels = torch.full_like(ids, -100)
    labels[:, 3:6] = ids[:, 3:6]
    loss = _replaced_token_detection(generator, discriminator)(ids, torch.ones_like(ids), labels)["loss"]
    loss.backward()
    assert torch.isfinite(loss) and shared.grad is not None
    assert discriminator.discriminator_predictions.dense.weight.grad.abs().sum() > 0
    assert generator.electra.encoder.layer[0].attention.self.query.weight.grad.abs().sum() > 0


def test_tiny_electra_pretraining_writes_a_discriminator_that_fine_tuning_loads(sources, tmp_path):
    from transformers import AutoModelForSequenceClassification

    from jprivacy.train.pretrain import pretrain
    from jprivacy.train.transformer import load_base

    config = PretrainConfig(vocab_size=200, hidden_size=16, layers=1, heads=2, intermediate_size=32,
                            max_length=16, max_steps=2, batch_size=2, objective="electra")
    folder = pretrain(tmp_path / "electra", config, sources=sources * 4, log=lambda m: None)
    record = json.loads((folder / "pretraining.json").read_text(encoding="utf-8"))
    assert record["config"]["objective"] == "electra"
    _, model = load_base(str(folder), labels=LABELS, max_length=16)
    assert type(model).__name__ == "ElectraForSequenceClassification" and model.config.hidden_size == 16
    _, loading = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=10, output_loading_info=True)
    assert loading["missing_keys"] and all(key.startswith("classifier.") for key in loading["missing_keys"])
    with pytest.raises(ValueError, match="not a masked-LM BERT built by jprivacy pretrain .model type electra"):
        pretrain(tmp_path / "again", PretrainConfig(max_steps=1), sources=sources, init_from=folder, log=lambda m: None)


def test_cli_refuses_to_continue_an_electra_run(tmp_path, tiny_base_model, capsys):
    from jprivacy.cli import main

    assert main(["pretrain", "--output", str(tmp_path / "out"), "--init-from", str(tiny_base_model),
                 "--objective", "electra"]) == 2
    assert capsys.readouterr().err.strip() == ("jprivacy pretrain: --init-from continues masked-LM "
                                               "pretraining only (--objective mlm)")
