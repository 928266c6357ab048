"""The corpus: consistency, size, and its loaders."""

from pathlib import Path

from jprivacy.data import load_splits, load_frame, validate
from jprivacy.labels import LABELS

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def test_corpus_is_consistent():
    assert validate(eval_dir=EVAL if EVAL.is_dir() else None) == []


def test_corpus_is_large_enough_for_every_label():
    frame = load_frame()
    assert len(frame) >= 5000 and frame["doc"].nunique() >= 65
    counts = {name: sum(name in labels for labels in frame["labels"]) for name in LABELS}
    assert min(counts.values()) >= 200, counts


def test_dataset_splits_by_policy_with_a_fixed_seed():
    first, second = load_splits(), load_splits()
    docs = {split: set(first[split]["doc"]) for split in first}
    assert docs["train"].isdisjoint(docs["validation"]) and docs["train"].isdisjoint(docs["test"])
    assert docs["validation"].isdisjoint(docs["test"])
    assert first["test"]["text"] == second["test"]["text"]
