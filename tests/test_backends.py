"""Backends: inference apart from training, settings that refuse unknown keys, fit returns self."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import jprivacy
from jprivacy.backends.base import Trainable
from jprivacy.backends.linear import LinearBackend
from jprivacy.backends.onnx import OnnxBackend, OnnxSettings
from jprivacy.backends.transformer import _FLAT_TRAINING_KEYS, TransformerBackend, TransformerSettings
from jprivacy.cli import main
from jprivacy.model_folder import CARD, ModelFolderError

POLICY = "当社は個人情報を第三者に提供しません。"
NO_TRAINING = "assert not [m for m in sys.modules if m.startswith('jprivacy.train')], sorted(sys.modules)"


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_loading_and_tagging_never_imports_training_code(tiny_transformer):
    code = (f"import sys, jprivacy; jprivacy.load().tag({POLICY!r}); "
            f"jprivacy.load({str(tiny_transformer)!r}).tag({POLICY!r}); {NO_TRAINING}")
    result = python(code)
    assert result.returncode == 0, result.stderr[-2000:]


def test_backend_modules_import_no_training_code():
    result = python("import sys, jprivacy.backends.transformer, jprivacy.backends.onnx, jprivacy.export; "
                    + NO_TRAINING)
    assert result.returncode == 0, result.stderr[-2000:]


def edited_copy(folder, tmp_path, **settings):
    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    card = json.loads((copy / CARD).read_text())
    card["settings"].update(settings)
    (copy / CARD).write_text(json.dumps(card))
    return copy


def test_unknown_setting_in_a_card_is_refused_in_one_line(tiny_transformer, tmp_path, seed_policy, capsys):
    copy = edited_copy(tiny_transformer, tmp_path, precison="int8")
    with pytest.raises(ModelFolderError, match="unknown setting.*'precison'") as err:
        jprivacy.load(copy)
    assert len(str(err.value).splitlines()) == 1
    capsys.readouterr()
    assert main(["tag", str(seed_policy), "--model", str(copy)]) == 2
    assert "'precison'" in capsys.readouterr().err.strip()


def test_a_card_with_training_settings_beside_the_others_still_loads(tiny_transformer, tmp_path):
    """Cards written before settings.training kept the fine-tuning settings at the top level."""
    card = json.loads((tiny_transformer / CARD).read_text())
    old = {k: v for k, v in card["settings"]["training"].items() if k in _FLAT_TRAINING_KEYS}  # those cards had
    flat = {k: v for k, v in card["settings"].items() if k not in ("training", "section_levels")} | old
    copy = edited_copy(tiny_transformer, tmp_path)
    (copy / CARD).write_text(json.dumps({**card, "settings": flat}))
    settings = jprivacy.load(copy).backend.settings
    assert settings.training == old and settings.max_length == card["settings"]["max_length"]
    assert settings.section_levels == 0  # they read the whole heading path


@pytest.mark.parametrize("cls, data, message", [
    (TransformerSettings, {"precision": "fp16"}, "precision must be one of"),
    (TransformerSettings, {"max_length": 2}, "at least 8 tokens"),
    (TransformerSettings, {"precision": "int8", "compile": True}, "not to int8"),
    (OnnxSettings, {"precision": "bf16"}, "fp32, int8, int8-static"),
    (OnnxSettings, {"threads": 4}, "'threads'"),
])
def test_inference_settings_are_checked(cls, data, message):
    with pytest.raises(ValueError, match=message):
        cls.from_dict(data)


def test_older_onnx_cards_name_the_inference_batch_batch_size():
    assert OnnxSettings.from_dict({"batch_size": 8}).inference_batch_size == 8


def test_backends_that_only_predict_have_no_fit():
    for backend in (OnnxBackend, TransformerBackend):  # a transformer is fine-tuned by jprivacy.train
        assert not hasattr(backend, "fit") and not issubclass(backend, Trainable)


def test_fit_returns_the_backend(tiny_base_model):
    from jprivacy.train.transformer import FineTuner

    texts = ["当社は氏名を取得します。", "Cookieを利用します。", "第三者に提供しません。", "窓口はこちらです。"]
    y = np.eye(4, len(jprivacy.LABELS), dtype=np.float32)
    linear = LinearBackend(min_df=1)
    assert linear.fit(texts, [""] * 4, y) is linear
    transformer = FineTuner(base_model=str(tiny_base_model), max_steps=1, batch_size=4, max_length=32)
    assert transformer.fit(texts, [""] * 4, y) is transformer
    assert transformer.backend.settings.training["max_steps"] == 1 and transformer.backend.settings.max_length == 32
    assert transformer.predict_proba(texts, [""] * 4).shape == (4, len(jprivacy.LABELS))


def test_unknown_training_setting_is_refused_before_training(tiny_base_model):
    from jprivacy.train.transformer import FineTuner

    with pytest.raises(ValueError, match="'epoch'"):
        FineTuner(base_model=str(tiny_base_model), epoch=3)
