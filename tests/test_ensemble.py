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
                                                                  "weights": [0.5, 0.5], "combine": "mean"}
    members = [jprivacy.load(ensemble / name).predict_proba(TEXTS, SECTIONS) for name in ("linear", "transformer")]
    np.testing.assert_allclose(tagger.predict_proba(TEXTS, SECTIONS), (members[0] + members[1]) / 2, atol=1e-6)


@pytest.fixture(scope="module")
def log_odds_ensemble(tmp_path_factory, small_corpus, tiny_transformer):
    folder = tmp_path_factory.mktemp("log_odds")
    train_model(folder, backend="ensemble", labeled=small_corpus, settings={"linear": {}, "transformer": {}},
                reuse={"transformer": tiny_transformer}, ensemble={"weights": [7, 3], "combine": "log_odds"},
                log=lambda m: None)
    return folder


def test_log_odds_ensemble_sums_each_members_log_odds_centred_on_its_own_thresholds(log_odds_ensemble):
    from scipy.special import expit, logit

    tagger = jprivacy.load(log_odds_ensemble)
    card = json.loads((log_odds_ensemble / "jprivacy.json").read_text(encoding="utf-8"))
    assert card["settings"] == {"members": ["linear", "transformer"], "weights": [7, 3], "combine": "log_odds"}
    assert set(card["thresholds"].values()) == {0.5}
    centred = []
    for name in ("linear", "transformer"):
        member = jprivacy.load(log_odds_ensemble / name)
        if name == "linear":  # trained here: its thresholds were tuned on validation, not left at 0.5
            assert member.card.training_data["thresholds_tuned_on"] == "validation"
            assert set(member.thresholds) != {0.5}
        centred.append(logit(np.clip(member.predict_proba(TEXTS, SECTIONS), 1e-6, 1 - 1e-6)) - logit(member.thresholds))
    np.testing.assert_allclose(tagger.predict_proba(TEXTS, SECTIONS), expit(0.7 * centred[0] + 0.3 * centred[1]),
                               atol=1e-5)


def test_log_odds_ensemble_keeps_its_combination_when_exported(log_odds_ensemble, tmp_path):
    from jprivacy.export import agreement, export_model

    out = export_model(log_odds_ensemble, tmp_path / "fast", "torch", "bf16")
    card = json.loads((out / "jprivacy.json").read_text(encoding="utf-8"))
    assert card["settings"]["combine"] == "log_odds" and set(card["thresholds"].values()) == {0.5}
    result = agreement(jprivacy.load(log_odds_ensemble), jprivacy.load(out), TEXTS * 5, SECTIONS * 5)
    assert result["labels_agree"] == 1.0 and result["max_score_change"] < 0.05


def test_ensemble_of_two_folders_keeps_both_as_they_are(tmp_path, small_corpus, linear_model, tiny_transformer):
    card = train_model(tmp_path / "e", backend="ensemble", labeled=small_corpus, settings={"linear": {}, "transformer": {}},
                       reuse={"linear": linear_model, "transformer": tiny_transformer},
                       ensemble={"weights": [9, 1], "combine": "log_odds"}, log=lambda m: None)
    assert card.training_data["thresholds_tuned_on"].startswith("none: 0.5")
    for name, source in (("linear", linear_model), ("transformer", tiny_transformer)):
        member = json.loads((tmp_path / "e" / name / "jprivacy.json").read_text(encoding="utf-8"))
        assert member["thresholds"] == json.loads((source / "jprivacy.json").read_text(encoding="utf-8"))["thresholds"]


@pytest.mark.parametrize("reuse, combine, message", [
    ({"linear": "tiny_transformer"}, "log_odds", "a transformer model cannot be the ensemble's linear member"),
    ({"transformer": "linear_model"}, "mean", "a linear model cannot be the ensemble's transformer member")])
def test_a_member_of_the_wrong_kind_is_refused(request, tmp_path, small_corpus, reuse, combine, message):
    folders = {name: request.getfixturevalue(fixture) for name, fixture in reuse.items()}
    with pytest.raises(ValueError, match=message):
        train_model(tmp_path / "out", backend="ensemble", labeled=small_corpus, settings={"linear": {}, "transformer": {}},
                    reuse=folders, ensemble={"combine": combine}, log=lambda m: None)
    assert not (tmp_path / "out").exists()


def test_cli_passes_the_ensembles_members_weights_and_combination(monkeypatch, tmp_path, linear_model, tiny_transformer):
    import jprivacy.train
    from jprivacy.cli import main

    calls = []
    monkeypatch.setattr(jprivacy.train, "train_model", lambda output, **kwargs: calls.append(kwargs))
    assert main(["train", "--backend", "ensemble", "--combine", "log-odds", "--weights", "0.9", "0.1", "--linear-model",
                 str(linear_model), "--transformer-model", str(tiny_transformer), "--output", str(tmp_path / "m")]) == 0
    assert calls[0]["ensemble"] == {"weights": [0.9, 0.1], "combine": "log_odds"}
    assert calls[0]["reuse"] == {"linear": linear_model, "transformer": tiny_transformer}


def test_ensemble_card_scores_each_member_on_the_test_split(ensemble):
    card = json.loads((ensemble / "jprivacy.json").read_text(encoding="utf-8"))
    assert set(card["metrics"]["members_test"]) == {"linear", "transformer"}
    assert card["metrics"]["test"]["n"] == card["metrics"]["members_test"]["linear"]["n"] > 0
    linear_card = json.loads((ensemble / "linear" / "jprivacy.json").read_text(encoding="utf-8"))
    assert linear_card["backend"] == "linear" and linear_card["training_data"]["thresholds_tuned_on"] == "validation"


def test_a_member_trained_on_other_splits_is_refused(tmp_path, small_corpus, linear_model):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(linear_model, other)
    card = json.loads((other / "jprivacy.json").read_text(encoding="utf-8"))
    card["training_data"]["splits"]["validation"]["policies"] += 1
    (other / "jprivacy.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ValueError, match="trained on other splits"):
        train_model(tmp_path / "out", backend="ensemble", labeled=small_corpus,
                    settings={"linear": {}, "transformer": {}}, reuse={"linear": other}, log=lambda m: None)
    assert not (tmp_path / "out").exists()


def test_ensemble_exports_its_transformer_to_onnx_int8_and_keeps_the_linear(ensemble, tmp_path):
    from jprivacy.export import agreement, export_model

    out = export_model(ensemble, tmp_path / "fast", "onnx", "int8")
    card = json.loads((out / "jprivacy.json").read_text(encoding="utf-8"))
    assert card["backend"] == "ensemble" and card["settings"]["members"] == ["linear", "onnx"]
    assert json.loads((out / "onnx" / "jprivacy.json").read_text(encoding="utf-8"))["settings"]["precision"] == "int8"
    result = agreement(jprivacy.load(ensemble), jprivacy.load(out), TEXTS * 5, SECTIONS * 5)
    assert result["max_score_change"] < 0.05


@pytest.mark.parametrize("flags, message", [
    (["--transformer-model", "M"], "--transformer-model: only for --backend ensemble"),
    (["--linear-model", "M", "--combine", "log-odds"], "--linear-model, --combine: only for --backend ensemble"),
    (["--backend", "ensemble", "--weights", "-1", "1"], "--weights: member weights must be non-negative with a positive sum, not [-1.0, 1.0]"),
    (["--backend", "ensemble", "--weights", "nan", "1"], "--weights: member weights must be non-negative with a positive sum, not [nan, 1.0]"),
    (["--backend", "ensemble", "--kfold", "3", "--linear-model", "M"], "leave out --linear-model and --transformer-model")])
def test_cli_refuses_ensemble_flags_without_the_ensemble_backend_or_bad_weights(tmp_path, flags, message, capsys):
    from jprivacy.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["train", *flags, "--output", str(tmp_path / "m")])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(message) and not (tmp_path / "m").exists()
