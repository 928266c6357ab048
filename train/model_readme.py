"""The ``README.md`` of a model folder: the Hugging Face Hub's metadata header over a card for people.

A folder uploaded to the Hub as it is then shows as a Japanese multi-label text-classification
model with its license, data and scores.  A README that is there already (the bundled model's,
written by hand) keeps its text; only its header is replaced.
"""

from __future__ import annotations

from pathlib import Path

from jprivacy.model_folder import ModelCard

README = "README.md"
LICENSE = "apache-2.0"
DATASET = "jprivacy-clauses"


def hub_metadata(card: ModelCard, name: str):
    """``huggingface_hub.ModelCardData`` for a model card: language, license, pipeline tag,
    datasets, metrics, and the test-split macro-F1 as an evaluation result."""
    from huggingface_hub import EvalResult, ModelCardData

    test = test_scores(card)
    results = [EvalResult(task_type="text-classification", dataset_type=DATASET,
                          dataset_name="jprivacy clause corpus, test split (by policy)", dataset_split="test",
                          metric_type="f1", metric_name=f"{average}-F1", metric_value=round(test[average]["f1"], 4))
               for average in ("macro", "micro") if average in test]
    return ModelCardData(
        language="ja", license=LICENSE, pipeline_tag="text-classification",
        library_name="transformers" if card.backend == "transformer" else "jprivacy",
        tags=["jprivacy", "privacy-policy", "multi-label-classification", card.backend],
        datasets=[DATASET], metrics=["f1"], base_model=_hub_name(card.base_model),
        model_name=name, eval_results=results or None)


def test_scores(card: ModelCard) -> dict:
    """The card's test-split scores, or for an exported copy those of the model it came from."""
    return card.metrics.get("test") or card.metrics.get("source_model", {}).get("test", {})


def _hub_name(base_model: str | None) -> str | None:
    """A base model's Hub name; a local folder is not one."""
    if base_model and base_model.count("/") == 1 and not Path(base_model).exists():
        return base_model
    return None


def body(card: ModelCard, name: str) -> str:
    """A short card for people: what the model is, how to use it, its test scores per label."""
    test = test_scores(card)
    lines = [f"# {name}", "",
             f"A jprivacy model ({card.backend} backend) that labels the clauses of Japanese privacy policies "
             f"with what each discloses: {', '.join(card.labels)}. `jprivacy.json` beside this file is its "
             "machine-readable card (thresholds, settings, training data, metrics).", "",
             "```python", "import jprivacy", f'tagger = jprivacy.load("{name}")', 'tagger.tag_file("policy.txt")', "```", ""]
    if card.backend == "transformer":
        lines += ["It also loads as a plain Hugging Face model (sigmoid scores; jprivacy's per-label "
                  "thresholds are in `jprivacy.json`):", "", "```python",
                  "from transformers import pipeline",
                  f'pipeline("text-classification", model="{name}", top_k=None)("当社はCookieを使用します。")',
                  "```", ""]
    if test:
        lines += ["## Test split (policies never seen in training)", "", "| label | precision | recall | F1 |",
                  "|---|---|---|---|"]
        lines += [f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |"
                  for label, s in [*test["labels"].items(), ("macro", test["macro"]), ("micro", test["micro"])]]
    return "\n".join(lines) + "\n"


def write_readme(folder: str | Path, card: ModelCard, name: str | None = None) -> Path:
    """Write (or re-head) ``folder/README.md`` for ``card``; ``name`` is the model's (default: the
    folder's, which a model being written into a staging folder does not have yet)."""
    from huggingface_hub import ModelCard as HubCard

    folder = Path(folder)
    path = folder / README
    name = name or folder.resolve().name
    data = hub_metadata(card, name)
    text = HubCard.load(path).text if path.is_file() else body(card, name)
    tmp = path.with_name(README + ".tmp")
    tmp.write_text(f"---\n{data.to_yaml()}\n---\n{text.lstrip()}", encoding="utf-8")
    tmp.replace(path)
    return path
