"""Peak memory of ``jprivacy tag`` on one huge policy: does it grow with the size of the input?

    python benchmarks/memory.py [--sizes 1 10 50] [--one-line] [--model M] [--keep DIR]

For each size (in MB of UTF-8) a policy of ordinary lines is written by mixing the real policy
texts of ``data/policies`` (``.txt`` and ``.md``, shuffled, repeated) until it is that large.
With ``--one-line`` the same text is written as one line (line ends become spaces), as a page
flattened by a careless scraper would be: the segmenter then holds per-character arrays of the
whole line while it splits it.
The real ``jprivacy tag POLICY -o OUT.jsonl`` command then runs on it in a child process; its
peak resident memory is the child's own ``ru_maxrss`` (from ``os.wait4``).  Printed as a markdown table, with
the growth over the smallest size.

The whole document text is held in memory while it is tagged (about 2 bytes per character of
Japanese, plus the file's bytes while they are decoded), so peak memory grows with the input by
what reading it costs.  A second child only loads the model and reads the policy: the last
column, tagging's peak over that, must stay flat; clauses, records and model inputs must not
accumulate.  Not run in CI.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "data" / "policies"


def write_policy(path: Path, megabytes: float, seed: int = 0, one_line: bool = False) -> int:
    """Write a policy of ``megabytes`` MB (UTF-8) made of real policy texts; its size in bytes."""
    sources = [p.read_text(encoding="utf-8").strip("\n").encode("utf-8") + b"\n\n"
               for p in sorted(POLICIES.iterdir()) if p.suffix in (".txt", ".md")]
    rng = random.Random(seed)
    target, written = int(megabytes * 1024 * 1024), 0
    with open(path, "wb") as f:
        while written < target:
            rng.shuffle(sources)
            for data in sources:
                if written + len(data) > target:  # end on a whole line, just under the target
                    data = data[:target - written]
                    data = data[:data.rfind(b"\n") + 1]
                    target = written + len(data)
                f.write(data.replace(b"\n", b" ") if one_line else data)
                written += len(data)
                if written >= target:
                    break
    return path.stat().st_size


def measure(command: list[str]) -> dict:
    """Run ``command`` in a child process; its time and its own peak resident memory."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not every child's
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise RuntimeError(f"{' '.join(command)} exited {code}: {stderr.decode()[-2000:]}")
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024}


def tag_command(policy: Path, output: Path, model: str | None) -> list[str]:
    return [shutil.which("jprivacy") or "jprivacy", "tag", str(policy), "-o", str(output),
            *(["--model", model] if model else [])]


def read_command(policy: Path, model: str | None) -> list[str]:
    """Load the model and read the document, nothing else: what holding the text costs."""
    code = "import sys, jprivacy; jprivacy.load(sys.argv[2] or None); jprivacy.read_document(sys.argv[1])"
    return [sys.executable, "-c", code, str(policy), model or ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 10, 50], help="policy sizes in MB")
    parser.add_argument("--one-line", action="store_true", help="write each policy as a single line")
    parser.add_argument("--model", help="model folder (default: the bundled model)")
    parser.add_argument("--keep", type=Path, help="write the policies and outputs here and keep them")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="jprivacy-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = []
        for size in sorted(args.sizes):
            policy, output = work / f"policy-{size:g}MB.txt", work / f"policy-{size:g}MB.jsonl"
            nbytes = write_policy(policy, size, one_line=args.one_line)
            tag = measure(tag_command(policy, output, args.model))
            with open(output, "rb") as f:
                tag["clauses"] = sum(1 for _ in f)
            read = measure(read_command(policy, args.model))
            rows.append((size, nbytes, tag, read))
            print(f"# {size:g} MB: tag {tag}, read only {read}", file=sys.stderr, flush=True)
        base = rows[0][2]["peak_mb"]
        layout = "one line" if args.one_line else "ordinary lines"
        print(f"`jprivacy tag POLICY -o OUT.jsonl`, policy on {layout}, model: {args.model or 'bundled'}\n")
        print(f"| input | clauses | seconds | clauses/s | peak RSS | growth over {rows[0][0]:g} MB "
              "| peak RSS of load + read only | tag − read only |")
        print("|---|---|---|---|---|---|---|---|")
        for size, nbytes, tag, read in rows:
            print(f"| {size:g} MB ({nbytes:,} bytes) | {tag['clauses']:,} | {tag['seconds']:.1f} "
                  f"| {tag['clauses'] / tag['seconds']:,.0f} | {tag['peak_mb']:.0f} MB "
                  f"| {tag['peak_mb'] - base:+.0f} MB | {read['peak_mb']:.0f} MB "
                  f"| {tag['peak_mb'] - read['peak_mb']:+.0f} MB |")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
