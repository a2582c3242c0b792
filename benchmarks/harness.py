"""How one workload is measured: interleaved rounds, medians, ratios, memory.

Every implementation of a workload (micrograd_plus, PyTorch, the NumPy floor)
runs once per *round*, in alternating order, so slow drifts of a shared
machine hit all of them alike. The headline numbers are medians, and the
ratios are medians of the per-round ratios. A round in which any
implementation ran more than ``tolerance`` slower than its own best round, or
in which other processes kept busy more than a quarter of a core beyond the
cores the benchmark leaves free (read from ``/proc/stat``), is counted as
disturbed and left out. If fewer than ``min_kept`` rounds remain, the quietest
rounds are kept instead.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

MG, TORCH, FLOOR = "micrograd_plus", "torch", "numpy"
# The hand-written floor of benchmarks/floor.py: flat buffers, out=, fused loss, one Adam.
HAND = "numpy_flat"
# benchmarks/tape.py: the tiny graph on a bare Python tape, the least any autograd
# with a Python object per tensor and a Python function per op can cost.
TAPE = "python_tape"


class Skip(Exception):
    """Raised by a workload's builder when it cannot run here; the message says why."""


@dataclass
class Impl:
    """One implementation of a workload.

    ``prepare()`` builds everything the timed part needs (models, tensors,
    graphs) and returns the callable that is timed; that callable may return
    a dict of metrics (losses, accuracies), kept from the last round.
    ``traced`` says whether tracemalloc sees its allocations (NumPy does,
    PyTorch does not).
    """

    name: str
    prepare: Callable[[], Callable[[], dict | None]]
    traced: bool = True
    warmup: Callable[[], object] | None = None


@dataclass
class Workload:
    name: str
    description: str
    unit: str  # what one timed call is, e.g. "s per epoch"
    scale: float  # multiply seconds by this to get ``unit``
    impls: list[Impl]
    targets: dict = field(default_factory=dict)  # e.g. {"vs_torch": 0.5, "vs_numpy": 1.6}
    extra: Callable[[], dict] | None = None  # untimed checks (accuracy, memory growth)


# ------------------------------------------------------------------ memory
def _status_kib(field_name: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux: writing 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _release_freed_memory() -> None:
    """Hand memory that malloc keeps cached back to the OS, so RSS growth is real."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


class PeakRSS:
    """Peak resident memory above the starting point, in MiB, for any library."""

    def __enter__(self):
        gc.collect()
        _release_freed_memory()
        self.ok = _reset_peak_rss()
        self.start = _status_kib("VmRSS")
        return self

    def __exit__(self, *exc):
        peak = _status_kib("VmHWM")
        if self.ok and peak is not None and self.start is not None:
            self.mib = max(peak - self.start, 0) / 1024
        else:
            self.mib = None
        return False


def traced_peak_mib(impl: Impl) -> float:
    """Peak of the Python and NumPy allocations of prepare + one run, in MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        impl.prepare()()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# ------------------------------------------------------------------ timing
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy ticks of the whole machine, ticks used by this process and its threads)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        with open("/proc/self/stat") as own:
            mine = own.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, int(mine[11]) + int(mine[12])  # utime + stime


def _others_cores(before, after, wall: float) -> float | None:
    """How many cores other processes kept busy, on average, while we ran."""
    if before is None or after is None or wall <= 0:
        return None
    busy = after[0] - before[0]
    own = after[1] - before[1]
    return max(busy - own, 0) / _TICKS / wall


def _one_run(impl: Impl):
    with PeakRSS() as mem:
        run = impl.prepare()
        gc.collect()
        ticks = _cpu_ticks()
        start_cpu = time.process_time()
        start = time.perf_counter()
        metrics = run()
        wall = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        others = _others_cores(ticks, _cpu_ticks(), wall)
    return wall, cpu, others, mem.mib, metrics


def _kept_rounds(
    times: dict[str, list[float]],
    others: dict[str, list],
    free_cores: float,
    tolerance: float,
    min_kept: int,
    process: list[int] | None = None,
) -> list[int]:
    """Rounds in which nothing else took our cores and no implementation ran slow.

    "Slow" is judged against the best round of the same worker process
    (``process[r]`` numbers the process of round ``r``): a whole process may
    run at its own pace, and that is not a disturbance.
    """
    rounds = len(next(iter(times.values())))
    process = process or [0] * rounds
    best = {
        (name, p): min(t for t, q in zip(ts, process) if q == p)
        for name, ts in times.items()
        for p in set(process)
    }
    # How far each round strayed from every implementation's best round ...
    slow = [max(times[n][r] / best[n, process[r]] for n in times) for r in range(rounds)]
    # ... and how many cores other processes used beyond the ones we left free.
    busy = [max((others[n][r] or 0.0) for n in others) - free_cores for r in range(rounds)]
    kept = [r for r in range(rounds) if slow[r] <= 1 + tolerance and busy[r] <= 0.25]
    if len(kept) < min(min_kept, rounds):
        quietest = sorted(range(rounds), key=lambda r: (round(max(busy[r], 0), 1), slow[r]))
        kept = sorted(quietest[:min_kept])
    return kept


def _median_ratio(num: list[float], den: list[float], kept: list[int]) -> float:
    return statistics.median(num[r] / den[r] for r in kept)


def measure(
    workload: Workload,
    repeats: int,
    threads: int = 1,
    tolerance: float = 0.25,
    min_kept: int = 3,
    trace_memory: bool = True,
    log=print,
) -> dict:
    """Time every implementation of ``workload`` in ``repeats`` interleaved rounds."""
    impls = workload.impls
    for impl in impls:  # first calls pay for imports, caches, lazy initialisation
        impl.warmup() if impl.warmup else impl.prepare()()
    times = {i.name: [] for i in impls}
    cpu = {i.name: [] for i in impls}
    others = {i.name: [] for i in impls}
    rss = {i.name: [] for i in impls}
    metrics: dict = {}
    for r in range(repeats):
        for impl in impls if r % 2 == 0 else impls[::-1]:
            wall, used, busy, mib, result = _one_run(impl)
            times[impl.name].append(wall)
            cpu[impl.name].append(used)
            others[impl.name].append(busy)
            rss[impl.name].append(mib)
            if result:
                metrics[impl.name] = result
        log(
            f"  {workload.name} round {r + 1}/{repeats}: "
            + ", ".join(f"{n} {times[n][-1] * workload.scale:.4g}" for n in times)
            + f" ({workload.unit}; other processes used "
            + ", ".join(f"{others[n][-1] or 0:.1f}" for n in others)
            + " cores)"
        )
    result = {
        "description": workload.description,
        "unit": workload.unit,
        "targets": workload.targets,
        "metrics": metrics,
        "impls": {},
    }
    for impl in impls:
        name = impl.name
        entry = {
            "times": [t * workload.scale for t in times[name]],
            "cpu_per_wall_rounds": [c / t for c, t in zip(cpu[name], times[name])],
            "others_cores": others[name],
            "peak_rss_rounds": rss[name],
        }
        if trace_memory and impl.traced:
            entry["traced_peak_mib"] = traced_peak_mib(impl)
        result["impls"][name] = entry
    if workload.extra is not None:
        extra = workload.extra()
        result["extra_met"] = extra.pop("met", {})
        result["extra"] = extra
    return summarize(result, threads, tolerance, min_kept)


def summarize(result: dict, threads: int, tolerance: float = 0.25, min_kept: int = 3) -> dict:
    """Pick the undisturbed rounds and compute medians, ratios and met targets."""
    impls = result["impls"]
    times = {name: entry["times"] for name, entry in impls.items()}
    others = {name: entry["others_cores"] for name, entry in impls.items()}
    free_cores = max((os.cpu_count() or 1) - threads, 0)
    process = result.get("round_process")
    kept = _kept_rounds(times, others, free_cores, tolerance, min_kept, process)
    result["repeats"] = len(next(iter(times.values())))
    result["kept_rounds"] = kept
    for entry in impls.values():
        entry["median"] = statistics.median(entry["times"][r] for r in kept)
        entry["min"] = min(entry["times"])
        entry["cpu_per_wall"] = statistics.median(entry["cpu_per_wall_rounds"][r] for r in kept)
        entry["peak_rss_mib"] = _median_or_none([entry["peak_rss_rounds"][r] for r in kept])
    result["ratios"] = {}
    for num, den, key in (
        (MG, TORCH, "vs_torch"),
        (MG, FLOOR, "vs_numpy"),
        (TORCH, FLOOR, "torch_vs_numpy"),
        (MG, HAND, "vs_floor"),
        (TORCH, HAND, "torch_vs_floor"),
        (MG, TAPE, "vs_tape"),
        (TAPE, HAND, "tape_vs_floor"),
    ):
        if num in times and den in times:
            result["ratios"][key] = _median_ratio(times[num], times[den], kept)
    result["met"] = {
        key: result["ratios"][key] <= limit
        for key, limit in result["targets"].items()
        if key in result["ratios"]
    }
    result["met"].update(result.get("extra_met", {}))
    return result


def merge(results: list[dict], threads: int) -> dict:
    """Pool the rounds that several worker processes measured for one workload.

    A process's memory layout alone can make a library a few percent faster or
    slower for its whole life, so rounds from separate processes are pooled
    before the medians are taken. Metrics and extra checks come from the first.
    """
    merged = json.loads(json.dumps(results[0]))
    merged["round_process"] = [
        p for p, part in enumerate(results) for _ in next(iter(part["impls"].values()))["times"]
    ]
    for other in results[1:]:
        for name, entry in other["impls"].items():
            for key in ("times", "cpu_per_wall_rounds", "others_cores", "peak_rss_rounds"):
                merged["impls"][name][key] += entry[key]
    merged["processes"] = len(results)
    return summarize(merged, threads)


def _median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
