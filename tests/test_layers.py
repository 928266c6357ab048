"""The house's layers: what each entry point imports, no import cycles, one encoding of pairs,
and a model of another label set used end to end."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jprivacy
from jprivacy.model_folder import ModelCard, ModelFolderError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"jprivacy": ROOT / "model", "jprivacy.train": ROOT / "train", "jprivacy.data": ROOT / "data"}


def test_help_imports_no_renderer_no_jinja2_and_no_training_code():
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "jprivacy", "--help"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and "usage: jprivacy" in result.stdout
    modules = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "jprivacy.cli" in modules  # the probe sees jprivacy's own imports
    for forbidden in ("jinja2", "jprivacy.render", "jprivacy.report", "jprivacy.train", "torch", "transformers"):
        assert not any(m == forbidden or m.startswith(forbidden + ".") for m in modules), forbidden


def test_the_checklist_is_read_when_a_report_is_made_not_at_import():
    probe = ("import jprivacy.report as r, jprivacy.diff; print(r.default_checklist.cache_info().currsize); "
             "r.CHECKLIST; print(r.default_checklist.cache_info().currsize)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["0", "1"], result.stderr


def _module_graph() -> dict[str, set[str]]:
    """jprivacy's modules and the jprivacy modules each imports anywhere in its code (at the top
    or inside a function: lazy imports count)."""
    modules = {}
    for package, root in PACKAGES.items():
        for path in root.rglob("*.py"):
            parts = [p for p in path.relative_to(root).with_suffix("").parts if p != "__init__"]
            if package == "jprivacy" and parts and parts[0] in ("train", "data"):
                continue
            modules[".".join([package, *parts])] = path
    graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = name.split(".") if is_package else name.split(".")[:-1]
                    parts = parts[:len(parts) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                for alias in node.names:
                    deps.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def test_no_import_cycles_lazy_or_not():
    graph = _module_graph()
    assert len(graph) > 40 and graph["jprivacy.tagger"]
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_inference_imports_no_training_code():
    graph = _module_graph()
    inference = [m for m in graph if m.startswith("jprivacy.") and not m.startswith(("jprivacy.train", "jprivacy.data",
                                                                                      "jprivacy.cli"))]
    for module in inference:
        assert not {d for d in graph[module] if d.startswith("jprivacy.train")}, module


def test_training_and_inference_encode_a_pair_to_the_same_ids(tiny_transformer):
    from jprivacy.backends.transformer import encode_pairs
    from jprivacy.train.transformer import ClauseDataset

    tagger = jprivacy.load(tiny_transformer)
    tokenizer, max_length = tagger.backend.tokenizer, tagger.backend.settings.max_length
    long_context = "第1章 総則 > " + "個人情報の取扱いに関する基本方針 > " * 40 + "第5条 第三者提供"
    texts = ["当社は、法令に基づく場合を除き、個人情報を第三者に提供しません。" * 5, "Cookieを使用します。"]
    contexts = [long_context, ""]
    training = ClauseDataset(tokenizer, texts, contexts, np.zeros((2, len(tagger.labels))), max_length)
    inference = encode_pairs(texts, contexts, tokenizer, max_length)
    assert [training[i]["input_ids"] for i in range(2)] == list(inference["input_ids"])
    assert len(inference["input_ids"][0]) == max_length


THREE = ("collection", "cookies", "contact")


@pytest.fixture(scope="module")
def three_label_models(tmp_path_factory, small_corpus, tiny_base_model):
    from jprivacy.train import train_model

    root = tmp_path_factory.mktemp("three")
    train_model(root / "linear", labeled=small_corpus, labels=THREE, log=lambda m: None)
    train_model(root / "bert", backend="transformer", labeled=small_corpus, labels=THREE, log=lambda m: None,
                settings={"base_model": str(tiny_base_model), "max_steps": 4, "batch_size": 8, "max_length": 48})
    return root


def test_a_model_of_three_labels_tags_evaluates_and_exports(three_label_models, tmp_path, run_main):
    from jprivacy.export import export_model

    linear, bert = three_label_models / "linear", three_label_models / "bert"
    assert ModelCard.read(linear).labels == list(THREE) and ModelCard.read(bert).labels == list(THREE)
    assert json.loads((bert / "config.json").read_text())["id2label"] == {"0": "collection", "1": "cookies",
                                                                         "2": "contact"}
    policy = tmp_path / "p.txt"
    policy.write_text("お問い合わせ窓口\n当社はCookieを使用し、氏名を取得します。\n", encoding="utf-8")
    for folder in (linear, bert, export_model(bert, tmp_path / "onnx", "onnx", "fp32")):
        tagger = jprivacy.load(folder)
        assert tagger.labels == THREE
        frame = tagger.tag_file(policy)
        assert all(set(scores) == set(THREE) for scores in frame.scores)
        assert all(set(labels) <= set(THREE) for labels in frame.labels)
        out = tmp_path / f"{folder.name}.parquet"
        assert run_main("tag", policy, "--model", folder, "-o", out, "--summary").returncode == 0
        gold = tmp_path / "gold.jsonl"
        gold.write_text(json.dumps({"text": "当社はCookieを使用します。", "labels": ["cookies"]}) + "\n")
        result = run_main("evaluate", gold, "--model", folder, "--json", tmp_path / "s.json")
        assert result.returncode == 0 and set(json.loads((tmp_path / "s.json").read_text())["labels"]) == set(THREE)
    gold.write_text(json.dumps({"text": "利用目的は次のとおりです。", "labels": ["purpose"]}) + "\n")
    assert "unknown label(s) ['purpose']" in run_main("evaluate", gold, "--model", linear).stderr.decode()


def test_cards_of_the_first_format_still_load_and_a_card_names_its_own_labels(three_label_models, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(jprivacy.tagger.BUNDLED / "linear", old)
    card = json.loads((old / "jprivacy.json").read_text())
    (old / "jprivacy.json").write_text(json.dumps({**card, "format_version": 1}))
    assert jprivacy.load(old).labels == jprivacy.LABELS
    three = json.loads((three_label_models / "linear" / "jprivacy.json").read_text())
    for broken, message in (({**three, "format_version": 1}, "format 1 card"),
                            ({**three, "labels": ["collection", "collection", "contact"]}, "distinct label names"),
                            ({**three, "labels": ["collection", "cookies"]}, "thresholds must give one value")):
        folder = tmp_path / f"broken{len(message)}"
        shutil.copytree(three_label_models / "linear", folder)
        (folder / "jprivacy.json").write_text(json.dumps(broken))
        with pytest.raises(ModelFolderError, match=message):
            jprivacy.load(folder)
