"""Shared fixtures: a small labeled corpus, and tiny models trained on it (all offline)."""

import os
import shutil
import subprocess

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from jprivacy.data import LABELED, POLICIES  # noqa: E402


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory):
    """Labeled folder with twelve policies of the real corpus (enough for every split)."""
    folder = tmp_path_factory.mktemp("labeled")
    for path in sorted(LABELED.glob("*.jsonl"))[:12]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def linear_model(tmp_path_factory, small_corpus):
    from jprivacy.train import train_model

    folder = tmp_path_factory.mktemp("linear")
    train_model(folder, backend="linear", labeled=small_corpus, log=lambda m: None)
    return folder


@pytest.fixture(scope="session")
def tiny_base_model(tmp_path_factory):
    """A 2-layer BERT with a real BertJapaneseTokenizer (fugashi + unidic-lite) and a corpus vocabulary.
    Its weights are seeded, so the models fine-tuned from it are the same in every run."""
    import torch
    from transformers import BertForMaskedLM

    from jprivacy.train.config import PretrainConfig
    from jprivacy.train.pretrain import bert_config, build_tokenizer, corpus_lines

    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = build_tokenizer(corpus_lines()[:3000], folder, vocab_size=1500)
    config = PretrainConfig(hidden_size=32, layers=2, heads=2, intermediate_size=64, max_length=64)
    torch.manual_seed(0)
    BertForMaskedLM(bert_config(tokenizer, config)).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_transformer(tmp_path_factory, small_corpus, tiny_base_model):
    from jprivacy.train import train_model

    folder = tmp_path_factory.mktemp("tiny-transformer")
    settings = {"base_model": str(tiny_base_model), "max_steps": 6, "batch_size": 8, "max_length": 48}
    train_model(folder, backend="transformer", labeled=small_corpus, settings=settings, log=lambda m: None)
    return folder


@pytest.fixture(scope="session")
def seed_policy():
    return sorted(POLICIES.glob("002_*.txt"))[0]


@pytest.fixture
def run_main(capsys):
    """The jprivacy command in this process (its ``main``), where no process start is needed:
    what it returns, prints and writes, as a CompletedProcess.  A traceback would fail the test."""
    from jprivacy.cli import main

    def run(*args) -> subprocess.CompletedProcess:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit:
            code = exit.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.encode(), err.encode())
    return run
