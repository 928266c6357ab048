"""Clauses per second and peak memory of ``jprivacy tag`` (and ``jprivacy fields``), end to end from policy files.

    python benchmarks/end_to_end.py [--eval ../shared/eval] [--copies 10] [--model M ...] [--fields M ...]

The policy texts of ``EVAL/dev`` and ``EVAL/test`` (40 files; their labels are never read) are
copied ``--copies`` times into a scratch folder, and ``jprivacy tag FOLDER -o OUT.jsonl`` runs on
it in a child process for each model (default: the bundled one).  The wall time includes the
process start and loading the model; peak memory is the child's own maximum resident set size
(``os.wait4``).  ``--fields M`` also runs ``jprivacy fields`` with model M on the same folder;
its clauses/s counts the clauses ``tag`` found there.  Printed as a markdown table.  Not run in CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def copy_policies(eval_dir: Path, copies: int, target: Path) -> int:
    """Copy every policy text of ``eval_dir/dev`` and ``/test`` ``copies`` times into ``target``."""
    sources = sorted(p for split in ("dev", "test") for p in (eval_dir / split).rglob("*")
                     if p.suffix in (".txt", ".md", ".html"))
    if not sources:
        raise SystemExit(f"no policy texts under {eval_dir}/dev or {eval_dir}/test")
    for k in range(copies):
        for path in sources:
            shutil.copyfile(path, target / f"{k:02d}_{path.parent.name}_{path.name}")
    return len(sources) * copies


def tag(folder: Path, output: Path, model: str | None, command_name: str = "tag") -> tuple[float, float, int]:
    """Run ``jprivacy tag`` (or ``fields``) in a child: (wall seconds, peak RSS in MB, exit status)."""
    command = [sys.executable, "-m", "jprivacy.cli", command_name, str(folder), "-o", str(output)]
    if model:
        command += ["--model", model]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.stderr.close()
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--model", action="append", help="model folder (repeatable; default: the bundled model)")
    parser.add_argument("--fields", action="append", default=[], metavar="M",
                        help="also time `jprivacy fields` with model M (repeatable; 'bundled' for the default)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows = []
    with tempfile.TemporaryDirectory(prefix="jprivacy-e2e-") as tmp:
        folder = Path(tmp) / "policies"
        folder.mkdir()
        files = copy_policies(args.eval, args.copies, folder)
        for model in args.model or [None]:
            output = Path(tmp) / "tagged.jsonl"
            seconds, peak, code = tag(folder, output, model)
            clauses = sum(1 for _ in output.open(encoding="utf-8")) if code == 0 else 0
            rows.append((model or "bundled", files, clauses, seconds, peak, code))
            print(f"{rows[-1][0]}: {clauses} clauses in {seconds:.1f}s, peak {peak:.0f} MB, exit {code}",
                  file=sys.stderr)
        counted = rows[-1][2]
        for model in args.fields:
            seconds, peak, code = tag(folder, Path(tmp) / "fields.jsonl", None if model == "bundled" else model,
                                      "fields")
            rows.append((f"fields: {model}", files, counted, seconds, peak, code))
            print(f"{rows[-1][0]}: {seconds:.1f}s, peak {peak:.0f} MB, exit {code}", file=sys.stderr)
    print(f"\n{os.cpu_count()} CPUs\n\n| model | files | clauses | seconds | clauses/s | peak RSS (MB) |\n"
          "|---|---:|---:|---:|---:|---:|")
    for model, files, clauses, seconds, peak, code in rows:
        print(f"| {model} | {files} | {clauses} | {seconds:.1f} | {clauses / seconds:,.0f} | {peak:,.0f} |"
              + ("" if code == 0 else f" (exit {code})"))


if __name__ == "__main__":
    main()
