"""Model folders describe themselves and never run code when loaded."""

import json
import os
import pickle
import shutil

import numpy as np
import pytest

import jprivacy
from jprivacy.model_folder import CARD, ModelFolderError


@pytest.fixture
def copy_of(tmp_path, linear_model):
    folder = tmp_path / "model"
    shutil.copytree(linear_model, folder)
    return folder


def edit_card(folder, **changes):
    card = json.loads((folder / CARD).read_text())
    card.update(changes)
    (folder / CARD).write_text(json.dumps(card))


def test_card_describes_the_model(linear_model):
    card = json.loads((linear_model / CARD).read_text())
    assert card["backend"] == "linear" and card["labels"] == list(jprivacy.LABELS)
    assert set(card["thresholds"]) == set(jprivacy.LABELS) and "test" in card["metrics"]
    assert card["versions"]["scikit-learn"] and card["training_data"]["splits"]["train"]["policies"] > 0


def test_model_files_are_as_readable_as_other_new_files(linear_model, tiny_transformer):
    umask = os.umask(0)
    os.umask(umask)
    for folder in (linear_model, tiny_transformer):
        for path in folder.iterdir():
            assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


def test_saved_model_predicts_the_same_after_reload(linear_model, copy_of):
    texts = ["当社は、取得した個人情報を利用目的の範囲内で利用します。", "Cookieを無効にできます。"]
    first = jprivacy.load(linear_model).predict_proba(texts, ["", ""])
    second = jprivacy.load(copy_of).predict_proba(texts, ["", ""])
    np.testing.assert_allclose(first, second, rtol=1e-6)


class Boom:
    def __reduce__(self):
        return (exec, ("open('PWNED', 'w').write('x')",))


def test_planted_pickle_is_refused_and_never_run(copy_of, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (copy_of / "extra.pkl").write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ModelFolderError, match="pickle"):
        jprivacy.load(copy_of)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("change, message", [
    ({"labels": ["collection", "purpose"]}, "thresholds must give one value per label"),
    ({"format_version": 99}, "newer than this jprivacy"),
    ({"backend": "magic"}, "unknown backend"),
])
def test_bad_cards_give_clear_errors(copy_of, change, message):
    edit_card(copy_of, **change)
    with pytest.raises(ModelFolderError, match=message):
        jprivacy.load(copy_of)


def test_missing_files_are_named(copy_of):
    (copy_of / "linear.safetensors").unlink()
    with pytest.raises(ModelFolderError, match="missing file.*linear.safetensors"):
        jprivacy.load(copy_of)


def test_unknown_hub_name_without_network_gives_one_clear_error():
    with pytest.raises(ModelFolderError, match="Hugging Face Hub"):
        jprivacy.load("nobody/no-such-jprivacy-model")
