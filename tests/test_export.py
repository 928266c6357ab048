"""`jprivacy export`: ONNX Runtime and int8/bf16 copies of a transformer model folder (tiny model, offline)."""

import json

import numpy as np
import pytest

import jprivacy
from jprivacy.cli import main
from jprivacy.data import load_frame
from jprivacy.data import calibration_clauses
from jprivacy.export import agreement, export_model
from jprivacy.model_folder import CARD, ModelFolderError


@pytest.fixture(scope="module")
def clauses():
    frame = load_frame().head(300)
    return frame["text"].tolist(), frame["section"].fillna("").tolist()


@pytest.fixture(scope="module")
def onnx_int8(tmp_path_factory, tiny_transformer):
    return export_model(tiny_transformer, tmp_path_factory.mktemp("export") / "int8", "onnx", "int8")


def test_onnx_fp32_export_is_a_self_describing_folder_with_the_same_scores(tiny_transformer, tmp_path, clauses):
    out = export_model(tiny_transformer, tmp_path / "onnx", "onnx", "fp32")
    card, source = (json.loads((folder / CARD).read_text()) for folder in (out, tiny_transformer))
    assert card["backend"] == "onnx" and card["settings"]["precision"] == "fp32"
    assert card["thresholds"] == source["thresholds"] and card["base_model"] == source["base_model"]
    assert sorted(p.name for p in out.iterdir()) == ["jprivacy.json", "model.onnx", "tokenizer_config.json",
                                                     "vocab.txt"]
    exported, reference = jprivacy.load(out), jprivacy.load(tiny_transformer)
    np.testing.assert_allclose(exported.predict_proba(*clauses), reference.predict_proba(*clauses), atol=1e-5)
    assert exported.predict_proba([], []).shape == (0, len(jprivacy.LABELS))
    card["settings"]["batch_size"] = card["settings"].pop("inference_batch_size")  # as older cards name it
    (out / CARD).write_text(json.dumps(card))
    assert jprivacy.load(out).backend.settings.inference_batch_size == 32


def test_onnx_int8_is_smaller_and_keeps_the_labels(tiny_transformer, onnx_int8, clauses):
    result = agreement(jprivacy.load(tiny_transformer), jprivacy.load(onnx_int8), *clauses)
    assert result["labels_agree"] >= 0.99 and 0 < result["max_score_change"] < 0.05
    assert json.loads((onnx_int8 / CARD).read_text())["settings"]["precision"] == "int8"
    import onnx
    graph = onnx.load(str(onnx_int8 / "model.onnx")).graph
    assert any(node.op_type in ("DynamicQuantizeLinear", "MatMulInteger") for node in graph.node)


def test_static_int8_scores_a_clause_the_same_whatever_its_batch(tiny_transformer, tmp_path, clauses):
    static = jprivacy.load(export_model(tiny_transformer, tmp_path / "static", "onnx", "int8-static",
                                           calibration=calibration_clauses()))
    settings = static.card.settings
    assert settings["precision"] == "int8-static" and settings["calibration"]["clauses"] == 512
    assert sum(settings["calibration"]["origins"].values()) == 512
    assert agreement(jprivacy.load(tiny_transformer), static, *clauses)["labels_agree"] >= 0.99
    texts, sections = clauses
    together = static.predict_proba(texts, sections)[:20]
    alone = np.concatenate([static.predict_proba(texts[i:i + 1], sections[i:i + 1]) for i in range(20)])
    np.testing.assert_array_equal(together, alone)
    # weight products in int8 with a scale per output channel; the attention products stay float
    import onnx
    graph = onnx.load(str(static.backend.folder / "model.onnx")).graph
    shapes = {tensor.name: list(tensor.dims) for tensor in graph.initializer}
    quantized = [node for node in graph.node if node.op_type == "QLinearMatMul"]
    assert quantized and all(len(shapes[node.input[4]]) == 1 and shapes[node.input[4]][0] > 1 for node in quantized)
    float_products = [node for node in graph.node if node.op_type == "MatMul"]
    assert all(node.input[1] not in shapes for node in float_products)
    layers = json.loads((tiny_transformer / "config.json").read_text())["num_hidden_layers"]
    # per layer: Q, K, V, attention output and the two feed-forward products; scores and weighted sum
    assert (len(quantized), len(float_products)) == (6 * layers, 2 * layers)


def test_a_damaged_onnx_file_is_one_line_and_exit_2(onnx_int8, tmp_path, capsys):
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(onnx_int8, damaged)
    (damaged / "model.onnx").write_bytes((damaged / "model.onnx").read_bytes()[:1000])
    with pytest.raises(ModelFolderError, match="cannot load onnx backend .model.onnx: "):
        jprivacy.load(damaged)
    assert main(["classify", "-i", "-", "--model", str(damaged)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("precision", ["int8", "bf16"])
def test_torch_precisions_keep_the_labels(tiny_transformer, tmp_path, clauses, precision):
    out = export_model(tiny_transformer, tmp_path / precision, "torch", precision)
    tagger = jprivacy.load(out)
    assert tagger.card.backend == "transformer" and tagger.backend.settings.precision == precision
    assert tagger.backend.settings.exported_from == str(tiny_transformer.resolve())
    assert (out / "model.safetensors").is_file()
    if precision == "bf16":  # converted once at load: no per-call casts
        import torch
        assert {p.dtype for p in tagger.backend.model.parameters()} == {torch.bfloat16}
    result = agreement(jprivacy.load(tiny_transformer), tagger, *clauses)
    assert result["labels_agree"] >= 0.99 and result["max_score_change"] > 0  # really a different arithmetic


@pytest.mark.slow
def test_compiled_copy_keeps_the_labels(tiny_transformer, tmp_path, clauses):
    out = export_model(tiny_transformer, tmp_path / "compiled", "torch", "bf16", compile=True)
    tagger = jprivacy.load(out)
    assert tagger.backend.settings.compile and hasattr(tagger.backend.model.forward, "_torchdynamo_orig_callable")
    result = agreement(jprivacy.load(tiny_transformer), tagger, *clauses)
    assert result["labels_agree"] >= 0.99


def test_export_refuses_what_it_cannot_do(tiny_transformer, linear_model, tmp_path):
    with pytest.raises(ModelFolderError, match="only transformer"):
        export_model(linear_model, tmp_path / "a")
    with pytest.raises(ValueError, match="fp32 or int8"):
        export_model(tiny_transformer, tmp_path / "b", "onnx", "bf16")
    with pytest.raises(ValueError, match="compile applies"):
        export_model(tiny_transformer, tmp_path / "d", "onnx", "fp32", compile=True)
    with pytest.raises(ValueError, match="compile applies"):
        export_model(tiny_transformer, tmp_path / "e", "torch", "int8", compile=True)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "keep.txt").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        export_model(tiny_transformer, tmp_path / "c", "torch", "int8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]  # nothing half-written left behind


def test_cli_export_checks_agreement_and_records_it(tiny_transformer, linear_model, tmp_path, capsys):
    check = tmp_path / "clauses.jsonl"
    check.write_text("".join(json.dumps({"text": t, "section": s}, ensure_ascii=False) + "\n" for t, s in
                             [("当社は氏名を取得します。", "取得"), ("Cookieを使用します。", "")]), encoding="utf-8")
    out = tmp_path / "int8"
    assert main(["export", "--model", str(tiny_transformer), "--output", str(out), "--runtime", "torch",
                 "--int8", "--check", str(check)]) == 0
    assert "labels agree with" in capsys.readouterr().err
    recorded = json.loads((out / CARD).read_text())["metrics"]["agreement_with_source"]
    assert recorded["clauses"] == 2 and recorded["file"] == str(check)
    assert main(["export", "--model", str(linear_model), "--output", str(tmp_path / "x")]) == 2


def test_cli_export_exits_1_when_the_labels_agree_too_little(tiny_transformer, tmp_path, capsys, monkeypatch):
    import jprivacy.export

    check = tmp_path / "clauses.jsonl"
    check.write_text(json.dumps({"text": "当社は氏名を取得します。"}, ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setattr(jprivacy.export, "record_agreement", lambda *args: {
        "labels_agree": 0.5, "clauses": 2, "clauses_differ": 1, "max_score_change": 0.4, "mean_score_change": 0.2})
    assert main(["export", "--model", str(tiny_transformer), "--output", str(tmp_path / "out"), "--runtime", "torch",
                 "--check", str(check)]) == 1
    assert capsys.readouterr().err.strip().endswith("warning: agreement is below 99%; prefer the full-precision model")
    assert (tmp_path / "out" / CARD).is_file()  # the copy stays, for a closer look


def test_torch_threads_are_capped_at_the_usable_cpus_while_scoring_and_restored_after(monkeypatch):
    import torch

    from jprivacy.backends import transformer

    before = torch.get_num_threads()
    monkeypatch.setattr(transformer, "cpu_count", lambda: 1)
    try:
        torch.set_num_threads(2)
        with transformer.torch_threads():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
