"""A model folder on the Hugging Face Hub: metadata header, plain-transformers loading, Hub ids (offline)."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from jprivacy.labels import LABELS
from jprivacy.tagger import BUNDLED

HUB_KEYS = {"language", "license", "pipeline_tag", "datasets", "metrics"}


def front_matter(folder):
    from huggingface_hub import ModelCard

    return ModelCard.load(folder / "README.md").data.to_dict()


@pytest.mark.parametrize("which", ["trained", "bundled"])
def test_model_card_carries_the_hub_metadata_header(which, tiny_transformer):
    data = front_matter(tiny_transformer if which == "trained" else BUNDLED)
    assert HUB_KEYS <= set(data)
    assert data["language"] == "ja" and data["pipeline_tag"] == "text-classification"
    assert data["model-index"][0]["results"][0]["metrics"][0]["type"] == "f1"


def test_fine_tuned_folder_is_a_plain_multi_label_hugging_face_model(tiny_transformer):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    model = AutoModelForSequenceClassification.from_pretrained(tiny_transformer)
    assert model.config.problem_type == "multi_label_classification"
    assert [model.config.id2label[i] for i in range(len(LABELS))] == list(LABELS)
    text = "当社は、Cookieを使用してお客様の閲覧履歴を取得します。"
    scores = pipeline("text-classification", model=str(tiny_transformer), top_k=None)([text])[0]
    assert {s["label"] for s in scores} == set(LABELS)
    tokenizer = AutoTokenizer.from_pretrained(tiny_transformer)
    with torch.no_grad():
        expected = torch.sigmoid(model(**tokenizer(text, return_tensors="pt")).logits)[0].numpy()
    got = np.array([next(s["score"] for s in scores if s["label"] == name) for name in LABELS])
    np.testing.assert_allclose(got, expected, atol=1e-5)  # sigmoid per label, not a softmax over labels


def hub_cache(root, repo, source):
    """``source`` laid out as huggingface_hub's cache holds a downloaded snapshot of ``repo``."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    base = root / ("models--" + repo.replace("/", "--"))
    shutil.copytree(source, base / "snapshots" / commit)
    (base / "refs").mkdir()
    (base / "refs" / "main").write_text(commit)
    return root


def run_cli(*argv, env):
    return subprocess.run([sys.executable, "-m", "jprivacy.cli", *argv], capture_output=True, text=True,
                          encoding="utf-8", env={**os.environ, **env}, input="", timeout=300)


def test_model_option_takes_a_hub_repository_id(tmp_path, linear_model):
    cache = hub_cache(tmp_path / "hub", "someone/jprivacy-linear", linear_model)
    records = tmp_path / "clauses.jsonl"
    records.write_text(json.dumps({"text": "当社は、Cookieを使用します。"}, ensure_ascii=False) + "\n", encoding="utf-8")
    done = run_cli("classify", "--model", "someone/jprivacy-linear", "-i", str(records),
                   env={"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache)})
    assert done.returncode == 0, done.stderr
    assert "cookies" in json.loads(done.stdout.splitlines()[0])["labels"]


def test_hub_id_that_is_not_cached_offline_gives_one_line(tmp_path):
    done = run_cli("classify", "--model", "someone/not-downloaded", "-i", "-",
                   env={"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Hugging Face Hub" in done.stderr and "Traceback" not in done.stderr
