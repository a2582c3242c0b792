"""Run the benchmark suite: ``python -m benchmarks.run [--quick] [--threads 1 2]``.

The parent process starts one worker process per thread count. A worker sets
``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``/``MKL_NUM_THREADS`` before NumPy
or PyTorch is imported (a BLAS reads them once, at load) and calls
``torch.set_num_threads``, so both libraries get the same number of threads.
``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE``, which some machines set to
work around old OpenBLAS bugs and which slow a current NumPy, are removed for
the workers only; the kernel OpenBLAS then picks is recorded (threadpoolctl).

The ``scaling`` sweep (:mod:`benchmarks.scaling`: one training step as the
MLP's width and the batch grow) runs once, on one thread, in the first worker.

Results go to ``benchmarks/results/<date>-<machine>.json``, then the Markdown
table and the chart are rendered next to it (``benchmarks/report.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .harness import merge

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
CORETYPE_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
WORKLOADS = ("overhead", "overhead_no_grad", "spiral", "fashion", "deep", "loss", "hvp", "lbfgs")
SCALING = "scaling"  # not a Workload: a sweep of them, stored under its own key


def _parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=None, help="rounds per workload")
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 rounds")
    parser.add_argument(
        "--only", nargs="+", choices=(*WORKLOADS, SCALING), default=[*WORKLOADS, SCALING]
    )
    parser.add_argument(
        "--accuracy-epochs",
        type=int,
        default=None,
        help="epochs before comparing Fashion-MNIST test accuracy (0 skips; default 5, "
        "0 with --quick); only at the first thread count",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="worker processes per thread count whose rounds are pooled (default 2, 1 with "
        "--quick): a process's memory layout can favour one library for its whole life",
    )
    parser.add_argument("--no-torch", action="store_true", help="run as if torch were absent")
    parser.add_argument("--out", type=Path, default=None, help="JSON path (default: results/)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ------------------------------------------------------------------------ worker
def _worker(args) -> None:
    threads = args.threads[0]
    for var in THREAD_VARS:  # before numpy/torch load their thread pools
        os.environ[var] = str(threads)
    torch = None
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            print("torch is not installed: reporting the NumPy floor ratio only")
    from . import curvature, micro, scaling, training
    from .harness import Skip, measure
    from .machine import describe

    repeats = args.repeats or (3 if args.quick else 7 if threads > 1 else 5)
    quick = args.quick
    results = {}
    out = {"threads": threads, "repeats": repeats, "machine": describe(torch)}

    def build(name):
        if name == "overhead":
            return micro.overhead(torch, quick)
        if name == "overhead_no_grad":
            return micro.overhead(torch, quick, no_grad=True)
        if name == "spiral":
            return training.spiral(torch, quick)
        if name == "fashion":
            data = training.load_fashion()
            if data is None:
                raise Skip("no local Fashion-MNIST copy")
            return training.fashion(torch, data, quick, args.accuracy_epochs)
        if name == "deep":
            return micro.deep(torch, quick)
        if name == "loss":
            return micro.large_loss(torch, quick)
        if name == "hvp":
            return curvature.hvp(torch, quick)
        if name == "lbfgs":
            return curvature.lbfgs(torch, quick)
        raise ValueError(name)

    for name in args.only:
        if name == SCALING:
            widths, batches = scaling.sizes(quick)
            print(f"[{threads} thread(s)] scaling: widths {widths}, batches {batches}", flush=True)
            sweep = scaling.sweep(torch, quick, log=lambda m: print(m, flush=True))
            # Its own date: a sweep may be re-measured alone, after the rest of the file.
            out[SCALING] = {"date": dt.datetime.now().isoformat(timespec="seconds"), **sweep}
            continue
        try:
            workload = build(name)
        except Skip as why:
            print(f"[{threads} thread(s)] {name}: skipped, {why}", flush=True)
            results[name] = {"skipped": str(why)}
            continue
        print(f"[{threads} thread(s)] {name}: {workload.description}", flush=True)
        if threads != 1:
            workload.targets = {}  # the targets are set for one thread; more are reported
        results[name] = measure(workload, repeats, threads, log=lambda m: print(m, flush=True))
        ratios = ", ".join(f"{k} {v:.3f}" for k, v in results[name]["ratios"].items())
        print(f"[{threads} thread(s)] {name}: {ratios}  met: {results[name]['met']}", flush=True)
    out["workloads"] = results
    Path(args.out).write_text(json.dumps(out, indent=1))


# ------------------------------------------------------------------------ parent
def _worker_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    for var in CORETYPE_VARS:  # benchmarking only: never in tests or CI
        env.pop(var, None)
    return env


def _run_worker(args, threads: int, processes: int, accuracy_epochs: int, first: bool) -> dict:
    only = [n for n in args.only if n != SCALING or first]  # one sweep, the first worker's
    with tempfile.TemporaryDirectory() as tmp:
        part = Path(tmp) / "run.json"
        cmd = [sys.executable, "-m", "benchmarks.run", "--worker", "--threads", str(threads)]
        cmd += ["--only", *only, "--out", str(part)]
        cmd += ["--accuracy-epochs", str(accuracy_epochs)]
        repeats = args.repeats or (3 if args.quick else 7 if threads > 1 else 5)
        cmd += ["--repeats", str(-(-repeats // processes))]  # rounds per process, rounded up
        if args.quick:
            cmd.append("--quick")
        if args.no_torch:
            cmd.append("--no-torch")
        subprocess.run(cmd, check=True, cwd=HERE.parent, env=_worker_env(threads))
        return json.loads(part.read_text())


def main(argv=None) -> Path:
    args = _parse(argv)
    if args.worker:
        _worker(args)
        return args.out
    accuracy_epochs = args.accuracy_epochs
    if accuracy_epochs is None:
        accuracy_epochs = 0 if args.quick else 5
    processes = args.processes or (1 if args.quick else 2)
    runs = {}
    machine = sweep = None
    for k, threads in enumerate(args.threads):
        parts = []
        for p in range(processes):
            print(f"== {threads} thread(s), worker process {p + 1}/{processes}", flush=True)
            # The 5-epoch accuracy comparison and the scaling sweep run once, on 1 thread.
            first = k == 0 and p == 0
            once = p == 0 and threads == 1
            epochs = accuracy_epochs if first else 0
            parts.append(_run_worker(args, threads, processes, epochs, once))
        data = parts[0]
        sweep = sweep or data.get(SCALING)
        machine = machine or data["machine"]
        workloads = {}
        for name, result in data["workloads"].items():
            if "skipped" in result:
                workloads[name] = result
                continue
            workloads[name] = merge([part["workloads"][name] for part in parts], threads)
            ratios = ", ".join(f"{k} {v:.3f}" for k, v in workloads[name]["ratios"].items())
            print(f"[{threads} thread(s), pooled] {name}: {ratios}", flush=True)
        runs[str(threads)] = {
            "repeats": sum(part["repeats"] for part in parts),
            "processes": processes,
            "blas": data["machine"]["blas"].get("threadpools"),
            "torch_threads": data["machine"].get("torch_threads"),
            "workloads": workloads,
        }
    environment = {var: os.environ.get(var) for var in CORETYPE_VARS}
    result = {
        "schema": 1,
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine,
        "parent_environment": environment,
        "runs": runs,
    }
    if sweep is not None:
        result[SCALING] = sweep
    out = args.out
    if out is None:
        RESULTS.mkdir(exist_ok=True)
        suffix = "-quick" if args.quick else ""
        out = RESULTS / f"{dt.date.today().isoformat()}-{machine['name']}{suffix}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    from . import report

    report.render(out)
    return out


if __name__ == "__main__":
    main()
