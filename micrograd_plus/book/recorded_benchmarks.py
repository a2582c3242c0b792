"""Benchmark results as a Markdown table and a bar chart, and the recorded results.

The suite that measures them lives in the repository's ``benchmarks/`` (``nox -s
bench``); ``python -m benchmarks.report`` renders a results file with the
functions here. The newest committed results also ship with the package
(:func:`recorded`), so chapter 9 of the book runs wherever the package is
installed.

Examples
--------
>>> from micrograd_plus.book import recorded_benchmarks as benchmark
>>> data = benchmark.recorded()
>>> "overhead" in data["runs"]["1"]["workloads"]
True
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

MG, TORCH, FLOOR = "micrograd_plus", "torch", "numpy"
HAND = "numpy_flat"  # the hand-written floor: flat buffers, out=, fused loss, one Adam update
ORDER = ("spiral", "fashion", "overhead", "overhead_no_grad", "deep", "loss", "hvp", "lbfgs")
LABELS = {"overhead_no_grad": "no_grad"}  # short names under the bars
RECORDED = "benchmark_results.json"  # a copy of the newest file in benchmarks/results/


def latest(folder: Path, include_quick: bool = False) -> Path:
    """The newest results file in ``folder`` (by the date in its name, then modification time)."""
    files = [p for p in folder.glob("*.json") if include_quick or not p.stem.endswith("-quick")]
    if not files:
        raise FileNotFoundError(f"no benchmark results in {folder}; run python -m benchmarks.run")
    return max(files, key=lambda p: (p.stem[:10], p.stat().st_mtime))


def load(path: Path) -> dict:
    """Read a results file."""
    return json.loads(Path(path).read_text())


def recorded() -> dict:
    """The newest results committed to the repository, as shipped with the package."""
    return json.loads(resources.files(__package__).joinpath(RECORDED).read_text())


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}g}"


def _ratio_cell(result: dict, key: str, judged: bool = True, short: bool = False) -> str:
    value = result.get("ratios", {}).get(key)
    if value is None:
        return "–"
    cell = f"{value:.2f}x"
    target = result.get("targets", {}).get(key)
    if target is not None and judged:
        mark = "✓" if value <= target else "✗"
        cell += f" {mark}" if short else f" (≤ {target}x {mark})"
    return cell


def _memory_cell(result: dict) -> str:
    parts = []
    for name in (MG, TORCH, FLOOR):
        impl = result["impls"].get(name)
        if impl is None:
            continue
        mib = impl.get("traced_peak_mib", impl.get("peak_rss_mib"))
        kind = "" if "traced_peak_mib" in impl else " RSS"
        parts.append(f"{_fmt(mib, 2)}{kind}")
    return " / ".join(parts)


def rows(data: dict) -> list[dict]:
    """One row per (workload, thread count), in a fixed workload order."""
    out = []
    for threads, run in data["runs"].items():
        workloads = run["workloads"]
        for name in sorted(workloads, key=lambda n: ORDER.index(n) if n in ORDER else 99):
            result = workloads[name]
            if "skipped" in result:
                out.append({"workload": name, "threads": threads, "skipped": result["skipped"]})
                continue
            out.append({"workload": name, "threads": threads, "result": result})
    return out


def markdown(data: dict, compact: bool = False) -> str:
    """The results as Markdown; ``compact`` gives one narrower table per thread count."""
    machine = data["machine"]
    blas = ", ".join(
        f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')})"
        for p in (data["runs"][next(iter(data["runs"]))].get("blas") or [])
        if isinstance(p, dict) and p.get("user_api") == "blas"
    )
    lines = [
        f"Benchmarks of {data['date'][:10]} on {machine['cpu']}, {machine['cores']} cores; "
        f"NumPy {machine['numpy']} ({blas or 'BLAS unknown'}), "
        f"PyTorch {machine.get('torch') or 'not installed'}, Python {machine['python']}."
        + (" Quick run (reduced sizes)." if data.get("quick") else ""),
        "",
        "Times are medians over the kept rounds; ratios are medians of per-round ratios "
        "(lower is better); ✓/✗ compare them with the targets, which are set for one "
        "thread. Memory: peak traced MiB (tracemalloc) for micrograd_plus / NumPy, peak RSS "
        "growth for PyTorch.",
    ]
    lines += _compact_tables(data) if compact else _full_table(data)
    lines += _notes(data)
    return "\n".join(lines) + "\n"


def _full_table(data: dict) -> list[str]:
    lines = [
        "",
        "| workload | threads | unit | micrograd_plus | PyTorch | NumPy floor "
        "| vs PyTorch | vs NumPy floor | hand-written floor | vs hand-written floor "
        "| peak memory MiB (mg / torch / floor) | rounds kept |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows(data):
        if "skipped" in row:
            lines.append(f"| {row['workload']} | {row['threads']} | skipped: {row['skipped']} |")
            continue
        r = row["result"]
        impls = r["impls"]
        judged = row["threads"] == "1"  # the targets are set for one thread
        med = {n: _fmt(impls[n]["median"]) if n in impls else "–" for n in (MG, TORCH, FLOOR, HAND)}
        lines.append(
            f"| {row['workload']} | {row['threads']} | {r['unit']} | {med[MG]} | {med[TORCH]} "
            f"| {med[FLOOR]} | {_ratio_cell(r, 'vs_torch', judged)} "
            f"| {_ratio_cell(r, 'vs_numpy', judged)} "
            f"| {med[HAND]} | {_ratio_cell(r, 'vs_floor', judged)} "
            f"| {_memory_cell(r)} | {len(r['kept_rounds'])}/{r['repeats']} |"
        )
    return lines


def _compact_tables(data: dict) -> list[str]:
    lines = []
    for threads in data["runs"]:
        lines += [
            "",
            f"**{threads} thread{'s' if threads != '1' else ''}**",
            "",
            "| workload (unit) | micrograd_plus | PyTorch | NumPy floor | vs PyTorch "
            "| vs floor | vs hand-written floor | peak MiB (ours) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in rows(data):
            if row["threads"] != threads or "skipped" in row:
                continue
            r = row["result"]
            impls = r["impls"]
            med = {n: _fmt(impls[n]["median"]) if n in impls else "–" for n in (MG, TORCH, FLOOR)}
            mine = impls[MG].get("traced_peak_mib", impls[MG].get("peak_rss_mib"))
            judged = threads == "1"
            lines.append(
                f"| {row['workload']} ({r['unit']}) | {med[MG]} | {med[TORCH]} | {med[FLOOR]} "
                f"| {_ratio_cell(r, 'vs_torch', judged, True)} "
                f"| {_ratio_cell(r, 'vs_numpy', judged, True)} "
                f"| {_ratio_cell(r, 'vs_floor', judged, True)} | {_fmt(mine, 2)} |"
            )
    return lines


def _notes(data: dict) -> list[str]:
    notes = []
    for row in rows(data):
        extra = row.get("result", {}).get("extra") or {}
        if "accuracy_gap_pp" in extra or f"test_accuracy_{MG}" in extra:
            acc = ", ".join(
                f"{n} {100 * extra[f'test_accuracy_{n}']:.2f}%"
                for n in (MG, TORCH)
                if f"test_accuracy_{n}" in extra
            )
            gap = extra.get("accuracy_gap_pp")
            notes.append(
                f"- Fashion-MNIST test accuracy after {extra['epochs']} epochs: {acc}"
                + (f" (gap {gap:.2f} pp, target ≤ 0.5 pp)" if gap is not None else "")
            )
        if "bytes_per_op" in extra:
            per_op = ", ".join(
                f"{int(n):,} ops: {b:,} B/op" for n, b in extra["bytes_per_op"].items()
            )
            notes.append(f"- deep chain, micrograd_plus peak memory per op: {per_op} (linear)")
        if "max_rel_error_vs_torch" in extra:
            notes.append(
                "- Hessian-vector product: micrograd_plus's within "
                f"{extra['max_rel_error_vs_torch']:.1e} of PyTorch's (largest error relative "
                "to the largest entry, per parameter)"
            )
        if "max_abs_gap" in extra:
            point = ", ".join(f"{v:.6g}" for v in extra["final_point_micrograd_plus"])
            notes.append(
                f"- L-BFGS on Rosenbrock: both libraries end at ({point}) after 20 iterations "
                f"(largest gap {extra['max_abs_gap']:.1e})"
            )
    return ["", *dict.fromkeys(notes)] if notes else []


def chart(data: dict, path: Path | None = None, show: bool = False):
    """Bars of micrograd_plus's time relative to PyTorch and to the NumPy floor."""
    import matplotlib

    if not show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    threads = list(data["runs"])
    names = [n for n in ORDER if any(n in data["runs"][t]["workloads"] for t in threads)]
    # One above the other: each panel gets the book's whole column, its labels legible.
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 7), sharey=False)
    width = 0.8 / max(len(threads), 1)
    for ax, key, title in (
        (axes[0], "vs_torch", "micrograd_plus time / PyTorch time"),
        (axes[1], "vs_numpy", "micrograd_plus time / NumPy floor time"),
    ):
        for k, t in enumerate(threads):
            values = []
            for n in names:
                result = data["runs"][t]["workloads"].get(n, {})
                values.append(result.get("ratios", {}).get(key, float("nan")))
            xs = [i + (k - (len(threads) - 1) / 2) * width for i in range(len(names))]
            ax.bar(xs, values, width, label=f"{t} thread{'s' if t != '1' else ''}")
        for i, n in enumerate(names):
            target = data["runs"][threads[0]]["workloads"].get(n, {}).get("targets", {}).get(key)
            if target is not None:
                ax.hlines(target, i - 0.45, i + 0.45, colors="black", linestyles="--", lw=1)
        ax.axhline(1.0, color="grey", lw=0.8)
        labels = [LABELS.get(n, n) for n in names]
        ax.set_xticks(range(len(names)), labels, rotation=25)
        ax.set_title(title + "\n(lower is better; dashes: 1-thread targets)", fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(f"{data['machine']['cpu']}, {data['date'][:10]}", fontsize=10)
    return _finish(fig, path, show)


# ------------------------------------------------------------------ scaling
def scaling_points(data: dict, axis: str) -> tuple[list[int], dict[str, list[float]]]:
    """The sweep along ``axis`` ("width" or "batch"): sizes and ms per step per library."""
    points = data["scaling"][axis]["points"]
    sizes = [p[axis] for p in points]
    names = [n for n in (MG, TORCH, HAND) if all(n in p["ms_per_step"] for p in points)]
    return sizes, {n: [p["ms_per_step"][n] for p in points] for n in names}


def scaling_ratios(data: dict, axis: str, key: str = "vs_floor") -> list[float]:
    """The ratio ``key`` at each point of the sweep along ``axis`` (empty if not measured)."""
    points = data["scaling"][axis]["points"]
    if not all(key in p["ratios"] for p in points):
        return []
    return [p["ratios"][key] for p in points]


def scaling_chart(data: dict, path: Path | None = None, show: bool = False):
    """Time per training step, and its ratio to the hand-written floor, as width and batch grow."""
    import matplotlib

    if not show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweep = data["scaling"]
    fig, axes = plt.subplots(2, 2, figsize=(7.5, 6.5), sharex="col")
    labels = {MG: "micrograd_plus", TORCH: "PyTorch", HAND: "hand-written floor"}
    for col, (axis, fixed) in enumerate((("width", "batch"), ("batch", "width"))):
        sizes, ms = scaling_points(data, axis)
        top, bottom = axes[0][col], axes[1][col]
        for name, values in ms.items():
            top.loglog(sizes, values, "o-", label=labels[name], base=2)
        for name, key in ((MG, "vs_floor"), (TORCH, "torch_vs_floor")):
            ratio = scaling_ratios(data, axis, key)
            if ratio:  # medians of per-round ratios, as the tables report
                bottom.semilogx(sizes, ratio, "o-", label=labels[name], base=2)
        bottom.axhline(1.0, color="grey", lw=0.8)
        top.set_title(f"{axis} grows ({fixed} {sweep[axis][fixed]})", fontsize=10)
        top.set_ylabel("ms per step")
        bottom.set_ylabel("time / hand-written floor")
        bottom.set_xlabel(axis)
        bottom.set_xticks(sizes, [str(s) for s in sizes], rotation=30)
        top.legend(fontsize=8)
        bottom.legend(fontsize=8)
    fig.suptitle(
        f"One Adam step of a d-d-d-10 MLP, 1 thread; {data['machine']['cpu']}", fontsize=10
    )
    return _finish(fig, path, show)


def _finish(fig, path, show: bool):
    """Lay ``fig`` out, save it to ``path`` if given, and close it unless it is to be shown."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    if not show:
        plt.close(fig)
    return fig
