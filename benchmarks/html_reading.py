"""Time to reduce big HTML pages to their visible text: does it grow linearly with the page?

    python benchmarks/html_reading.py [--scale 1]

The pages are the shapes a real crawl holds and that once took quadratic time (issue 14: 10,000
``<p>`` took 6.9 s, 20,000 sibling ``<div>`` 29 s, 50,000 nested ``<div>`` 96 s), each also at
twice and four times its size (``--scale`` multiplies all).  ``jprivacy.readers.html_to_text``
runs on each; the best of three runs is printed as a markdown table with the time per element,
which stays flat when the time is linear.  Not run in CI.
"""

from __future__ import annotations

import argparse
import time

from jprivacy.readers import html_to_text

SHAPES = {
    "sibling <p>": (10_000, lambda n: "<html><body>" + "".join(f"<p>当社は第{i}項を定めます。</p>" for i in range(n))),
    "sibling <div>": (20_000, lambda n: "<html><body>" + "".join(f"<div>項目{i}</div>" for i in range(n))),
    "nested <div>": (50_000, lambda n: "<html><body>" + "<div>項目" * n + "</div>" * n),
    "table rows": (20_000, lambda n: "<html><body><table>" + "".join(
        f"<tr><th>名称{i}</th><td>Google LLC</td><td>米国</td></tr>" for i in range(n)) + "</table>"),
}


def best_of(runs: int, page: str) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        html_to_text(page)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every element count")
    args = parser.parse_args()
    print("| page | elements | MB | seconds | µs per element |")
    print("|---|---:|---:|---:|---:|")
    for name, (count, build) in SHAPES.items():
        for factor in (1, 2, 4):
            n = int(count * factor * args.scale)
            page = build(n)
            seconds = best_of(3, page)
            print(f"| {name} | {n:,} | {len(page.encode()) / 2**20:.1f} | {seconds:.3f} | {1e6 * seconds / n:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()
