"""Render a results JSON as a Markdown table and a bar chart.

``python -m benchmarks.report [results.json]`` (default: the newest file in
``benchmarks/results/``) writes ``<stem>.md`` and ``<stem>.png`` next to it
and prints the table. Rendering the newest results also copies them into the
package (``micrograd_plus/book/benchmark_results.json``), where chapter 9 of
the book reads them. The rendering itself is :mod:`micrograd_plus.book.recorded_benchmarks`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from micrograd_plus.book import recorded_benchmarks as benchmark
from micrograd_plus.book.recorded_benchmarks import chart, load, markdown, rows  # noqa: F401

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGED = Path(benchmark.__file__).with_name(benchmark.RECORDED)


def latest(folder: Path = RESULTS, include_quick: bool = False) -> Path:
    """The newest results file (by the date in its name, then modification time)."""
    return benchmark.latest(folder, include_quick)


def render(path: Path | None = None) -> str:
    path = Path(path or latest())
    data = load(path)
    table = markdown(data)
    path.with_suffix(".md").write_text(table)
    chart(data, path.with_suffix(".png"))
    if "scaling" in data:
        benchmark.scaling_chart(data, path.with_name(path.stem + "-scaling.png"))
    print(table)
    print(f"wrote {path.with_suffix('.md')} and {path.with_suffix('.png')}")
    if path.resolve() == latest().resolve():
        shutil.copyfile(path, PACKAGED)
        print(f"copied to {PACKAGED} for the book")
    return table


if __name__ == "__main__":
    render(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
