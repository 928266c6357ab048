"""Ensembles of the linear and transformer backends: training, loading, export, refusals."""

import json

import numpy as np
import pytest

import jprivacy
from jprivacy.train import train_model

TEXTS = ["当社は、お客様の氏名及びメールアドレスを取得します。", "取得した情報を海外の委託先に提供することがあります。"]
SECTIONS = ["取得する情報", "第三者提供"]


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory, small_corpus, tiny_transformer):
    folder = tmp_path_factory.mktemp("ensemble")
    train_model(folder, backend="ensemble", labeled=small_corpus, settings={"linear": {}, "transformer": {}},
                reuse={"transformer": tiny_transformer}, log=lambda m: None)
    return folder


def test_ensemble_scores_are_the_mean_of_its_members_loaded_alone(ensemble):
    tagger = jprivacy.load(ensemble)
    card = json.loads((ensemble / "jprivacy.json").read_text(encoding="utf-8"))
    assert card["backend"] == "ensemble" and card["settings"] == {"members": ["linear", "transformer"],
                                                                  "weights": [0.5, 0.5]}
    members = [jprivacy.load(ensemble / name).predict_proba(TEXTS, SECTIONS) for name in ("linear", "transformer")]
    np.testing.assert_allclose(tagger.predict_proba(TEXTS, SECTIONS), (members[0] + members[1]) / 2, atol=1e-6)


def test_ensemble_card_scores_each_member_on_the_test_split(ensemble):
    card = json.loads((ensemble / "jprivacy.json").read_text(encoding="utf-8"))
    assert set(card["metrics"]["members_test"]) == {"linear", "transformer"}
    assert card["metrics"]["test"]["n"] == card["metrics"]["members_test"]["linear"]["n"] > 0
    linear_card = json.loads((ensemble / "linear" / "jprivacy.json").read_text(encoding="utf-8"))
    assert linear_card["backend"] == "linear" and linear_card["training_data"]["thresholds_tuned_on"] == "validation"


def test_a_member_trained_on_other_splits_is_refused(tmp_path, small_corpus):
    with pytest.raises(ValueError, match="trained on other splits"):
        train_model(tmp_path / "out", backend="ensemble", labeled=small_corpus,
                    settings={"linear": {}, "transformer": {}}, reuse={"transformer": jprivacy.tagger.BUNDLED},
                    log=lambda m: None)
    assert not (tmp_path / "out").exists()


def test_ensemble_exports_its_transformer_to_onnx_int8_and_keeps_the_linear(ensemble, tmp_path):
    from jprivacy.export import agreement, export_model

    out = export_model(ensemble, tmp_path / "fast", "onnx", "int8")
    card = json.loads((out / "jprivacy.json").read_text(encoding="utf-8"))
    assert card["backend"] == "ensemble" and card["settings"]["members"] == ["linear", "onnx"]
    assert json.loads((out / "onnx" / "jprivacy.json").read_text(encoding="utf-8"))["settings"]["precision"] == "int8"
    result = agreement(jprivacy.load(ensemble), jprivacy.load(out), TEXTS * 5, SECTIONS * 5)
    assert result["max_score_change"] < 0.05


def test_cli_refuses_transformer_model_without_the_ensemble_backend(tmp_path, tiny_transformer):
    from jprivacy.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--transformer-model", str(tiny_transformer), "--output", str(tmp_path / "m")])
    assert exit_info.value.code == 2
