"""How one training step scales: MLP width 64..2048 (batch fixed), batch 16..4096 (width fixed).

One step is forward, cross-entropy, backward and Adam on a ``d-d-d-10`` MLP
(``d`` inputs, two hidden layers of ``d``), for micrograd_plus, PyTorch and the
hand-written floor of :mod:`benchmarks.floor`. Every point is measured by
:func:`benchmarks.harness.measure` (interleaved rounds, medians of per-round
ratios); a round runs enough steps to last about ``ROUND_S`` seconds on the
floor, so small steps are not timed one at a time.
"""

from __future__ import annotations

import time

import numpy as np

from .floor import flat_trainer
from .harness import HAND, MG, TORCH, Impl, Workload, measure
from .mlp import init_weights, mg_trainer, torch_trainer

WIDTHS, WIDTH_BATCH = (64, 128, 256, 512, 1024, 2048), 128
BATCHES, BATCH_WIDTH = (16, 64, 256, 1024, 4096), 256
QUICK_WIDTHS, QUICK_BATCHES = (64, 256, 1024), (16, 256, 4096)
ROUND_S = 0.05
LR = 1e-3


def _steps_for(width: int, batch: int, X, y) -> int:
    """Steps per round: about ROUND_S seconds of the floor, at least one."""
    train, _ = flat_trainer(init_weights([width, width, width, 10], seed=0), X, y, LR)
    whole = [[slice(None)] * 2]
    train(whole)  # warm
    start = time.perf_counter()
    train(whole)
    per_step = (time.perf_counter() - start) / 2
    return int(min(max(ROUND_S / per_step, 1), 500))


def step_workload(torch, width: int, batch: int) -> Workload:
    """One point of the sweep: training steps on one fixed batch of random data."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, width)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    weights = init_weights([width, width, width, 10], seed=0)
    steps = _steps_for(width, batch, X, y)
    epochs = [[slice(None)] * steps]  # the whole batch, as a view: no copy per step

    def impl(name, make, traced=True):
        def prepare():
            train, _ = make()
            return lambda: {"final_loss": train(epochs)}

        return Impl(name, prepare, traced=traced, warmup=lambda: make()[0]([epochs[0][:2]]))

    impls = [impl(MG, lambda: mg_trainer(weights, X, y, LR))]
    if torch is not None:
        impls.append(impl(TORCH, lambda: torch_trainer(torch, weights, X, y, LR), False))
    impls.append(impl(HAND, lambda: flat_trainer(weights, X, y, LR)))
    return Workload(
        name=f"step_w{width}_b{batch}",
        description=f"{width}-{width}-{width}-10 MLP, batch {batch}, one Adam step",
        unit="ms per step",
        scale=1e3 / steps,
        impls=impls,
    )


def sizes(quick: bool = False) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The widths and the batch sizes the sweep visits."""
    return (QUICK_WIDTHS, QUICK_BATCHES) if quick else (WIDTHS, BATCHES)


def sweep(torch, quick: bool = False, repeats: int = 3, log=print) -> dict:
    """Both sweeps; each point keeps the medians (ms per step) and the ratios."""

    def point(width, batch):
        result = measure(
            step_workload(torch, width, batch), repeats, trace_memory=False, log=lambda _: None
        )
        times = {name: impl["median"] for name, impl in result["impls"].items()}
        log(
            f"  scaling width {width} batch {batch}: "
            + ", ".join(f"{n} {t:.3g} ms" for n, t in times.items())
            + ", "
            + ", ".join(f"{k} {v:.2f}" for k, v in result["ratios"].items())
        )
        return {
            "width": width,
            "batch": batch,
            "ms_per_step": times,
            "ratios": result["ratios"],
            "kept_rounds": len(result["kept_rounds"]),
        }

    widths, batches = sizes(quick)
    start = time.perf_counter()
    out = {
        "description": "one training step (forward, cross-entropy, backward, Adam) of a "
        "d-d-d-10 MLP on random float32 data, 1 thread",
        "width": {"batch": WIDTH_BATCH, "points": [point(w, WIDTH_BATCH) for w in widths]},
        "batch": {"width": BATCH_WIDTH, "points": [point(BATCH_WIDTH, b) for b in batches]},
        "repeats": repeats,
    }
    out["seconds"] = time.perf_counter() - start
    return out
