"""train/build_bundled.sh, the one command that rebuilds model/bundled: its steps, resuming, and
the swap that keeps the model card and refuses a poor export.  The jprivacy commands are replaced
by a stand-in that records its arguments and writes the folders the real ones would."""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

STAND_IN = """#!/usr/bin/env python3
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["CALLS"], "a") as calls:
    calls.write(" ".join(args[:1] + [a for a in args if a.startswith("--")]) + "\\n")
out = Path(args[args.index("--output") + 1])
out.mkdir(parents=True)
if args[0] == "pretrain":
    (out / "pretraining.json").write_text("{}")
else:
    card = json.loads(Path(os.environ["CARD"]).read_text())
    card["metrics"] = {"test": {"macro": {"f1": 0.5}, "micro": {"f1": 0.25}}}
    if args[0] == "export":
        card["metrics"] = {"source_model": card["metrics"],
                           "agreement_with_source": {"labels_agree": float(os.environ["AGREE"])}}
    (out / "jprivacy.json").write_text(json.dumps(card))
    (out / "weights").write_text(args[0])
    if args[0] == "export" and float(os.environ["AGREE"]) < 0.99:
        sys.exit("warning: agreement is below 99%; prefer the full-precision model")
"""


@pytest.fixture
def checkout(tmp_path, linear_model):
    """A checkout holding only the script and a bundled model card, beside ../shared, with the
    stand-in first on PATH (it writes copies of ``linear_model``'s card)."""
    repo = tmp_path / "repo"
    (repo / "train").mkdir(parents=True)
    shutil.copy(ROOT / "train" / "build_bundled.sh", repo / "train")
    (repo / "model" / "bundled").mkdir(parents=True)
    (repo / "model" / "bundled" / "README.md").write_text("the card")
    (repo / "model" / "bundled" / "old.safetensors").write_text("old")
    (tmp_path / "shared" / "eval" / "dev").mkdir(parents=True)
    (tmp_path / "shared" / "eval" / "dev" / "gold.jsonl").write_text("")
    (tmp_path / "shared" / "wild" / "policies").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "jprivacy").write_text(STAND_IN)
    (bin_dir / "jprivacy").chmod(stat.S_IRWXU)
    shutil.copy(linear_model / "jprivacy.json", tmp_path / "card.json")
    return repo


def build(repo: Path, agree: float = 1.0) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{repo.parent / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
                                 f"{os.environ['PATH']}", "CALLS": str(repo.parent / "calls"), "AGREE": str(agree),
           "CARD": str(repo.parent / "card.json")}
    env.pop("JPRIVACY_WILD", None)
    return subprocess.run(["bash", str(repo / "train" / "build_bundled.sh")], env=env, capture_output=True,
                          text=True, timeout=120)


def calls(repo: Path) -> list[str]:
    return (repo.parent / "calls").read_text().splitlines()


def test_build_runs_every_step_and_swaps_in_the_export_keeping_the_card(checkout):
    result = build(checkout)
    assert result.returncode == 0, result.stderr
    assert calls(checkout) == [
        "pretrain --output --max-steps",
        "pretrain --init-from --output --max-steps --seed",
        "train --backend --base-model --max-length --learning-rate --batch-size --epochs --output",
        "train --output --threshold-folds",
        "train --backend --combine --weights --linear-model --transformer-model --output",
        "export --model --output --int8-static --check"]
    bundled = checkout / "model" / "bundled"
    assert sorted(p.name for p in bundled.iterdir()) == ["README.md", "jprivacy.json", "weights"]
    card = (bundled / "README.md").read_text()
    assert card.startswith("---\n") and card.endswith("---\nthe card") and "value: 0.25" in card
    assert (bundled / "weights").read_text() == "export"


def test_build_resumes_after_the_steps_done_and_keeps_the_model_when_the_export_disagrees(checkout):
    (checkout / "runs" / "bundled" / "base-1500").mkdir(parents=True)
    (checkout / "runs" / "bundled" / "base-1500" / "pretraining.json").write_text("{}")
    result = build(checkout, agree=0.95)
    assert result.returncode == 1 and result.stderr.strip().endswith("agreement is below 99%; prefer the "
                                                                      "full-precision model")
    assert calls(checkout)[0] == "pretrain --init-from --output --max-steps --seed"
    assert sorted(p.name for p in (checkout / "model" / "bundled").iterdir()) == ["README.md", "old.safetensors"]


def test_build_stops_before_training_without_the_dev_set(checkout):
    (checkout.parent / "shared" / "eval" / "dev" / "gold.jsonl").unlink()
    result = build(checkout)
    assert result.returncode == 2 and "export's agreement check needs it" in result.stderr
    assert not (checkout.parent / "calls").exists()
